// Crash consistency: planc SIGKILLed (its pid, or its whole process group) at points 0..60 ms into
// create, run -d, start, exec -d, pause and delete; `delete -f` must then finish within 2 s and
// leave nothing: no state dir, no cgroup in any hierarchy, no mount, no process, and the id
// must be reusable. Also: a frozen cgroup is refused before anything exists, and delete -f
// clears a container's sub-cgroups. Processes are found by the container's cgroup, or as a
// memfd:planc-shim whose environment carries this file's marker; never by name alone.
import { test, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describeAsRoot, plancBin as builtBin } from './helpers/env.js';
import { hierarchies, leftoverCgroups, makeBundle, mountsMentioning, readFixture, removeCgroups, rmTree, tempDir, writeConfig, type Config } from './helpers/bundle.js';

// PLANC_CRASH_BIN: another build's CLI, to measure it with the same sweep
const plancBin = process.env.PLANC_CRASH_BIN ?? builtBin;
const parent = 'planc-test';
const marker = `PLANC_CRASH_TEST=${process.pid}`;
let tmp = '';
let root = '';
let bundle = '';
const used = new Set<string>();

function config(id: string, edit?: (c: Config) => void): Config {
  const c = readFixture('default');
  c.process.args = ['sleep', '1000'];
  c.linux.cgroupsPath = `/${parent}/${id}`;
  edit?.(c);
  return c;
}

const env = { ...process.env, PLANC_CRASH_TEST: String(process.pid) };

/** planc, its stderr in a file: a container's init inherits stdout and stderr, so pipes would stay open after planc exits. */
function planc(args: string[], timeout = 30_000) {
  const errFile = path.join(tmp, 'stderr');
  const fd = fs.openSync(errFile, 'w');
  const t0 = Date.now();
  const r = spawnSync(plancBin, ['--root', root, ...args], { cwd: bundle, env, timeout, stdio: ['ignore', 'ignore', fd] });
  fs.closeSync(fd);
  return { code: r.status, stderr: fs.readFileSync(errFile, 'utf8'), ms: Date.now() - t0, timedOut: r.error !== undefined || r.signal !== null };
}

/** Processes this file's containers or shims left: in a test cgroup, or a shim carrying our marker. */
function strayProcesses(id: string): number[] {
  const found: number[] = [];
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      // a zombie, or a process the kernel is ending (PF_EXITING: it has left its cgroups), is gone
      const raw = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const stat = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
      if (stat[0] === 'Z' || (Number(stat[6]) & 0x4) !== 0) continue;
      if (fs.readFileSync(`/proc/${p}/cgroup`, 'utf8').includes(`/${parent}/${id}\n`)) { found.push(Number(p)); continue; }
      const shim = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('planc-shim') || fs.readlinkSync(`/proc/${p}/exe`).startsWith('/memfd:planc-shim');
      if (shim && fs.readFileSync(`/proc/${p}/environ`, 'utf8').split('\0').includes(marker)) found.push(Number(p));
    } catch { /* exited meanwhile, or a kernel thread */ }
  }
  return found;
}

/** What a container id left behind, as readable lines (empty: nothing). */
function residue(id: string): string[] {
  const out: string[] = [];
  if (fs.existsSync(path.join(root, id))) out.push(`state dir ${fs.readdirSync(path.join(root, id)).join(',') || '(empty)'}`);
  for (const d of leftoverCgroups(parent, id)) out.push(`cgroup ${d}`);
  for (const m of mountsMentioning(path.join(bundle, 'rootfs'), path.join(root, id))) out.push(`mount ${m.split(' ')[4]}`);
  for (const p of strayProcesses(id)) out.push(`process ${p}`);
  return out;
}

/** Removes what a failed trial left without planc: its processes (by cgroup or marker), cgroups and state dir. */
function clearByHand(id: string): void {
  for (const p of strayProcesses(id)) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
  removeCgroups(parent, id);
  rmTree(path.join(root, id));
}

/** Sends SIGKILL to planc `delayMs` after it started (to its pid or its process group). */
async function killDuring(args: string[], delayMs: number, group: boolean): Promise<void> {
  const child = spawn(plancBin, ['--root', root, ...args], { cwd: bundle, env, stdio: 'ignore', detached: true });
  const done = new Promise((r) => child.on('exit', r));
  await new Promise((r) => setTimeout(r, delayMs));
  try { process.kill(group ? -child.pid! : child.pid!, 'SIGKILL'); } catch { /* it finished first */ }
  await done;
}

/** Brings `id` to the state the operation starts from; false if that failed (counted, not fatal). */
function setUp(op: string, id: string): boolean {
  if (op === 'create' || op === 'run') return true;
  if (planc(['create', '--bundle', bundle, id]).code !== 0) return false;
  if (op === 'start') return true;
  return planc(['start', id]).code === 0;
}

const ops: [string, (id: string) => string[]][] = [
  ['create', (id) => ['create', '--bundle', bundle, id]],
  ['run', (id) => ['run', '-d', '--bundle', bundle, id]],
  ['start', (id) => ['start', id]],
  ['exec', (id) => ['exec', '-d', id, 'sleep', '1000']],
  ['pause', (id) => ['pause', id]],
  ['delete', (id) => ['delete', '-f', id]],
];

