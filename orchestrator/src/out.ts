// Writes CLI output to fd 1/2 synchronously: Bun spends ~10 ms setting up process.stdout streams.
// Never buffers: each call is on the fd before it returns (output order is the order of calls).
import { sys, type SysError } from './sys.js';

function writeAll(fd: number, text: string): void {
  const io = sys();
  const b = new TextEncoder().encode(text);
  let off = 0;
  while (off < b.length) {
    try {
      off += io.write(fd, b, off, b.length - off);
    } catch (e) {
      // A caller may hand us a non-blocking pipe; wait for it rather than drop output.
      if ((e as SysError).code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

export function stdout(text: string): void { writeAll(1, text); }
export function stderr(text: string): void { writeAll(2, text); }
