// Real containers, compared with runc 1.1.5 (or with what the kernel reports where runc 1.1.5
// predates the field): loopback in a new network namespace, linux.netDevices, the bytes of a
// pty planc serves, stdio and pty ownership by the process user, and the cwd tried before and
// after the uid change. Leaves no container, cgroup, device or namespace behind.
import { test, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describeAsRoot, plancBin, repo } from './helpers/env.js';
import {
  leftoverCgroups, makeBundle, readFixture, removeCgroups, rmTree, sleepMs, tempDir, userNsBundle, writeConfig, type Config,
} from './helpers/bundle.js';
import { runContainer, runtimeBins, type Runtime } from './helpers/runtimes.js';
import type { Ran } from './helpers/planc.js';

const parent = 'planc-test';
let serial = 0;
const used: string[] = [];
const helper = path.join(repo, 'build', 'pty-helper');

function uniqueId(rt: Runtime): string {
  const id = `nettty-${process.pid}-${++serial}-${rt}`;
  used.push(id);
  return id;
}

function shConfig(script: string, edit?: (c: Config) => void): Config {
  const c = readFixture('default');
  c.process.args = ['/bin/sh', '-c', script];
  edit?.(c);
  return c;
}

/** Runs `argv` to its end with stdin closed; output as bytes (latin1) so \r and \n stay apart. */
function runArgv(argv: string[], opts: { quiet?: boolean } = {}, timeoutMs = 60_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    // quiet: a detached container would hold pipes open; it gets no stdio of ours
    const child = spawn(argv[0], argv.slice(1), { stdio: opts.quiet ? 'ignore' : ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('latin1').on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }); });
  });
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describeAsRoot('runs real containers and moves host network devices', 'net, tty, stdio and cwd behave like runc', () => {
  let tmp: string;
  let bundle: string;
  const roots: Record<Runtime, string> = { planc: '', runc: '', crun: '' };

  beforeAll(() => {
    tmp = tempDir('net-tty');
    bundle = makeBundle(path.join(tmp, 'bundle'), shConfig('true'));
    for (const rt of ['planc', 'runc'] as Runtime[]) {
      roots[rt] = path.join(tmp, `state-${rt}`);
      fs.mkdirSync(roots[rt]);
    }
    if (!fs.existsSync(helper)) {
      execFileSync('musl-gcc', ['-static', '-O2', '-o', helper, path.join(repo, 'native-shim', 'test', 'pty-helper.c')]);
    }
  });

  afterEach(() => {
    const left: string[] = [];
    for (const id of used.splice(0)) {
      left.push(...leftoverCgroups(parent, id).map((d) => `cgroup ${d}`));
      removeCgroups(parent, id);
    }
    for (const rt of ['planc', 'runc'] as Runtime[]) {
      for (const e of fs.readdirSync(roots[rt])) { left.push(`${rt} state ${e}`); rmTree(path.join(roots[rt], e)); }
    }
    expect(left).toEqual([]);
  });

  afterAll(() => rmTree(tmp));

  /** The same config under runc and planc, in the foreground; `wrap` runs the runtime's argv. */
  async function both(config: Config, opts: { bundleDir?: string; wrap?: (argv: string[]) => string[]; after?: (rt: 'planc' | 'runc') => void } = {}) {
    const out = {} as Record<'planc' | 'runc', Ran>;
    const dir = opts.bundleDir ?? bundle;
    for (const rt of ['runc', 'planc'] as const) {
      const id = uniqueId(rt);
      const c = structuredClone(config);
      c.linux.cgroupsPath = `/${parent}/${id}`;
      writeConfig(dir, c);
      const argv = [runtimeBins[rt], '--root', roots[rt], 'run', '--bundle', dir, id];
      out[rt] = opts.wrap ? await runArgv(opts.wrap(argv)) : await runContainer(rt, roots[rt], dir, id);
      opts.after?.(rt);
    }
    return out;
  }

  function expectSame(r: Record<'planc' | 'runc', Ran>) {
    expect(r.runc.code, `runc failed: ${r.runc.stderr}`).toBe(0);
    expect(r.planc.stdout, `planc stderr: ${r.planc.stderr}`).toBe(r.runc.stdout);
    expect(r.planc.code).toBe(r.runc.code);
  }

  test('a new network namespace has lo up (flags 0x9), as under runc', async () => {
    const r = await both(shConfig('cat /sys/class/net/lo/flags; cat /sys/class/net/lo/operstate'));
    expectSame(r);
    expect(r.planc.stdout.split('\n')[0]).toBe('0x9');
  });

  test('a joined network namespace is left as its owner set it (lo down), as under runc', async () => {
    const ns = `planc-nettty-${process.pid}`;
    ip('netns', 'add', ns);
    try {
      const r = await both(shConfig('cat /sys/class/net/lo/flags', (c) => {
        c.linux.namespaces = c.linux.namespaces.map((n: Config) => (n.type === 'network' ? { type: 'network', path: `/run/netns/${ns}` } : n));
      }));
      expectSame(r);
      expect(r.planc.stdout).toBe('0x8\n');
    } finally {
      ip('netns', 'del', ns);
    }
  });

  // runc 1.1.5 predates linux.netDevices (runc 1.3 moves the device, renamed, with its permanent
  // global addresses, and brings it up): compared with what the kernel reports. This kernel has
  // no dummy driver, so the device is one end of a veth pair.
  test('linux.netDevices: the host device is in the container, renamed, up, with its global IPv4 addresses; gone from the host', async () => {
    const host = `planc-t${process.pid % 100000}`;
    const peer = `${host}p`;
    const flag = path.join(bundle, 'rootfs', 'tmp', 'go');
    let child: ReturnType<typeof spawn> | undefined;
    ip('link', 'add', host, 'type', 'veth', 'peer', 'name', peer);
    try {
      ip('link', 'set', 'dev', host, 'mtu', '1789', 'address', '02:11:22:33:44:55');
      ip('addr', 'add', '169.254.169.77/32', 'dev', host);
      ip('addr', 'add', '10.199.0.5/24', 'dev', host);
      ip('addr', 'add', '127.0.0.33/8', 'dev', host, 'scope', 'host');   // not global: not carried over
      const id = uniqueId('planc');
      const script = [
        'ls /sys/class/net', 'cat /sys/class/net/ctr0/address /sys/class/net/ctr0/mtu',
        'printf "up=%s\\n" $(( $(cat /sys/class/net/ctr0/flags) & 1 ))',
        'ip -4 -o addr show dev ctr0 | awk "{print \\$4, \\$5, \\$6}"',
        'echo ready', 'while [ ! -e /tmp/go ]; do sleep 0.05; done',
      ].join('; ');
      writeConfig(bundle, shConfig(script, (c) => {
        c.root.readonly = false;
        c.linux.netDevices = { [host]: { name: 'ctr0' } };
        c.linux.cgroupsPath = `/${parent}/${id}`;
      }));
      child = spawn(plancBin, ['--root', roots.planc, 'run', '--bundle', bundle, id], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d) => (stdout += d));
      child.stderr!.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((res) => child!.on('close', res));
      for (let i = 0; i < 300 && !stdout.includes('ready') && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 50));
      expect(stdout, stderr).toContain('ready');
      // while it runs: the host has lost the device, its peer is still here
      expect(fs.existsSync(`/sys/class/net/${host}`)).toBe(false);
      expect(fs.existsSync(`/sys/class/net/${peer}`)).toBe(true);
      fs.writeFileSync(flag, '');
      expect(await exited, stderr).toBe(0);
      expect(stdout.split('\n')).toEqual([
        'ctr0', 'lo', '02:11:22:33:44:55', '1789', 'up=1',
        '169.254.169.77/32 scope global', '10.199.0.5/24 brd 10.199.0.255', 'ready', '',
      ]);
      // the namespace is gone with the container: the kernel destroys a virtual device in it (and a
      // veth's peer with it); a physical one would come back to the host's namespace
      let gone = false;
      for (let i = 0; i < 100 && !gone; i++) { gone = !fs.existsSync(`/sys/class/net/${peer}`); if (!gone) sleepMs(20); }
      expect(gone).toBe(true);
      expect(fs.existsSync(`/sys/class/net/${host}`)).toBe(false);
    } finally {
      // the container waits for the flag: it ends however the test went
      if (child && child.exitCode === null) { fs.writeFileSync(flag, ''); sleepMs(500); child.kill('SIGKILL'); }
      fs.rmSync(flag, { force: true });
      try { ip('link', 'del', host); } catch { /* moved and destroyed */ }
      try { ip('link', 'del', peer); } catch { /* destroyed with its peer */ }
    }
  });

  test('linux.netDevices into a joined network namespace: the device is there, up, and stays there after the container (runc 1.3\'s netdev.bats)', async () => {
    const host = `planc-u${process.pid % 100000}`;
    const ns = `planc-nettty-${process.pid}-dev`;
    ip('link', 'add', host, 'type', 'veth', 'peer', 'name', `${host}p`);
    ip('netns', 'add', ns);
    try {
      ip('addr', 'add', '169.254.169.78/32', 'dev', host);
      const id = uniqueId('planc');
      writeConfig(bundle, shConfig('ls /sys/class/net; ip -4 -o addr show dev ctr1 | awk "{print \\$4}"', (c) => {
        c.linux.namespaces = c.linux.namespaces.map((n: Config) => (n.type === 'network' ? { type: 'network', path: `/run/netns/${ns}` } : n));
        c.linux.netDevices = { [host]: { name: 'ctr1' } };
        c.linux.cgroupsPath = `/${parent}/${id}`;
      }));
      const r = await runContainer('planc', roots.planc, bundle, id);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('ctr1\nlo\n169.254.169.78/32\n');
      expect(fs.existsSync(`/sys/class/net/${host}`)).toBe(false);
      expect(ip('-n', ns, '-o', 'link', 'show', 'ctr1')).toMatch(/ctr1@\S+: <[^>]*\bUP\b/);
    } finally {
      ip('netns', 'del', ns);   // takes the device (and so its peer) with it
      try { ip('link', 'del', `${host}p`); } catch { /* gone with its peer */ }
    }
  });

  test('linux.netDevices naming a device the host lacks: run fails at link_move and leaves nothing', async () => {
    const id = uniqueId('planc');
    writeConfig(bundle, shConfig('true', (c) => {
      c.linux.netDevices = { 'planc-none0': {} };
      c.linux.cgroupsPath = `/${parent}/${id}`;
    }));
    const r = await runContainer('planc', roots.planc, bundle, id);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/step \d+ link_move planc-none0: no such device \(\/linux\/netDevices\/planc-none0\)/);
  });

  // runc clears ONLCR on the pty it serves and leaves output processing on in its own terminal's
  // raw mode: on a terminal both give CR NL, and a file or pipe on stdout gets the process's bytes.
  // runc 1.1.5 clears ONLCR in a goroutine that races the process's start: the process waits a
  // little so runc's side is settled
  test('run -t with stdout a file (stdin, stderr the terminal): the bytes the process wrote, as from runc', async () => {
    const out = path.join(tmp, 'tty-out');
    const got = {} as Record<'planc' | 'runc', string>;
    const r = await both(shConfig("sleep 0.3; printf 'a\\nb\\r\\nc\\n'", (c) => { c.process.terminal = true; }), {
      wrap: (argv) => [helper, 'pty', '24', '80', '24', '80', '/bin/sh', '-c', `exec "$@" >${out}`, 'sh', ...argv],
      after: (rt) => { got[rt] = fs.readFileSync(out, 'latin1'); },
    });
    expect(r.runc.code, r.runc.stderr).toBe(0);
    expect(r.planc.code, r.planc.stderr).toBe(0);
    expect(got.runc).toBe('a\nb\r\nc\n');
    expect(got.planc).toBe(got.runc);
  });

  test('run -t with every stdio the terminal: the same bytes as runc (CR NL from the terminal)', async () => {
    const r = await both(shConfig("sleep 0.3; printf 'a\\nb\\r\\nc\\n'", (c) => { c.process.terminal = true; }),
      { wrap: (argv) => [helper, 'pty', '24', '80', '24', '80', ...argv] });
    expectSame(r);
    expect(r.planc.stdout.startsWith('a\r\nb\r\r\nc\r\n')).toBe(true);
  });

  test('create --console-socket: the caller gets the pty as the kernel makes it (ONLCR on), as from runc', async () => {
    const out = {} as Record<'planc' | 'runc', string>;
    for (const rt of ['runc', 'planc'] as const) {
      const id = uniqueId(rt);
      const sock = path.join(tmp, `console-${rt}.sock`);
      writeConfig(bundle, shConfig("printf 'a\\nb\\n'", (c) => {
        c.process.terminal = true;
        c.linux.cgroupsPath = `/${parent}/${id}`;
      }));
      const server = spawn(helper, ['serve', sock, ''], { stdio: ['ignore', 'pipe', 'pipe'] });
      let got = '';
      server.stdout.setEncoding('latin1').on('data', (d) => (got += d));
      const closed = new Promise((res) => server.on('close', res));
      for (let i = 0; i < 100 && !fs.existsSync(sock); i++) await new Promise((res) => setTimeout(res, 10));
      const r = await runArgv([runtimeBins[rt], '--root', roots[rt], 'run', '-d', '--console-socket', sock, '--bundle', bundle, id]);
      expect(r.code, r.stderr).toBe(0);
      await Promise.race([closed, new Promise((res) => setTimeout(res, 10_000))]);
      server.kill();
      await runArgv([runtimeBins[rt], '--root', roots[rt], 'delete', '-f', id]);
      out[rt] = got;
    }
    expect(out.runc).toBe('listening\nname=/dev/ptmx\na\r\nb\r\n');
    expect(out.planc).toBe(out.runc);
  });

  // Foreground runc copies through pipes of its own; planc hands the container the caller's fds:
  // the caller here gives real pipes (node's are socket pairs, which no one can reopen)
  const pipes = (argv: string[]) => ['/bin/sh', '-c', 'echo | "$@" 2>&1 | cat', 'sh', ...argv];

  test('a non-root process with pipe stdio owns fds 0-2 and can reopen /proc/self/fd/1, as under runc', async () => {
    const r = await both(shConfig(
      'echo reopened >/proc/self/fd/1; stat -L -c "%u %g" /proc/self/fd/0 /proc/self/fd/1 /proc/self/fd/2',
      (c) => { c.process.user = { uid: 1000, gid: 1000 }; }), { wrap: pipes });
    expectSame(r);
    expect(r.planc.stdout).toBe('reopened\n1000 0\n1000 0\n1000 0\n');
  });

  test('run -t as uid 1000: the pty is the user\'s (group kept), as under runc', async () => {
    const r = await both(shConfig('sleep 0.3; stat -L -c "%u %g %a" /proc/self/fd/0; echo reopened >/proc/self/fd/1',
      (c) => { c.process.terminal = true; c.process.user = { uid: 1000, gid: 1000 }; }),
    { wrap: (argv) => [helper, 'pty', '24', '80', '24', '80', ...argv] });
    expectSame(r);
    expect(r.planc.stdout).toMatch(/^1000 5 620\r?\nreopened/);
  });

  test('exec as uid 1000 owns its pipe stdio too, as runc exec', async () => {
    const out = {} as Record<'planc' | 'runc', Ran>;
    for (const rt of ['runc', 'planc'] as const) {
      const id = uniqueId(rt);
      writeConfig(bundle, shConfig('sleep 30', (c) => { c.linux.cgroupsPath = `/${parent}/${id}`; }));
      const bin = runtimeBins[rt];
      expect((await runArgv([bin, '--root', roots[rt], 'run', '-d', '--bundle', bundle, id], { quiet: true })).code).toBe(0);
      out[rt] = await runArgv(pipes([bin, '--root', roots[rt], 'exec', '--user', '1000:1000', id, 'sh', '-c',
        'echo reopened >/proc/self/fd/1; stat -L -c "%u" /proc/self/fd/1']));
      await runArgv([bin, '--root', roots[rt], 'delete', '-f', id]);
    }
    expectSame(out);
    expect(out.planc.stdout).toBe('reopened\n1000\n');
  });

  test('cwd /root (0700 root) with uid 1000: entered before the uid change, as under runc', async () => {
    const r = await both(shConfig('pwd; ls . >/dev/null 2>&1 || echo unreadable', (c) => {
      c.process.cwd = '/root';
      c.process.user = { uid: 1000, gid: 1000 };
    }));
    expectSame(r);
    expect(r.planc.stdout).toBe('/root\nunreadable\n');
  });

  test('cwd that only the container user may enter (user namespace, owner unmapped): entered after the uid change, as under runc', async () => {
    const ub = userNsBundle(tmp, bundle);
    // owner unmapped (so the namespace's root has no override on it), group the user's: only it enters
    const dir = path.join(ub, 'rootfs', 'only-user');
    fs.mkdirSync(dir);
    fs.chownSync(dir, 5, 101000);
    fs.chmodSync(dir, 0o710);
    const r = await both(shConfig('pwd; id -u', (c) => {
      c.process.cwd = '/only-user';
      c.process.user = { uid: 1000, gid: 1000 };
      c.linux.namespaces.push({ type: 'user' });
      c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    }), { bundleDir: ub });
    expectSame(r);
    expect(r.planc.stdout).toBe('/only-user\n1000\n');
    rmTree(ub);
  });

});
