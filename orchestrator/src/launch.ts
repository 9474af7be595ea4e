// Creates a container through the shim (`create`, or `run` which also starts and waits for it).
// Nothing is created on the host before the plan exists; every failure removes the state dir.
import { debug, debugTimings, goErrText, mark, PlancError, warn } from './errors.js';
import { approvedDigests } from './pinning.js';
import { enforcePins } from './audit/pins.js';
import { hookState, hooksOf, runHookList, runHooks, runtimeHooks } from './hooks.js';
import type { Globals } from './globals.js';
import { containerStatus, forwardSignals, releaseInit, writePidFile } from './lifecycle.js';
import { planDigest } from './plan/render.js';
import { precompile } from './planner.js';
import { launchInput, preparePlan, readConfig, type Prepared } from './prepare.js';
import { formatShimError, SHIM_PID, spawnShim, shimFailure } from './shim.js';
import { acquireLock, createStateDir, removeStateDir, stateDir, validateId, writeAtomic, writeConfigCopy, writePlan, writeState, type State } from './state.js';
import { cgroupDirs } from './procs.js';
import { join, resolve } from './posix-path.js';
import { procStartTime } from './status.js';
import { sys } from './sys.js';

export interface LaunchOptions {
  bundle?: string; pidFile?: string; consoleSocket?: string; noPivot?: boolean; keep?: boolean;
  preserveFds?: string; planDigest?: string; pidfdSocket?: string;
  /** the approved plan (JSON or bytes): pins its digests and explains a mismatch op by op */
  pinnedPlan?: string;
  /** commander's reading of --no-new-keyring */
  newKeyring?: boolean;
}

/**
 * Checks and plans; throws before anything exists on the host.
 */
export async function planFor(mode: 'create' | 'run', id: string, opts: LaunchOptions, g: Globals): Promise<Prepared> {
  mark('start-up');
  // PERF: compiles while the checks, the config and the host facts are read
  precompile();
  validateId(id);
  if (opts.pidfdSocket) throw new PlancError('--pidfd-socket is not supported by planc');
  if (sys().exists(stateDir(g.root, id))) throw new PlancError('container with given ID already exists');
  const bundle = resolve(opts.bundle ?? '.');
  const config = readConfig(bundle).parsed;
  const terminal = (config as { process?: { terminal?: unknown } }).process?.terminal === true;
  if (terminal && !opts.consoleSocket && mode === 'create') {
    throw new PlancError('cannot allocate tty if planc will detach without setting console socket');
  }
  if (!terminal && opts.consoleSocket) throw new PlancError('cannot use console socket if planc will not detach or allocate tty');
  const preserveFds = preservedFdCount(opts);
  const approved = approvedDigests(opts.planDigest);
  const p = await preparePlan({
    bundle, id, root: g.root,
    ...launchInput(config, stateDir(g.root, id), { ...opts, preserveFds, systemdCgroup: g.systemdCgroup }),
  });
  await enforcePins(p, approved, { id, root: g.root, stateDir: stateDir(g.root, id), pinnedPlan: opts.pinnedPlan });
  mark('planning');
  return p;
}

/**
 * How many fds above stdio the container keeps: --preserve-fds plus, as runc does, the
 * socket-activation fds of $LISTEN_FDS when $LISTEN_PID names this process.
 */
export function preservedFdCount(opts: { preserveFds?: string }, env: Record<string, string | undefined> = process.env, pid = process.pid): number {
  const n = Number(opts.preserveFds ?? '0');
  if (!/^\d+$/.test(String(opts.preserveFds ?? '0')) || !Number.isInteger(n)) throw new PlancError(`invalid value "${opts.preserveFds}" for flag -preserve-fds: parse error`);
  const listen = Number(env.LISTEN_FDS ?? '');
  const activated = Number.isInteger(listen) && listen > 0 && Number(env.LISTEN_PID) === pid ? listen : 0;
  return n + activated;
}

