// Rewrites argv from the spellings runc (urfave/cli over Go's flag package) accepts into the ones
// commander parses: `-root` → `--root`, global flags after the subcommand moved before it.
// Pure: never reads the environment and never decides what a flag means.

/** Global flags that take a value, and those that do not. */
const GLOBAL_VALUE = new Set(['root', 'log', 'log-format', 'criu', 'rootless']);
const GLOBAL_BOOL = new Set(['debug', 'systemd-cgroup']);

/** Every long flag name of every command: Go's flag package reads `-name` as `--name`. */
const LONG = new Set([
  ...GLOBAL_VALUE, ...GLOBAL_BOOL, 'help', 'version',
  'bundle', 'console-socket', 'pidfd-socket', 'pid-file', 'no-pivot', 'no-new-keyring', 'preserve-fds', 'plan-digest',
  'detach', 'no-subreaper', 'keep', 'all', 'force', 'format', 'quiet', 'cwd', 'env', 'tty', 'user', 'additional-gids',
  'process', 'cap', 'no-new-privs', 'ignore-paused', 'process-label', 'apparmor', 'stats', 'interval', 'resources',
  'memory', 'memory-swap', 'memory-reservation', 'cpu-share', 'cpu-shares', 'cpu-quota', 'cpu-period', 'cpu-rt-period',
  'cpu-rt-runtime', 'cpuset-cpus', 'cpuset-mems', 'pids-limit', 'blkio-weight', 'kernel-memory', 'kernel-memory-tcp',
  'l3-cache-schema', 'mem-bw-schema', 'id', 'host-facts', 'host-profile', 'output', 'config', 'strict', 'profiles', 'pinned-plan', 'cgroup',
]);

/** Subcommand flags that take a value (so the value is not taken for a positional argument). */
const TAKES_VALUE = new Set([
  'bundle', 'console-socket', 'pidfd-socket', 'pid-file', 'preserve-fds', 'plan-digest', 'format', 'cwd', 'env', 'user',
  'additional-gids', 'process', 'cap', 'process-label', 'apparmor', 'interval', 'resources', 'memory', 'memory-swap',
  'memory-reservation', 'cpu-share', 'cpu-shares', 'cpu-quota', 'cpu-period', 'cpu-rt-period', 'cpu-rt-runtime',
  'cpuset-cpus', 'cpuset-mems', 'pids-limit', 'blkio-weight', 'kernel-memory', 'kernel-memory-tcp', 'l3-cache-schema',
  'mem-bw-schema', 'id', 'host-facts', 'host-profile', 'output', 'config', 'pinned-plan', 'cgroup',
]);
const SHORT_VALUE: Record<string, readonly string[]> = {
  create: ['-b'], run: ['-b'], exec: ['-e', '-u', '-g', '-p', '-c'], list: ['-f'], ps: ['-f'], update: ['-r'], spec: ['-b'], plan: ['-b'],
};

/** Commands whose arguments after the container id belong to the process (runc's SkipArgReorder). */
const VERBATIM_AFTER_ID = new Set(['exec', 'ps']);
/** Subcommand flags that would be taken for a global one of the same name. */
const OWN_FLAGS: Record<string, Set<string>> = { spec: new Set(['rootless']) };

function longForm(tok: string): string {
  const m = /^-([a-z][a-z0-9-]+)(=.*)?$/.exec(tok);
  return m && LONG.has(m[1]!) ? `-${tok}` : tok;
}

function flagName(tok: string): string | null {
  const m = /^--([a-z][a-z0-9-]*)(=.*)?$/.exec(tok);
  return m ? m[1]! : null;
}

/**
 * Normalises argv (without the program name). Global flags may appear before the subcommand, or
 * after it among its own flags; `--x v`, `--x=v` and `-x v` are kept as commander reads them.
 */
export function normalizeArgv(argv: readonly string[]): string[] {
  const before: string[] = [];
  let i = 0;
  // Global flags before the subcommand.
  for (; i < argv.length; i++) {
    const tok = longForm(argv[i]!);
    if (!tok.startsWith('-') || tok === '-') break;
    before.push(tok);
    const name = flagName(tok);
    if (name && GLOBAL_VALUE.has(name) && !tok.includes('=') && i + 1 < argv.length) before.push(argv[++i]!);
    if (tok === '--') { i++; break; }
  }
  if (i >= argv.length) return before;
  const cmd = argv[i++]!;
  const own = OWN_FLAGS[cmd] ?? new Set<string>();
  const rest: string[] = [];
  let positionals = 0;
  for (; i < argv.length; i++) {
    const raw = argv[i]!;
    if (raw === '--') { rest.push(...argv.slice(i)); break; }
    if (VERBATIM_AFTER_ID.has(cmd) && positionals > 0) { rest.push(...argv.slice(i)); break; }
    if (!raw.startsWith('-') || raw === '-') { rest.push(raw); positionals++; continue; }
    const tok = longForm(raw);
    const name = flagName(tok);
    if (name && !own.has(name) && GLOBAL_BOOL.has(name)) { before.push(tok); continue; }
    if (name && !own.has(name) && GLOBAL_VALUE.has(name)) {
      before.push(tok);
      if (!tok.includes('=') && i + 1 < argv.length) before.push(argv[++i]!);
      continue;
    }
    rest.push(tok);
    const takes = name ? TAKES_VALUE.has(name) && !tok.includes('=') && !(cmd === 'spec' && name === 'rootless') : (SHORT_VALUE[cmd] ?? []).includes(tok);
    if (takes && i + 1 < argv.length) rest.push(argv[++i]!);
  }
  return [...before, cmd, ...rest];
}
