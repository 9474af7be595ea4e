// Locates the planner wasm and the shim relative to the CLI's own real path (symlinks resolved).
// Never looks anything up in $PATH or the cwd: the artifacts must be the ones built with this CLI.
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

// The repo root: the nearest ancestor of this file holding package.json (bin/planc, build/planc.js
// and orchestrator/src/*.ts all sit below it).
// import.meta.url is always a file: URL here; decoding it by hand avoids loading node:url.
const selfPath = (): string => realpathSync(decodeURIComponent(new URL(import.meta.url).pathname));

export function installRoot(): string {
  let dir = dirname(selfPath());
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  return join(dirname(selfPath()), '..');
}

export function corePath(): string {
  return process.env.PLANC_CORE_WASM || join(installRoot(), 'build', 'planc-core.wasm');
}

export function shimPath(): string {
  return process.env.PLANC_SHIM || join(installRoot(), 'build', 'planc-shim');
}
