// planc's entry point: commander routing to src/commands/* and the one top-level error handler.
// Nothing heavy happens at import time; each command loads its module only when it runs.
import type { Command } from 'commander';
import type { Globals } from './globals.js';

async function globals(program: Command): Promise<Globals> {
  const { globalsFrom } = await import('./globals.js');
  const { setLogOptions } = await import('./errors.js');
  const g = globalsFrom(program.opts());
  setLogOptions({ log: g.log, logFormat: g.logFormat, debug: g.debug });
  return g;
}

// runc prefixes errors of run and create with "runc <cmd> failed: "; planc does the same.
// exec's errors are "exec failed: ..." with status 255, so callers can tell them from the process's own.
async function failedAs<T>(cmd: string, fn: () => Promise<T>): Promise<T> {
  try { return await fn(); } catch (e) {
    const { PlancError } = await import('./errors.js');
    if (!(e instanceof Error)) throw e;
    if (cmd === 'exec') throw new PlancError(`exec failed: ${e.message}`, 255, { cause: e });
    if (e.name === 'SpecErrors') throw e;
    throw new PlancError(`planc ${cmd} failed: ${e.message}`, e instanceof PlancError ? e.exitCode : 1, { cause: e });
  }
}

function build(Command: typeof import('commander').Command, setExit: (code: number) => void): Command {
  const program = new Command('planc')
    .usage('[global options] command [command options] [arguments...]')
    .description('planc: an OCI container runtime whose every privileged step is a plan you can read first')
    .option('--debug', 'enable debug logging')
    .option('--log <path>', 'set the log file to write planc logs to (default is \'/dev/stderr\')')
    .option('--log-format <format>', 'set the log format (\'text\' or \'json\')', 'text')
    .option('--root <dir>', 'root directory for storage of container state (default: /run/planc, or $XDG_RUNTIME_DIR/planc when not root)')
    .option('--criu <path>', 'accepted for runc compatibility; unused')
    .option('--systemd-cgroup', 'use the systemd cgroup driver (refused: systemd is not available to planc)')
    .option('--rootless <value>', 'ignore cgroup permission errors (\'true\', \'false\', or \'auto\')', 'auto')
    .option('-v, --version', 'print the version')
    .enablePositionalOptions()
    .exitOverride()
    .action(async () => {
      if (program.opts().version) { (await import('./commands/version.js')).versionCommand(); return; }
      program.help();
    });

  program.command('spec')
    .description('create a new specification file')
    .option('-b, --bundle <dir>', 'path to the root of the bundle directory')
    .option('--rootless', 'generate a configuration for a rootless container')
    .action(async (o) => { await globals(program); (await import('./commands/spec.js')).specCommand(o); });

  // audit commands exit 2 on a usage error (1 means "findings" or "different")
  const usage2 = (c: Command): Command => c.exitOverride((e) => { throw e.exitCode === 0 ? e : Object.assign(e, { exitCode: 2 }); });

  const plan = program.command('plan')
    .description('print the plan a bundle would run, and its digest, without running it')
    .option('-b, --bundle <dir>', 'path to the root of the bundle directory', '.')
    .option('--format <format>', 'text or json', 'text')
    .option('--id <id>', 'container id to plan for', 'container')
    .option('--host-facts <file>', 'plan against this host-facts record instead of this host')
    .option('--host-profile <name>', 'plan against a named host profile (see planc facts --profiles)')
    .option('--output <file>', 'also write the plan bytes to this file')
    .option('--console-socket <path>', 'plan as create --console-socket would (default for a terminal: a foreground run)')
    .option('--no-pivot', 'plan as --no-pivot would')
    .action(async (o) => { const g = await globals(program); await (await import('./commands/plan.js')).planCommand(o, g); });

  usage2(plan.command('diff'))
    .description('compare two plans (bundle dirs, config files, saved JSON plans or plan bytes) op by op')
    .argument('<a>').argument('<b>')
    .option('--format <format>', 'text or json', 'text')
    .option('--id <id>', 'container id to plan bundles for', 'container')
    .option('--host-facts <file>', 'plan bundles against this host-facts record')
    .option('--host-profile <name>', 'plan bundles against a named host profile')
    .action(async (a: string, b: string, o) => {
      const g = await globals(program);
      setExit(await (await import('./commands/diff.js')).diffCommand(a, b, o, g));
    });

  usage2(program.command('validate'))
    .description('report spec errors and security findings of config.json files (bundles or trees of them)')
    .argument('[paths...]')
    .option('--config <file>', 'validate this config file')
    .option('--strict', 'treat warnings as errors')
    .option('--format <format>', 'text, json or sarif', 'text')
    .option('--id <id>', 'container id to validate for', 'container')
    .option('--host-facts <file>', 'validate against this host-facts record instead of this host')
    .option('--host-profile <name>', 'validate against a named host profile')
    .action(async (paths: string[], o) => {
      const g = await globals(program);
      setExit(await (await import('./commands/validate.js')).validateCommand(paths, o, g));
    });

  program.command('facts')
    .description('print the host-facts record the planner is given on this host')
    .option('--profiles', 'list the named host profiles instead')
    .action(async (o) => { await globals(program); (await import('./commands/facts.js')).factsCommand(o); });

  // run and create share runc's creation flags
  const creation = (c: Command): Command => c
    .argument('<container-id>')
    .option('-b, --bundle <dir>', 'path to the root of the bundle directory', '.')
    .option('--console-socket <path>', 'path to an AF_UNIX socket which will receive the pty master')
    .option('--pid-file <path>', 'specify the file to write the process id to')
    .option('--no-pivot', 'do not use pivot root to jail process inside rootfs')
    .option('--no-new-keyring', 'do not create a new session keyring for the container')
    .option('--pidfd-socket <path>', 'path to an AF_UNIX socket which will receive the pidfd of init (not supported)')
    .option('--preserve-fds <n>', 'pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)', '0')
    .option('--plan-digest <digest>', 'refuse to create the container unless its plan has this digest (exact or stable)')
    .option('--pinned-plan <file>', 'the approved plan (JSON or bytes): on a digest mismatch, show which ops differ');

  creation(program.command('run').description('create and run a container'))
    .option('-d, --detach', 'detach from the container\'s process')
    .option('--no-subreaper', 'disable the use of the subreaper used to reap reparented processes')
    .option('--keep', 'do not delete the container after it exits')
    .action(async (id: string, o) => {
      const g = await globals(program);
      // commander turns --no-pivot into pivot=false
      setExit(await failedAs('run', async () => (await import('./commands/run.js')).runCommand(id, { ...o, noPivot: o.pivot === false }, g)));
    });

  creation(program.command('create').description('create a container'))
    .action(async (id: string, o) => {
      const g = await globals(program);
      setExit(await failedAs('create', async () => (await import('./commands/create.js')).createCommand(id, { ...o, noPivot: o.pivot === false }, g)));
    });

  program.command('update').description('update container resource constraints')
    .argument('<container-id>')
    .option('-r, --resources <file>', 'path to the file containing the resources to update or \'-\' to read from the standard input')
    .option('--blkio-weight <n>', 'per cgroup weight, range is from 10 to 1000')
    .option('--cpu-period <n>', 'CPU CFS period to be used for hardcapping (in usecs)')
    .option('--cpu-quota <n>', 'CPU CFS hardcap limit (in usecs)')
    .option('--cpu-share <n>', 'CPU shares (relative weight vs. other containers)')
    .option('--cpu-shares <n>', 'alias of --cpu-share')
    .option('--cpu-rt-period <n>', 'CPU realtime period (in usecs)')
    .option('--cpu-rt-runtime <n>', 'CPU realtime hardcap limit (in usecs)')
    .option('--cpuset-cpus <list>', 'CPU(s) to use')
    .option('--cpuset-mems <list>', 'memory node(s) to use')
    .option('--memory <bytes>', 'memory limit (in bytes)')
    .option('--memory-reservation <bytes>', 'memory reservation or soft_limit (in bytes)')
    .option('--memory-swap <bytes>', 'total memory usage (memory + swap); \'-1\' for unlimited swap')
    .option('--pids-limit <n>', 'maximum number of pids allowed in the container')
    .action(async (id: string, o) => { const g = await globals(program); await (await import('./commands/update.js')).updateCommand(id, o, g); });

  program.command('events').description('display container events such as OOM notifications, cpu, memory, and IO usage statistics')
    .argument('<container-id>')
    .option('--interval <duration>', 'set the stats collection interval', '5s')
    .option('--stats', 'display the container\'s stats then exit')
    .action(async (id: string, o) => { const g = await globals(program); await (await import('./commands/events.js')).eventsCommand(id, o, g); });

  program.command('features').description('show the enabled features')
    .action(async () => { await globals(program); await (await import('./commands/features.js')).featuresCommand(); });

  program.command('start').description('executes the user defined process in a created container')
    .argument('<container-id>')
    .action(async (id: string) => { const g = await globals(program); await (await import('./commands/start.js')).startCommand(id, g); });

  program.command('state').description('output the state of a container')
    .argument('<container-id>')
    .action(async (id: string) => { const g = await globals(program); (await import('./commands/state.js')).stateCommand(id, g); });

  program.command('kill').description('kill sends the specified signal (default: SIGTERM) to the container\'s init process')
    .argument('<container-id>').argument('[signal]')
    .option('-a, --all', 'send the specified signal to all processes inside the container')
    .action(async (id: string, sig: string | undefined, o) => {
      const g = await globals(program);
      (await import('./commands/kill.js')).killCommand(id, sig, o, g);
    });

  const many = (v: string, prev: string[] = []): string[] => [...prev, v];
  program.command('exec').description('execute new process inside the container')
    .argument('<container-id>').argument('[command...]')
    .option('--console-socket <path>', 'path to an AF_UNIX socket which will receive the pty master')
    .option('--cwd <dir>', 'current working directory in the container')
    .option('-e, --env <var>', 'set environment variables', many)
    .option('-t, --tty', 'allocate a pseudo-TTY')
    .option('-u, --user <uid[:gid]>', 'UID (format: <uid>[:<gid>])')
    .option('-g, --additional-gids <gid>', 'additional gids', many)
    .option('-p, --process <path>', 'path to the process.json')
    .option('-d, --detach', 'detach from the container\'s process')
    .option('--pid-file <path>', 'specify the file to write the process id to')
    .option('-c, --cap <cap>', 'add a capability to the bounding set for the process', many)
    .option('--no-new-privs', 'set the no new privileges value for the process')
    .option('--preserve-fds <n>', 'pass N additional file descriptors to the process', '0')
    .option('--pidfd-socket <path>', 'path to an AF_UNIX socket which will receive the pidfd (not supported)')
    .option('--ignore-paused', 'allow exec in a paused container')
    .option('--process-label <label>', 'set the asm process label for the process commonly used with selinux')
    .option('--apparmor <profile>', 'set the apparmor profile for the process')
    .passThroughOptions()
    .action(async (id: string, command: string[], o) => {
      const g = await globals(program);
      setExit(await failedAs('exec', async () => (await import('./commands/exec.js')).execCommand(id, command, o, g)));
    });

  for (const action of ['pause', 'resume'] as const) {
    program.command(action).description(action === 'pause' ? 'pause suspends all processes inside the container' : 'resumes all processes that have been previously paused')
      .argument('<container-id>')
      .action(async (id: string) => { const g = await globals(program); await (await import('./commands/pause.js')).pauseCommand(action, id, g); });
  }

  program.command('ps').description('ps displays the processes running inside a container')
    .argument('<container-id>').argument('[ps-options...]')
    .option('-f, --format <format>', 'select one of: table or json', 'table')
    .passThroughOptions()
    .action(async (id: string, psArgs: string[], o) => {
      const g = await globals(program);
      (await import('./commands/ps.js')).psCommand(id, psArgs, o, g);
    });

  program.command('delete').description('delete any resources held by the container often used with detached container')
    .argument('<container-id>')
    .option('-f, --force', 'forcibly deletes the container if it is still running (uses SIGKILL)')
    .action(async (id: string, o) => { const g = await globals(program); await (await import('./commands/delete.js')).deleteCommand(id, o, g); });

  program.command('list').description('lists containers started by planc with the given root')
    .option('-f, --format <format>', 'select one of: table or json', 'table')
    .option('-q, --quiet', 'display only container IDs')
    .action(async (o) => { const g = await globals(program); (await import('./commands/list.js')).listCommand(o, g); });
  return program;
}

