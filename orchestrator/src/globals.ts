// The runc global flags as planc sees them, shared by every command.
// Holds values only; never reads files or the environment by itself.
import { resolve } from 'node:path';
import { DEFAULT_ROOT } from './state.js';

export interface Globals { root: string; log?: string; logFormat: string; debug: boolean; systemdCgroup: boolean; rootless?: string }
export function globalsFrom(o: Record<string, unknown>): Globals {
  return {
    // absolute, as runc makes it: the state dir is written into plans
    root: resolve(typeof o.root === 'string' ? o.root : DEFAULT_ROOT),
    log: typeof o.log === 'string' && o.log !== '' ? o.log : undefined,
    logFormat: typeof o.logFormat === 'string' ? o.logFormat : 'text',
    debug: o.debug === true,
    systemdCgroup: o.systemdCgroup === true,
    rootless: typeof o.rootless === 'string' ? o.rootless : undefined,
  };
}
