// The runc global flags as planc sees them, shared by every command.
// Holds values only; reads nothing but the environment's XDG_RUNTIME_DIR for the default root.
import { join, resolve } from './posix-path.js';
import { PlancError } from './errors.js';
import { DEFAULT_ROOT } from './state.js';

/** runc's default: /run/planc for root, $XDG_RUNTIME_DIR/planc for anyone else who has one. */
export function defaultRoot(euid = process.geteuid?.() ?? 0, env: Record<string, string | undefined> = process.env): string {
  const xdg = env.XDG_RUNTIME_DIR;
  return euid !== 0 && xdg ? join(xdg, 'planc') : DEFAULT_ROOT;
}

export interface Globals { root: string; log?: string; logFormat: string; debug: boolean; systemdCgroup: boolean; rootless?: string }
export function globalsFrom(o: Record<string, unknown>): Globals {
  if (typeof o.logFormat === 'string' && o.logFormat !== 'text' && o.logFormat !== 'json') {
    throw new PlancError(`invalid log-format: ${o.logFormat}`);
  }
  return {
    // absolute, as runc makes it: the state dir is written into plans
    root: resolve(typeof o.root === 'string' && o.root !== '' ? o.root : defaultRoot()),
    log: typeof o.log === 'string' && o.log !== '' ? o.log : undefined,
    logFormat: typeof o.logFormat === 'string' ? o.logFormat : 'text',
    debug: o.debug === true,
    systemdCgroup: o.systemdCgroup === true,
    rootless: typeof o.rootless === 'string' ? o.rootless : undefined,
  };
}
