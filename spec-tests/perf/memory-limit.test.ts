// A container limited to 512 KiB of memory starts and runs /bin/true under planc, because only the
// static shim (never Node/Bun) enters the container's cgroup. runc's outcome is recorded, not asserted.
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { hierarchies, leftoverCgroups, makeBundle, readFixture, removeCgroups, rmTree, sleepMs, tempDir, writeConfig, type Config } from '../helpers/bundle.js';
import { spawnSync } from 'node:child_process';
import { describeAsRoot, plancBin } from '../helpers/env.js';
import { exec, planc } from '../helpers/planc.js';
import { runtimeBins } from '../helpers/runtimes.js';

const parent = 'planc-test';
const limit = 524288;
let serial = 0;
const used: string[] = [];

function uniqueId(tag: string): string {
  const id = `mem${process.pid}-${++serial}-${tag}`;
  used.push(id);
  return id;
}

function limitedConfig(id: string): Config {
  const c = readFixture('default');
  c.process.args = ['/bin/true'];
  c.linux.cgroupsPath = `/${parent}/${id}`;
  c.linux.resources = { ...(c.linux.resources ?? {}), memory: { limit } };
  return c;
}

/** The memory limit the kernel holds for the container's cgroup (v1 memory hierarchy or cgroup2). */
function kernelLimit(id: string): { file: string; value: string } | null {
  for (const h of hierarchies()) {
    for (const f of ['memory.limit_in_bytes', 'memory.max']) {
      const file = path.join(h, parent, id, f);
      if (fs.existsSync(file)) return { file, value: fs.readFileSync(file, 'utf8').trim() };
    }
  }
  return null;
}

function pidsIn(id: string): number[] {
  for (const h of hierarchies()) {
    const procs = path.join(h, parent, id, 'cgroup.procs');
    const memory = ['memory.limit_in_bytes', 'memory.max'].some((f) => fs.existsSync(path.join(h, parent, id, f)));
    if (fs.existsSync(procs) && memory) {
      return fs.readFileSync(procs, 'utf8').split('\n').filter(Boolean).map(Number);
    }
  }
  return [];
}

/**
 * bin/planc with stdout/stderr in files: a created container's init inherits them and keeps them
 * open until it execs, so waiting for pipes to close (as spawnSync does) would wait for `start`.
 */
function plancDetached(dir: string, args: string[]): { code: number | null; stderr: string } {
  const out = path.join(dir, 'planc.out');
  const err = path.join(dir, 'planc.err');
  const o = fs.openSync(out, 'w');
  const e = fs.openSync(err, 'w');
  try {
    const r = spawnSync(plancBin, args, { stdio: ['ignore', o, e], timeout: 60_000 });
    if (r.error) throw r.error;
    return { code: r.status, stderr: fs.readFileSync(err, 'utf8') };
  } finally {
    fs.closeSync(o);
    fs.closeSync(e);
  }
}

function waitGone(pid: number): void {
  for (let i = 0; i < 500; i++) {
    let st: string;
    try { st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { return; }
    if (/^[ZX]/.test(st.slice(st.lastIndexOf(')') + 2))) return;
    sleepMs(10);
  }
  throw new Error(`pid ${pid} still running`);
}

describeAsRoot('runs real containers in a 512 KiB memory cgroup', 'memory limit', () => {
  let tmp = '';
  let bundle = '';
  let root = '';

  beforeAll(() => {
    tmp = tempDir('memlimit');
    bundle = makeBundle(path.join(tmp, 'bundle'), limitedConfig('unused'));
    root = path.join(tmp, 'state');
    fs.mkdirSync(root);
  });

  afterEach(() => {
    const left: string[] = [];
    for (const id of used.splice(0)) {
      left.push(...leftoverCgroups(parent, id));
      removeCgroups(parent, id);
    }
    expect(left).toEqual([]);
  });

  afterAll(() => {
    for (const rt of ['runc', 'crun'] as const) {
      const r = path.join(tmp, `state-${rt}`);
      if (!fs.existsSync(r)) continue;
      for (const id of fs.readdirSync(r)) exec(runtimeBins[rt], ['--root', r, 'delete', '--force', id]);
    }
    rmTree(tmp);
  });

  test('planc run of /bin/true succeeds under memory.limit 512 KiB', () => {
    const id = uniqueId('run');
    writeConfig(bundle, limitedConfig(id));
    const r = planc(['--root', root, 'run', '--bundle', bundle, id]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(fs.readdirSync(root)).toEqual([]);
  });

  test('planc create puts only the container in the limited cgroup; start and delete complete', () => {
    const id = uniqueId('cycle');
    writeConfig(bundle, limitedConfig(id));
    const pidFile = path.join(tmp, `${id}.pid`);
    const c = plancDetached(tmp, ['--root', root, 'create', '--bundle', bundle, '--pid-file', pidFile, id]);
    expect(c.stderr).toBe('');
    expect(c.code).toBe(0);
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    try {
      expect(kernelLimit(id)?.value).toBe(String(limit));
      // init (the shim, waiting on the exec fifo) is the cgroup's only member
      expect(pidsIn(id)).toEqual([pid]);
      const s = planc(['--root', root, 'start', id]);
      expect(s.stderr).toBe('');
      expect(s.code).toBe(0);
      waitGone(pid);
      expect(JSON.parse(planc(['--root', root, 'state', id]).stdout).status).toBe('stopped');
    } finally {
      const d = planc(['--root', root, 'delete', '--force', id]);
      expect(d.code).toBe(0);
    }
    expect(fs.readdirSync(root)).toEqual([]);
  });

  // runc's Go init joins the cgroup before it can exec and does not fit in 512 KiB; recorded only
  test('runc and crun with the same limit (recorded, not asserted)', () => {
    for (const rt of ['runc', 'crun'] as const) {
      const id = uniqueId(rt);
      writeConfig(bundle, limitedConfig(id));
      const r = path.join(tmp, `state-${rt}`);
      fs.mkdirSync(r, { recursive: true });
      const ran = exec(runtimeBins[rt], ['--root', r, 'run', '--bundle', bundle, id], { timeout: 30_000 });
      const why = (ran.stderr.trim().split('\n').pop() ?? '').slice(0, 200);
      console.log(`${rt} under memory.limit ${limit}: exit ${ran.code}${ran.signal ? ` (${ran.signal})` : ''}${why ? `: ${why}` : ''}`);
    }
  });
});
