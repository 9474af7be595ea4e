// `planc create`: plans and has the shim set the container up; init then waits for `start`.
// Returns as soon as init is blocked on the exec fifo; the state dir stays for start/kill/delete.
import type { Globals } from '../globals.js';
import { launch, planFor, type LaunchOptions } from '../launch.js';

export async function createCommand(id: string, opts: LaunchOptions, g: Globals): Promise<number> {
  const p = await planFor('create', id, opts, g);
  return launch('create', id, p, opts, g);
}
