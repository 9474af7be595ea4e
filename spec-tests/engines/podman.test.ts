// podman (with conmon) driving runc and planc: isolated config and vfs storage in a temp dir,
// the busybox image from `podman import`, cgroups under /planc-test/, no network. Every case
// runs under runc first (proving the harness) and then under planc.
import { afterAll, beforeAll, expect, test } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import {
  HostLeftovers, buildTestImage, cgroupTop, cgroupsLeft, describeEngine, imageRef, inPty, missingPrograms,
  mountsUnder, ptyText, removeCgroupTree, run, runcBin, runtimes, tempDir, umountUnder, waitFor, type Ran,
  type RuntimeUnderTest,
} from './engines.js';

const hasScript = missingPrograms('script').length === 0;

describeEngine('podman', ['podman', 'conmon', runcBin, 'tar'], () => {
  let dir = '';
  let env: NodeJS.ProcessEnv = {};
  let global: string[] = [];
  const cgParent = `${cgroupTop}/eng-${process.pid}-podman`;
  // hard-coded paths podman (4.3) writes as root whatever --root/--runroot say
  const leftovers = new HostLeftovers(['/var/lib/containers', '/run/containers']);
  let serial = 0;

  const podman = (...args: string[]): Ran => run(['podman', ...global, ...args], { env, timeoutMs: 45_000 });
  const podmanInPty = (...args: string[]): Ran => run(inPty(['podman', ...global, ...args]), { env, timeoutMs: 45_000 });
  /** `podman run` arguments shared by every container: runtime, no network, our cgroup parent. */
  const runArgs = (rt: RuntimeUnderTest, runtimePath = rt.bin): string[] =>
    ['--runtime', runtimePath, '--network', 'none', '--cgroup-parent', `/${cgParent}`];
  const uniqueName = (rt: RuntimeUnderTest): string => `eng-${process.pid}-${++serial}-${rt.name}`;
  const status = (name: string): string => podman('inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', name).stdout.trim();

  beforeAll(() => {
    dir = tempDir('podman');
    const tmp = path.join(dir, 'tmp');
    fs.mkdirSync(tmp);
    fs.mkdirSync(path.join(dir, 'net'));
    const conf = path.join(dir, 'containers.conf');
    fs.writeFileSync(conf, [
      '[containers]',
      // below podman's root defaults (nofile 1048576, nproc 4194304): raising a hard limit needs
      // CAP_SYS_RESOURCE, which a CI container may not have
      'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]',
      'log_driver = "k8s-file"',
      'netns = "none"',
      '[engine]',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      `tmp_dir = "${tmp}"`,
      // podman hands its own --log-format=json (and --log) only to runtimes it knows by name
      'runtime_supports_json = ["crun", "runc", "planc"]',
      '[engine.runtimes]',
      `planc = ["${runtimes[1].bin}"]`,
      `runc = ["${runtimes[0].bin}"]`,
      '[network]',
      'network_backend = "cni"',
      `network_config_dir = "${path.join(dir, 'net')}"`,
      '',
    ].join('\n'));
    const storage = path.join(dir, 'storage.conf');
    fs.writeFileSync(storage, [
      '[storage]',
      'driver = "vfs"',
      `runroot = "${path.join(dir, 'runroot')}"`,
      `graphroot = "${path.join(dir, 'root')}"`,
      '',
    ].join('\n'));
    env = { ...process.env, CONTAINERS_CONF: conf, CONTAINERS_STORAGE_CONF: storage };
    global = ['--root', path.join(dir, 'root'), '--runroot', path.join(dir, 'runroot'), '--storage-driver', 'vfs',
      '--cgroup-manager', 'cgroupfs', '--events-backend', 'file', '--tmpdir', tmp];
    const { rootfsTarGz } = buildTestImage(path.join(dir, 'image'));
    const imp = podman('import', rootfsTarGz, imageRef);
    if (imp.code !== 0) throw new Error(`podman import failed\n${imp.explain}`);
  });

  afterAll(() => {
    if (!dir) return;
    podman('rm', '--all', '--force', '--time', '0');
    podman('rmi', '--all', '--force');
    umountUnder(dir);
    removeCgroupTree(cgParent);
    fs.rmSync(dir, { recursive: true, force: true });
    leftovers.remove();
    expect(cgroupsLeft(cgParent)).toEqual([]);
    expect(mountsUnder(dir)).toEqual([]);
  });

  for (const rt of runtimes) {
    const tag = `[${rt.name}]`;

    test(`run --rm prints the command's output and removes the container ${tag}`, () => {
      const name = uniqueName(rt);
      const r = podman('run', '--rm', '--name', name, ...runArgs(rt), imageRef, 'echo', 'hello from busybox');
      expect(r.code, r.explain).toBe(0);
      expect(r.stdout, r.explain).toBe('hello from busybox\n');
      expect(podman('container', 'exists', name).code, 'container still exists after run --rm').toBe(1);
    });

    test(`run propagates the container's exit code (sh -c 'exit 7' gives 7) ${tag}`, () => {
      const r = podman('run', '--rm', ...runArgs(rt), imageRef, 'sh', '-c', 'exit 7');
      expect(r.code, r.explain).toBe(7);
    });

    test(`run applies user, hostname, env and default ulimits from podman ${tag}`, () => {
      const r = podman('run', '--rm', '--user', '65534:65534', '--hostname', 'eng-host', '--env', 'ENG_VAR=set',
        ...runArgs(rt), imageRef, 'sh', '-c', 'id -u; id -g; hostname; echo $ENG_VAR; ulimit -n; ulimit -u');
      expect(r.code, r.explain).toBe(0);
      expect(r.stdout.split('\n'), r.explain).toEqual(['65534', '65534', 'eng-host', 'set', '1024', '1024', '']);
    });

    test.skipIf(!hasScript)(`run -t gives the process a terminal and propagates its exit code ${tag}`, () => {
      const r = podmanInPty('run', '--rm', '-t', ...runArgs(rt), imageRef, 'sh', '-c', 'tty; test -t 0 && echo stdin-is-tty; exit 3');
      const out = ptyText(r.stdout);
      expect(out, r.explain).toMatch(/^\/dev\/pts\/\d+$/m);
      expect(out, r.explain).toContain('stdin-is-tty');
      expect(r.code, r.explain).toBe(3);
    });

    test(`run -d starts a detached container that exec, stop and rm then manage ${tag}`, () => {
      const name = uniqueName(rt);
      const d = podman('run', '-d', '--name', name, ...runArgs(rt), imageRef,
        'sh', '-c', 'echo started; trap "echo stopping; exit 0" TERM; while :; do sleep 0.1; done');
      expect(d.code, d.explain).toBe(0);
      expect(d.stdout.trim(), d.explain).toMatch(/^[0-9a-f]{64}$/);
      expect(status(name)).toBe('running 0');

      const e = podman('exec', name, 'sh', '-c', 'echo in-exec; cat /proc/1/cmdline | tr "\\0" " "; exit 3');
      expect(e.code, e.explain).toBe(3);
      expect(e.stdout, e.explain).toMatch(/^in-exec\nsh -c echo started/);

      const t0 = Date.now();
      const s = podman('stop', '--time', '10', name);
      expect(s.code, s.explain).toBe(0);
      // SIGTERM reached the trap: no 10 s wait for the SIGKILL fallback
      expect(Date.now() - t0, `podman stop took the SIGKILL fallback\n${s.explain}`).toBeLessThan(8_000);
      expect(status(name)).toBe('exited 0');
      const logs = podman('logs', name);
      expect(logs.stdout, logs.explain).toBe('started\nstopping\n');

      const rm = podman('rm', name);
      expect(rm.code, rm.explain).toBe(0);
      expect(podman('container', 'exists', name).code).toBe(1);
    });

    test.skipIf(!hasScript)(`exec -t gives the exec'd process a terminal ${tag}`, () => {
      const name = uniqueName(rt);
      const d = podman('run', '-d', '--name', name, ...runArgs(rt), imageRef, 'sleep', '60');
      expect(d.code, d.explain).toBe(0);
      try {
        const e = podmanInPty('exec', '-t', name, 'sh', '-c', 'tty; exit 4');
        expect(ptyText(e.stdout), e.explain).toMatch(/^\/dev\/pts\/\d+$/m);
        expect(e.code, e.explain).toBe(4);
      } finally {
        podman('rm', '--force', '--time', '0', name);
      }
    });

    test(`pause and unpause freeze and thaw a running container ${tag}`, () => {
      const name = uniqueName(rt);
      const d = podman('run', '-d', '--name', name, ...runArgs(rt), imageRef, 'sleep', '60');
      expect(d.code, d.explain).toBe(0);
      try {
        const p = podman('pause', name);
        expect(p.code, p.explain).toBe(0);
        expect(status(name)).toBe('paused 0');
        const u = podman('unpause', name);
        expect(u.code, u.explain).toBe(0);
        expect(status(name)).toBe('running 0');
        const e = podman('exec', name, 'echo', 'alive');
        expect(e.stdout, e.explain).toBe('alive\n');
      } finally {
        podman('rm', '--force', '--time', '0', name);
      }
    });

    test(`kill delivers the requested signal to the container's init ${tag}`, () => {
      const name = uniqueName(rt);
      const d = podman('run', '-d', '--name', name, ...runArgs(rt), imageRef,
        'sh', '-c', 'trap "echo got-usr1; exit 9" USR1; echo ready; while :; do sleep 0.1; done');
      expect(d.code, d.explain).toBe(0);
      try {
        expect(waitFor(() => podman('logs', name).stdout.includes('ready') || undefined, 10_000)).toBe(true);
        const k = podman('kill', '--signal', 'USR1', name);
        expect(k.code, k.explain).toBe(0);
        const w = podman('wait', name);
        expect(w.stdout.trim(), w.explain).toBe('9');
        expect(podman('logs', name).stdout).toContain('got-usr1');
      } finally {
        podman('rm', '--force', '--time', '0', name);
      }
    });

    test(`run --read-only keeps the rootfs read-only with writable tmpfs on /tmp and /run (tmpcopyup) ${tag}`, () => {
      const r = podman('run', '--rm', '--read-only', ...runArgs(rt), imageRef,
        'sh', '-c', 'touch /ro-probe 2>/dev/null && echo rootfs-writable; touch /tmp/a /run/b && echo tmp-writable');
      expect(r.code, r.explain).toBe(0);
      expect(r.stdout, r.explain).toBe('tmp-writable\n');
    });

    test(`run --tmpfs and a read-only -v bind mount give a writable tmpfs and a read-only volume ${tag}`, () => {
      const vol = path.join(dir, `vol-${rt.name}`);
      fs.mkdirSync(vol, { recursive: true });
      fs.writeFileSync(path.join(vol, 'f'), 'from-host\n');
      const r = podman('run', '--rm', '--tmpfs', '/scratch', '-v', `${vol}:/vol:ro`, ...runArgs(rt), imageRef,
        'sh', '-c', 'cat /vol/f; touch /scratch/a && echo tmpfs-writable; touch /vol/x 2>/dev/null || echo vol-read-only');
      expect(r.code, r.explain).toBe(0);
      expect(r.stdout, r.explain).toBe('from-host\ntmpfs-writable\nvol-read-only\n');
    });

    test(`run --cap-drop all --cap-add NET_RAW leaves exactly CAP_NET_RAW ${tag}`, () => {
      const r = podman('run', '--rm', '--cap-drop', 'all', '--cap-add', 'NET_RAW', ...runArgs(rt), imageRef,
        'sh', '-c', 'grep -E "^Cap(Prm|Eff|Bnd)" /proc/self/status');
      expect(r.code, r.explain).toBe(0);
      expect(r.stdout, r.explain).toBe('CapPrm:\t0000000000002000\nCapEff:\t0000000000002000\nCapBnd:\t0000000000002000\n');
    });

    test(`run --memory and --pids-limit set the container's cgroup limits ${tag}`, () => {
      const r = podman('run', '--rm', '--memory', '64m', '--pids-limit', '50', ...runArgs(rt), imageRef,
        'sh', '-c', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max');
      expect(r.code, r.explain).toBe(0);
      expect(r.stdout, r.explain).toBe('67108864\n50\n');
    });

    test(`run --oom-score-adj 500 gives the container process that score ${tag}`, () => {
      // the kernel's own report, read by the container process: what runc sets, as under runc
      const r = podman('run', '--rm', '--oom-score-adj', '500', ...runArgs(rt), imageRef, 'cat', '/proc/self/oom_score_adj');
      expect(r.code, r.explain).toBe(0);
      expect(r.stdout, r.explain).toBe('500\n');
    });

    test(`exec into an --oom-score-adj 500 container gives the exec'd process that score too ${tag}`, () => {
      const name = uniqueName(rt);
      const d = podman('run', '-d', '--name', name, '--oom-score-adj', '500', ...runArgs(rt), imageRef, 'sleep', '60');
      expect(d.code, d.explain).toBe(0);
      try {
        const e = podman('exec', name, 'cat', '/proc/self/oom_score_adj');
        expect(e.code, e.explain).toBe(0);
        expect(e.stdout, e.explain).toBe('500\n');
      } finally {
        podman('rm', '--force', '--time', '0', name);
      }
    });

    test(`run --privileged gets the host's devices and every capability ${tag}`, () => {
      const r = podman('run', '--rm', '--privileged', ...runArgs(rt), imageRef,
        'sh', '-c', 'test -c /dev/null && test -e /dev/ptmx && echo devices-ok; grep ^CapEff /proc/self/status');
      expect(r.code, r.explain).toBe(0);
      const hostBnd = fs.readFileSync('/proc/self/status', 'utf8').match(/^CapBnd:\t(\w+)$/m)?.[1];
      expect(r.stdout, r.explain).toBe(`devices-ok\nCapEff:\t${hostBnd}\n`);
    });

    test(`run --init runs podman's init as pid 1 in front of the command ${tag}`, () => {
      const r = podman('run', '--rm', '--init', ...runArgs(rt), imageRef, 'sh', '-c', 'tr "\\0" " " < /proc/1/cmdline');
      expect(r.code, r.explain).toBe(0);
      expect(r.stdout, r.explain).toMatch(/^\/run\/podman-init -- sh -c/);
    });

    test(`run --uidmap/--gidmap runs the container in a user namespace with that mapping ${tag}`, () => {
      const r = podman('run', '--rm', '--uidmap', '0:100000:65536', '--gidmap', '0:100000:65536', ...runArgs(rt), imageRef,
        'sh', '-c', 'cat /proc/self/uid_map /proc/self/gid_map; id -u');
      expect(r.code, r.explain).toBe(0);
      const lines = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
      expect(lines, r.explain).toEqual(['0 100000 65536', '0 100000 65536', '0']);
    });

    test(`exec into a --uidmap container runs in its user namespace; a missing command there is exit 127 ${tag}`, () => {
      const name = uniqueName(rt);
      const d = podman('run', '-d', '--name', name, '--uidmap', '0:100000:65536', '--gidmap', '0:100000:65536',
        ...runArgs(rt), imageRef, 'sleep', '60');
      expect(d.code, d.explain).toBe(0);
      try {
        const e = podman('exec', name, 'sh', '-c', 'cat /proc/self/uid_map; id -u; touch /tmp/x && echo wrote');
        expect(e.code, e.explain).toBe(0);
        expect(e.stdout.split('\n').map((l) => l.trim().split(/\s+/).join(' ')), e.explain).toEqual(['0 100000 65536', '0', 'wrote', '']);
        const m = podman('exec', name, 'no-such-command');
        expect(m.code, m.explain).toBe(127);
      } finally {
        podman('rm', '--force', '--time', '0', name);
      }
    });

    test(`a missing executable fails run with exit 127 and says what was not found ${tag}`, () => {
      const r = podman('run', '--rm', ...runArgs(rt), imageRef, '/no/such/binary');
      expect(r.code, r.explain).toBe(127);
      expect(r.stderr, r.explain).toMatch(/\/no\/such\/binary.*no such file or directory/i);
    });

    test(`a file that is not executable fails run with exit 126 (permission denied) ${tag}`, () => {
      const r = podman('run', '--rm', ...runArgs(rt), imageRef, '/etc/passwd');
      expect(r.code, r.explain).toBe(126);
      expect(r.stderr, r.explain).toMatch(/permission denied/i);
    });

    test(`podman calls a runtime named ${rt.name} with --log-format=json and a --log file ${tag}`, () => {
      // a wrapper with the runtime's name records each call, then execs the real binary
      const wrapDir = path.join(dir, `wrap-${rt.name}`);
      const calls = path.join(wrapDir, 'calls');
      fs.mkdirSync(wrapDir, { recursive: true });
      fs.writeFileSync(path.join(wrapDir, rt.name),
        `#!/bin/sh\nprintf '%s\\n' "$*" >> ${calls}\nexec ${rt.bin} "$@"\n`, { mode: 0o755 });
      const r = podman('run', '--rm', ...runArgs(rt, path.join(wrapDir, rt.name)), imageRef, 'true');
      expect(r.code, r.explain).toBe(0);
      const lines = fs.readFileSync(calls, 'utf8').trim().split('\n');
      const create = lines.find((l) => / create /.test(l));
      expect(create, `runtime calls:\n${lines.join('\n')}`).toBeDefined();
      expect(create).toMatch(/--log-format[= ]json/);
      expect(create).toMatch(/--log[= ]\S+/);
    });
  }
});
