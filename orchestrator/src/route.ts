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
  // a flag's value, in `--x=v` or `--x v` form; null when the next token is not plainly a value
  const valueOf = (tok: string, eq: number, i: number): string | null => {
    if (eq >= 0) return tok.slice(eq + 1);
    const v = args[i + 1];
    return v === undefined || v.startsWith('-') ? null : v;
  };
  let i = 0;
  for (; i < args.length && args[i]!.startsWith('--'); i++) {
    const tok = args[i]!;
    const eq = tok.indexOf('=');
    const name = tok.slice(2, eq >= 0 ? eq : undefined);
    const flag = own(FAST_GLOBAL_BOOL, name);
    if (flag !== undefined && eq < 0) { opts[flag] = true; continue; }
    const key = own(FAST_GLOBAL_VALUE, name);
    if (key === undefined) return null;
    const v = valueOf(tok, eq, i);
    if (v === null) return null;
    opts[key] = v;
    if (eq < 0) i++;
  }
  const cmd = args[i++];
  const pos: string[] = [];
  const o: Record<string, unknown> = {};
  let values: Record<string, string> = {};
  let bools: Record<string, string> = {};
  let negated: Record<string, string> = {};
  let maxPos = 1;
  switch (cmd) {
    case 'create':
      values = FAST_CREATE_VALUE; negated = FAST_CREATE_NEGATED;
      Object.assign(o, { bundle: '.', pivot: true, newKeyring: true, preserveFds: '0' });
      break;
    case 'run':
      values = FAST_CREATE_VALUE; negated = FAST_RUN_NEGATED; bools = FAST_RUN_BOOL;
      Object.assign(o, { bundle: '.', pivot: true, newKeyring: true, preserveFds: '0', subreaper: true });
      break;
    case 'kill': bools = { all: 'all' }; maxPos = 2; break;
    case 'delete': bools = { force: 'force' }; break;
    case 'start': case 'state': break;
    default: return null;
  }
  const short: Record<string, string> = cmd === 'create' ? { '-b': '--bundle' } : cmd === 'run' ? { '-b': '--bundle', '-d': '--detach' }
    : cmd === 'kill' ? { '-a': '--all' } : cmd === 'delete' ? { '-f': '--force' } : {};
  for (; i < args.length; i++) {
    const raw = args[i]!;
    if (!raw.startsWith('-')) { pos.push(raw); continue; }
    const tok = own(short, raw) ?? raw;
    if (!tok.startsWith('--')) return null;
    const eq = tok.indexOf('=');
    const name = tok.slice(2, eq >= 0 ? eq : undefined);
    const flag = eq < 0 ? own(bools, name) : undefined;
    if (flag !== undefined) { o[flag] = true; continue; }
    const off = eq < 0 ? own(negated, name) : undefined;
    if (off !== undefined) { o[off] = false; continue; }
    const key = own(values, name);
    if (key === undefined) return null;
    const v = valueOf(tok, eq, i);
    if (v === null) return null;
    o[key] = v;
    if (eq < 0) i++;
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

