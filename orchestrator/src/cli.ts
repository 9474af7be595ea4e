// planc's entry point: the engine fast path (route.ts) or commander (program.ts), and the one
// top-level error handler. Imports at top level only what state, kill, delete, start and --version
// run on; create, run and every other command load their modules when they run.
import { normalizeArgv } from './argv.js';
import { logError, PlancError, reportError, setLogOptions } from './errors.js';
import { globalsFrom } from './globals.js';
import { stderr } from './out.js';
import { fastRoute } from './route.js';
import { versionCommand } from './commands/version.js';

function reportFailure(e: unknown): number {
  // Spec errors are one `<pointer>: <message>` line each, not a log line; a --log still gets them
  // as one error record, as runc's, which engines (podman) read back as the runtime's error.
  if (e instanceof PlancError && e.name === 'SpecErrors') { stderr(e.message + '\n'); logError(e.message); return 1; }
  reportError(e instanceof Error ? e.message : String(e));
  return e instanceof PlancError ? e.exitCode : 1;
}

export async function main(argv: string[]): Promise<number> {
  // Engines call `--version` to probe the runtime.
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    versionCommand();
    return 0;
  }
  const args = normalizeArgv(argv);
  try {
    const fast = fastRoute(args);
    if (fast) {
      const g = globalsFrom(fast.opts);
      setLogOptions({ log: g.log, logFormat: g.logFormat, debug: g.debug });
      return await fast.run(g);
    }
    return await (await import('./program.js')).runProgram(args);
  } catch (e) {
    return reportFailure(e);
  }
}

// Exit explicitly: a blocked fifo open in the thread pool must not keep the process alive.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => { process.stderr.write(`planc: ${String(e)}\n`); process.exit(1); },
);
