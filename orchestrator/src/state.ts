// Container state under --root: one directory per container holding state.json and plan.bin.
// Writes are atomic (temp file + rename); state never goes outside <root>/<id>/.
import { PlancError } from './errors.js';
import { basename, dirname, join } from './posix-path.js';
import { sys, type SysError } from './sys.js';
import type { RuntimeHooks } from './hooks.js';
import { procStartTime } from './status.js';

export const DEFAULT_ROOT = '/run/planc';
const ID_RE = /^[\w+\-.]+$/;

export function validateId(id: string): void {
  // runc's rule; "." and ".." pass the pattern but would name the root or its parent.
  if (!ID_RE.test(id) || id === '.' || id === '..') throw new PlancError('invalid container ID format');
}

export type Status = 'creating' | 'created' | 'running' | 'paused' | 'stopped';
export interface State {
  ociVersion: string;
  id: string;
  pid: number;
  status: Status;
  bundle: string;
  rootfs: string;
  created: string;
  annotations?: Record<string, string>;
  owner: string;
  planDigest: string;
  /** init's start time (/proc/<pid>/stat field 22), so a reused pid is never taken for init */
  initStartTime?: number;
  /** set by pause, cleared by resume: the freezer state planc asked for */
  paused?: boolean;
  /** linux.resources as last set by `update` (the config's until then) */
  resources?: Record<string, any>;
  /** poststart/poststop hooks from config.json, run by start and delete */
  hooks?: RuntimeHooks;
  /** created with --systemd-cgroup: later plans (exec, update, pause) name the unit's cgroup */
  systemdCgroup?: boolean;
}

export function stateDir(root: string, id: string): string { return join(root, id); }

/** The planner option a container made with --systemd-cgroup is planned with ever after. */
export function systemdOption(s: State): { systemd_cgroup?: boolean } {
  return s.systemdCgroup ? { systemd_cgroup: true } : {};
}

/** The state dir of an existing container, or runc's error when there is none. */
export function existingStateDir(root: string, id: string): string {
  validateId(id);
  const dir = stateDir(root, id);
  if (!sys().exists(join(dir, 'state.json'))) throw new PlancError('container does not exist');
  return dir;
}

/** Creates <root>/<id> (0711); the mkdir is the exclusive step that claims the id. */
export function createStateDir(root: string, id: string): string {
  mkdirs(root, 0o711);
  const dir = stateDir(root, id);
  try {
    sys().mkdir(dir, 0o711);
  } catch (e) {
    if ((e as SysError).code === 'EEXIST') throw new PlancError('container with given ID already exists', 1, { cause: e });
    throw e;
  }
  return dir;
}

/** mkdir -p: creates `path` and any missing parents with `mode`; an existing directory is fine. */
function mkdirs(path: string, mode: number): void {
  const io = sys();
  try { io.mkdir(path, mode); } catch (e) {
    const code = (e as SysError).code;
    if (code === 'ENOENT' && path !== '/') { mkdirs(dirname(path), mode); mkdirs(path, mode); return; }
    // "<path>/." resolves only for a directory
    if (code !== 'EEXIST' || !io.exists(`${path}/.`)) throw e;
  }
}

export function removeStateDir(dir: string): void { sys().rmTree(dir); }

let tmpSeq = 0;
export function writeAtomic(path: string, data: string | Uint8Array, mode = 0o600): void {
  // pid plus a counter: two writers in one process (or a pid file next to the state) never share a temp file
  const tmp = `${path}.tmp-${process.pid}-${++tmpSeq}`;
  sys().writeFile(tmp, data, mode);
  sys().rename(tmp, path);
}

export function writeState(dir: string, s: State): void { writeAtomic(join(dir, 'state.json'), JSON.stringify(s)); }
export function readState(dir: string): State { return JSON.parse(sys().readText(join(dir, 'state.json'))) as State; }
export function writePlan(dir: string, plan: Uint8Array): void { writeAtomic(join(dir, 'plan.bin'), plan); }
export function readPlan(dir: string): Uint8Array { return sys().readFile(join(dir, 'plan.bin')); }
/** The config.json the container was created from, kept so later plans (pause, exec) do not depend on the bundle staying unchanged. */
export function writeConfigCopy(dir: string, config: Uint8Array): void { writeAtomic(join(dir, 'config.json'), config); }
export function readConfigCopy(dir: string): Uint8Array { return sys().readFile(join(dir, 'config.json')); }

// A lock is <dir>/lock holding "<pid> <start time>\n" of its owner; Node has no flock(2). The record
// is written whole to a file of the owner's own and then hard-linked to <dir>/lock (link(2) fails
// if the lock exists), so a lock is never seen empty or cut short, even when its owner is killed
// while taking it. An owner that died (its pid gone, or reused by a process started at another
// time) leaves a stale lock, which is taken over; so is a record planc could not have written.
export function ownerAlive(text: string): boolean {
  const m = /^(\d+) (\d+)\n$/.exec(text);
  return m !== null && procStartTime(Number(m[1])) === Number(m[2]);
}

const sleepMs = (ms: number): void => { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms); };

/**
 * Takes <dir>/lock, waiting (up to timeoutMs) while another live planc holds it; returns the release.
 * A container whose dir disappears meanwhile (deleted by the holder) "does not exist".
 */
export function acquireLock(dir: string, timeoutMs = 30_000): () => void {
  const path = join(dir, 'lock');
  const me = `${process.pid} ${procStartTime(process.pid) ?? 0}\n`;
  const deadline = Date.now() + timeoutMs;
  const io = sys();
  const mine = `${path}.${process.pid}-${++tmpSeq}`;
  try { io.writeFile(mine, me, 0o600); } catch (e) {
    if ((e as SysError).code === 'ENOENT') throw new PlancError('container does not exist', 1, { cause: e });
    throw e;
  }
  try {
    for (;;) {
      try {
        io.link(mine, path);
        return () => { try { if (io.readText(path) === me) io.unlink(path); } catch { /* dir gone with the container */ } };
      } catch (e) {
        const code = (e as SysError).code;
        if (code === 'ENOENT') throw new PlancError('container does not exist', 1, { cause: e });
        if (code !== 'EEXIST') throw e;
      }
      let owner = '';
      try { owner = io.readText(path); } catch { continue; } // released meanwhile
      if (!ownerAlive(owner)) {
        // Moved aside, not unlinked: only the one taker that moves the stale record wins.
        const aside = `${path}.stale-${process.pid}`;
        try {
          io.rename(path, aside);
          if (io.readText(aside) !== owner) { try { io.link(aside, path); } catch { /* a live owner holds it again */ } }
          io.unlink(aside);
        } catch { /* another taker moved it first */ }
        continue;
      }
      if (Date.now() > deadline) throw new PlancError(`container ${basename(dir)} is locked by another planc (pid ${owner.trim().split(' ')[0]})`);
      sleepMs(5);
    }
  } finally {
    try { io.unlink(mine); } catch { /* dir gone */ }
  }
}

/** Runs fn holding <dir>/lock; waits for a live holder, takes over a dead one's. */
export function withLock<T>(dir: string, fn: () => T): T {
  const release = acquireLock(dir);
  try { return fn(); } finally { release(); }
}

/** As withLock, for work that awaits (delete waits for init to die, pause runs the shim). */
export async function withLockAsync<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const release = acquireLock(dir);
  try { return await fn(); } finally { release(); }
}