describeAsRoot('runs real containers and reads every cgroup hierarchy', 'planc killed at any moment leaves nothing delete -f cannot remove', () => {
  beforeAll(() => {
    tmp = tempDir('crash');
    root = path.join(tmp, 'root');
    bundle = makeBundle(path.join(tmp, 'bundle'), config('unused'));
  });
  afterAll(() => {
    for (const id of used) { planc(['delete', '-f', id], 5_000); clearByHand(id); }
    rmTree(tmp);
  });

  test('kill sweep over create, run -d, start, exec -d, pause and delete', async () => {
    const step = Number(process.env.PLANC_CRASH_STEP_MS ?? 5);
    const failures: string[] = [];
    let kills = 0;
    let setupFailed = 0;
    for (const [op, argv] of ops) {
      const id = `crash-${process.pid}-${op}`;
      used.add(id);
      writeConfig(bundle, config(id));
      for (let delay = 0; delay <= 60; delay += step) {
        for (const group of [false, true]) {
          const where = `${op} killed at ${delay} ms (${group ? 'group' : 'pid'})`;
          if (!setUp(op, id)) { setupFailed++; failures.push(`${where}: setup (create of a reused id) failed: ${residue(id).join('; ')}`); clearByHand(id); continue; }
          await killDuring(argv(id), delay, group);
          kills++;
          const d = planc(['delete', '-f', id], 5_000);
          const left = residue(id);
          if (d.code !== 0 || d.timedOut || d.ms > 2000 || left.length) {
            failures.push(`${where}: delete -f ${d.timedOut ? 'timed out' : `exit ${d.code}`} in ${d.ms} ms ${d.stderr.trim()}; left ${left.join('; ') || 'nothing'}`);
            console.log(`crash sweep: ${failures.at(-1)}`);
            // cleared by hand for the next trial, so one failure is counted once
            clearByHand(id);
          }
        }
      }
      // the id can be used again
      expect(planc(['create', '--bundle', bundle, id]).stderr).toBe('');
      expect(planc(['delete', '-f', id]).code).toBe(0);
      expect(residue(id)).toEqual([]);
    }
    console.log(`crash sweep: ${kills} kills, ${failures.length} left residue or failed, ${setupFailed} setups failed`);
    expect(failures).toEqual([]);
  }, 600_000);

  test('a frozen cgroup is refused before anything is made; a populated one is warned about', () => {
    const id = `crash-${process.pid}-frozen`;
    used.add(id);
    writeConfig(bundle, config(id));
    // v1's freezer hierarchy where there is one (runc's choice on a hybrid host), else cgroup2
    const h = hierarchies().find((x) => x.endsWith('/freezer')) ?? hierarchies().find((x) => fs.existsSync(path.join(x, 'cgroup.controllers')));
    expect(h).toBeDefined();
    const freezer = path.join(h!, parent, id);
    fs.mkdirSync(freezer!, { recursive: true });
    const v2 = fs.existsSync(path.join(freezer!, 'cgroup.freeze'));
    fs.writeFileSync(path.join(freezer!, v2 ? 'cgroup.freeze' : 'freezer.state'), v2 ? '1' : 'FROZEN');
    const r = planc(['create', '--bundle', bundle, id], 10_000);
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("container's cgroup unexpectedly frozen");
    expect(fs.existsSync(path.join(root, id))).toBe(false);
    fs.writeFileSync(path.join(freezer!, v2 ? 'cgroup.freeze' : 'freezer.state'), v2 ? '0' : 'THAWED');
    removeCgroups(parent, id);
  });

  test('delete -f kills every process of the cgroup tree and removes sub-cgroups', async () => {
    const id = `crash-${process.pid}-sub`;
    used.add(id);
    writeConfig(bundle, config(id));
    expect(planc(['run', '-d', '--bundle', bundle, id]).code).toBe(0);
    // a process of the container moves itself into a sub-cgroup it made, in every hierarchy
    const dirs = leftoverCgroups(parent, id);
    expect(dirs.length).toBeGreaterThan(0);
    const child = spawn('sleep', ['1000'], { stdio: 'ignore', detached: true });
    for (const d of dirs) {
      fs.mkdirSync(path.join(d, 'sub', 'deeper'), { recursive: true });
      const procs = fs.existsSync(path.join(d, 'cgroup.type')) || !fs.existsSync(path.join(d, 'tasks')) ? 'cgroup.procs' : 'tasks';
      try { fs.writeFileSync(path.join(d, 'sub', 'deeper', procs), String(child.pid)); } catch { /* a v2 parent with controllers takes no process in a child: the dirs still count */ }
    }
    const d = planc(['delete', '-f', id], 15_000);
    expect(d.stderr).toBe('');
    expect(d.code).toBe(0);
    expect(d.ms).toBeLessThan(2000);
    await new Promise((r) => setTimeout(r, 100)); // the killed child is reaped
    expect(residue(id)).toEqual([]);
    expect(fs.existsSync(`/proc/${child.pid}/stat`) && !/\) Z/.test(fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8'))).toBe(false);
  });
});
