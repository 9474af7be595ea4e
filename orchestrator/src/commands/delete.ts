// `planc delete`: kills a created (or, with --force, running) container and every process in its
// cgroup tree, replays the plan's teardown lane through the shim, and removes the state dir. Never
// plans anything anew. `delete --force` also clears what an interrupted create or run left: a state
// dir without state.json, with or without plan.bin, and a shim or init still alive.
import { PlancError, warn } from '../errors.js';
import { hookState, runHooks } from '../hooks.js';
import type { Globals } from '../globals.js';
import { join } from '../posix-path.js';
import { decodePlan, planOpNames } from '../plan/decode.js';
import { cgroupTreePids } from '../procs.js';
import { SHIM_PID, shimFailure, spawnShim } from '../shim.js';
import { readPlan, readState, removeStateDir, stateDir, validateId, withLockAsync, type State } from '../state.js';
import { liveStatus, procStartTime } from '../status.js';
import { sys } from '../sys.js';

type Proc = [pid: number, startTime: number];

/** SIGKILLs each process still the one listed (same start time), then waits (bounded) until all are gone. */
async function killAll(procs: Proc[], what: string): Promise<void> {
  // SECURITY: a pid is signalled only while it still names the process that was found
  for (const [pid, t] of procs) if (procStartTime(pid) === t) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  for (const end = Date.now() + 1500; ;) {
    const left = procs.filter(([pid, t]) => procStartTime(pid) === t && !exiting(pid));
    if (left.length === 0) return;
    if (Date.now() > end) throw new PlancError(`${what} (pid ${left.map(([p]) => p).join(', ')}) did not die after SIGKILL`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Whether the kernel is ending the process (PF_EXITING in /proc/<pid>/stat field 9). It has left its
 * cgroups then; a pid namespace's init stays in that state until every zombie of its namespace is
 * reaped, which for an exec'd process reparented to the host's init may take that init a while.
 */
function exiting(pid: number): boolean {
  const f = statFields(pid);
  return f === null || (Number(f[6]) & 0x4) !== 0;
}

/** The fields of /proc/<pid>/stat after comm (state first), or null once the process is gone. */
function statFields(pid: number): string[] | null {
  try { const st = sys().readText(`/proc/${pid}/stat`); return st.slice(st.lastIndexOf(')') + 2).split(' '); } catch { return null; }
}

function live(pids: number[]): Proc[] {
  return pids.flatMap((pid): Proc[] => { const t = procStartTime(pid); return t === null ? [] : [[pid, t]]; });
}

/** A process's children (the shim's: init before it is in any cgroup of the container). */
function children(pid: number): number[] {
  try { return sys().readText(`/proc/${pid}/task/${pid}/children`).split(' ').filter(Boolean).map(Number); } catch { return []; }
}

/**
 * The shims of an interrupted create or run and their children: the one shim.pid names, and any
 * process working in the state dir (the shim is started there, so one spawned a moment before
 * planc died, before its pid was recorded, is found too).
 */
function shimsOf(dir: string): number[] {
  const found = new Set<number>();
  const add = (pid: number): void => { found.add(pid); for (const c of children(pid)) found.add(c); };
  try {
    const [pid, start] = sys().readText(join(dir, SHIM_PID)).split(' ').map(Number);
    if (pid && procStartTime(pid!) === start) add(pid!);
  } catch { /* not recorded: the shim was never spawned, or the scan below finds it */ }
  // the kernel names a cwd by its real path: --root may be relative or pass through a symlink
  const real = sys().realpath(dir);
  for (const p of sys().readdir('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try { if (sys().readlink(`/proc/${p}/cwd`).replace(/ \(deleted\)$/, '') === real) add(Number(p)); } catch { /* gone, or a kernel thread */ }
  }
  return [...found];
}

export async function deleteCommand(id: string, opts: { force?: boolean }, g: Globals): Promise<void> {
  validateId(id);
  const dir = stateDir(g.root, id);
  // runc: `delete --force` of a container that does not exist is success
  if (!sys().exists(opts.force ? dir : join(dir, 'state.json'))) {
    if (opts.force) return;
    throw new PlancError('container does not exist');
  }
  let s: State | undefined;
  try {
    await withLockAsync(dir, async () => {
      // A delete that waited for this lock may find the container already gone (or never created).
      if (!sys().exists(join(dir, 'state.json'))) {
        if (!opts.force) throw new PlancError('container does not exist');
        await reclaim(dir);
        return;
      }
      s = readState(dir);
      await teardown(dir, id, s, opts, g);
    });
  } catch (e) {
    if (opts.force && e instanceof PlancError && e.message === 'container does not exist') return;
    throw e;
  }
  // runtime-spec: a failed poststop hook is a warning; delete has still happened
  if (s) await runHooks(s.hooks, 'poststop', hookState(s, 'stopped')).catch((e: Error) => warn(e.message));
}

/** An interrupted create or run: its shim and the shim's children first (so nothing more is made), then the rest. */
async function reclaim(dir: string): Promise<void> {
  await killAll(live(shimsOf(dir)), 'planc-shim');
  if (sys().exists(join(dir, 'plan.bin'))) await destroy(dir, readPlan(dir));
  else removeStateDir(dir);
}

async function teardown(dir: string, id: string, s: State, opts: { force?: boolean }, g: Globals): Promise<void> {
  const status = liveStatus(dir, s);
  if ((status === 'running' || status === 'paused') && !opts.force) throw new PlancError(`cannot delete container ${id} that is not stopped: ${status}`);
  // ORDER: a frozen init cannot act on SIGKILL; thaw it first, as runc does
  if (status === 'paused') await (await import('./pause.js')).apply('resume', id, dir, g);
  const plan = readPlan(dir);
  // ORDER: init together with the rest of its cgroups and the shims of exec'd processes: a pid
  // namespace's init is not gone until every process in it is reaped, by its parent
  if (status !== 'stopped') await killAll([[s.pid, s.initStartTime ?? procStartTime(s.pid)!], ...live(withExecShims(cgroupTreePids(plan), s.pid))], 'container init');
  await destroy(dir, plan, s.pid);
}

const parentOf = (pid: number): number => Number(statFields(pid)?.[1] ?? 0);

/**
 * `pids` and the shims that started them from outside the container (an exec's, which must not
 * live on holding a killed process unreaped); never init's own parent (a foreground run's shim
 * reaps init and reports its status) and never a process that is not planc-shim.
 */
function withExecShims(pids: number[], initPid: number): number[] {
  const out = new Set(pids);
  const initParent = parentOf(initPid);
  for (const pid of pids) {
    const pp = parentOf(pid);
    if (pp <= 1 || pp === initParent || out.has(pp)) continue;
    try { if (sys().readlink(`/proc/${pp}/exe`).startsWith('/memfd:planc-shim')) out.add(pp); } catch { /* gone */ }
  }
  return [...out];
}

/** Kills what is left in the container's cgroup tree, stops its unit, applies the teardown lane and removes the state dir. */
async function destroy(dir: string, plan: Uint8Array, initPid = 0): Promise<void> {
  // runc: every process of every cgroup at or below the container's, in every hierarchy (an exec'd
  // process, one in a sub-cgroup, or all of them when init shared the host's pid namespace); read
  // again after each round: a process an interrupted exec was starting may join meanwhile
  const inTree = (): Proc[] => live(withExecShims(cgroupTreePids(plan), initPid));
  for (let round = 0, procs = inTree(); procs.length > 0 && round < 5; round++, procs = inTree()) {
    await killAll(procs, 'container process');
  }
  // ORDER: runc's systemd destroy: the unit is stopped (systemd removes its cgroup), then what is
  // left goes; a unit that cannot be stopped fails delete only after the rest is gone, as in runc
  let unitError: unknown = null;
  if (planOpNames(plan).includes('systemd_stop_unit')) await (await import('../systemd.js')).runStopOps(decodePlan(plan)).catch((e: unknown) => { unitError = e; });
  const x = await spawnShim('teardown', plan, { planFile: join(dir, 'plan.bin') }).exit;
  if (x.code !== 0) throw new PlancError(`teardown failed: ${shimFailure(x, decodePlan(plan))}`);
  removeStateDir(dir);
  if (unitError) throw unitError;
}
