// Host-side steps around a running shim: the exec fifo, signal forwarding, pid files, exit status.
// Never changes kernel state beyond reading a fifo, writing a pid file and sending signals.
import type { ChildProcess } from 'node:child_process';
import { writeAtomic } from './state.js';
import type { ShimExit } from './shim.js';

export const FORWARDED: readonly NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

/** Opens the exec fifo for reading (off the main thread) and reads the one byte init writes. */
export async function readExecFifo(path: string): Promise<void> {
  const fh = await process.getBuiltinModule('node:fs/promises').open(path, 'r');
  try {
    const { bytesRead } = await fh.read(new Uint8Array(1), 0, 1, null);
    if (bytesRead !== 1) throw new Error('container init closed the exec fifo without starting');
  } finally {
    await fh.close();
  }
}

/** Passes the signals runc forwards on to the shim, which forwards them to init. Returns the undo. */
export function forwardSignals(child: ChildProcess): () => void {
  const handler = (sig: NodeJS.Signals): void => { child.kill(sig); };
  for (const s of FORWARDED) process.on(s, handler);
  return () => { for (const s of FORWARDED) process.off(s, handler); };
}

export function writePidFile(path: string, pid: number): void {
  writeAtomic(path, String(pid), 0o644);
}

/** The container's exit status: the shim's `exited` record, else its own exit (128+n for signal n). */
export function containerStatus(x: ShimExit): number {
  for (const r of x.records) if (r.type === 'exited') return r.status;
  if (x.signal) return 128 + (process.getBuiltinModule('node:os').constants.signals[x.signal] ?? 0);
  return x.code ?? 1;
}
