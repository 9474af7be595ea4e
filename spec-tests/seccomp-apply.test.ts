// Real containers under seccomp, each bundle also run by runc 1.1.5: where the filter goes (with
// and without noNewPrivileges), that no profile hangs or silences planc, and the listener end to
// end with a test agent. Tests run one after another; each removes what it created.
import { test, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describeAsRoot, plancBin, repo } from './helpers/env.js';
import { leftoverCgroups, makeBundle, mountsMentioning, processesOf, readFixture, removeCgroups, rmTree, sleepMs, tempDir, writeConfig, type Config } from './helpers/bundle.js';
import { runtimeBins, type Runtime } from './helpers/runtimes.js';
import { exec, type Ran } from './helpers/planc.js';

const parent = 'planc-test';
const used: string[] = [];
let serial = 0;

/** The five syscalls newer than many profiles: the shim must never need them under the filter. */
const NEWER = ['close_range', 'openat2', 'faccessat2', 'clone3', 'statx'];

/** Docker's default allow list (bench fixture) as a default-deny profile without NEWER. */
function dockerLike(): Config {
  const p = JSON.parse(fs.readFileSync(path.join(repo, 'bench/fixtures/seccomp-docker-like.json'), 'utf8'));
  for (const s of p.syscalls) s.names = s.names.filter((n: string) => !NEWER.includes(n));
  p.syscalls = p.syscalls.filter((s: Config) => s.names.length > 0);
  return p;
}

/**
 * What the shim itself may call once the filter is in (docs/plan-format.md, "Under the seccomp
 * filter"), plus what busybox's sh, echo and id need; nothing else.
 */
const SHIM_AFTER_FILTER = ['prctl', 'setgroups', 'setgid', 'setuid', 'capset', 'umask', 'close', 'openat', 'write', 'execve'];
const BUSYBOX_SH = ['arch_prctl', 'brk', 'read', 'exit_group', 'getcwd', 'getegid', 'geteuid', 'getgid', 'getgroups', 'getpid', 'getppid',
  'getrandom', 'getuid', 'mprotect', 'newfstatat', 'prlimit64', 'readlink', 'rseq', 'rt_sigaction', 'rt_sigprocmask', 'rt_sigreturn',
  'set_robust_list', 'set_tid_address', 'uname', 'mmap', 'munmap', 'ioctl', 'fcntl', 'clone', 'fork', 'vfork', 'wait4', 'lseek', 'fstat'];

function minimal(): Config {
  return { defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: [...new Set([...SHIM_AFTER_FILTER, ...BUSYBOX_SH])], action: 'SCMP_ACT_ALLOW' }] };
}


/** Runs a runtime command to its end (stdin closed), with the time it took. */
function run(rt: Runtime, args: string[], timeout = 20_000): Ran & { ms: number } {
  const t0 = performance.now();
  const r = exec(runtimeBins[rt], args, { timeout });
  return { ...r, ms: performance.now() - t0 };
}

/** `run -d`: the container keeps its stdio, so nothing of it may be a pipe we wait on. */
function runDetached(rt: Runtime, root: string, bundle: string, id: string): number | null {
  return spawnSync(runtimeBins[rt], ['--root', root, 'run', '-d', '--bundle', bundle, id], { stdio: 'ignore', timeout: 20_000 }).status;
}

