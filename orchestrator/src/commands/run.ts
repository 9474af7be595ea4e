// `planc run`: plans, has the shim create and start the container, and waits for it to exit.
// With --detach it is create followed by start, returning once the process runs.
import type { Globals } from '../globals.js';
import { launch, planFor, type LaunchOptions } from '../launch.js';
import type { Prepared } from '../prepare.js';

export interface RunOptions extends LaunchOptions { detach?: boolean }

export async function runCommand(id: string, opts: RunOptions, g: Globals): Promise<number> {
  const p = await planFor(opts.detach ? 'create' : 'run', id, opts, g);
  if (!opts.detach) return launch('run', id, p, opts, g);
  await launch('create', id, p, opts, g);
  const { startCommand } = await import('./start.js');
  await startCommand(id, g);
  return 0;
}

/** Runs an already-made plan in the foreground (tests drive hand-made plans through it). */
export function runPrepared(id: string, p: Prepared, opts: LaunchOptions, g: Globals): Promise<number> {
  return launch('run', id, p, opts, g);
}
