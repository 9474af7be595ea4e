// Works out a container's live status from its state record and the kernel, like runc does:
// init gone (or its pid reused) → stopped; exec fifo still there → created; else running.
// Reads /proc and the state dir only.
import { join } from './posix-path.js';
import { sys } from './sys.js';
import type { State, Status } from './state.js';

/** Field 22 of /proc/<pid>/stat (start time in clock ticks), or null if the process is gone. */
export function procStartTime(pid: number): number | null {
  let stat: string;
  try { stat = sys().readText(`/proc/${pid}/stat`); } catch { return null; }
  // comm (field 2) may hold spaces and parentheses; fields after it start past the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (rest[0] === 'Z' || rest[0] === 'X') return null; // a zombie is as good as gone
  const v = Number(rest[19]);
  return Number.isFinite(v) ? v : null;
}

export function liveStatus(dir: string, s: State): Status {
  if (s.pid <= 0) return 'stopped';
  const start = procStartTime(s.pid);
  // SECURITY: a recycled pid must never be signalled as if it were our init.
  if (start === null || (s.initStartTime !== undefined && start !== s.initStartTime)) return 'stopped';
  // runc lets a created container be paused; it is then paused, not created
  if (s.paused) return 'paused';
  return sys().exists(join(dir, 'exec.fifo')) ? 'created' : 'running';
}