describeAsRoot('runs real containers', 'seccomp at apply time: order, no hang, notify', () => {
  let tmp: string;
  let bundle: string;
  let agentBin: string;
  const roots: Record<string, string> = {};
  const agents: ChildProcess[] = [];

  beforeAll(() => {
    tmp = tempDir('seccomp-apply');
    bundle = makeBundle(path.join(tmp, 'bundle'), readFixture('default'));
    // a root-only program for the exec check: 0700, owned by root
    fs.writeFileSync(path.join(bundle, 'rootfs/rootonly'), '#!/bin/sh\necho "$@"\n', { mode: 0o700 });
    // and one only group 10 may run: 0750 root:10
    fs.writeFileSync(path.join(bundle, 'rootfs/grouponly'), '#!/bin/sh\necho group\n', { mode: 0o750 });
    fs.chownSync(path.join(bundle, 'rootfs/grouponly'), 0, 10);
    agentBin = path.join(tmp, 'seccomp-agent');
    execFileSync('gcc', ['-O1', '-o', agentBin, path.join(repo, 'spec-tests/helpers/seccomp-agent.c')]);
    for (const rt of ['planc', 'runc']) { roots[rt] = path.join(tmp, `state-${rt}`); fs.mkdirSync(roots[rt]); }
  });

  afterEach(() => {
    for (const a of agents.splice(0)) a.kill('SIGKILL');
    const left: string[] = [];
    for (const id of used.splice(0)) {
      for (const rt of ['planc', 'runc'] as Runtime[]) run(rt, ['--root', roots[rt], 'delete', '-f', id]);
      left.push(...leftoverCgroups(parent, id).map((d) => `cgroup ${d}`));
      left.push(...processesOf(parent, id).map((p) => `process ${p} (${id})`));
      removeCgroups(parent, id);
    }
    for (const rt of ['planc', 'runc']) for (const e of fs.readdirSync(roots[rt])) { left.push(`${rt} state ${e}`); rmTree(path.join(roots[rt], e)); }
    left.push(...mountsMentioning(tmp).map((m) => `mount ${m}`));
    expect(left).toEqual([]);
  });

  afterAll(() => rmTree(tmp));

  /** Writes the bundle's config for one runtime's run: a unique id and cgroup, the profile given. */
  function configure(rt: Runtime, seccomp: Config, nnp: boolean, args: string[], edit?: (c: Config) => void): string {
    const id = `sc${process.pid}-${++serial}-${rt}`;
    used.push(id);
    const c = readFixture('default');
    c.process.args = args;
    c.process.noNewPrivileges = nnp;
    c.linux.seccomp = seccomp;
    c.linux.cgroupsPath = `/${parent}/${id}`;
    edit?.(c);
    writeConfig(bundle, c);
    return id;
  }

  function runBoth(seccomp: Config, nnp: boolean, args: string[], edit?: (c: Config) => void) {
    const out = {} as Record<'planc' | 'runc', Ran & { ms: number }>;
    for (const rt of ['runc', 'planc'] as const) {
      const id = configure(rt, seccomp, nnp, args, edit);
      out[rt] = run(rt, ['--root', roots[rt], 'run', '--bundle', bundle, id]);
    }
    return out;
  }

  const SH = ['sh', '-c', 'echo hi; id; grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status'];

  for (const nnp of [false, true]) {
    test(`a default-deny profile without ${NEWER.join(', ')} runs as under runc (noNewPrivileges ${nnp})`, () => {
      const r = runBoth(dockerLike(), nnp, SH);
      expect(r.runc.code).toBe(0);
      expect({ code: r.planc.code, stdout: r.planc.stdout }).toEqual({ code: r.runc.code, stdout: r.runc.stdout });
      expect(r.planc.stdout).toContain('Seccomp:\t2');
    });

    test(`a profile of only the shim's documented syscalls and busybox's runs (noNewPrivileges ${nnp})`, () => {
      // runc's Go runtime needs more under its filter, so runc runs the docker-like profile here
      const want = runBoth(dockerLike(), nnp, SH).runc;
      const id = configure('planc', minimal(), nnp, SH);
      const got = run('planc', ['--root', roots.planc, 'run', '--bundle', bundle, id]);
      expect({ code: got.code, stdout: got.stdout, stderr: got.stderr }, got.stderr).toEqual({ code: want.code, stdout: want.stdout, stderr: '' });
    });

    for (const [what, action] of [['denies', 'SCMP_ACT_ERRNO'], ['kills on', 'SCMP_ACT_KILL_PROCESS']]) {
      for (const cmd of ['run', 'create'] as const) {
        test(`a profile that ${what} everything fails \`${cmd}\` in under a second, naming seccomp and the step (noNewPrivileges ${nnp})`, () => {
          const idr = configure('runc', { defaultAction: action, syscalls: [] }, nnp, ['true']);
          const rr = run('runc', ['--root', roots.runc, cmd, '--bundle', bundle, idr]);
          const id = configure('planc', { defaultAction: action, syscalls: [] }, nnp, ['true']);
          const r = run('planc', ['--root', roots.planc, cmd, '--bundle', bundle, id]);
          // runc's create may succeed and leave the failure to start; its run fails
          if (cmd === 'run') expect(rr.code).not.toBe(0);
          expect(r.code, r.stderr).not.toBe(0);
          expect(r.ms).toBeLessThan(1000);
          expect(r.stderr, r.stderr).toMatch(/step \d+ [a-z_]+ .*under the seccomp filter of step \d+/);
          expect(fs.existsSync(path.join(roots.planc, id))).toBe(false);
        });
      }
    }
  }

  test('a profile that kills execve fails run naming execve; a container killed later by its own filter is only its exit status, as with runc', () => {
    for (const nnp of [false, true]) {
      const r = runBoth({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['execve'], action: 'SCMP_ACT_KILL_PROCESS' }] }, nnp, ['true']);
      expect(r.runc.code).toBe(128 + 31);   // runc: the status, and no word of why
      expect(r.planc.code).not.toBe(0);
      expect(r.planc.stderr).toMatch(/step \d+ exec killed by signal 31 .*under the seccomp filter of step \d+/);
    }
    const r = runBoth({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['uname'], action: 'SCMP_ACT_KILL_PROCESS' }] }, false, ['sh', '-c', 'uname']);
    expect(r.runc.code).toBe(128 + 31);
    expect({ code: r.planc.code, stderr: r.planc.stderr }).toEqual({ code: r.runc.code, stderr: '' });
  });

  test('an ALLOW-only profile runs as under runc, with or without a syscalls list', () => {
    for (const nnp of [false, true]) {
      const r = runBoth({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [] }, nnp, SH);
      expect({ code: r.planc.code, stdout: r.planc.stdout }).toEqual({ code: 0, stdout: r.runc.stdout });
      // no syscalls list at all: still a filter (arch check + ALLOW), never an empty one the kernel refuses
      const bare = runBoth({ defaultAction: 'SCMP_ACT_ALLOW' }, nnp, SH);
      expect({ code: bare.planc.code, stdout: bare.planc.stdout, stderr: bare.planc.stderr })
        .toEqual({ code: 0, stdout: bare.runc.stdout, stderr: '' });
      expect(bare.runc.code).toBe(0);
    }
  });

  test('run: an init that fails at the exec fifo under its filter, unable even to write why, is reported at that step', () => {
    const profile = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['openat', 'open'], action: 'SCMP_ACT_ERRNO' }, { names: ['write'], action: 'SCMP_ACT_KILL_PROCESS' }] };
    const r = runBoth(profile, true, ['true']);
    expect(r.runc.code).not.toBe(0);
    expect(r.planc.code).not.toBe(0);
    expect(r.planc.stderr).toMatch(/step \d+ exec_fifo_wait \/proc\/self\/fd\/\d+: operation not permitted \(under the seccomp filter of step \d+\)/);
    expect(r.planc.stderr).not.toContain('ENOENT');
  });

  test('start does not wait for an init that died under its filter after create, as runc', () => {
    // with noNewPrivileges only the fifo handshake follows create: denying openat kills init there
    for (const rt of ['runc', 'planc'] as const) {
      const id = configure(rt, { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['openat', 'open'], action: 'SCMP_ACT_ERRNO' }] }, true, ['true']);
      expect(spawnSync(runtimeBins[rt], ['--root', roots[rt], 'create', '--bundle', bundle, id], { stdio: 'ignore', timeout: 20_000 }).status).toBe(0);
      const r = run(rt, ['--root', roots[rt], 'start', id], 5000);
      expect(r.code).not.toBe(0);
      expect(r.ms).toBeLessThan(1000);
    }
  });

  for (const [what, action, says] of [['denied', 'SCMP_ACT_ERRNO', 'setuid 1000: operation not permitted'], ['killing', 'SCMP_ACT_KILL_PROCESS', 'setuid killed by signal 31']]) {
    test(`exec under the container's filter: a ${what} step fails promptly and names it, as runc fails`, () => {
      // the container runs; only an exec as uid 1000 meets the id change the filter stops (runc calls setuid)
      const profile = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['setresuid', 'setuid'], action, args: [{ index: 0, value: 1000, op: 'SCMP_CMP_EQ' }] }] };
      for (const rt of ['runc', 'planc'] as const) {
        const id = configure(rt, profile, false, ['sleep', '30']);
        expect(runDetached(rt, roots[rt], bundle, id)).toBe(0);
        const ok = run(rt, ['--root', roots[rt], 'exec', id, 'echo', 'hi']);
        expect(ok.stdout).toBe('hi\n');
        for (const detach of [[], ['-d']]) {
          const r = run(rt, ['--root', roots[rt], 'exec', ...detach, '--user', '1000', id, 'echo', 'hi']);
          // runc 1.1.5's `exec -d` reports success when its init is killed there; planc does not
          if (rt === 'runc' && detach.length && action === 'SCMP_ACT_KILL_PROCESS') continue;
          expect(r.code, `${rt} exec ${detach.join(' ')}: ${r.stdout} ${r.stderr}`).not.toBe(0);
          if (rt !== 'planc') continue;
          expect(r.ms).toBeLessThan(1000);
          expect(r.stderr).toMatch(new RegExp(`step \\d+ ${says}.*\\(under the seccomp filter of step \\d+\\)`));
        }
      }
    });
  }

  test('without noNewPrivileges args[0] is still checked as the container user: a root-only 0700 binary fails create, as with runc', () => {
    for (const rt of ['runc', 'planc'] as const) {
      const id = configure(rt, dockerLike(), false, ['/rootonly', 'true'], (c) => { c.process.user = { uid: 1000, gid: 1000 }; });
      const r = run(rt, ['--root', roots[rt], 'create', '--bundle', bundle, id]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/permission denied/);
      // and root may run it
      const id2 = configure(rt, dockerLike(), false, ['/rootonly', 'root']);
      expect(run(rt, ['--root', roots[rt], 'run', '--bundle', bundle, id2]).stdout).toBe('root\n');
      // the user's additional groups count, its primary group alone does not
      const id3 = configure(rt, dockerLike(), false, ['/grouponly'], (c) => { c.process.user = { uid: 1000, gid: 1000, additionalGids: [10] }; });
      expect(run(rt, ['--root', roots[rt], 'run', '--bundle', bundle, id3]).stdout).toBe('group\n');
      const id4 = configure(rt, dockerLike(), false, ['/grouponly'], (c) => { c.process.user = { uid: 1000, gid: 1000 }; });
      expect(run(rt, ['--root', roots[rt], 'create', '--bundle', bundle, id4]).stderr).toMatch(/permission denied/);
    }
  });

  /** Starts the test agent on sock; resolves once it listens. */
  async function agent(sock: string, stateOut: string): Promise<void> {
    const a = spawn(agentBin, [sock, stateOut], { stdio: ['ignore', 'pipe', 'inherit'] });
    agents.push(a);
    await new Promise<void>((res, rej) => {
      a.stdout!.once('data', () => res());
      a.once('exit', (c) => rej(new Error(`agent exited ${c}`)));
    });
  }

  /** What an agent received: its file appears once the agent has it, which may be a moment after
   * the runtime returns (the runtime sends and goes on; the agent writes on its own time). */
  function received(file: string): Config {
    for (let waited = 0; !fs.existsSync(file); waited += 20) {
      if (waited > 10_000) throw new Error(`${file}: the agent received nothing`);
      sleepMs(20);
    }
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  }

  const NOTIFY = (sock: string) => ({
    defaultAction: 'SCMP_ACT_ALLOW', listenerPath: sock, listenerMetadata: 'meta "1"',
    syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }],
  });
  const MKDIR = ['sh', '-c', 'mkdir /tmp/made; echo mkdir=$?; ls -d /tmp/made 2>&1; true'];

  for (const nnp of [false, true]) {
    test(`SCMP_ACT_NOTIFY: the agent gets runc's state and the listener, and answers mkdir (noNewPrivileges ${nnp})`, async () => {
      const seen = {} as Record<'planc' | 'runc', { out: Ran; state: Config }>;
      for (const rt of ['runc', 'planc'] as const) {
        const sock = path.join(tmp, `agent-${rt}.sock`);
        const stateFile = path.join(tmp, `state-${rt}-${nnp}.json`);
        await agent(sock, stateFile);
        const id = configure(rt, NOTIFY(sock), nnp, MKDIR, (c) => { c.annotations = { 'org.b': 'x<y>', 'org.a': '1' }; });
        const out = await new Promise<Ran>((res) => {
          const p = spawn(runtimeBins[rt], ['--root', roots[rt], 'run', '--bundle', bundle, id], { stdio: ['ignore', 'pipe', 'pipe'] });
          let stdout = ''; let stderr = '';
          p.stdout.on('data', (d) => (stdout += d)); p.stderr.on('data', (d) => (stderr += d));
          p.on('close', (code, signal) => res({ code, signal, stdout, stderr }));
        });
        seen[rt] = { out, state: received(stateFile) };
      }
      // the agent said mkdir succeeded without making the directory
      expect(seen.runc.out.stdout).toMatch(/^mkdir=0\nls: \/tmp\/made: No such file or directory\n$/);
      expect(seen.planc.out.stdout).toBe(seen.runc.out.stdout);
      for (const rt of ['runc', 'planc'] as const) {
        const s = seen[rt].state;
        expect(typeof s.pid).toBe('number');
        expect(s.state.pid).toBe(s.pid);
        s.pid = s.state.pid = 0;
        s.state.id = s.state.id.replace(/-\d+-(planc|runc)$/, '');
      }
      expect(seen.planc.state).toEqual(seen.runc.state);
      expect(seen.planc.state.state.status).toBe('creating');
    });
  }

  test('SCMP_ACT_NOTIFY for exec: the agent gets the running container\'s state with the exec process\'s pid, as from runc', async () => {
    const states = {} as Record<'planc' | 'runc', Config>;
    for (const rt of ['runc', 'planc'] as const) {
      const sock = path.join(tmp, `agent-x-${rt}.sock`);
      await agent(sock, path.join(tmp, `init-${rt}.json`));
      const id = configure(rt, NOTIFY(sock), false, ['sleep', '30']);
      expect(runDetached(rt, roots[rt], bundle, id)).toBe(0);
      const init = received(path.join(tmp, `init-${rt}.json`));
      const stateFile = path.join(tmp, `exec-${rt}.json`);
      await agent(sock, stateFile);
      const r = run(rt, ['--root', roots[rt], 'exec', id, ...MKDIR]);
      expect(r.stdout).toMatch(/^mkdir=0\n/);
      const s = received(stateFile);
      expect(s.state.pid).toBe(init.pid);
      expect(s.pid).not.toBe(init.pid);
      s.pid = s.state.pid = 0;
      s.state.id = s.state.id.replace(/-\d+-(planc|runc)$/, '');
      states[rt] = s;
    }
    expect(states.planc).toEqual(states.runc);
    expect(states.planc.state.status).toBe('running');
  });

  test('an agent that cannot be reached fails create with a clear error and leaves nothing, as runc fails', () => {
    const sock = path.join(tmp, 'nobody.sock');
    for (const rt of ['runc', 'planc'] as const) {
      const id = configure(rt, NOTIFY(sock), false, ['true']);
      const r = run(rt, ['--root', roots[rt], 'create', '--bundle', bundle, id]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/connect: no such file or directory/i);
      if (rt === 'planc') {
        expect(r.stderr).toContain('seccomp_listener_forward');
        expect(fs.existsSync(path.join(roots.planc, id))).toBe(false);
      }
    }
  });

  test('a profile that denies or kills the listener hand-over fails at that step in under a second', async () => {
    for (const action of ['SCMP_ACT_ERRNO', 'SCMP_ACT_KILL_PROCESS']) {
      const sock = path.join(tmp, 'agent-h.sock');
      await agent(sock, path.join(tmp, 'h.json'));
      const profile = { ...NOTIFY(sock), syscalls: [...NOTIFY(sock).syscalls, { names: ['sendmsg'], action }] };
      const id = configure('planc', profile, false, ['true']);
      const r = run('planc', ['--root', roots.planc, 'run', '--bundle', bundle, id]);
      expect(r.code).not.toBe(0);
      expect(r.ms).toBeLessThan(1000);
      expect(r.stderr).toMatch(/step \d+ seccomp_listener_send .*under the seccomp filter of step \d+/);
    }
  });

  test('a notifying profile without listenerPath is refused at its JSON Pointer', () => {
    const id = configure('planc', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] }, false, ['true']);
    const r = run('planc', ['--root', roots.planc, 'create', '--bundle', bundle, id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('/linux/seccomp/listenerPath: SCMP_ACT_NOTIFY needs listenerPath');
  });
  void plancBin;
});
