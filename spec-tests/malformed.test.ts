// Every malformed config made from a valid one (spec-tests/helpers/mutate.ts) is either refused
// with an error that points at a place that exists in it, or planned; `validate` and `plan`
// agree on which; and a sample of them run for real under `planc run`, which refuses exactly
// what validate refuses and leaves nothing behind either way (no state dir, no cgroup).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadPlanner, type Planner } from '../orchestrator/src/planner.js';
import { buildContext } from '../orchestrator/src/context.js';
import type { HostFacts } from '../orchestrator/src/facts.js';
import { hostFacts, isRoot } from './helpers/env.js';
import { leftoverCgroups, makeBundle, readFixture, removeCgroups, rmTree, tempDir, type Config } from './helpers/bundle.js';
import { mutations, resolves, type Json, type Mutation } from './helpers/mutate.js';
import { planc } from './helpers/planc.js';
import { testCgroupParent } from './helpers/cgroup-parent.js';

const unique = `malformed-${process.pid}`;

/** The default spec with one of each kind of field the planner reads: resources, devices,
 * sysctl, rlimits, hostname. */
function base(): Config {
  const c = readFixture('default');
  c.process.args = ['true'];
  c.linux.cgroupsPath = `/${testCgroupParent}/${unique}`;
  c.linux.resources = {
    devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' }],
    memory: { limit: 67108864, reservation: 33554432 }, cpu: { shares: 512, quota: 50000, period: 100000 }, pids: { limit: 64 },
  };
  c.linux.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 438, uid: 0, gid: 0 }];
  c.linux.sysctl = { 'kernel.shmmax': '68719476736' };
  return c;
}

const ctxFor = (config: unknown, facts: HostFacts, bundle: string): Uint8Array =>
  buildContext({ id: 'malformed', bundle, stateDir: '/run/planc/malformed', host: facts, config, options: {} } as never);
const parsed = (text: string): Json | undefined => { try { return JSON.parse(text) as Json; } catch { return undefined; } };

describe('malformed configs', () => {
  let planner: Planner;
  let all: Mutation[];
  const facts = JSON.parse(fs.readFileSync(hostFacts, 'utf8')) as HostFacts;
  beforeAll(async () => { planner = await loadPlanner(); all = mutations(base() as Json); });

  test('each one is refused with errors that point into it, or planned; validate and plan agree', () => {
    const enc = new TextEncoder();
    let refused = 0;
    const bad: string[] = [];
    for (const m of all) {
      const bytes = enc.encode(m.text);
      const ctx = ctxFor(parsed(m.text) ?? {}, facts, '/srv/bundle');
      const found = planner.validate(bytes, ctx).filter((f) => f.severity === 'error');
      const planned = planner.plan(bytes, ctx);
      if (planned.ok !== (found.length === 0)) bad.push(`${m.name}: plan ${planned.ok ? 'made' : 'refused'}, validate found ${found.length} errors`);
      if (!planned.ok) {
        refused++;
        const doc = parsed(m.text);
        for (const e of planned.errors) {
          if (e.rule === 'internal') bad.push(`${m.name}: internal error ${e.message}`);
          if (e.rule !== 'json-syntax' && doc !== undefined && !resolves(doc, e.pointer)) bad.push(`${m.name}: ${e.pointer} is not in the config (${e.message})`);
          if (e.message.length > 1200) bad.push(`${m.name}: a ${e.message.length}-byte message`);
        }
      }
    }
    expect(bad).toEqual([]);
    // the generator must keep producing both kinds
    expect(all.length).toBeGreaterThan(1000);
    expect(refused).toBeGreaterThan(all.length / 3);
    expect(refused).toBeLessThan(all.length);
  });

  describe.skipIf(!isRoot)(`run for real${isRoot ? '' : ' (skipped: needs root)'}`, () => {
    let dir: string;
    const root = () => path.join(dir, 'state');
    beforeAll(() => { dir = makeBundle(tempDir('malformed'), base()); });
    afterAll(() => { removeCgroups(testCgroupParent, unique); rmTree(dir); });

    // never run what would act outside the bundle: another cgroup, another root, host sources
    const runnable = (m: Mutation): boolean => !/^\/(linux\/cgroupsPath|root\/path|mounts\/\d+\/source)/.test(m.pointer);

    test('run refuses what validate refuses, and leaves no state dir and no cgroup either way', () => {
      const sample = all.filter(runnable).filter((_, i) => i % 17 === 0);
      expect(sample.length).toBeGreaterThan(60);
      const bad: string[] = [];
      const seen = { refused: 0, ran: 0, failed: 0 };
      for (const m of sample) {
        fs.writeFileSync(path.join(dir, 'config.json'), m.text);
        const v = planc(['validate', '--format', 'json', path.join(dir, 'config.json')]);
        const errs = (JSON.parse(v.stdout).files?.[0]?.findings ?? []).filter((f: { severity: string }) => f.severity === 'error');
        const r = planc(['--root', root(), 'run', '-b', dir, 'm1'], { timeout: 30_000 });
        const specRefusal = r.code !== 0 && !/step \d+ /.test(r.stderr) && r.stderr.split('\n').some((l) => /^(\/\S*|\(root\)): /.test(l));
        seen[specRefusal ? 'refused' : r.code === 0 ? 'ran' : 'failed']++;
        if (errs.length && !specRefusal) bad.push(`${m.name}: validate refused (${errs[0].pointer}) but run ${r.code === 0 ? 'ran' : `failed otherwise: ${r.stderr.trim()}`}`);
        if (!errs.length && specRefusal) bad.push(`${m.name}: validate accepted but run refused: ${r.stderr.trim()}`);
        if (fs.existsSync(root()) && fs.readdirSync(root()).length) bad.push(`${m.name}: state left: ${fs.readdirSync(root()).join(' ')}`);
        const left = leftoverCgroups(testCgroupParent, unique);
        if (left.length) { bad.push(`${m.name}: cgroups left: ${left.join(' ')}`); removeCgroups(testCgroupParent, unique); }
        if (fs.existsSync(root())) for (const id of fs.readdirSync(root())) planc(['--root', root(), 'delete', '-f', id]);
      }
      expect(bad).toEqual([]);
      // the sample holds configs of all three outcomes
      expect(Object.values(seen).every((n) => n > 0)).toBe(true);
    }, 240_000);
  });
});