/** The global flags commander knows, by the key its opts() gives them. */
const FAST_GLOBAL_VALUE: Record<string, string> = { root: 'root', log: 'log', 'log-format': 'logFormat', criu: 'criu', rootless: 'rootless' };
const FAST_GLOBAL_BOOL: Record<string, string> = { debug: 'debug', 'systemd-cgroup': 'systemdCgroup' };
const FAST_CREATE_VALUE: Record<string, string> = {
  bundle: 'bundle', 'console-socket': 'consoleSocket', 'pid-file': 'pidFile', 'pidfd-socket': 'pidfdSocket',
  'preserve-fds': 'preserveFds', 'plan-digest': 'planDigest', 'pinned-plan': 'pinnedPlan',
};
const FAST_CREATE_NEGATED: Record<string, string> = { 'no-pivot': 'pivot', 'no-new-keyring': 'newKeyring' };

/**
 * The commands engines call per container (create, start, state, kill, delete), read from
 * normalised argv without building commander's command tree. Reads only the spellings whose
 * meaning is unambiguous and returns null for anything else (help, unknown or missing flags,
 * extra arguments), which commander then parses, and reports on, as before.
 */
const own = (rec: Record<string, string>, name: string): string | undefined => (Object.hasOwn(rec, name) ? rec[name] : undefined);

