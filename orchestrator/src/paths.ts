// Locates the planner wasm and the shim relative to the CLI's own real path (symlinks resolved).
// Never looks anything up in $PATH or the cwd: the artifacts must be the ones built with this CLI.
import { dirname, join } from './posix-path.js';
import { sys } from './sys.js';

// The repo root: the nearest ancestor of this file holding package.json (bin/planc, build/planc.js
// and orchestrator/src/*.ts all sit below it). In the executable Bun compiles (build/planc-bun) the
// code lives in Bun's embedded file system (/$bunfs/...): there the file is the executable itself.
// import.meta.url is always a file: URL here; decoding it by hand avoids loading node:url.
const selfPath = (): string => {
  const p = decodeURIComponent(new URL(import.meta.url).pathname);
  return sys().realpath(p.startsWith('/$bunfs/') ? process.execPath : p);
};

export function installRoot(): string {
  const self = selfPath();
  let dir = dirname(self);
  for (let i = 0; i < 4; i++) {
    if (sys().exists(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  return join(dirname(self), '..');
}

export function corePath(): string {
  return process.env.PLANC_CORE_WASM || join(installRoot(), 'build', 'planc-core.wasm');
}

export function shimPath(): string {
  return process.env.PLANC_SHIM || join(installRoot(), 'build', 'planc-shim');
}
