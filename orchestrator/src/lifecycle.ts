// Host-side steps around a running shim: the exec fifo, signal forwarding, pid files, exit status.
// Never changes kernel state beyond reading a fifo, writing a pid file and sending signals.
import { writeAtomic } from './state.js';
import type { ShimChild, ShimExit } from './shim.js';
import { procStartTime } from './status.js';
import { sys, type SysError } from './sys.js';

export const FORWARDED: readonly NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

/**
 * Releases init without leaving the thread: opens the exec fifo non-blocking (init is blocked opening
 * it for writing, or about to be) and reads the one byte init writes. Resolves false, without that
 * byte, if init ended first: gone before opening the fifo, or closed it without writing, or (`run`)
 * the shim has already reaped it and removed the fifo with its teardown lane — its records say why.
 */
export function releaseInit(path: string, pid: number): boolean {
  const io = sys();
  let fd: number;
  try { fd = io.open(path, io.O.RDONLY | io.O.NONBLOCK); } catch (e) {
    // ORDER: init failed and the shim's teardown lane already unlinked the fifo; the shim's
    // record of the failed step is the error to report, not this open
    if ((e as SysError).code === 'ENOENT') return false;
    throw e;
  }
  const pause = new Int32Array(new SharedArrayBuffer(4));
  try {
    const byte = new Uint8Array(1);
    let writerSeen = false;
    for (;;) {
      let n = 0;
      try { n = io.read(fd, byte, 0, 1); } catch (e) {
        if ((e as SysError).code !== 'EAGAIN') throw e;
        writerSeen = true; // open for writing, the byte not there yet
        n = -1;
      }
      if (n === 1) return true;
      // 0: no writer; after one was seen, init closed the fifo (exec or death) without writing
      if (n === 0 && (writerSeen || procStartTime(pid) === null)) return false;
      Atomics.wait(pause, 0, 0, 0.2);
    }
  } finally {
    io.close(fd);
  }
}

/** Passes the signals runc forwards on to the shim, which forwards them to init. Returns the undo. */
export function forwardSignals(child: ShimChild): () => void {
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
