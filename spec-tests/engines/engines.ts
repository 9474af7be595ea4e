// Shared machinery for the container-engine tests (podman, containerd): the registry-free test
// image, command runs whose failures print the whole invocation, and cleanup of what engines leave.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe } from 'vitest';
import { hierarchies } from '../helpers/bundle.js';
import { isRoot, mkrootfs, plancBin, repo } from '../helpers/env.js';

export const runcBin = '/usr/sbin/runc';
export const ociImageScript = path.join(repo, 'scripts', 'engines', 'oci-image.mjs');
export const imageRef = 'localhost/planc-busybox:test';
/** Every engine test puts its cgroups below this parent, and removes its own subtree afterwards. */
export const cgroupTop = 'planc-test';

/** The runtimes every engine test runs under: runc proves the harness, planc is what is tested. */
export const runtimes = [
  { name: 'runc', bin: runcBin },
  { name: 'planc', bin: plancBin },
] as const;
export type RuntimeUnderTest = (typeof runtimes)[number];

/** Which of the given programs are missing (absolute paths, or names looked up in PATH). */
export function missingPrograms(...progs: string[]): string[] {
  const dirs = (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':');
  return progs.filter((p) => {
    const candidates = p.includes('/') ? [p] : dirs.map((d) => path.join(d, p));
    return !candidates.some((c) => {
      try { fs.accessSync(c, fs.constants.X_OK); return true; } catch { return false; }
    });
  });
}

/**
 * A describe block for one engine: skipped, with the reason in its name, when not root or when a
 * program the engine needs is not installed. (`make deps` installs them, so CI always runs these.)
 */
export function describeEngine(engine: string, programs: string[], fn: () => void): void {
  const missing = missingPrograms(...programs);
  const reason = !isRoot
    ? 'skipped: requires root (engines create namespaces, cgroups and mounts)'
    : missing.length
      ? `skipped: ${missing.join(', ')} not installed (make deps installs it)`
      : 'requires root';
  // One retry: a daemon-driven run now and then loses a short-lived task's output (seen with
  // runc as the runtime as well as with planc); a real fault fails both attempts.
  describe.skipIf(!isRoot || missing.length > 0)(`${engine} engine (${reason})`, { retry: 1 }, fn);
}

export interface Ran {
  argv: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The command line, exit status and both outputs, for assertion messages. */
  explain: string;
}

export function shellQuote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** Runs a command to completion (bounded by timeoutMs) and keeps everything it printed. */
export function run(argv: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {}): Ran {
  const r = spawnSync(argv[0], argv.slice(1), {
    env: opts.env ?? process.env,
    input: opts.input,
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 30_000,
    killSignal: 'SIGKILL',
  });
  const stdout = r.stdout ?? '';
  const stderr = (r.stderr ?? '') + (r.error ? `\n[spawn: ${r.error.message}]` : '');
  const status = r.signal ? `killed by ${r.signal}${r.error ? ' (timeout)' : ''}` : `exit ${r.status}`;
  const explain = [
    `$ ${argv.map(shellQuote).join(' ')}`,
    `-> ${status}`,
    `stdout: ${stdout.trimEnd() || '(empty)'}`,
    `stderr: ${stderr.trimEnd() || '(empty)'}`,
  ].join('\n');
  return { argv, code: r.status, signal: r.signal, stdout, stderr, explain };
}

/** The argv that runs `argv` with a pseudo-terminal as its stdin/stdout (util-linux script). */
export function inPty(argv: string[]): string[] {
  return ['script', '-qec', argv.map(shellQuote).join(' '), '/dev/null'];
}

/** Output of a command run through `script`: CRLF line ends and stray NULs removed. */
export function ptyText(s: string): string {
  return s.replace(/\0/g, '').replace(/\r\n/g, '\n').replace(/\r/g, '\n');
}

export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Polls fn until it returns a value other than undefined, or gives up after timeoutMs. */
export function waitFor<T>(fn: () => T | undefined, timeoutMs: number, stepMs = 50): T | undefined {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined || Date.now() > end) return v;
    sleepMs(stepMs);
  }
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `planc-${prefix}-`));
}

/**
 * The busybox test image in both forms engines import without a registry: a rootfs tar.gz
 * (`podman import`) and an OCI image layout tarball (`ctr images import`).
 */
export function buildTestImage(dir: string): { rootfsTarGz: string; ociTar: string } {
  const rootfs = path.join(dir, 'rootfs');
  const rootfsTarGz = path.join(dir, 'rootfs.tar.gz');
  const ociTar = path.join(dir, 'image-oci.tar');
  for (const step of [
    ['bash', mkrootfs, rootfs],
    ['tar', '-C', rootfs, '--numeric-owner', '-czf', rootfsTarGz, '.'],
    [process.execPath, ociImageScript, rootfsTarGz, ociTar, imageRef, '/bin/sh'],
  ]) {
    const r = run(step, { timeoutMs: 60_000 });
    if (r.code !== 0) throw new Error(`building the test image failed\n${r.explain}`);
  }
  return { rootfsTarGz, ociTar };
}

/** Directories of the cgroup subtree `rel` (e.g. planc-test/eng-1-podman) that still exist. */
export function cgroupsLeft(rel: string): string[] {
  return hierarchies().map((h) => path.join(h, rel)).filter((d) => fs.existsSync(d));
}

/**
 * Removes the cgroup subtree `rel` in every hierarchy, deepest first; processes still inside it
 * (left by the engine under test) are SIGKILLed first. Then removes the shared top when empty.
 */
export function removeCgroupTree(rel: string): void {
  const rm = (dir: string): void => {
    let entries: fs.Dirent[] = [];
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const e of entries) if (e.isDirectory()) rm(path.join(dir, e.name));
    for (let attempt = 0; attempt < 50; attempt++) {
      let pids: number[] = [];
      try { pids = fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number); } catch { /* gone */ }
      for (const pid of pids) { try { process.kill(pid, 'SIGKILL'); } catch { /* exited */ } }
      try { fs.rmdirSync(dir); return; } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        sleepMs(20);
      }
    }
  };
  // the shared parent stays until every test file is done (helpers/cgroup-parent.ts)
  for (const h of hierarchies()) rm(path.join(h, rel));
}

/** Mount points at or below prefix in this mount namespace, deepest first. */
export function mountsUnder(prefix: string): string[] {
  const unescape = (s: string) => s.replace(/\\(\d{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((l) => unescape(l.split(' ')[4] ?? ''))
    .filter((m) => m === prefix || m.startsWith(prefix + '/'))
    .sort((a, b) => b.length - a.length);
}

/** Unmounts (lazily, so a busy one cannot stop cleanup) everything at or below prefix. */
export function umountUnder(prefix: string): void {
  for (const m of mountsUnder(prefix)) run(['umount', '-l', m]);
}

/**
 * Host paths an engine creates outside the dirs it is given (hard-coded in the engine). Those
 * that did not exist before the tests are removed afterwards; those that did are left alone.
 */
export class HostLeftovers {
  private readonly absent: string[];
  constructor(private readonly paths: string[]) {
    this.absent = paths.filter((p) => !fs.existsSync(p));
  }
  remove(): void {
    for (const p of this.absent) fs.rmSync(p, { recursive: true, force: true });
  }
}
