// The runc-vs-planc harness of the CLI differential tests: one temp dir with a busybox rootfs, a
// state root per runtime, bundles from runc's default spec, and calls that capture each output.
// Never touches a cgroup but its own /planc-test/<tag>-* ones; removes everything it made.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultSpec, renderSpec } from '../src/spec-default.js';

export const repo = join(__dirname, '..', '..');
export const bin = join(repo, 'bin', 'planc');
export const RUNC = '/usr/sbin/runc';
const isRoot = process.getuid?.() === 0;
const built = existsSync(bin) && existsSync(join(repo, 'build', 'planc-core.wasm')) && existsSync(join(repo, 'build', 'planc-shim'));
export const ready = isRoot && built && existsSync(RUNC) && existsSync('/bin/busybox');
export const why = !isRoot ? 'needs root (real containers)' : !built ? 'needs `make build`' : 'needs /usr/sbin/runc and busybox-static';

export type Rt = 'runc' | 'planc';
export const RTS: Rt[] = ['runc', 'planc'];
export type Json = Record<string, any>;
export interface Out { status: number | null; stdout: string; stderr: string }

/** The message of a logrus text (or JSON) line, with the runtime's own name made neutral. */
export const msg = (stderr: string): string => {
  const line = stderr.trim();
  const text = /^\{.*\}$/.test(line) ? String(JSON.parse(line).msg)
    : /msg="((?:[^"\\]|\\.)*)"/.exec(stderr)?.[1] ?? /msg=(\S+)/.exec(stderr)?.[1] ?? line;
  return text.replace(/\b(runc|planc)\b/g, 'RT');
};

export function compatHarness(prefix: string) {
  const tmp = mkdtempSync(join(tmpdir(), `planc-${prefix}-`));
  const tag = `${prefix}-${process.pid}`;
  const roots: Record<Rt, string> = { runc: join(tmp, 'root-runc'), planc: join(tmp, 'root-planc') };
  let seq = 0;

  /** <tmp>/<rt>-<name>: runc's default spec on the shared rootfs, with its own cgroup. */
  function bundle(rt: Rt, name: string, args: string[], edit: (c: Json) => void = () => {}): string {
    const b = join(tmp, `${rt}-${name}`);
    mkdirSync(b, { recursive: true });
    const c = defaultSpec() as Json;
    c.root.path = join(tmp, 'rootfs');
    c.process.terminal = false;
    c.process.args = args;
    c.linux.cgroupsPath = `/planc-test/${tag}-${rt}-${name}`;
    c.linux.readonlyPaths = c.linux.readonlyPaths.filter((p: string) => p !== '/proc/sysrq-trigger');
    edit(c);
    writeFileSync(join(b, 'config.json'), renderSpec(c));
    return b;
  }

  // stdout and stderr go to files: a created container's init inherits them and would hold a pipe open.
  function call(rt: Rt, args: string[], opts: { globals?: string[]; root?: boolean; input?: string } = {}): Out {
    const o = join(tmp, `out-${++seq}`);
    const e = join(tmp, `err-${seq}`);
    const fo = openSync(o, 'w');
    const fe = openSync(e, 'w');
    try {
      const r = spawnSync(rt === 'runc' ? RUNC : bin, [...(opts.root === false ? [] : ['--root', roots[rt]]), ...(opts.globals ?? []), ...args],
        { cwd: tmp, stdio: [opts.input === undefined ? 'ignore' : 'pipe', fo, fe], input: opts.input, timeout: 20_000 });
      return { status: r.status, stdout: readFileSync(o, 'utf8'), stderr: readFileSync(e, 'utf8') };
    } finally { closeSync(fo); closeSync(fe); rmSync(o, { force: true }); rmSync(e, { force: true }); }
  }

  const statusOf = (rt: Rt, id: string): string => { const r = call(rt, ['state', id]); return r.status === 0 ? JSON.parse(r.stdout).status : `exit ${r.status}`; };

  /** This harness's container cgroups in every hierarchy. */
  const cgroupDirs = (): string[] => {
    const out: string[] = [];
    for (const h of ['memory', 'pids', 'cpu', 'cpuacct', 'freezer', 'devices', 'blkio', 'cpuset', 'unified', 'systemd', '']) {
      const d = join('/sys/fs/cgroup', h, 'planc-test');
      try { for (const n of readdirSync(d)) if (n.startsWith(tag)) out.push(join(d, n)); } catch { /* no such hierarchy */ }
    }
    return out;
  };

  /** beforeAll: the busybox rootfs every bundle shares. */
  function setUp(): void {
    if (!ready) return;
    const r = spawnSync('bash', [join(repo, 'scripts', 'mkrootfs.sh'), join(tmp, 'rootfs')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
  }

  /** afterAll: every container deleted, sub-cgroups a test made, then the containers' own, then tmp. */
  function tearDown(): void {
    for (const rt of RTS) for (const id of existsSync(roots[rt]) ? readdirSync(roots[rt]) : []) call(rt, ['delete', '--force', id]);
    for (const d of cgroupDirs()) for (const s of existsSync(d) ? readdirSync(d, { withFileTypes: true }) : []) if (s.isDirectory()) spawnSync('rmdir', [join(d, s.name)]);
    for (const d of cgroupDirs().reverse()) spawnSync('rmdir', [d]);
    rmSync(tmp, { recursive: true, force: true });
  }

  return { tmp, tag, roots, bundle, call, statusOf, cgroupDirs, setUp, tearDown, nextSeq: () => ++seq };
}
