// Drives the built CLI through a real container's life: create → state → start → kill → delete,
// run -d → delete --force, and run's exit status. Root only; cgroups live under /planc-test/.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSpec, renderSpec } from '../src/spec-default.js';

const repo = join(__dirname, '..', '..');
const bin = join(repo, 'bin', 'planc');
const ready = process.getuid?.() === 0 && existsSync(bin) && existsSync(join(repo, 'build', 'planc-core.wasm'))
  && existsSync(join(repo, 'build', 'planc-shim')) && existsSync('/bin/busybox');
const tmp = mkdtempSync(join(tmpdir(), 'planc-life-'));
const root = join(tmp, 'state');
const tag = `orch-${process.pid}`;

function bundle(name: string, args: string[], edit: (c: Record<string, any>) => void = () => {}): string {
  const b = join(tmp, name);
  mkdirSync(b);
  const rootfs = join(tmp, 'rootfs');
  const c = defaultSpec() as Record<string, any>;
  c.root.path = rootfs;
  c.process.terminal = false;
  c.process.args = args;
  c.linux.cgroupsPath = `/planc-test/${tag}-${name}`;
  // not present on every kernel; its absence is not what these tests are about
  c.linux.readonlyPaths = c.linux.readonlyPaths.filter((p: string) => p !== '/proc/sysrq-trigger');
  edit(c);
  writeFileSync(join(b, 'config.json'), renderSpec(c));
  return b;
}
const planc = (args: string[], cwd = tmp) =>
  spawnSync(bin, ['--root', root, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
// For create and run -d: init inherits stdio, so a pipe would stay open for its whole life;
// stderr goes to a file instead.
function quiet(args: string[], cwd = tmp): { status: number | null; stderr: string } {
  const errFile = join(tmp, 'stderr.txt');
  const fd = openSync(errFile, 'w');
  try {
    const r = spawnSync(bin, ['--root', root, ...args], { cwd, stdio: ['ignore', 'ignore', fd], timeout: 20_000 });
    return { status: r.status, stderr: readFileSync(errFile, 'utf8') };
  } finally { closeSync(fd); }
}
const status = (id: string) => JSON.parse(planc(['state', id]).stdout).status as string;

beforeAll(() => {
  if (!ready) return;
  const r = spawnSync('bash', [join(repo, 'scripts', 'mkrootfs.sh'), join(tmp, 'rootfs')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
});
afterAll(() => {
  for (const id of existsSync(root) ? readdirSync(root) : []) planc(['delete', '--force', id]);
  rmSync(tmp, { recursive: true, force: true });
});

describe.skipIf(!ready)('container lifecycle through bin/planc', () => {
  it('run returns the process exit status and leaves no state behind', () => {
    const r = planc(['run', '-b', bundle('exit', ['sh', '-c', 'echo out; exit 7']), 'exit1']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('out\n');
    expect(r.status).toBe(7);
    expect(readdirSync(root)).toEqual([]);
  });

  it('create leaves init waiting; start runs it; kill stops it; delete cleans up', () => {
    const b = bundle('life', ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.1; done']);
    const c = quiet(['create', '-b', b, 'life1']);
    expect(c.stderr).toBe('');
    expect(c.status).toBe(0);
    expect(status('life1')).toBe('created');
    expect(planc(['list', '-q']).stdout).toBe('life1\n');
    expect(planc(['start', 'life1']).status).toBe(0);
    expect(status('life1')).toBe('running');
    const refused = planc(['delete', 'life1']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('cannot delete container life1 that is not stopped: running');
    expect(planc(['kill', 'life1', 'TERM']).status).toBe(0);
    for (let i = 0; i < 100 && status('life1') !== 'stopped'; i++) spawnSync('sleep', ['0.05']);
    expect(status('life1')).toBe('stopped');
    expect(planc(['start', 'life1']).stderr).toContain('cannot start a container that has stopped');
    expect(planc(['delete', 'life1']).status).toBe(0);
    expect(planc(['state', 'life1']).stderr).toContain('container does not exist');
    expect(existsSync(`/sys/fs/cgroup/memory/planc-test/${tag}-life`)).toBe(false);
  });

  it('runs prestart, poststart and poststop hooks with the state on stdin; a failing prestart hook leaves nothing', () => {
    const log = join(tmp, 'hooks.log');
    const hook = (name: string) => ({ path: '/bin/sh', args: ['sh', '-c', `read s; echo "${name} $s" >> ${log}`] });
    const b = bundle('hooks', ['true'], (c) => { c.hooks = { poststart: [hook('poststart')], poststop: [hook('poststop')] }; });
    expect(planc(['run', '-b', b, 'hooks1']).status).toBe(0);
    const lines = readFileSync(log, 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => l.split(' ')[0])).toEqual(['poststart', 'poststop']);
    expect(JSON.parse(lines[0]!.slice('poststart '.length))).toMatchObject({ id: 'hooks1', status: 'running', bundle: b });
    expect(JSON.parse(lines[1]!.slice('poststop '.length))).toMatchObject({ id: 'hooks1', status: 'stopped' });
    const pre = bundle('prestart', ['true'], (c) => { c.hooks = { prestart: [hook('prestart')] }; });
    expect(planc(['run', '-b', pre, 'pre1']).status).toBe(0);
    expect(JSON.parse(readFileSync(log, 'utf8').trimEnd().split('\n').at(-1)!.slice('prestart '.length))).toMatchObject({ id: 'pre1', status: 'creating' });
    const failing = bundle('prestart-fails', ['true'], (c) => { c.hooks = { prestart: [{ path: '/bin/false' }] }; });
    const r = planc(['run', '-b', failing, 'pre2']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error running prestart hook #0: error running hook: exit status 1');
    expect(readdirSync(root)).toEqual([]);
  });

  it('runs only a pinned plan when a digest is required, and the digest planc plan printed is the one that runs', () => {
    const b = bundle('pin', ['true']);
    const wrong = planc(['run', '--plan-digest', 'sha256:' + '0'.repeat(64), '-b', b, 'pin1']);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/plan sha256:[0-9a-f]{64} is not approved/);
    expect(readdirSync(root)).toEqual([]);
    const digest = planc(['plan', '--id', 'pin1', '-b', b]).stdout.trimEnd().split('\n').at(-1)!.slice('digest: '.length);
    expect(planc(['run', '--plan-digest', digest, '-b', b, 'pin1']).status).toBe(0);
  });

  it('run -d returns with the process running; delete --force kills it and removes its cgroups', () => {
    const r = quiet(['run', '-d', '-b', bundle('detach', ['sleep', '100']), 'det1']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(status('det1')).toBe('running');
    const pids = JSON.parse(planc(['ps', '-f', 'json', 'det1']).stdout) as number[];
    const pid = JSON.parse(planc(['state', 'det1']).stdout).pid as number;
    expect(pids).toContain(pid);
    expect(planc(['ps', 'det1', '-o', 'pid,comm']).stdout).toMatch(new RegExp(`^\\s*${pid} sleep$`, 'm'));
    expect(planc(['delete', '--force', 'det1']).status).toBe(0);
    expect(readdirSync(root)).toEqual([]);
    expect(existsSync(`/sys/fs/cgroup/pids/planc-test/${tag}-detach`)).toBe(false);
  });
  it('--debug logs one timing line with each phase of run, adding up to the total', () => {
    const b = bundle('timed', ['true']);
    const log = join(tmp, 'debug.log');
    expect(planc(['--debug', '--log', log, '--log-format', 'json', 'run', '-b', b, 'timed1']).status).toBe(0);
    const line = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string })
      .find((l) => l.msg.startsWith('run timed1 timing: '));
    expect(line).toBeDefined();
    const phases = [...line!.msg.matchAll(/([^:,;]+?) (\d+\.\d)ms/g)].map((m) => [m[1]!.trim(), Number(m[2])] as const);
    expect(phases.map(([p]) => p)).toEqual(['start-up', 'planning', 'shim to created (host and container lanes)', 'start', 'container ran and teardown lane', 'total']);
    const sum = phases.slice(0, -1).reduce((a, [, ms]) => a + ms, 0);
    expect(Math.abs(sum - phases.at(-1)![1])).toBeLessThan(0.5);
  });
});