function fastRoute(args: readonly string[]): { opts: Record<string, unknown>; run: (g: Globals) => Promise<number> } | null {
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
    case 'kill': bools = { all: 'all' }; maxPos = 2; break;
    case 'delete': bools = { force: 'force' }; break;
    case 'start': case 'state': break;
    default: return null;
  }
  const short: Record<string, string> = cmd === 'create' ? { '-b': '--bundle' } : cmd === 'kill' ? { '-a': '--all' } : cmd === 'delete' ? { '-f': '--force' } : {};
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
    case 'create':
      return { opts, run: async (g) => failedAs('create', async () => (await import('./commands/create.js')).createCommand(id, { ...o, noPivot: o.pivot === false }, g)) };
    case 'start':
      return { opts, run: async (g) => { await (await import('./commands/start.js')).startCommand(id, g); return 0; } };
    case 'state':
      return { opts, run: async (g) => { (await import('./commands/state.js')).stateCommand(id, g); return 0; } };
    case 'kill':
      return { opts, run: async (g) => { (await import('./commands/kill.js')).killCommand(id, pos[1], o, g); return 0; } };
    default:
      return { opts, run: async (g) => { await (await import('./commands/delete.js')).deleteCommand(id, o, g); return 0; } };
  }
}

async function reportFailure(e: unknown): Promise<number> {
  const { PlancError, reportError } = await import('./errors.js');
  // Spec errors are one `<pointer>: <message>` line each, not a log line.
  if (e instanceof PlancError && e.name === 'SpecErrors') { (await import('./out.js')).stderr(e.message + '\n'); return 1; }
  reportError(e instanceof Error ? e.message : String(e));
  return e instanceof PlancError ? e.exitCode : 1;
}

export async function main(argv: string[]): Promise<number> {
  // Fast path: engines call `--version` to probe the runtime; skip building the command tree.
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    (await import('./commands/version.js')).versionCommand();
    return 0;
  }
  const { normalizeArgv } = await import('./argv.js');
  const args = normalizeArgv(argv);
  const fast = fastRoute(args);
  if (fast) {
    try {
      const { globalsFrom } = await import('./globals.js');
      const { setLogOptions } = await import('./errors.js');
      const g = globalsFrom(fast.opts);
      setLogOptions({ log: g.log, logFormat: g.logFormat, debug: g.debug });
      return await fast.run(g);
    } catch (e) {
      return reportFailure(e);
    }
  }
  let code = 0;
  const { Command, CommanderError } = await import('commander');
  const program = build(Command, (c) => { code = c; });
  try {
    await program.parseAsync(args, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander has already printed usage or its message
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version' ? 0 : e.exitCode || 1;
    }
    return reportFailure(e);
  }
}

// Exit explicitly: a blocked fifo open in the thread pool must not keep the process alive.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => { process.stderr.write(`planc: ${String(e)}\n`); process.exit(1); },
);
