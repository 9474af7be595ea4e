// `planc plan diff`: op-level changes and the privileged summary, from bundles, config files,
// saved JSON plans and raw plan bytes. Exit 0 same, 1 different, 2 usage. No root needed.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { planc } from '../helpers/planc.js';
import { rmTree, tempDir } from '../helpers/bundle.js';
import { bundleDir, corpusConfig, hostV1 } from './corpus.js';
import { diffPlans } from '../../orchestrator/src/audit/diff.js';
import type { PlanOp } from '../../orchestrator/src/plan/decode.js';

let tmp: string, a: string, b: string;
const diff = (x: string, y: string, extra: string[] = []) => planc(['plan', 'diff', x, y, '--host-facts', hostV1, ...extra]);

beforeAll(() => {
  tmp = tempDir('diff');
  const base = corpusConfig('docker/default');
  a = bundleDir(path.join(tmp, 'a'), base);
  const c = structuredClone(base);
  c.process.capabilities.bounding.push('CAP_SYS_ADMIN');
  c.process.capabilities.permitted.push('CAP_SYS_ADMIN');
  c.mounts.push({ destination: '/host/etc', type: 'bind', source: '/etc', options: ['rbind'] });
  c.linux.maskedPaths = c.linux.maskedPaths.filter((p: string) => p !== '/proc/kcore');
  c.linux.readonlyPaths = c.linux.readonlyPaths.filter((p: string) => p !== '/proc/sys');
  c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== 'network');
  delete c.linux.seccomp;
  c.linux.resources.devices.push({ allow: true, type: 'c', major: 10, minor: 229, access: 'rwm' });
  c.linux.namespaces.push({ type: 'network', path: '/run/netns/x' });
  c.linux.netDevices = { eth1: { name: 'ctr1' } };
  b = bundleDir(path.join(tmp, 'elsewhere', 'b'), c);
});
afterAll(() => rmTree(tmp));

describe('plan diff', () => {
  test('the same bundle at two paths is the same plan (exit 0)', () => {
    const copy = bundleDir(path.join(tmp, 'copy'), corpusConfig('docker/default'));
    const r = diff(a, copy);
    expect(r.stdout).toMatch(/plans are the same/);
    expect(r.code).toBe(0);
  });
  test('the privileged summary names each new privilege (exit 1)', () => {
    const r = diff(a, b);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('+ capability: CAP_SYS_ADMIN (bounding, permitted)');
    expect(r.stdout).toContain('+ writable host bind mount: /etc -> /host/etc');
    expect(r.stdout).toContain('- masked path: /proc/kcore');
    expect(r.stdout).toContain('- read-only path: /proc/sys');
    expect(r.stdout).toContain('- new namespace: net');
    expect(r.stdout).toContain('seccomp: removed');
    expect(r.stdout).toContain('+ device cgroup rule: allow c 10:229 rwm');
    expect(r.stdout).toContain('+ host network device: eth1 -> ctr1');
  });
  test('json output carries op changes and the summary', () => {
    const r = JSON.parse(diff(a, b, ['--format', 'json']).stdout);
    expect(r.same).toBe(false);
    expect(r.summary.capabilities.added).toEqual({ CAP_SYS_ADMIN: ['bounding', 'permitted'] });
    expect(r.summary.writableHostBinds.added).toEqual(['/etc -> /host/etc']);
    expect(r.ops.some((o: any) => o.kind === 'added' && o.op === 'mount_in_root')).toBe(true);
    expect(r.ops.some((o: any) => o.kind === 'removed' && o.op === 'seccomp_set_filter')).toBe(true);
    expect(r.ops.some((o: any) => o.kind === 'changed' && o.op === 'clone_into_cgroup')).toBe(true);
  });
  test('saved JSON plans and raw bytes diff like the bundles they came from', () => {
    const ja = path.join(tmp, 'a.json');
    fs.writeFileSync(ja, planc(['plan', '-b', a, '--host-facts', hostV1, '--format', 'json']).stdout);
    const rb = path.join(tmp, 'b.bin');
    expect(planc(['plan', '-b', b, '--host-facts', hostV1, '--output', rb, '--id', 'other']).code).toBe(0);
    expect(diff(ja, a).code).toBe(0);
    expect(diff(ja, path.join(a, 'config.json')).code).toBe(0);
    const r = diff(ja, rb);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('+ capability: CAP_SYS_ADMIN (bounding, permitted)');
    expect(r.stdout).not.toMatch(/^[~+-].*mkdir path=/m);    // cgroup dirs differ only by id
  });
  test('usage errors exit 2', () => {
    expect(diff(a, path.join(tmp, 'missing')).code).toBe(2);
    expect(planc(['plan', 'diff', a]).code).toBe(2);
  });
});

describe('op alignment', () => {
  const op = (index: number, o: string, args: Record<string, unknown>, why = 'x'): PlanOp =>
    ({ index, lane: 'container', op: o, why, args } as PlanOp);
  test('an inserted op is one addition, not a cascade of changes', () => {
    const x = [op(0, 'mask_path', { path: '/a' }), op(1, 'mask_path', { path: '/b' })];
    const y = [op(0, 'mask_path', { path: '/a' }), op(1, 'mask_path', { path: '/new' }), op(2, 'mask_path', { path: '/b' })];
    const d = diffPlans(x, y);
    expect(d.ops.map((c) => `${c.kind} ${c.key}`)).toEqual(['added container mask_path path="/new"']);
    expect(d.summary.maskedPaths).toEqual({ added: ['/new'], removed: [] });
  });
  test('an arg change on the same target is one change with the old and new value', () => {
    const x = [op(0, 'setrlimit', { resource: 7, soft: 1024n, hard: 1024n })];
    const y = [op(0, 'setrlimit', { resource: 7, soft: 1024n, hard: 4096n })];
    const d = diffPlans(x, y);
    expect(d.ops).toEqual([{ kind: 'changed', op: 'setrlimit', key: 'container setrlimit resource=RLIMIT_NOFILE', a: 0, b: 0, changes: [{ arg: 'hard', from: '1024', to: '4096' }] }]);
  });
});
