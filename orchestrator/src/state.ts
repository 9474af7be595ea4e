// Container state under --root: one directory per container holding state.json and plan.bin.
// Writes are atomic (temp file + rename); state never goes outside <root>/<id>/.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync, constants } from 'node:fs';
import { join } from 'node:path';
import { PlancError } from './errors.js';
import type { RuntimeHooks } from './hooks.js';

export const DEFAULT_ROOT = '/run/planc';
const ID_RE = /^[\w+\-.]+$/;

export function validateId(id: string): void {
  // runc's rule; "." and ".." pass the pattern but would name the root or its parent.
  if (!ID_RE.test(id) || id === '.' || id === '..') throw new PlancError(`invalid container ID format: ${id}`);
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
  /** poststart/poststop hooks from config.json, run by start and delete */
  hooks?: RuntimeHooks;
}

export function stateDir(root: string, id: string): string { return join(root, id); }

/** The state dir of an existing container, or runc's error when there is none. */
export function existingStateDir(root: string, id: string): string {
  validateId(id);
  const dir = stateDir(root, id);
  if (!existsSync(join(dir, 'state.json'))) throw new PlancError('container does not exist');
  return dir;
}

/** Creates <root>/<id> (0711); the mkdir is the exclusive step that claims the id. */
export function createStateDir(root: string, id: string): string {
  mkdirSync(root, { recursive: true, mode: 0o711 });
  const dir = stateDir(root, id);
  try {
    mkdirSync(dir, { mode: 0o711 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new PlancError('container with given ID already exists', 1, { cause: e });
    throw e;
  }
  return dir;
}

export function removeStateDir(dir: string): void { rmSync(dir, { recursive: true, force: true }); }

export function writeAtomic(path: string, data: string | Uint8Array, mode = 0o600): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
}

export function writeState(dir: string, s: State): void { writeAtomic(join(dir, 'state.json'), JSON.stringify(s)); }
export function readState(dir: string): State { return JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as State; }
export function writePlan(dir: string, plan: Uint8Array): void { writeAtomic(join(dir, 'plan.bin'), plan); }
export function readPlan(dir: string): Uint8Array { return new Uint8Array(readFileSync(join(dir, 'plan.bin'))); }
/** The config.json the container was created from, kept so later plans (pause, exec) do not depend on the bundle staying unchanged. */
export function writeConfigCopy(dir: string, config: Uint8Array): void { writeAtomic(join(dir, 'config.json'), config); }
export function readConfigCopy(dir: string): Uint8Array { return new Uint8Array(readFileSync(join(dir, 'config.json'))); }

/** Runs fn holding <dir>/lock (O_EXCL); a held lock is an error, not a wait. */
export function withLock<T>(dir: string, fn: () => T): T {
  const path = join(dir, 'lock');
  let fd: number;
  try {
    fd = openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new PlancError(`container ${dir} is locked by another planc`, 1, { cause: e });
    throw e;
  }
  closeSync(fd);
  try { return fn(); } finally { try { unlinkSync(path); } catch { /* dir may be gone */ } }
}
