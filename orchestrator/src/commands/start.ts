// `planc start`: releases a created container's init by opening its exec fifo for reading.
// Never signals or re-plans; a container that is not `created` is refused with runc's text.
import { join } from '../posix-path.js';
import { PlancError, warn } from '../errors.js';
import { deleteCommand } from './delete.js';
import { hookState, runHooks } from '../hooks.js';
import type { Globals } from '../globals.js';
import { releaseInit } from '../lifecycle.js';
import { existingStateDir, readState, withLockAsync, writeState } from '../state.js';
import { liveStatus } from '../status.js';
import { sys } from '../sys.js';

export async function startCommand(id: string, g: Globals): Promise<void> {
  const dir = existingStateDir(g.root, id);
  // ORDER: status check, fifo and state write under one lock, so two starts release init once.
  const s = await withLockAsync(dir, async () => {
    const st = readState(dir);
    const status = liveStatus(dir, st);
    if (status === 'stopped') throw new PlancError('cannot start a container that has stopped');
    if (status === 'paused') throw new PlancError('cannot start a container in the paused state');
    if (status !== 'created') throw new PlancError('cannot start an already running container');
    if (!releaseInit(join(dir, 'exec.fifo'), st.pid)) throw new Error('container init closed the exec fifo without starting');
    // the fifo goes once init has passed it, so the next status read says running
    sys().rmTree(join(dir, 'exec.fifo'));
    writeState(dir, { ...st, status: 'running' });
    return st;
  });
  try {
    await runHooks(s.hooks, 'poststart', hookState(s, 'running'));
  } catch (e) {
    // runc: a failed poststart hook destroys the container: init killed, its cgroups and state
    // removed, poststop hooks run; the hook's error is the command's
    await deleteCommand(id, { force: true }, g).catch((d: Error) => warn(d.message));
    throw e;
  }
}
