// `planc pause` / `planc resume`: plans the freezer writes for the container (action pause/resume)
// and has the shim apply them in `host` mode. Never writes cgroup files itself.
import { PlancError } from '../errors.js';
import type { Globals } from '../globals.js';
import { planWith } from '../prepare.js';
import { shimFailure, spawnShim } from '../shim.js';
import { existingStateDir, readConfigCopy, readState, systemdOption, withLockAsync, writeState } from '../state.js';
import { liveStatus } from '../status.js';
import type { PlanOp } from '../plan/decode.js';
import { sys } from '../sys.js';

export async function pauseCommand(action: 'pause' | 'resume', id: string, g: Globals): Promise<void> {
  const dir = existingStateDir(g.root, id);
  await withLockAsync(dir, () => apply(action, id, dir, g));
}

/** Pause or resume with the container's lock already held (delete --force thaws through this). */
export async function apply(action: 'pause' | 'resume', id: string, dir: string, g: Globals): Promise<void> {
  const s = readState(dir);
  const status = liveStatus(dir, s);
  if (action === 'pause' && status !== 'running' && status !== 'created') throw new PlancError('container not running');
  if (action === 'resume' && status !== 'paused') throw new PlancError('container not paused');
  const bytes = readConfigCopy(dir);
  const p = await planWith({ bundle: s.bundle, id, root: g.root, bytes, parsed: JSON.parse(new TextDecoder().decode(bytes)), action, options: systemdOption(s) });
  const frozen = action === 'pause';
  // ORDER: the intent first: a pause killed midway leaves a container that reads as paused, so
  // delete --force thaws it before its SIGKILL (a v1 freezer's tasks cannot act on one)
  if (frozen) writeState(dir, { ...s, paused: true });
  // The kernel freezes a cgroup's tasks one by one: pause returns once every freezer the plan
  // wrote reports the new state, as runc waits (v1 freezer.state, v2 the "frozen" key of
  // cgroup.events). A v1 freezer can stall in FREEZING while a task is busy in the kernel; the
  // write is repeated then, which makes it try again.
  for (let attempt = 0; ; attempt++) {
    const x = await spawnShim('host', p.plan).exit;
    if (x.code !== 0) throw new PlancError(shimFailure(x, p.ops));
    if (await settled(freezerFiles(p.ops), frozen, 1000)) break;
    if (attempt === 9) throw new PlancError(frozen ? 'unable to freeze' : 'unable to thaw');
  }
  writeState(dir, { ...readState(dir), paused: frozen });
}

/** The freezer files a pause/resume plan writes. */
export function freezerFiles(ops: readonly PlanOp[]): string[] {
  return ops.filter((o) => o.op === 'write_file').map((o) => String(o.args.path))
    .filter((f) => f.endsWith('/freezer.state') || f.endsWith('/cgroup.freeze'));
}

/** Whether a freezer file's cgroup reads as frozen (or thawed): v1 FROZEN/THAWED, v2 cgroup.events. */
export function reads(file: string, frozen: boolean): boolean {
  try {
    if (file.endsWith('/freezer.state')) return sys().readText(file).trim() === (frozen ? 'FROZEN' : 'THAWED');
    const events = sys().readText(file.replace(/cgroup\.freeze$/, 'cgroup.events'));
    return new RegExp(`^frozen ${frozen ? 1 : 0}$`, 'm').test(events);
  } catch { return false; }
}

async function settled(files: string[], frozen: boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; ;) {
    if (files.every((f) => reads(f, frozen))) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 2));
  }
}