/**
 * Runs an already-made plan. `create`: returns once init waits on the exec fifo (state kept).
 * `run`: also starts init, waits for it and returns its exit status (state removed).
 */
export async function launch(mode: 'create' | 'run', id: string, p: Prepared, opts: LaunchOptions, g: Globals): Promise<number> {
  checkCgroups(p);
  const dir = createStateDir(g.root, id);
  // Held until state.json exists: a `delete` meanwhile waits for this planc, or, if it died,
  // takes the lock over and removes what the plan and the shim's pid record say was made.
  const unlock = acquireLock(dir);
  let keep = false;
  const units: string[] = [];
  // PERF: the systemd driver's bus connection is made while the shim starts up
  const sd = opNamesOf(p).includes('systemd_start_unit') ? await import('./systemd.js') : undefined;
  const bus = sd?.connectSystemBus();
  bus?.catch(() => { /* reported at the sync point */ });
  try {
    writePlan(dir, p.plan);
    writeConfigCopy(dir, p.configBytes);
    let hookError: unknown = null;
    // prestart then createRuntime, at the plan's sync_caller point: namespaces exist, init has not pivoted.
    const onSync = async (rec: { point: string; pid: number }): Promise<boolean> => {
      // the systemd unit that holds P, before P writes or joins the container's cgroup
      if (rec.point === 'cgroupUnit' || rec.point === 'CALLER_CGROUP_UNIT') {
        mark('shim to the systemd unit point');
        try {
          if (!sd) return false;
          await sd.runCallerPoint(p.ops, sd.callerPoint('CALLER_CGROUP_UNIT')!, shim.child.pid!, (u) => units.push(u), bus);
          mark('systemd unit (StartTransientUnit, its job, SetUnitProperties)');
          return true;
        } catch (e) { hookError = e; return false; }
      }
      // the shim names the point by its caller_sync name or by the hook kind
      if (rec.point !== 'createRuntime' && rec.point !== 'CALLER_CREATE_RUNTIME') return false;
      const st = JSON.stringify({ ociVersion: '1.0.2-dev', id, status: 'creating', pid: rec.pid, bundle: p.bundle, annotations: annotationsOf(p.config).annotations ?? {} });
      try {
        await runHookList(hooksOf(p.config, 'prestart'), 'prestart', st);
        await runHookList(hooksOf(p.config, 'createRuntime'), 'createRuntime', st);
        return true;
      } catch (e) { hookError = e; return false; }
    };
    const preserveFds = preservedFdCount(opts);
    // the shim works in the state dir, so a shim spawned but not yet recorded is still found by `delete`
    const shim = spawnShim(mode, p.plan, { preserveFds, cwd: dir, planFile: join(dir, 'plan.bin'), onSync: opNamesOf(p).includes('sync_caller') ? onSync : undefined });
    const shimStart = shim.child.pid ? procStartTime(shim.child.pid) : null;
    if (shimStart !== null) writeAtomic(join(dir, SHIM_PID), `${shim.child.pid} ${shimStart}`);
    const stopForwarding = mode === 'run' ? forwardSignals(shim.child) : () => {};
    try {
      const pid = await shim.created;
      mark('shim to created (host and container lanes)');
      if (pid === null) {
        const x = await shim.exit;
        throw hookError ?? new PlancError(shimFailure(x, p.ops));
      }
      const state: State = {
        ociVersion: '1.0.2-dev', id, pid, status: mode === 'run' ? 'running' : 'created', bundle: p.bundle, rootfs: p.rootfs,
        created: new Date().toISOString(), owner: '', planDigest: planDigest(p.plan),
        initStartTime: procStartTime(pid) ?? undefined, hooks: runtimeHooks(p.config), ...annotationsOf(p.config),
        ...(g.systemdCgroup ? { systemdCgroup: true } : {}),
      };
      writeState(dir, state);
      unlock();
      debug(`${mode} ${id}: init pid ${pid}, plan ${state.planDigest} (${opNamesOf(p).length} ops)`);
      if (opts.pidFile) {
        try { writePidFile(opts.pidFile, pid); } catch (e) {
          // runc: a pid file that cannot be written destroys the container (nothing may be left running)
          const err = new PlancError(`open ${opts.pidFile}: ${goErrText(e)}`, 1, { cause: e });
          if (mode === 'create') {
            await shim.exit;
            await (await import('./commands/delete.js')).deleteCommand(id, { force: true }, g).catch((d: Error) => warn(d.message));
          } else {
            // the shim reaps init and applies the teardown lane itself
            try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
            await shim.exit;
          }
          throw err;
        }
      }
      if (mode === 'create') {
        const x = await shim.exit;
        mark('shim exit');
        debugTimings(`create ${id}`);
        if (x.code !== 0) throw new PlancError(shimFailure(x, p.ops));
        keep = true;
        return 0;
      }
      // start: opening the fifo for reading releases init, which is blocked opening it for writing.
      if (releaseInit(join(dir, 'exec.fifo'), pid)) sys().rmTree(join(dir, 'exec.fifo'));
      mark('start');
      try {
        await runHooks(state.hooks, 'poststart', hookState(state, 'running'));
      } catch (e) {
        // runc: a failed poststart hook ends the container. Only init is killed: the shim must
        // live on to reap it and apply the teardown lane.
        try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
        await shim.exit;
        await runHooks(state.hooks, 'poststop', hookState(state, 'stopped')).catch((w: Error) => warn(w.message));
        throw e;
      }
      const x = await shim.exit;
      mark('container ran and teardown lane');
      debugTimings(`run ${id}`);
      debug(`shim ${mode} ended: code ${x.code} signal ${x.signal} records ${JSON.stringify(x.records)}`);
      await runHooks(state.hooks, 'poststop', hookState(state, 'stopped')).catch((e: Error) => warn(e.message));
      // An error before the process ran (execve itself failing) is the run's error, as in runc;
      // a teardown error after it exited is only a warning: the exit status still stands.
      const errors = x.records.filter((r) => r.type === 'error');
      if (errors.some((r) => r.lane !== 'teardown') || !x.records.some((r) => r.type === 'exited')) {
        if (errors.length > 0 || x.code !== 0) throw new PlancError(shimFailure(x, p.ops));
      }
      for (const r of errors) warn(formatShimError(r, p.ops));
      keep = opts.keep === true;
      return containerStatus(x);
    } finally {
      stopForwarding();
    }
  } finally {
    // runc's destroy: a unit started for a container that is not kept is stopped again
    if (!keep && units.length) await sd!.runStopOps(p.ops, bus).catch((e: Error) => warn(e.message));
    void bus?.then((c) => c.close(), () => {});
    if (!keep) removeStateDir(dir);
    unlock();
  }
}

/**
 * runc's checks of an existing cgroup, before anything is made: a frozen one is refused (init
 * would block joining it), a populated one is warned about.
 */
function checkCgroups(p: Prepared): void {
  const io = sys();
  let pids = 0;
  for (const dir of cgroupDirs(p.ops)) {
    const read = (f: string): string => { try { return io.readText(join(dir, f)).trim(); } catch { return ''; } };
    if (/^(FROZEN|FREEZING)$/.test(read('freezer.state')) || read('cgroup.freeze') === '1') throw new PlancError("container's cgroup unexpectedly frozen");
    pids = Math.max(pids, read('cgroup.procs').split('\n').filter(Boolean).length);
  }
  if (pids > 0) warn(`container's cgroup is not empty: ${pids} process(es) found`);
}

function opNamesOf(p: Prepared): readonly string[] {
  return p.opNames ?? p.ops.map((o) => o.op);
}

function annotationsOf(config: unknown): { annotations?: Record<string, string> } {
  const a = (config as { annotations?: unknown }).annotations;
  return a && typeof a === 'object' ? { annotations: a as Record<string, string> } : {};
}
