// Runs the planc CLI and the runc/crun references as child processes and reports what they did.
// Never runs anything with a shell; never signals a process it did not start.
import { spawnSync, spawn, type SpawnSyncReturns } from 'node:child_process';
import { plancBin } from './env.js';

export interface Ran { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

function done(r: SpawnSyncReturns<string>): Ran {
  if (r.error) throw r.error;
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** bin/planc with arguments, stdin closed. */
export function planc(args: string[], opts: { timeout?: number; input?: string } = {}): Ran {
  return done(spawnSync(plancBin, args, { encoding: 'utf8', timeout: opts.timeout ?? 60_000, input: opts.input ?? '', maxBuffer: 64 << 20 }));
}

/** Any program; used for node build/planc.js, runc, crun and the shim. */
export function exec(file: string, args: string[], opts: { timeout?: number; cwd?: string } = {}): Ran {
  return done(spawnSync(file, args, { encoding: 'utf8', timeout: opts.timeout ?? 60_000, input: '', cwd: opts.cwd, maxBuffer: 64 << 20 }));
}

/** Starts a long-lived child and hands it back so the test can signal it by pid. */
export function start(file: string, args: string[]) {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<Ran>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, exited };
}
