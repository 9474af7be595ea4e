// `planc delete`: kills a created (or, with --force, running) container, replays the plan's
// teardown lane through the shim, and removes the state dir. Never plans anything anew.
import { PlancError, warn } from '../errors.js';
import { hookState, runHooks } from '../hooks.js';
import type { Globals } from '../globals.js';
import { join } from '../posix-path.js';
import { decodePlan, planOpNames } from '../plan/decode.js';
import { shimFailure, spawnShim } from '../shim.js';
import { existingStateDir, readPlan, readState, removeStateDir, stateDir, validateId, withLockAsync, type State } from '../state.js';
import { liveStatus, procStartTime } from '../status.js';
import { sys } from '../sys.js';

async function waitGone(pid: number, startTime: number | undefined): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    const t = procStartTime(pid);
    if (t === null || (startTime !== undefined && t !== startTime)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new PlancError(`container init (pid ${pid}) did not die after SIGKILL`);
}

export async function deleteCommand(id: string, opts: { force?: boolean }, g: Globals): Promise<void> {
  validateId(id);
  // runc: `delete --force` of a container that does not exist is success
  if (opts.force && !sys().exists(stateDir(g.root, id))) return;
  let s: State;
  try {
    // inside the try: a parallel delete may remove state.json after the check above
    const dir = existingStateDir(g.root, id);
    await withLockAsync(dir, async () => {
      // A delete that waited for this lock may find the container already gone.
      if (!sys().exists(join(dir, 'state.json'))) throw new PlancError('container does not exist');
      s = readState(dir);
      await teardown(dir, id, s, opts, g);
    });
  } catch (e) {
    if (opts.force && e instanceof PlancError && e.message === 'container does not exist') return;
    throw e;
  }
  // runtime-spec: a failed poststop hook is a warning; delete has still happened
  await runHooks(s!.hooks, 'poststop', hookState(s!, 'stopped')).catch((e: Error) => warn(e.message));
}

async function teardown(dir: string, id: string, s: State, opts: { force?: boolean }, g: Globals): Promise<void> {
  const status = liveStatus(dir, s);
  if ((status === 'running' || status === 'paused') && !opts.force) throw new PlancError(`cannot delete container ${id} that is not stopped: ${status}`);
  // ORDER: a frozen init cannot act on SIGKILL; thaw it first, as runc does
  if (status === 'paused') await (await import('./pause.js')).apply('resume', id, dir, g);
  if (status !== 'stopped') {
    try { process.kill(s.pid, 'SIGKILL'); } catch { /* already gone */ }
    await waitGone(s.pid, s.initStartTime);
  }
  const plan = readPlan(dir);
  // ORDER: runc's systemd destroy: the unit is stopped (systemd removes its cgroup), then what is
  // left goes; a unit that cannot be stopped fails delete only after the rest is gone, as in runc
  let unitError: unknown = null;
  if (planOpNames(plan).includes('systemd_stop_unit')) await (await import('../systemd.js')).runStopOps(decodePlan(plan)).catch((e: unknown) => { unitError = e; });
  const x = await spawnShim('teardown', plan, { planFile: join(dir, 'plan.bin') }).exit;
  if (x.code !== 0) throw new PlancError(`teardown failed: ${shimFailure(x, decodePlan(plan))}`);
  removeStateDir(dir);
  if (unitError) throw unitError;
}
