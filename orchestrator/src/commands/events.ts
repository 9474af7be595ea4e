// `planc events`: runc's JSON event lines for a container: stats every --interval (or once with
// --stats) and an `oom` event whenever the memory cgroup's OOM-kill counter rises. Read only.
import { PlancError } from '../errors.js';
import type { Globals } from '../globals.js';
import { stdout } from '../out.js';
import { cgroupDirs } from '../procs.js';
import { collectStats, oomKills, statsJson } from '../stats.js';
import { existingStateDir, readPlan, readState } from '../state.js';
import { liveStatus } from '../status.js';

/** A Go duration ("5s", "500ms", "1m30s") in milliseconds. */
export function parseDuration(s: string): number {
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = s.trim();
  if (rest === '' ) throw new PlancError(`invalid duration "${s}"`);
  while (rest !== '') {
    const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/.exec(rest);
    if (!m) throw new PlancError(`invalid value "${s}" for flag -interval: parse error`);
    total += Number(m[1]) * unit[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  if (total <= 0) throw new PlancError('duration interval must be greater than 0');
  return total;
}

const OOM_POLL_MS = 200;

export async function eventsCommand(id: string, o: { interval?: string; stats?: boolean }, g: Globals): Promise<void> {
  const dir = existingStateDir(g.root, id);
  const s = readState(dir);
  if (liveStatus(dir, s) === 'stopped') throw new PlancError(`container with id ${id} is not running`);
  const interval = parseDuration(o.interval ?? '5s');
  const dirs = cgroupDirs(readPlan(dir));
  const emit = (type: string, data?: unknown): void => stdout(statsJson({ type, id, ...(data === undefined ? {} : { data }) }) + '\n');
  if (o.stats) { emit('stats', collectStats(dirs)); return; }
  let ooms = oomKills(dirs);
  let nextStats = Date.now();
  // Ends when the container stops (or is deleted), as there is nothing more to report.
  for (;;) {
    const now = Date.now();
    if (now >= nextStats) { emit('stats', collectStats(dirs)); nextStats = now + interval; }
    const n = oomKills(dirs);
    if (n > ooms) emit('oom');
    ooms = n;
    let alive = false;
    try { alive = liveStatus(dir, readState(dir)) !== 'stopped'; } catch { /* deleted */ }
    if (!alive) return;
    await new Promise((r) => setTimeout(r, Math.min(OOM_POLL_MS, Math.max(1, nextStats - Date.now()))));
  }
}
