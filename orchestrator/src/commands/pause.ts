// `planc pause` / `planc resume`: plans the freezer writes for the container (action pause/resume)
// and has the shim apply them in `host` mode. Never writes cgroup files itself.
import { PlancError } from '../errors.js';
import type { Globals } from '../globals.js';
import { planWith } from '../prepare.js';
import { shimFailure, spawnShim } from '../shim.js';
import { existingStateDir, readConfigCopy, readState, systemdOption, withLockAsync, writeState } from '../state.js';
import { liveStatus } from '../status.js';

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
  const x = await spawnShim('host', p.plan).exit;
  if (x.code !== 0) throw new PlancError(shimFailure(x, p.ops));
  writeState(dir, { ...readState(dir), paused: action === 'pause' });
}
