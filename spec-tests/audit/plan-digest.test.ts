// Plan bytes are a function of the inputs only: identical across runs, under Node and Bun, and
// with config keys shuffled. The stable digest ignores id, bundle path and state dir and nothing else.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { exec, planc } from '../helpers/planc.js';
import { plancJs } from '../helpers/env.js';
import { rmTree, tempDir } from '../helpers/bundle.js';
import { allConfigs, bundleDir, hostV1, shuffleKeys } from './corpus.js';

let tmp: string;
beforeAll(() => { tmp = tempDir('digest'); });
afterAll(() => rmTree(tmp));

const valid = allConfigs().filter(([label]) => !label.includes('broken/'));

function planBytes(bundle: string, extra: string[] = [], engine: 'bun' | 'node' = 'bun'): Buffer {
  const out = path.join(bundle, `plan-${Math.random().toString(36).slice(2)}.bin`);
  const args = ['plan', '-b', bundle, '--host-facts', hostV1, '--output', out, ...extra];
  const r = engine === 'node' ? exec(process.execPath, [plancJs, ...args]) : planc(args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const b = fs.readFileSync(out);
  fs.rmSync(out);
  return b;
}
function planJson(bundle: string, extra: string[] = []): { digest: string; stable_digest: string } {
  const r = planc(['plan', '-b', bundle, '--host-facts', hostV1, '--format', 'json', ...extra]);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

describe('plan bytes are deterministic', () => {
  for (const [label, config] of valid) {
    test(`${label}: repeated runs, Node vs Bun and shuffled keys give the same bytes`, () => {
      const slug = label.replace(/[^\w]+/g, '-');
      const a = bundleDir(path.join(tmp, slug, 'a'), config);
      const b = bundleDir(path.join(tmp, slug, 'b'), null, JSON.stringify(shuffleKeys(config), null, 1));
      expect(fs.readFileSync(path.join(b, 'config.json'), 'utf8')).not.toBe(fs.readFileSync(path.join(a, 'config.json'), 'utf8'));
      const first = planBytes(a);
      expect(planBytes(a).equals(first)).toBe(true);
      expect(planBytes(a, [], 'node').equals(first)).toBe(true);
      // the shuffled copy lives at another path: equal bytes would be a surprise, equal stable digests are the contract
      const sa = planJson(a).stable_digest;
      expect(planJson(b).stable_digest).toBe(sa);
      const sameDir = bundleDir(path.join(tmp, slug, 'a'), null, JSON.stringify(shuffleKeys(config)));
      expect(planBytes(sameDir).equals(first)).toBe(true);
    });
  }
});

describe('stable digest', () => {
  const config = valid.find(([l]) => l === 'corpus docker/default')![1];
  test('equal for two ids and two bundle paths; the exact digest differs', () => {
    const a = bundleDir(path.join(tmp, 'stable', 'one'), config);
    const b = bundleDir(path.join(tmp, 'stable', 'elsewhere', 'two'), config);
    const x = planJson(a, ['--id', 'web-1']);
    const y = planJson(b, ['--id', 'web-2']);
    expect(x.digest).not.toBe(y.digest);
    expect(x.stable_digest).toBe(y.stable_digest);
  });
  test('equal for two state roots', () => {
    const a = bundleDir(path.join(tmp, 'stable', 'root'), config);
    const x = JSON.parse(planc(['--root', path.join(tmp, 'r1'), 'plan', '-b', a, '--host-facts', hostV1, '--format', 'json']).stdout);
    const y = JSON.parse(planc(['--root', path.join(tmp, 'r2'), 'plan', '-b', a, '--host-facts', hostV1, '--format', 'json']).stdout);
    expect(x.digest).not.toBe(y.digest);
    expect(x.stable_digest).toBe(y.stable_digest);
  });
  test('different for a real change', () => {
    const a = bundleDir(path.join(tmp, 'stable', 'base'), config);
    const changed = structuredClone(config);
    changed.process.capabilities.bounding.push('CAP_SYS_ADMIN');
    const b = bundleDir(path.join(tmp, 'stable', 'changed'), changed);
    expect(planJson(a).stable_digest).not.toBe(planJson(b).stable_digest);
  });
  test('an id that is also an env value or the hostname is not rewritten', () => {
    const c = structuredClone(config);
    c.process.env.push('container=podman');
    c.hostname = 'container';
    const a = bundleDir(path.join(tmp, 'stable', 'word'), c);
    expect(planJson(a, ['--id', 'container']).stable_digest).toBe(planJson(a, ['--id', 'other']).stable_digest);
  });
  test('text output shows both digests', () => {
    const a = bundleDir(path.join(tmp, 'stable', 'text'), config);
    const r = planc(['plan', '-b', a, '--host-facts', hostV1]);
    expect(r.stdout).toMatch(/\nstable-digest: sha256:[0-9a-f]{64}\ndigest: sha256:[0-9a-f]{64}\n$/);
  });
});

describe('host profiles', () => {
  test('facts --profiles lists the three shipped profiles', () => {
    const names = planc(['facts', '--profiles']).stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/)[0]);
    expect(names).toEqual(['cgroup-v1', 'cgroup-v2-systemd', 'cgroup-v2']);
  });
  test('plan --host-profile cgroup-v2 plans for the unified hierarchy only', () => {
    const a = bundleDir(path.join(tmp, 'profile'), valid[0]![1]);
    const r = planc(['plan', '-b', a, '--host-profile', 'cgroup-v2', '--format', 'json']);
    expect(r.code).toBe(0);
    const paths = JSON.parse(r.stdout).ops.filter((o: any) => o.op === 'mkdir').map((o: any) => o.args.path);
    expect(paths.length).toBeGreaterThan(0);
    for (const p of paths) expect(p).not.toMatch(/^\/sys\/fs\/cgroup\/(memory|cpu|pids|devices)\//);
    expect(planc(['plan', '-b', a, '--host-profile', 'cgroup-v1']).stdout).toMatch(/\/sys\/fs\/cgroup\/memory\//);
    expect(planc(['plan', '-b', a, '--host-profile', 'no-such']).code).not.toBe(0);
  });
});
