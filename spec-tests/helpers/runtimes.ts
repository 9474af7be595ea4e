// Runs one bundle to completion under planc or a reference runtime (runc, crun), each with
// its own --root, and collects what the container printed. Never shares state roots.
import { spawn } from 'node:child_process';
import { plancBin } from './env.js';
import type { Ran } from './planc.js';

export type Runtime = 'planc' | 'runc' | 'crun';

export const runtimeBins: Record<Runtime, string> = {
  planc: plancBin,
  runc: '/usr/sbin/runc',
  crun: '/usr/bin/crun',
};

/** argv for `<runtime> --root <stateRoot> run --bundle <bundle> <id>` (runc's global-flag order). */
export function runArgs(stateRoot: string, bundle: string, id: string): string[] {
  return ['--root', stateRoot, 'run', '--bundle', bundle, id];
}

/** Runs a container in the foreground with stdin closed and waits for it (with a timeout). */
export function runContainer(rt: Runtime, stateRoot: string, bundle: string, id: string, timeoutMs = 60_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(runtimeBins[rt], runArgs(stateRoot, bundle, id), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * Removes what can legitimately differ between runtimes from the probe's output. Mount ids and
 * device numbers are already dropped by the probe; the bundle path may appear in messages.
 * Every line keeps its place: mount order is part of what the container sees.
 */
export function normaliseProbe(out: string, bundle: string): string {
  return out.split(bundle).join('<bundle>');
}
