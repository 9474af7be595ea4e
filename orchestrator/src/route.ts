// The engine fast path: the commands containerd, CRI-O and podman call per container, parsed without
// commander. Their modules are imported statically, so one module load (no chain of dynamic imports)
// brings in everything state, kill, delete and start need; create and run load the planner on use.
import { deleteCommand } from './commands/delete.js';
import { killCommand } from './commands/kill.js';
import { startCommand } from './commands/start.js';
import { stateCommand } from './commands/state.js';
import { failedAs } from './errors.js';
import type { Globals } from './globals.js';

/** The global flags commander knows, by the key its opts() gives them. */
const FAST_GLOBAL_VALUE: Record<string, string> = { root: 'root', log: 'log', 'log-format': 'logFormat', criu: 'criu', rootless: 'rootless' };
const FAST_GLOBAL_BOOL: Record<string, string> = { debug: 'debug', 'systemd-cgroup': 'systemdCgroup' };
const FAST_CREATE_VALUE: Record<string, string> = {
  bundle: 'bundle', 'console-socket': 'consoleSocket', 'pid-file': 'pidFile', 'pidfd-socket': 'pidfdSocket',
  'preserve-fds': 'preserveFds', 'plan-digest': 'planDigest', 'pinned-plan': 'pinnedPlan',
};
const FAST_CREATE_NEGATED: Record<string, string> = { 'no-pivot': 'pivot', 'no-new-keyring': 'newKeyring' };

const FAST_RUN_BOOL: Record<string, string> = { detach: 'detach', keep: 'keep' };
const FAST_RUN_NEGATED: Record<string, string> = { ...FAST_CREATE_NEGATED, 'no-subreaper': 'subreaper' };

/** The long flags one parse knows: booleans, negations (`--no-x` sets `x` false) and flags with a value. */
interface FlagTables { bools: Record<string, string>; negated: Record<string, string>; values: Record<string, string> }
const GLOBAL_FLAGS: FlagTables = { bools: FAST_GLOBAL_BOOL, negated: {}, values: FAST_GLOBAL_VALUE };

const own = (rec: Record<string, string>, name: string): string | undefined => (Object.hasOwn(rec, name) ? rec[name] : undefined);

/**
 * The commands engines call per container (create, run, start, state, kill, delete), read from
 * normalised argv without building commander's command tree. Reads only the spellings whose
 * meaning is unambiguous and returns null for anything else (help, unknown or missing flags,
 * extra arguments), which commander then parses, and reports on, as before. The options come out
 * as commander's would, so each command gets the same arguments either way.
 */
export function fastRoute(args: readonly string[]): { opts: Record<string, unknown>; run: (g: Globals) => Promise<number> } | null {
  const opts: Record<string, unknown> = { logFormat: 'text', rootless: 'auto' };
  // Reads the long flag `tok` (at args[i]) into `into`: a boolean (`--x`), a negated one (`--no-x`) or
  // a value (`--x=v` or `--x v`). Returns the tokens it took, 0 for a flag it does not know or a value
  // that is not plainly one.
  const readFlag = (tok: string, i: number, t: FlagTables, into: Record<string, unknown>): number => {
    const eq = tok.indexOf('=');
    const name = tok.slice(2, eq >= 0 ? eq : undefined);
    if (eq < 0) {
      const flag = own(t.bools, name);
      if (flag !== undefined) { into[flag] = true; return 1; }
      const off = own(t.negated, name);
      if (off !== undefined) { into[off] = false; return 1; }
    }
    const key = own(t.values, name);
    if (key === undefined) return 0;
    if (eq >= 0) { into[key] = tok.slice(eq + 1); return 1; }
    const v = args[i + 1];
    if (v === undefined || v.startsWith('-')) return 0;
    into[key] = v;
    return 2;
  };
  let i = 0;
  while (i < args.length && args[i]!.startsWith('--')) {
    const took = readFlag(args[i]!, i, GLOBAL_FLAGS, opts);
    if (!took) return null;
    i += took;
  }
  const cmd = args[i++];
  const pos: string[] = [];
  const o: Record<string, unknown> = {};
  let t: FlagTables = { bools: {}, negated: {}, values: {} };
  let maxPos = 1;
  switch (cmd) {
    case 'create':
      t = { bools: {}, negated: FAST_CREATE_NEGATED, values: FAST_CREATE_VALUE };
      Object.assign(o, { bundle: '.', pivot: true, newKeyring: true, preserveFds: '0' });
      break;
    case 'run':
      t = { bools: FAST_RUN_BOOL, negated: FAST_RUN_NEGATED, values: FAST_CREATE_VALUE };
      Object.assign(o, { bundle: '.', pivot: true, newKeyring: true, preserveFds: '0', subreaper: true });
      break;
    case 'kill': t.bools = { all: 'all' }; maxPos = 2; break;
    case 'delete': t.bools = { force: 'force' }; break;
    case 'start': case 'state': break;
    default: return null;
  }
  const short: Record<string, string> = cmd === 'create' ? { '-b': '--bundle' } : cmd === 'run' ? { '-b': '--bundle', '-d': '--detach' }
    : cmd === 'kill' ? { '-a': '--all' } : cmd === 'delete' ? { '-f': '--force' } : {};
  while (i < args.length) {
    const raw = args[i]!;
    if (!raw.startsWith('-')) { pos.push(raw); i++; continue; }
    const tok = own(short, raw) ?? raw;
    const took = tok.startsWith('--') ? readFlag(tok, i, t, o) : 0;
    if (!took) return null;
    i += took;
  }
  if (pos.length < 1 || pos.length > maxPos) return null;
  const id = pos[0]!;
  switch (cmd) {
    // create and run load the planner's module graph, so only they import it
    case 'create':
      return { opts, run: async (g) => failedAs('create', async () => (await import('./commands/create.js')).createCommand(id, { ...o, noPivot: o.pivot === false }, g)) };
    case 'run':
      return { opts, run: async (g) => failedAs('run', async () => (await import('./commands/run.js')).runCommand(id, { ...o, noPivot: o.pivot === false }, g)) };
    case 'start':
      return { opts, run: async (g) => { await startCommand(id, g); return 0; } };
    case 'state':
      return { opts, run: async (g) => { stateCommand(id, g); return 0; } };
    case 'kill':
      return { opts, run: async (g) => { await killCommand(id, pos[1], o, g); return 0; } };
    default:
      return { opts, run: async (g) => { await deleteCommand(id, o, g); return 0; } };
  }
}

