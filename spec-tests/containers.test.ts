// Real containers: the same bundle under `planc run` and runc (Debian's, with its own --root);
// what a probe inside sees must be identical, and nothing may be left behind. Tests here run one
// after another (one file) so two cores are never asked to start many containers at once.
import { test, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describeAsRoot, plancBin } from './helpers/env.js';
import {
  hierarchies, leftoverCgroups, makeBundle, mountsMentioning, processesOf, readFixture, removeCgroups, rmTree, tempDir,
  userNsBundle, writeConfig, type Config,
} from './helpers/bundle.js';
import { normaliseProbe, runContainer, type Runtime } from './helpers/runtimes.js';
import { start } from './helpers/planc.js';

const parent = 'planc-test';
let serial = 0;
const used: string[] = [];

/** A unique container id and cgroup leaf for one run of one runtime. */
function uniqueId(rt: Runtime): string {
  const id = `t${process.pid}-${++serial}-${rt}`;
  used.push(id);
  return id;
}

function probeConfig(edit?: (c: Config) => void): Config {
  const c = readFixture('default');
  c.process.args = ['/bin/sh', '/probe.sh'];
  edit?.(c);
  return c;
}


/** cgroup.procs of the container's cgroup in the first hierarchy that has it. */
function cgroupProcsFile(id: string): string | undefined {
  return hierarchies().map((h) => path.join(h, parent, id, 'cgroup.procs')).find((f) => fs.existsSync(f));
}

