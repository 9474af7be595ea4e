// Creates a container through the shim (`create`, or `run` which also starts and waits for it).
// Nothing is created on the host before the plan exists; every failure removes the state dir.
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { debug, PlancError, warn } from './errors.js';
import { checkHooks, hookState, runHooks, runtimeHooks } from './hooks.js';
import type { Globals } from './globals.js';
import { containerStatus, forwardSignals, readExecFifo, writePidFile } from './lifecycle.js';
import { planDigest } from './plan/render.js';
import { preparePlan, readConfig, type Prepared } from './prepare.js';
import { spawnShim, shimFailure } from './shim.js';
import { createStateDir, removeStateDir, stateDir, validateId, writePlan, writeState, type State } from './state.js';
import { procStartTime } from './status.js';

export interface LaunchOptions { bundle?: string; pidFile?: string; consoleSocket?: string; noPivot?: boolean; keep?: boolean; preserveFds?: string }

/** Checks and plans; throws before anything exists on the host. */
export async function planFor(id: string, opts: LaunchOptions, g: Globals): Promise<Prepared> {
  validateId(id);
  if (existsSync(stateDir(g.root, id))) throw new PlancError('container with given ID already exists');
  const proc = (readConfig(resolve(opts.bundle ?? '.')).parsed as { process?: { terminal?: unknown } }).process;
  if (proc?.terminal === true && !opts.consoleSocket) {
    throw new PlancError('/process/terminal: a terminal without --console-socket is not supported yet; set "terminal": false');
  }
  if (opts.consoleSocket) throw new PlancError('--console-socket is not supported yet');
  if (opts.preserveFds !== undefined && opts.preserveFds !== '0') throw new PlancError('--preserve-fds is not supported yet');
  checkHooks(readConfig(resolve(opts.bundle ?? '.')).parsed);
  return preparePlan({ bundle: opts.bundle ?? '.', id, root: g.root, options: { no_pivot: opts.noPivot === true } });
}

/**
 * Runs an already-made plan. `create`: returns once init waits on the exec fifo (state kept).
 * `run`: also starts init, waits for it and returns its exit status (state removed).
 */
export async function launch(mode: 'create' | 'run', id: string, p: Prepared, opts: LaunchOptions, g: Globals): Promise<number> {
  const dir = createStateDir(g.root, id);
  let keep = false;
  try {
    writePlan(dir, p.plan);
    const shim = spawnShim(mode, p.plan);
    const stopForwarding = mode === 'run' ? forwardSignals(shim.child) : () => {};
    try {
      const pid = await shim.created;
      if (pid === null) throw new PlancError(shimFailure(await shim.exit, p.ops));
      const state: State = {
        ociVersion: '1.0.2-dev', id, pid, status: mode === 'run' ? 'running' : 'created', bundle: p.bundle, rootfs: p.rootfs,
        created: new Date().toISOString(), owner: '', planDigest: planDigest(p.plan),
        initStartTime: procStartTime(pid) ?? undefined, hooks: runtimeHooks(p.config), ...annotationsOf(p.config),
      };
      writeState(dir, state);
      debug(`${mode} ${id}: init pid ${pid}, plan ${state.planDigest} (${p.ops.length} ops)`);
      if (opts.pidFile) writePidFile(opts.pidFile, pid);
      if (mode === 'create') {
        const x = await shim.exit;
        if (x.code !== 0) throw new PlancError(shimFailure(x, p.ops));
        keep = true;
        return 0;
      }
      // start: opening the fifo for reading releases init, which is blocked opening it for writing.
      await Promise.race([readExecFifo(join(dir, 'exec.fifo')).then(() => rmSync(join(dir, 'exec.fifo'), { force: true })), shim.exit]);
      try {
        await runHooks(state.hooks, 'poststart', hookState(state, 'running'));
      } catch (e) {
        // runc: a failed poststart hook ends the container
        shim.child.kill('SIGKILL');
        try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
        await shim.exit;
        throw e;
      }
      const x = await shim.exit;
      await runHooks(state.hooks, 'poststop', hookState(state, 'stopped')).catch((e: Error) => warn(e.message));
      if (!x.records.some((r) => r.type === 'exited') && x.records.some((r) => r.type === 'error')) throw new PlancError(shimFailure(x, p.ops));
      keep = opts.keep === true;
      return containerStatus(x);
    } finally {
      stopForwarding();
    }
  } finally {
    if (!keep) removeStateDir(dir);
  }
}

function annotationsOf(config: unknown): { annotations?: Record<string, string> } {
  const a = (config as { annotations?: unknown }).annotations;
  return a && typeof a === 'object' ? { annotations: a as Record<string, string> } : {};
}
