// `planc kill`: sends a signal to a container's init (default SIGTERM).
// Refuses a stopped container, so a recycled pid is never signalled.
import { PlancError } from '../errors.js';
import type { Globals } from '../globals.js';
import { parseSignal } from '../signals.js';
import { existingStateDir, readState } from '../state.js';
import { liveStatus } from '../status.js';

export function killCommand(id: string, signal: string | undefined, g: Globals): void {
  const dir = existingStateDir(g.root, id);
  const s = readState(dir);
  const sig = parseSignal(signal ?? 'SIGTERM');
  if (liveStatus(dir, s) === 'stopped') throw new PlancError('container not running');
  process.kill(s.pid, sig);
}
