// `planc kill`: sends a signal to a container's init (default SIGTERM).
// Refuses a stopped container, so a recycled pid is never signalled.
import { PlancError } from '../errors.js';
import type { Globals } from '../globals.js';
import { parseSignal } from '../signals.js';
import { existingStateDir, readPlan, readState } from '../state.js';
import { liveStatus } from '../status.js';

export async function killCommand(id: string, signal: string | undefined, opts: { all?: boolean }, g: Globals): Promise<void> {
  const dir = existingStateDir(g.root, id);
  const s = readState(dir);
  const sig = parseSignal(signal ?? 'SIGTERM');
  // runc: --all signals whatever is left in the cgroups, which for a stopped container is nothing
  if (liveStatus(dir, s) === 'stopped') { if (opts.all) return; throw new PlancError('container not running'); }
  if (!opts.all) {
    try { process.kill(s.pid, sig); } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ESRCH') throw new PlancError('container not running', 1, { cause: e });
      throw new PlancError(`unable to signal init: ${code === 'EINVAL' ? 'invalid argument' : (e as Error).message}`, 1, { cause: e });
    }
    return;
  }
  // the plan's decoder (and its op table) is loaded only for --all
  const { containerPids } = await import('../procs.js');
  for (const pid of containerPids(readPlan(dir))) {
    try { process.kill(pid, sig); } catch { /* exited meanwhile */ }
  }
}
