// Builds OCI bundles (busybox rootfs + config.json) in temp dirs and removes what tests leave.
// Never touches a cgroup outside the parent it is given, and signals only processes inside it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fixtures, mkrootfs, probeScript } from './env.js';

export type Config = Record<string, any>;

export function readFixture(name: string): Config {
  return JSON.parse(fs.readFileSync(path.join(fixtures, `${name}.json`), 'utf8'));
}

/** A fresh temp dir; the caller removes it with rmTree. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `planc-${prefix}-`));
}

/** Writes <dir>/rootfs (busybox, plus the probe at /probe.sh) and <dir>/config.json. */
export function makeBundle(dir: string, config: Config): string {
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('bash', [mkrootfs, path.join(dir, 'rootfs')], { stdio: ['ignore', 'ignore', 'inherit'] });
  fs.copyFileSync(probeScript, path.join(dir, 'rootfs', 'probe.sh'));
  fs.chmodSync(path.join(dir, 'rootfs', 'probe.sh'), 0o755);
  writeConfig(dir, config);
  return dir;
}

export function writeConfig(dir: string, config: Config): void {
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
}

export function rmTree(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

const cgroupRoot = '/sys/fs/cgroup';

/** Every cgroup hierarchy mounted here (v1 controllers and the unified mount). */
export function hierarchies(): string[] {
  const out: string[] = [];
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const f = line.split(' ');
    const dash = f.indexOf('-');
    if (dash < 0) continue;
    const fstype = f[dash + 1];
    // v1: one mount per hierarchy below /sys/fs/cgroup; pure v2: the one at /sys/fs/cgroup
    const at = f[4] === cgroupRoot || f[4].startsWith(cgroupRoot + '/');
    if ((fstype === 'cgroup' || fstype === 'cgroup2') && at) out.push(f[4]);
  }
  return [...new Set(out)].sort();
}

/** Directories of /planc-test/<unique> (or any test parent) that still exist. */
export function leftoverCgroups(parent: string, unique: string): string[] {
  return hierarchies().map((h) => path.join(h, parent, unique)).filter((d) => fs.existsSync(d));
}

/**
 * Removes <h>/<parent>/<unique> in every hierarchy, killing only the pids found inside it
 * (they belong to the container this test started). The shared parent stays until every test
 * file is done (helpers/cgroup-parent.ts).
 */
export function removeCgroups(parent: string, unique: string): void {
  for (const h of hierarchies()) {
    const dir = path.join(h, parent, unique);
    if (fs.existsSync(dir)) {
      for (let attempt = 0; attempt < 50; attempt++) {
        const pids = readPids(dir);
        for (const pid of pids) {
          try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
        }
        try { fs.rmdirSync(dir); break; } catch { sleepMs(20); }
      }
    }
  }
}

function readPids(dir: string): number[] {
  try {
    return fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** mountinfo lines of this (host) mount namespace that mention one of the given paths. */
export function mountsMentioning(...paths: string[]): string[] {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => paths.some((p) => l.includes(p)));
}

/** A deterministic pseudo-random generator so shuffled-key tests can name their seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 0x100000000;
  };
}

/** Same JSON value with every object's keys in a shuffled order (arrays keep their order). */
export function shuffleKeys(v: unknown, rand: () => number): unknown {
  if (Array.isArray(v)) return v.map((x) => shuffleKeys(x, rand));
  if (v && typeof v === 'object') {
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [keys[i], keys[j]] = [keys[j], keys[i]];
    }
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = shuffleKeys((v as Record<string, unknown>)[k], rand);
    return out;
  }
  return v;
}

/**
 * Processes that belong to a test container: the command line mentions its id (a runtime we
 * started), or it sits in the container's cgroup <parent>/<id> (its init and children).
 */
export function processesOf(parent: string, id: string): number[] {
  const found: number[] = [];
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(id)) { found.push(Number(p)); continue; }
      if (fs.readFileSync(`/proc/${p}/cgroup`, 'utf8').includes(`/${parent}/${id}\n`)) found.push(Number(p));
    } catch { /* exited meanwhile, or a kernel thread */ }
  }
  return found;
}

/**
 * <tmp>/userns-bundle: a copy of bundle's rootfs owned by the mapped root (host uid/gid 100000),
 * as an engine prepares one for a user namespace; tmp is opened to 0711 so that root reaches it
 * (mkdtemp makes 0700). Returns the new bundle dir; its config.json is the caller's to write.
 */
export function userNsBundle(tmp: string, bundle: string): string {
  const ub = path.join(tmp, 'userns-bundle');
  fs.mkdirSync(ub, { mode: 0o755 });
  fs.chmodSync(tmp, 0o711);
  execFileSync('cp', ['-a', path.join(bundle, 'rootfs'), path.join(ub, 'rootfs')]);
  execFileSync('chown', ['-R', '100000:100000', path.join(ub, 'rootfs')]);
  return ub;
}