describeAsRoot('runs real containers', 'planc run behaves like runc run', () => {
  let tmp: string;
  let bundle: string;
  let bindSrc: string;
  const roots: Record<Runtime, string> = { planc: '', runc: '', crun: '' };

  beforeAll(() => {
    tmp = tempDir('containers');
    bundle = makeBundle(path.join(tmp, 'bundle'), probeConfig());
    bindSrc = path.join(tmp, 'bind-src');
    fs.mkdirSync(bindSrc);
    fs.writeFileSync(path.join(bindSrc, 'hello'), 'hello\n');
    for (const rt of ['planc', 'runc'] as Runtime[]) {
      roots[rt] = path.join(tmp, `state-${rt}`);
      fs.mkdirSync(roots[rt]);
    }
  });

  // (8) after every run: no cgroup of ours, no state, no mount, no process; then clean up anyway
  afterEach(() => {
    const left: string[] = [];
    for (const id of used.splice(0)) {
      left.push(...leftoverCgroups(parent, id).map((d) => `cgroup ${d}`));
      left.push(...processesOf(parent, id).map((p) => `process ${p} (${id})`));
      removeCgroups(parent, id);
    }
    for (const rt of ['planc', 'runc'] as Runtime[]) {
      for (const e of fs.readdirSync(roots[rt])) left.push(`${rt} state ${e}`);
      for (const e of fs.readdirSync(roots[rt])) rmTree(path.join(roots[rt], e));
    }
    left.push(...mountsMentioning(tmp).map((m) => `mount ${m}`));
    expect(left).toEqual([]);
  });

  afterAll(() => {
    for (const m of mountsMentioning(tmp)) console.error(`leftover mount: ${m}`);
    rmTree(tmp);
  });

  async function both(config: Config) {
    const out = {} as Record<'planc' | 'runc', { code: number | null; stdout: string; stderr: string }>;
    for (const rt of ['runc', 'planc'] as const) {
      const id = uniqueId(rt);
      const c = structuredClone(config);
      c.linux.cgroupsPath = `/${parent}/${id}`;
      writeConfig(bundle, c);
      const r = await runContainer(rt, roots[rt], bundle, id);
      out[rt] = { code: r.code, stdout: normaliseProbe(r.stdout, bundle), stderr: r.stderr };
    }
    return out;
  }

  const variants: [string, (c: Config) => void][] = [
    ['default spec', () => {}],
    ['non-root user with additionalGids and a umask', (c) => {
      c.process.user = { uid: 65534, gid: 65534, additionalGids: [10, 20], umask: 23 };
    }],
    ['rlimits', (c) => { c.process.rlimits = readFixture('rlimits').process.rlimits; }],
    ['writable root (readonly false)', (c) => { c.root.readonly = false; }],
    ['extra read-only bind mount', (c) => {
      c.mounts.push({ destination: '/mnt/data', type: 'bind', source: '<bind>', options: ['rbind', 'ro'] });
      c.process.env.push('PROBE_READONLY=/proc/sys /mnt/data');
    }],
    ['custom cwd and env', (c) => {
      c.process.cwd = '/tmp';
      c.process.env = ['PATH=/bin', 'GREETING=hello world', 'EMPTY='];
    }],
    ['an extra device node and device cgroup rule', (c) => {
      c.linux.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o640, uid: 0, gid: 0 }];
      c.linux.resources.devices.push({ allow: true, type: 'c', major: 10, minor: 229, access: 'rwm' });
    }],
    ['custom maskedPaths and readonlyPaths', (c) => {
      c.linux.maskedPaths = ['/proc/kcore', '/etc/group', '/sys/firmware', '/proc/no-such'];
      c.linux.readonlyPaths = ['/proc/sys', '/tmp'];
      c.process.env.push('PROBE_MASKED=/proc/kcore /etc/group /sys/firmware /proc/no-such', 'PROBE_READONLY=/proc/sys /tmp');
    }],
    ['joined network namespace by path, custom hostname', (c) => {
      c.linux.namespaces = c.linux.namespaces.map((n: Config) => (n.type === 'network' ? { type: 'network', path: `/proc/${process.pid}/ns/net` } : n));
      c.hostname = 'probe-host';
    }],
    ['memory, cpu, cpuset and pids limits', (c) => {
      c.linux.resources = { ...c.linux.resources, ...readFixture('resources').linux.resources };
    }],
    ['seccomp filter returning EPERM for mkdir', (c) => {
      c.linux.seccomp = readFixture('seccomp').linux.seccomp;
      c.root.readonly = false;
    }],
    ['extra capabilities, no new privileges off', (c) => {
      c.process.capabilities = readFixture('caps').process.capabilities;
      c.process.noNewPrivileges = false;
    }],
  ];

  for (const [name, edit] of variants) {
    test(`${name}: probe output and exit code equal runc's`, async () => {
      const config = probeConfig(edit);
      for (const m of config.mounts) if (m.source === '<bind>') m.source = bindSrc;
      const { planc, runc } = await both(config);
      expect(runc.code, `runc failed: ${runc.stderr}`).toBe(0);
      expect(runc.stdout).toContain('== end');
      expect(planc.stdout, `planc stderr: ${planc.stderr}`).toBe(runc.stdout);
      expect(planc.code).toBe(runc.code);
    });
  }

  test('exit 3 in the container: both exit 3', async () => {
    const { planc, runc } = await both(probeConfig((c) => { c.process.args = ['/bin/sh', '-c', 'exit 3']; }));
    expect(runc.code).toBe(3);
    expect(planc.code, planc.stderr).toBe(3);
  });

  test('container process killed by SIGTERM: both exit 143', async () => {
    // without a pid namespace, so sh is not init and SIGTERM's default action applies
    const { planc, runc } = await both(probeConfig((c) => {
      c.linux.namespaces = c.linux.namespaces.filter((n: Config) => n.type !== 'pid');
      c.process.args = ['/bin/sh', '-c', 'kill -TERM $$; sleep 5'];
    }));
    expect(runc.code).toBe(143);
    expect(planc.code, planc.stderr).toBe(143);
  });

  for (const rt of ['runc', 'planc'] as const) {
    test(`${rt} run forwards SIGTERM to the container: ends with 143`, async () => {
      const id = uniqueId(rt);
      const c = probeConfig((c) => {
        c.linux.namespaces = c.linux.namespaces.filter((n: Config) => n.type !== 'pid');
        c.process.args = ['sleep', '30'];
        c.linux.cgroupsPath = `/${parent}/${id}`;
      });
      writeConfig(bundle, c);
      const bin = rt === 'planc' ? plancBin : '/usr/sbin/runc';
      const started = Date.now();
      const { child, exited } = start(bin, ['--root', roots[rt], 'run', '--bundle', bundle, id]);
      // wait until sleep is running inside the container's cgroup
      let running = false;
      while (!running && Date.now() - started < 15_000) {
        try {
          running = fs.readFileSync(cgroupProcsFile(id) ?? '/nonexistent', 'utf8').split('\n').filter(Boolean)
            .some((p) => fs.readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'sleep');
        } catch { /* not there yet */ }
        if (!running) await new Promise((r) => setTimeout(r, 50));
      }
      expect(running, 'container never started').toBe(true);
      process.kill(child.pid!, 'SIGTERM');
      const r = await exited;
      expect(r.code, r.stderr).toBe(143);
      expect(Date.now() - started).toBeLessThan(25_000);
    });
  }

  test('user namespace from uid/gid mappings, with a host device, /dev/ptmx and a tmpcopyup tmpfs: same as runc', async () => {
    // a rootfs owned by the mapped root, as an engine prepares it
    const ub = userNsBundle(tmp, bundle);
    const script = [
      'id', 'cat /proc/self/uid_map /proc/self/gid_map', 'stat -c "%n %u %g %t,%T" /dev/null /dev/fuse',
      'readlink /dev/ptmx', 'echo x >/dev/null && echo null-writable', 'head -1 /etc/passwd',
      'grep " /etc " /proc/mounts | cut -d" " -f3', 'touch /etc/new && echo etc-writable', 'touch /x 2>/dev/null || echo root-ro',
    ].join('; ');
    const out: Record<string, { code: number | null; stdout: string; stderr: string }> = {};
    for (const rt of ['runc', 'planc'] as const) {
      const id = uniqueId(rt);
      writeConfig(ub, probeConfig((c) => {
        c.process.args = ['/bin/sh', '-c', script];
        c.linux.cgroupsPath = `/${parent}/${id}`;
        c.linux.namespaces.push({ type: 'user' });
        c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        c.linux.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229 }, { path: '/dev/ptmx', type: 'c', major: 5, minor: 2 }];
        c.mounts.push({ destination: '/etc', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'tmpcopyup'] });
      }));
      const r = await runContainer(rt, roots[rt], ub, id);
      out[rt] = { code: r.code, stdout: r.stdout, stderr: r.stderr };
    }
    expect(out.runc.code, `runc failed: ${out.runc.stderr}`).toBe(0);
    expect(out.planc.stdout, `planc stderr: ${out.planc.stderr}`).toBe(out.runc.stdout);
    expect(out.planc.code).toBe(0);
    const lines = out.planc.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
    expect(lines[0]).toMatch(/^uid=0\(root\) gid=0\(root\)/);
    expect(lines.slice(1, 3)).toEqual(['0 100000 65536', '0 100000 65536']);
    // bind mounts of the host's nodes: their host owner is unmapped, so it shows as nobody
    expect(lines.slice(3, 5)).toEqual(['/dev/null 65534 65534 1,3', '/dev/fuse 65534 65534 a,e5']);
    expect(lines.slice(5)).toEqual(['pts/ptmx', 'null-writable', lines[7], 'tmpfs', 'etc-writable', 'root-ro']);
    expect(lines[7]).toMatch(/^root:/);
    rmTree(ub);
  });

  test('bad config: planc run exits 1 with the pointer and leaves nothing', async () => {
    const id = uniqueId('planc');
    const c = probeConfig((c) => {
      c.process.rlimits[0].type = 'RLIMIT_BOGUS';
      c.linux.cgroupsPath = `/${parent}/${id}`;
    });
    writeConfig(bundle, c);
    const r = await runContainer('planc', roots.planc, bundle, id);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('/process/rlimits/0/type: unknown rlimit "RLIMIT_BOGUS"');
    expect(fs.readdirSync(roots.planc)).toEqual([]);
    expect(leftoverCgroups(parent, id)).toEqual([]);
    expect(mountsMentioning(tmp, id)).toEqual([]);
    expect(processesOf(parent, id)).toEqual([]);
  });

  test('a failing step is reported with its op and errno, and leaves nothing', async () => {
    const id = uniqueId('planc');
    // a bind source that does not exist on the host fails at apply time, not at planning
    const c = probeConfig((c) => {
      c.mounts.push({ destination: '/mnt/none', type: 'bind', source: path.join(tmp, 'no-such-dir'), options: ['rbind'] });
      c.linux.cgroupsPath = `/${parent}/${id}`;
    });
    writeConfig(bundle, c);
    const r = await runContainer('planc', roots.planc, bundle, id);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/step \d+ mount_in_root \S+no-such-dir -> \/mnt\/none: .*no such file or directory \(\/mounts\/7\)/);
    expect(leftoverCgroups(parent, id)).toEqual([]);
  });
});

