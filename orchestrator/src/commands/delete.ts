// `planc delete`: kills a created (or, with --force, running) container, replays the plan's
// teardown lane through the shim, and removes the state dir. Never plans anything anew.
import { PlancError, warn } from '../errors.js';
import { hookState, runHooks } from '../hooks.js';
import type { Globals } from '../globals.js';
import { decodePlan } from '../plan/decode.js';
import { shimFailure, spawnShim } from '../shim.js';
import { existingStateDir, readPlan, readState, removeStateDir, stateDir, validateId } from '../state.js';
import { liveStatus, procStartTime } from '../status.js';

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
  const { existsSync } = process.getBuiltinModule('node:fs');
  // runc: `delete --force` of a container that does not exist is success
  if (opts.force && !existsSync(stateDir(g.root, id))) return;
  const dir = existingStateDir(g.root, id);
  const s = readState(dir);
  const status = liveStatus(dir, s);
  if (status === 'running' && !opts.force) throw new PlancError(`cannot delete container ${id} that is not stopped: ${status}`);
  if (status !== 'stopped') {
    try { process.kill(s.pid, 'SIGKILL'); } catch { /* already gone */ }
    await waitGone(s.pid, s.initStartTime);
  }
  const plan = readPlan(dir);
  const x = await spawnShim('teardown', plan).exit;
  if (x.code !== 0) throw new PlancError(`teardown failed: ${shimFailure(x, decodePlan(plan))}`);
  removeStateDir(dir);
  // runtime-spec: a failed poststop hook is a warning; delete has still happened
  await runHooks(s.hooks, 'poststop', hookState(s, 'stopped')).catch((e: Error) => warn(e.message));
}
