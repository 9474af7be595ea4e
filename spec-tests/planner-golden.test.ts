// Golden plans: each fixture config with a fixed host-facts record renders to exactly the text in
// spec-tests/golden/. UPDATE_GOLDEN=1 rewrites them; never updates silently otherwise.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { fixtures, goldenDir, hostFacts, fixtureNames } from './helpers/env.js';
import { makeBundle, readFixture, rmTree, writeConfig } from './helpers/bundle.js';
import { planc } from './helpers/planc.js';

// A fixed bundle path and state root: both appear in the plan, so they must not vary.
const bundle = '/tmp/planc-golden/bundle';
const stateRoot = '/run/planc-golden';
const names = fixtureNames(fs.readdirSync(fixtures));
const update = process.env.UPDATE_GOLDEN === '1';

function plan(name: string, format: 'text' | 'json') {
  writeConfig(bundle, readFixture(name));
  return planc(['--root', stateRoot, 'plan', '-b', bundle, '--format', format, '--host-facts', hostFacts, '--id', 'golden']);
}

// Two checkouts running this file at once would share that bundle: the first holds a lock dir
// (with its pid, so a dead holder's lock is taken over) until it is done.
const lock = '/tmp/planc-golden.lock';
function acquire(): void {
  for (let waited = 0; ; waited += 50) {
    try { fs.mkdirSync(lock); fs.writeFileSync(path.join(lock, 'pid'), String(process.pid)); return; } catch { /* held */ }
    const holder = Number(fs.readFileSync(path.join(lock, 'pid'), { encoding: 'utf8', flag: 'a+' }) || 0);
    let alive = holder > 0;
    try { if (alive) process.kill(holder, 0); } catch { alive = false; }
    if (!alive && waited >= 1000) fs.rmSync(lock, { recursive: true, force: true });
    if (waited > 120_000) throw new Error(`${lock} is held by pid ${holder}`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
}

describe('planner golden plans', () => {
  beforeAll(() => { acquire(); makeBundle(bundle, readFixture('default')); }, 150_000);
  afterAll(() => { rmTree(path.dirname(bundle)); fs.rmSync(lock, { recursive: true, force: true }); });

  test('the fixture set covers every behaviour the goldens pin', () => {
    expect(names).toEqual(expect.arrayContaining(['default', 'rlimits', 'caps', 'user', 'joined-ns', 'bind-ro', 'rw-root', 'masked', 'devices', 'resources', 'seccomp']));
  });

  for (const name of names) {
    test(`${name}: text plan equals golden/${name}.txt`, () => {
      const r = plan(name, 'text');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const file = path.join(goldenDir, `${name}.txt`);
      if (update) {
        fs.mkdirSync(goldenDir, { recursive: true });
        fs.writeFileSync(file, r.stdout);
      }
      expect(fs.existsSync(file), `${file} missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
      expect(r.stdout).toBe(fs.readFileSync(file, 'utf8'));
    });

    test(`${name}: every op names why it is there`, () => {
      const r = plan(name, 'json');
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout);
      const ops: { index: number; why: string; lane: string; op: string }[] = doc.ops;
      expect(ops.length).toBeGreaterThan(0);
      ops.forEach((o, i) => {
        expect(o.index).toBe(i);
        expect(typeof o.why === 'string' && o.why.trim() !== '', `op ${i} ${o.op} has an empty why`).toBe(true);
      });
      // process model (plan-format §2): no container op before clone, exactly one execve, last
      const cloneAt = ops.findIndex((o) => o.op === 'clone' || o.op === 'clone_into_cgroup');
      expect(cloneAt).toBeGreaterThanOrEqual(0);
      expect(ops.slice(0, cloneAt).some((o) => o.lane === 'container')).toBe(false);
      expect(ops.filter((o) => o.op === 'execve').length).toBe(1);
      expect(doc.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    });
  }
});
