// `planc list`: the containers under --root, as runc's table or JSON.
// Read only: never locks, signals or cleans up what it lists.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Globals } from '../globals.js';
import { PlancError } from '../errors.js';
import { stderr, stdout } from '../out.js';
import { readState, type State } from '../state.js';
import { liveStatus } from '../status.js';

// The user name of a uid from the host's /etc/passwd, or "#<uid>" as runc prints unknown ones.
function userName(uid: number): string {
  try {
    for (const line of process.getBuiltinModule('node:fs').readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length >= 3 && Number(f[2]) === uid && f[2] !== '') return f[0]!;
    }
  } catch { /* fall through */ }
  return `#${uid}`;
}

// text/tabwriter with minwidth 12, padding 3, as runc configures it; the last column is not padded.
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(12, ...rows.map((r) => r[c]!.length + 3)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('') + '\n').join('');
}

/** The state with the fields list shows, or an error naming the first one that is wrong. */
function wellFormed(s: State): State {
  if (s === null || typeof s !== 'object') throw new Error('state.json is not an object');
  for (const [k, t] of [['id', 'string'], ['pid', 'number'], ['bundle', 'string'], ['created', 'string']] as const) {
    if (typeof (s as unknown as Record<string, unknown>)[k] !== t) throw new Error(`state.json: "${k}" is not a ${t}`);
  }
  return s;
}

export function listCommand(opts: { format?: string; quiet?: boolean }, g: Globals): void {
  let names: string[] = [];
  try { names = readdirSync(g.root).sort(); } catch { /* no root yet: no containers */ }
  // A container whose state cannot be read (cut short by a kill, edited by hand) is named on
  // stderr and skipped, as runc does; the others are listed.
  const items = names.flatMap((id) => {
    const dir = join(g.root, id);
    try {
      const s = wellFormed(readState(dir));
      const status = liveStatus(dir, s);
      return [{ ...s, pid: status === 'stopped' ? 0 : s.pid, status, owner: userName(statSync(dir).uid) }];
    } catch (e) {
      stderr(`load container ${id}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'container does not exist' : (e as Error).message}\n`);
      return [];
    }
  });
  if (opts.quiet) { stdout(items.map((s) => s.id + '\n').join('')); return; }
  if (opts.format !== undefined && opts.format !== 'table' && opts.format !== 'json') throw new PlancError('invalid format option');
  if (opts.format === 'json') {
    // runc's fields only, in runc's order; null for none, as Go marshals an empty slice
    const rows = items.map((s) => ({
      ociVersion: s.ociVersion, id: s.id, pid: s.pid, status: s.status, bundle: s.bundle, rootfs: s.rootfs,
      created: s.created, ...(s.annotations && Object.keys(s.annotations).length ? { annotations: s.annotations } : {}), owner: s.owner,
    }));
    stdout(JSON.stringify(rows.length ? rows : null) + '\n');
    return;
  }
  stdout(table([['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'],
    ...items.map((s) => [s.id, String(s.pid), s.status, s.bundle, s.created, s.owner])]));
}
