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
async function failedAs<T>(cmd: string, fn: () => Promise<T>): Promise<T> {
  try { return await fn(); } catch (e) {
    const { PlancError } = await import('./errors.js');
    if (!(e instanceof Error) || e.name === 'SpecErrors') throw e;
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
    .option('--root <dir>', 'root directory for storage of container state', '/run/planc')
    .option('--criu <path>', 'accepted for runc compatibility; unused')
    .option('--systemd-cgroup', 'accepted for runc compatibility; not supported yet')
    .option('--rootless <value>', 'accepted for runc compatibility; unused', 'auto')
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

  program.command('plan')
    .description('print the plan a bundle would run, and its digest, without running it')
    .option('-b, --bundle <dir>', 'path to the root of the bundle directory', '.')
    .option('--format <format>', 'text or json', 'text')
    .option('--id <id>', 'container id to plan for', 'container')
    .option('--host-facts <file>', 'plan against this host-facts record instead of this host')
    .action(async (o) => { const g = await globals(program); await (await import('./commands/plan.js')).planCommand(o, g); });

  program.command('facts')
    .description('print the host-facts record the planner is given on this host')
    .action(async () => { await globals(program); (await import('./commands/facts.js')).factsCommand(); });

  // run and create share runc's creation flags
  const creation = (c: Command): Command => c
    .argument('<container-id>')
    .option('-b, --bundle <dir>', 'path to the root of the bundle directory', '.')
    .option('--console-socket <path>', 'path to an AF_UNIX socket which will receive the pty master')
    .option('--pid-file <path>', 'specify the file to write the process id to')
    .option('--no-pivot', 'do not use pivot root to jail process inside rootfs')
    .option('--no-new-keyring', 'do not create a new session keyring for the container')
    .option('--preserve-fds <n>', 'pass N additional file descriptors to the container', '0')
    .option('--plan-digest <digest>', 'refuse to create the container unless its plan has this digest');

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

export async function main(argv: string[]): Promise<number> {
  // Fast path: engines call `--version` to probe the runtime; skip building the command tree.
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    (await import('./commands/version.js')).versionCommand();
    return 0;
  }
  let code = 0;
  const { Command, CommanderError } = await import('commander');
  const program = build(Command, (c) => { code = c; });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander has already printed usage or its message
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version' ? 0 : e.exitCode || 1;
    }
    const { PlancError, reportError } = await import('./errors.js');
    // Spec errors are one `<pointer>: <message>` line each, not a log line.
    if (e instanceof PlancError && e.name === 'SpecErrors') { (await import('./out.js')).stderr(e.message + '\n'); return 1; }
    reportError(e instanceof Error ? e.message : String(e));
    return e instanceof PlancError ? e.exitCode : 1;
  }
}

// Exit explicitly: a blocked fifo open in the thread pool must not keep the process alive.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => { process.stderr.write(`planc: ${String(e)}\n`); process.exit(1); },
);
