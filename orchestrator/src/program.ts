// The full runc command surface through commander: every command, its flags, help and usage errors.
// Loaded only for what the engine fast path (route.ts) does not take; each command loads its module when it runs.
import type { Command } from 'commander';
import { failedAs, reportError, setLogOptions } from './errors.js';
import { stderr } from './out.js';
import { globalsFrom, type Globals } from './globals.js';

let heldError = '';

async function globals(program: Command): Promise<Globals> {
  const g = globalsFrom(program.opts());
  setLogOptions({ log: g.log, logFormat: g.logFormat, debug: g.debug });
  return g;
}

export function build(Command: typeof import('commander').Command, setExit: (code: number) => void): Command {
  const program = new Command('planc')
    .usage('[global options] command [command options] [arguments...]')
    .description('planc: an OCI container runtime whose every privileged step is a plan you can read first')
    .option('--debug', 'enable debug logging')
    .option('--log <path>', 'set the log file to write planc logs to (default is \'/dev/stderr\')')
    .option('--log-format <format>', 'set the log format (\'text\' or \'json\')', 'text')
    .option('--root <dir>', 'root directory for storage of container state (default: /run/planc, or $XDG_RUNTIME_DIR/planc when not root)')
    .option('--criu <path>', 'accepted for runc compatibility; unused')
    .option('--systemd-cgroup', 'enable systemd cgroup support, expects cgroupsPath to be of form "slice:prefix:name" for e.g. "system.slice:runc:434234"')
    .option('--rootless <value>', 'ignore cgroup permission errors (\'true\', \'false\', or \'auto\')', 'auto')
    .option('-v, --version', 'print the version')
    .enablePositionalOptions()
    // usage errors are held until runProgram knows whether runc words them differently
    .configureOutput({ outputError: (text) => { heldError += text; } })
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
      await (await import('./commands/kill.js')).killCommand(id, sig, o, g);
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
    .option('--cgroup <path>', 'run the process in an (existing) sub-cgroup(s). Format is [<controller>:]<cgroup>.', many)
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


const GLOBAL_WITH_VALUE = new Set(['root', 'log', 'log-format', 'criu', 'rootless']);

/**
 * runc (urfave/cli) on a command it does not know (`x`, `x -h`, `help x`): "No help topic for 'x'"
 * logged as an error, exit 3. Returns null for a known command (or none).
 */
function unknownCommand(args: readonly string[], program: Command): number | null {
  const o: Record<string, unknown> = {};
  let i = 0;
  for (; i < args.length && args[i]!.startsWith('-'); i++) {
    const m = /^--?([a-z-]+)(?:=(.*))?$/.exec(args[i]!);
    if (!m) continue;
    const value = m[2] ?? (GLOBAL_WITH_VALUE.has(m[1]!) ? args[++i] : true);
    if (m[1] === 'log') o.log = value;
    else if (m[1] === 'log-format') o.logFormat = value;
    else if (m[1] === 'debug') o.debug = true;
    else if (m[1] === 'help' || m[1] === 'h') return null;
  }
  const cmd = args[i] === 'help' ? args[i + 1] : args[i];
  if (cmd === undefined || program.commands.some((c) => c.name() === cmd || c.aliases().includes(cmd))) return null;
  const g = globalsFrom(o);
  setLogOptions({ log: g.log, logFormat: g.logFormat, debug: g.debug });
  reportError(`No help topic for '${cmd}'\n`);
  return 3;
}

/** `help [command]` as runc takes it: the help of the program or of that command. */
function helpCommand(args: string[]): string[] {
  let i = 0;
  for (; i < args.length && args[i]!.startsWith('-'); i++) if (GLOBAL_WITH_VALUE.has(args[i]!.slice(2))) i++;
  if (args[i] !== 'help') return args;
  return [...args.slice(0, i), ...(args[i + 1] ? [args[i + 1]!] : []), '--help'];
}

/** runc's checkArgs: how many arguments each of its commands takes (exact, or min..max). */
const RUNC_ARITY: Record<string, [number, number]> = {
  state: [1, 1], start: [1, 1], delete: [1, 1], pause: [1, 1], resume: [1, 1], events: [1, 1], update: [1, 1], create: [1, 1],
  run: [1, 1], list: [0, 0], spec: [0, 0], features: [0, 0], kill: [1, 2], exec: [1, Infinity], ps: [1, Infinity],
};

/** runc's text for a wrong argument count of one of its commands (commander's for planc's own). */
function usageError(e: { code: string; message: string }, args: readonly string[]): string | null {
  let i = 0;
  for (; i < args.length && args[i]!.startsWith('-'); i++) if (GLOBAL_WITH_VALUE.has(args[i]!.slice(2))) i++;
  const cmd = args[i] ?? '';
  const arity = Object.hasOwn(RUNC_ARITY, cmd) ? RUNC_ARITY[cmd]! : undefined;
  // Go's flag package names an unknown flag with one dash
  const unknown = /unknown option '-*([^']*)'/.exec(e.message);
  if (e.code === 'commander.unknownOption' && unknown && (arity || i >= args.length)) return `flag provided but not defined: -${unknown[1]}`;
  if (e.code !== 'commander.missingArgument' && e.code !== 'commander.excessArguments') return null;
  if (!arity) return null;
  const [min, max] = arity;
  const want = min === max ? `exactly ${min}` : e.code === 'commander.missingArgument' ? `a minimum of ${min}` : `a maximum of ${max}`;
  // runc names itself as invoked (Go's os.Args[0]); under node/bun that is the script's runtime
  const self = /(^|\/)(node|bun)$/.test(process.argv0) ? 'planc' : process.argv0;
  return `${self}: ${JSON.stringify(cmd)} requires ${want} argument(s)`;
}

/** Parses normalised argv with commander and runs the command; resolves with the exit status. */
export async function runProgram(args: string[]): Promise<number> {
  let code = 0;
  const { Command, CommanderError } = await import('commander');
  const program = build(Command, (c) => { code = c; });
  const unknown = unknownCommand(args, program);
  if (unknown !== null) return unknown;
  try {
    await program.parseAsync(helpCommand(args), { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander has printed usage (help) itself; its error message was held
      const runc = usageError(e, args);
      if (runc) reportError(runc);
      else if (heldError) stderr(heldError);
      heldError = '';
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version' ? 0 : e.exitCode || 1;
    }
    throw e;
  }
}
