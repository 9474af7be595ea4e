// `planc run`: plans, then has the shim create and start the container and waits for it to exit.
// Nothing is created on the host before the plan exists; every failure removes the state dir.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PlancError } from '../errors.js';
import type { Globals } from '../globals.js';
import { planDigest } from '../plan/render.js';
import { preparePlan, readConfig, type Prepared } from '../prepare.js';
import { readExecFifo, forwardSignals, writePidFile, containerStatus } from '../lifecycle.js';
import { spawnShim, shimFailure } from '../shim.js';
import { createStateDir, removeStateDir, stateDir, validateId, writePlan, writeState } from '../state.js';

export interface RunOptions { bundle?: string; pidFile?: string; detach?: boolean; consoleSocket?: string; noPivot?: boolean; keep?: boolean }

export async function runCommand(id: string, opts: RunOptions, g: Globals): Promise<number> {
  validateId(id);
  if (opts.detach) throw new PlancError('run --detach is not supported yet; use create and start');
  if (existsSync(stateDir(g.root, id))) throw new PlancError('container with given ID already exists');
  const proc = (readConfig(resolve(opts.bundle ?? '.')).parsed as { process?: { terminal?: unknown } }).process;
  if (proc?.terminal === true && !opts.consoleSocket) {
    throw new PlancError('/process/terminal: a terminal without --console-socket is not supported yet; set "terminal": false');
  }
  const p = await preparePlan({ bundle: opts.bundle ?? '.', id, root: g.root, options: { no_pivot: opts.noPivot === true } });
  return runPrepared(id, p, opts, g);
}

/** Runs an already-made plan: claims the state dir, drives the shim, returns the container's exit status. */
export async function runPrepared(id: string, p: Prepared, opts: RunOptions, g: Globals): Promise<number> {
  const dir = createStateDir(g.root, id);
  try {
    writePlan(dir, p.plan);
    const shim = spawnShim('run', p.plan);
    const stopForwarding = forwardSignals(shim.child);
    try {
      const pid = await shim.created;
      if (pid === null) throw new PlancError(shimFailure(await shim.exit, p.ops));
      writeState(dir, {
        ociVersion: '1.0.2-dev', id, pid, status: 'running', bundle: p.bundle, rootfs: p.rootfs,
        created: new Date().toISOString(), owner: '', planDigest: planDigest(p.plan),
        ...annotationsOf(p.config),
      });
      if (opts.pidFile) writePidFile(opts.pidFile, pid);
      // start: opening the fifo for reading releases init, which is blocked opening it for writing.
      await Promise.race([readExecFifo(join(dir, 'exec.fifo')), shim.exit]);
      const x = await shim.exit;
      const err = x.records.find((r) => r.type === 'error');
      if (err && !x.records.some((r) => r.type === 'exited')) throw new PlancError(shimFailure(x, p.ops));
      return containerStatus(x);
    } finally {
      stopForwarding();
    }
  } finally {
    if (!opts.keep) removeStateDir(dir);
  }
}

function annotationsOf(config: unknown): { annotations?: Record<string, string> } {
  const a = (config as { annotations?: unknown }).annotations;
  return a && typeof a === 'object' ? { annotations: a as Record<string, string> } : {};
}
