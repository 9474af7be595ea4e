// Where the built artefacts live and whether privileged tests may run. Never builds anything:
// `make test` builds first, so a missing artefact is a failure, not a skip.
import { describe } from 'vitest';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const build = path.join(repo, 'build');
export const plancBin = path.join(repo, 'bin', 'planc');
export const plancJs = path.join(build, 'planc.js');
export const shimBin = path.join(build, 'planc-shim');
export const coreWasm = path.join(build, 'planc-core.wasm');
export const fixtures = path.join(repo, 'spec-tests', 'fixtures');
export const goldenDir = path.join(repo, 'spec-tests', 'golden');
export const hostFacts = path.join(fixtures, 'host-v1.json');
export const mkrootfs = path.join(repo, 'scripts', 'mkrootfs.sh');
export const probeScript = path.join(repo, 'spec-tests', 'probe.sh');

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** How much slower than here things run: 3 in the emulated cgroup v2 guest (vm/run.sh). */
export const slowdown = process.env.PLANC_VM_GUEST === '1' ? 3 : 1;

/** A describe block that needs root; when skipped, the reason is in its name. */
export function describeAsRoot(reason: string, name: string, fn: () => void): void {
  describe.skipIf(!isRoot)(`requires root: ${reason} — ${name}`, fn);
}

/** The fixture names (config files other than the host-facts record). */
export function fixtureNames(all: string[]): string[] {
  return all.filter((f) => f.endsWith('.json') && !f.startsWith('host-')).map((f) => f.replace(/\.json$/, '')).sort();
}
