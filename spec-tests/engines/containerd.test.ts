// containerd (1.6, containerd-shim-runc-v2) driving runc and planc through `ctr --runc-binary`:
// a private daemon (own config, root, state and socket in a temp dir) started here and stopped by
// its pid, an OCI-layout image imported with ctr, cgroups under /planc-test/.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { slowdown } from '../helpers/env.js';
import {
  HostLeftovers, buildTestImage, cgroupTop, cgroupsLeft, describeEngine, imageRef, inPty, missingPrograms,
  mountsUnder, ptyText, removeCgroupTree, run, runcBin, runtimes, sleepMs, tempDir, umountUnder, waitFor, type Ran,
  type RuntimeUnderTest,
} from './engines.js';

const hasScript = missingPrograms('script').length === 0;
const namespace = 'planc-test';

describeEngine('containerd', ['containerd', 'ctr', 'containerd-shim-runc-v2', runcBin, 'tar'], () => {
  let dir = '';
  let sock = '';
  let fifoDir = '';
  let daemonPid = 0;
  let daemonLog = '';
  const cgParent = `${cgroupTop}/eng-${process.pid}-containerd`;
  // the shim's socket dir and ctr's default fifo dir are hard-coded under /run/containerd
  const leftovers = new HostLeftovers(['/run/containerd']);
  const env = { ...process.env, CONTAINERD_SNAPSHOTTER: 'native' };
  let serial = 0;

  const ctr = (...args: string[]): Ran => run(['ctr', '--address', sock, '-n', namespace, ...args], { env, timeoutMs: 45_000 });
  const ctrInPty = (...args: string[]): Ran =>
    run(inPty(['ctr', '--address', sock, '-n', namespace, ...args]), { env, timeoutMs: 45_000 });
  const uniqueId = (rt: RuntimeUnderTest): string => `eng-${process.pid}-${++serial}-${rt.name}`;
  /** `ctr run` options shared by every container: the runtime binary and its --root, our cgroup. */
  const runtimeRoot = (rt: RuntimeUnderTest): string => path.join(dir, `runtime-root-${rt.name}`);
  const runOpts = (rt: RuntimeUnderTest, id: string): string[] => [
    '--runc-binary', rt.bin, '--runc-root', runtimeRoot(rt),
    '--cgroup', `/${cgParent}/${id}`, '--fifo-dir', fifoDir,
  ];
  /** STATUS column of `ctr task ls` for the task (RUNNING, PAUSED, STOPPED, …), or undefined. */
  const taskStatus = (id: string): string | undefined => {
    const row = ctr('task', 'ls').stdout.split('\n').map((l) => l.trim().split(/\s+/)).find((f) => f[0] === id);
    return row?.[2];
  };
  const waitStatus = (id: string, want: string, ms = 10_000): string | undefined =>
    waitFor(() => (taskStatus(id) === want ? want : undefined), ms) ?? taskStatus(id);
  const removeContainer = (id: string): void => {
    const st = taskStatus(id);
    if (st !== undefined) {
      if (st !== 'STOPPED') {
        ctr('task', 'kill', '--signal', 'SIGKILL', '--all', id);
        waitStatus(id, 'STOPPED', 5_000);
      }
      ctr('task', 'delete', '--force', id);
    }
    if (ctr('containers', 'ls', '--quiet').stdout.split('\n').includes(id)) ctr('container', 'delete', id);
  };
  const daemonTail = (): string => {
    try { return fs.readFileSync(daemonLog, 'utf8').split('\n').slice(-15).join('\n'); } catch { return '(no log)'; }
  };

  beforeAll(() => {
    dir = tempDir('containerd');
    sock = path.join(dir, 'containerd.sock');
    fifoDir = path.join(dir, 'fifo');
    daemonLog = path.join(dir, 'containerd.log');
    fs.mkdirSync(fifoDir);
    const config = path.join(dir, 'config.toml');
    fs.writeFileSync(config, [
      'version = 2',
      `root = "${path.join(dir, 'root')}"`,
      `state = "${path.join(dir, 'state')}"`,
      // no CRI (it wants CNI and a sandbox image); snapshotters other than native are not needed
      'disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",',
      '  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",',
      '  "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp",',
      '  "io.containerd.internal.v1.tracing"]',
      '[grpc]',
      `  address = "${sock}"`,
      '[ttrpc]',
      `  address = "${sock}.ttrpc"`,
      '[debug]',
      '  address = ""',
      '  level = "info"',
      '[metrics]',
      '  address = ""',
      '[cgroup]',
      '  path = ""',
      '[plugins."io.containerd.internal.v1.opt"]',
      `  path = "${path.join(dir, 'opt')}"`,
      '',
    ].join('\n'));
    const log = fs.openSync(daemonLog, 'a');
    const daemon = spawn('containerd', ['--config', config], { stdio: ['ignore', log, log], detached: true });
    fs.closeSync(log);
    daemon.unref();
    daemonPid = daemon.pid ?? 0;
    const up = waitFor(() => (fs.existsSync(sock) && ctr('version').code === 0 ? true : undefined), 20_000, 100);
    if (!up) throw new Error(`containerd did not come up on ${sock}\n${daemonTail()}`);
    const { ociTar } = buildTestImage(path.join(dir, 'image'));
    const imp = ctr('images', 'import', ociTar);
    if (imp.code !== 0) throw new Error(`ctr images import failed\n${imp.explain}\n${daemonTail()}`);
  }, 60_000 * slowdown);

  afterAll(() => {
    if (!dir) return;
    if (daemonPid) {
      for (const id of ctr('containers', 'ls', '--quiet').stdout.split('\n').filter(Boolean)) removeContainer(id);
      ctr('images', 'rm', imageRef);
      try { process.kill(daemonPid, 'SIGTERM'); } catch { /* already gone */ }
      if (!waitFor(() => (fs.existsSync(`/proc/${daemonPid}`) ? undefined : true), 10_000)) {
        try { process.kill(daemonPid, 'SIGKILL'); } catch { /* gone */ }
        sleepMs(200);
      }
      // a shim outlives its daemon: any left here serves our socket's tasks, and only ours
      for (const p of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
        try {
          const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8');
          if (cmd.startsWith('containerd-shim') || cmd.includes('containerd-shim-runc-v2')) {
            if (cmd.includes(sock)) process.kill(Number(p), 'SIGKILL');
          }
        } catch { /* exited */ }
      }
    }
    umountUnder(dir);
    removeCgroupTree(cgParent);
    fs.rmSync(dir, { recursive: true, force: true });
    leftovers.remove();
    expect(cgroupsLeft(cgParent)).toEqual([]);
    expect(mountsUnder(dir)).toEqual([]);
  }, 60_000 * slowdown);

  for (const rt of runtimes) {
    const tag = `[${rt.name}]`;

    test(`ctr run --rm prints the command's output and removes the container ${tag}`, () => {
      const id = uniqueId(rt);
      const r = ctr('run', ...runOpts(rt, id), '--rm', imageRef, id, 'echo', 'hello from busybox');
      expect(r.code, `${r.explain}\n${daemonTail()}`).toBe(0);
      expect(r.stdout, r.explain).toBe('hello from busybox\n');
      expect(ctr('containers', 'ls', '--quiet').stdout.split('\n')).not.toContain(id);
    });

    test(`ctr run propagates the task's exit code (sh -c 'exit 7' gives 7) ${tag}`, () => {
      const id = uniqueId(rt);
      const r = ctr('run', ...runOpts(rt, id), '--rm', imageRef, id, 'sh', '-c', 'exit 7');
      expect(r.code, r.explain).toBe(7);
    });

    test.skipIf(!hasScript)(`ctr run --tty gives the task a terminal and propagates its exit code ${tag}`, () => {
      const id = uniqueId(rt);
      const r = ctrInPty('run', ...runOpts(rt, id), '--rm', '--tty', imageRef, id, 'sh', '-c', 'tty; test -t 0 && echo stdin-is-tty; exit 5');
      const out = ptyText(r.stdout);
      expect(out, r.explain).toMatch(/\/dev\/pts\/\d+$/m);
      expect(out, r.explain).toContain('stdin-is-tty');
      expect(r.code, r.explain).toBe(5);
    });

    test(`a detached task runs, takes exec processes, stops on SIGTERM and is deleted ${tag}`, () => {
      const id = uniqueId(rt);
      const d = ctr('run', ...runOpts(rt, id), '--detach', imageRef, id,
        'sh', '-c', 'trap "exit 9" TERM; while :; do sleep 0.1; done');
      expect(d.code, `${d.explain}\n${daemonTail()}`).toBe(0);
      try {
        expect(taskStatus(id)).toBe('RUNNING');
        // the task really is the runtime under test's: its state is under the --runc-root ctr gave
        expect(fs.existsSync(path.join(runtimeRoot(rt), namespace, id)), `no ${rt.name} state for ${id}`).toBe(true);

        const e = ctr('task', 'exec', '--exec-id', 'e1', id, 'sh', '-c', 'echo in-exec; cat /proc/1/cmdline | tr "\\0" " "; exit 3');
        expect(e.code, e.explain).toBe(3);
        expect(e.stdout, e.explain).toMatch(/^in-exec\nsh -c trap/);

        const ps = ctr('task', 'ps', id);
        expect(ps.code, ps.explain).toBe(0);
        expect(ps.stdout.trim().split('\n').length, ps.explain).toBeGreaterThanOrEqual(2);

        const k = ctr('task', 'kill', '--signal', 'SIGTERM', id);
        expect(k.code, k.explain).toBe(0);
        expect(waitStatus(id, 'STOPPED')).toBe('STOPPED');

        // ctr reports a non-zero exit status when the task is deleted
        const del = ctr('task', 'delete', id);
        expect(del.code, del.explain).toBe(0);
        expect(del.stdout + del.stderr, del.explain).toMatch(/exit code 9\b/);
        const cdel = ctr('container', 'delete', id);
        expect(cdel.code, cdel.explain).toBe(0);
        expect(ctr('containers', 'ls', '--quiet').stdout.split('\n')).not.toContain(id);
      } finally {
        removeContainer(id);
      }
    });

    test.skipIf(!hasScript)(`ctr task exec --tty gives the exec process a terminal ${tag}`, () => {
      const id = uniqueId(rt);
      const d = ctr('run', ...runOpts(rt, id), '--detach', imageRef, id, 'sleep', '60');
      expect(d.code, d.explain).toBe(0);
      try {
        const e = ctrInPty('task', 'exec', '--tty', '--fifo-dir', fifoDir, '--exec-id', 'tty1', id, 'sh', '-c', 'tty; exit 4');
        expect(ptyText(e.stdout), e.explain).toMatch(/\/dev\/pts\/\d+$/m);
        expect(e.code, e.explain).toBe(4);
      } finally {
        removeContainer(id);
      }
    });

    test(`task pause and resume freeze and thaw the task ${tag}`, () => {
      const id = uniqueId(rt);
      const d = ctr('run', ...runOpts(rt, id), '--detach', imageRef, id, 'sleep', '60');
      expect(d.code, d.explain).toBe(0);
      try {
        const p = ctr('task', 'pause', id);
        expect(p.code, p.explain).toBe(0);
        expect(taskStatus(id)).toBe('PAUSED');
        const r = ctr('task', 'resume', id);
        expect(r.code, r.explain).toBe(0);
        expect(taskStatus(id)).toBe('RUNNING');
        const m = ctr('task', 'metrics', id);
        expect(m.code, m.explain).toBe(0);
      } finally {
        removeContainer(id);
      }
    });

    test(`task kill --all SIGKILL ends every process of the task (exit 137) ${tag}`, () => {
      const id = uniqueId(rt);
      const d = ctr('run', ...runOpts(rt, id), '--detach', imageRef, id, 'sh', '-c', 'sleep 60 & sleep 60 & wait');
      expect(d.code, d.explain).toBe(0);
      try {
        const k = ctr('task', 'kill', '--all', '--signal', 'SIGKILL', id);
        expect(k.code, k.explain).toBe(0);
        expect(waitStatus(id, 'STOPPED')).toBe('STOPPED');
        const del = ctr('task', 'delete', id);
        expect(del.code, del.explain).toBe(0);
        expect(del.stdout + del.stderr, del.explain).toMatch(/exit code 137\b/);
      } finally {
        removeContainer(id);
      }
    });

    test(`ctr run applies --env, --cwd, --memory-limit and a read-only bind --mount ${tag}`, () => {
      const id = uniqueId(rt);
      const vol = path.join(dir, `vol-${rt.name}`);
      fs.mkdirSync(vol, { recursive: true });
      fs.writeFileSync(path.join(vol, 'f'), 'from-host\n');
      const d = ctr('run', ...runOpts(rt, id), '--detach', '--env', 'ENG_VAR=set', '--cwd', '/tmp', '--memory-limit', '67108864',
        '--mount', `type=bind,src=${vol},dst=/vol,options=rbind:ro`, imageRef, id, 'sleep', '60');
      expect(d.code, d.explain).toBe(0);
      try {
        const e = ctr('task', 'exec', '--exec-id', 'check', id,
          'sh', '-c', 'echo $ENG_VAR; pwd; cat /vol/f; touch /vol/x 2>/dev/null || echo vol-read-only');
        expect(e.code, e.explain).toBe(0);
        expect(e.stdout, e.explain).toBe('set\n/tmp\nfrom-host\nvol-read-only\n');
        const v1 = path.join('/sys/fs/cgroup/memory', cgParent, id, 'memory.limit_in_bytes');
        const v2 = path.join('/sys/fs/cgroup', cgParent, id, 'memory.max');
        const limitFile = [v1, v2].find((f) => fs.existsSync(f));
        expect(limitFile, `no memory cgroup for ${id} at ${v1} or ${v2}`).toBeDefined();
        expect(fs.readFileSync(limitFile!, 'utf8').trim()).toBe('67108864');
      } finally {
        removeContainer(id);
      }
    });

    test(`ctr run --read-only keeps the rootfs read-only ${tag}`, () => {
      const id = uniqueId(rt);
      const r = ctr('run', ...runOpts(rt, id), '--rm', '--read-only', imageRef, id,
        'sh', '-c', 'touch /ro-probe 2>/dev/null && echo rootfs-writable; echo done');
      expect(r.code, r.explain).toBe(0);
      expect(r.stdout, r.explain).toBe('done\n');
    });

    test(`ctr run --privileged gets the host's devices and every capability ${tag}`, () => {
      const id = uniqueId(rt);
      const r = ctr('run', ...runOpts(rt, id), '--rm', '--privileged', imageRef, id,
        'sh', '-c', 'test -c /dev/null && test -e /dev/ptmx && echo devices-ok; grep ^CapEff /proc/self/status');
      expect(r.code, r.explain).toBe(0);
      const hostBnd = fs.readFileSync('/proc/self/status', 'utf8').match(/^CapBnd:\t(\w+)$/m)?.[1];
      expect(r.stdout, r.explain).toBe(`devices-ok\nCapEff:\t${hostBnd}\n`);
    });

    test(`a missing executable fails task creation with the runtime's error ${tag}`, () => {
      const id = uniqueId(rt);
      try {
        const r = ctr('run', ...runOpts(rt, id), '--rm', imageRef, id, '/no/such/binary');
        expect(r.code, r.explain).not.toBe(0);
        expect(r.stderr, r.explain).toMatch(/OCI runtime create failed: .*\/no\/such\/binary.*no such file or directory/i);
      } finally {
        removeContainer(id);
      }
    });
  }
});
