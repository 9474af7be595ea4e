// Hostile bundles and images, each run under planc and under runc: a rootfs path that is a
// symlink (which could be swapped between the plan and its apply), and a container that tries
// to plant files beside the cgroup hierarchies in /sys/fs/cgroup. A canary on the host must
// stay untouched and the container must not see the host. Root only.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compatHarness, msg, ready, RTS, why } from '../../orchestrator/test/compat-harness.js';

const { tmp, roots, bundle, call, cgroupDirs, setUp, tearDown } = compatHarness('attack-img');
beforeAll(setUp);
afterAll(tearDown);

describe.skipIf(!ready)(`hostile image layouts${ready ? '' : ` (skipped: ${why})`}`, () => {
  it('refuses a rootfs path that is a symlink, as runc does, and leaves nothing', () => {
    // the link points at a directory on the host that holds a canary the container could write
    const host = path.join(tmp, 'host-dir');
    fs.mkdirSync(host, { recursive: true });
    fs.cpSync(path.join(tmp, 'rootfs'), host, { recursive: true, verbatimSymlinks: true });
    fs.writeFileSync(path.join(host, 'canary'), 'untouched');
    const link = path.join(tmp, 'rootfs-link');
    fs.symlinkSync(host, link);
    for (const rt of RTS) {
      const b = bundle(rt, 'rootlink', ['sh', '-c', 'echo escaped > /canary'], (c) => { c.root.path = link; });
      const r = call(rt, ['run', '-b', b, 'rootlink']);
      expect([rt, r.status === 0]).toEqual([rt, false]);
      if (rt === 'planc') expect(msg(r.stderr)).toMatch(/open_root .*rootfs-link: too many levels of symbolic links/);
      else expect(msg(r.stderr)).toContain('not an absolute path, or a symlink');
      expect(fs.existsSync(path.join(roots[rt], 'rootlink'))).toBe(false);
    }
    expect(fs.readFileSync(path.join(host, 'canary'), 'utf8')).toBe('untouched');
    expect(cgroupDirs().filter((d) => d.endsWith('-rootlink'))).toEqual([]);
  });

  it('runs a bundle reached through a symlink with a relative root.path, as runc: the state names the real paths', () => {
    const seen: Record<string, unknown> = {};
    for (const rt of RTS) {
      const b = bundle(rt, 'bundlelink', ['sleep', '30'], (c) => { c.root.path = path.relative(path.join(tmp, `${rt}-bundlelink`), path.join(tmp, 'rootfs')); });
      const link = path.join(tmp, `${rt}-bundlelink-link`);
      fs.symlinkSync(b, link);
      const c = call(rt, ['create', '-b', link, 'bundlelink']);
      const st = call(rt, ['state', 'bundlelink']);
      seen[rt] = c.status === 0 ? (({ bundle: bb, rootfs }) => ({ bundle: bb.replace(`/${rt}-bundlelink`, '/bundlelink'), rootfs }))(JSON.parse(st.stdout)) : msg(c.stderr);
      call(rt, ['delete', '-f', 'bundlelink']);
    }
    expect(seen.planc).toEqual(seen.runc);
    expect(seen.planc).toEqual({ bundle: path.join(tmp, 'bundlelink'), rootfs: path.join(tmp, 'rootfs') });
  });

  it('gives the /sys/fs/cgroup tmpfs the mode of the sysfs directory it covers, as runc: nothing can be planted beside the hierarchies', () => {
    const out: Record<string, string> = {};
    for (const rt of RTS) {
      const b = bundle(rt, 'cgro', ['sh', '-c', 'stat -c %a /sys/fs/cgroup; mkdir /sys/fs/cgroup/planted 2>&1; touch /sys/fs/cgroup/file 2>&1; ls /sys/fs/cgroup | grep -c planted']);
      const r = call(rt, ['run', '-b', b, 'cgro']);
      out[rt] = r.stdout;
    }
    expect(out.planc).toBe(out.runc);
    // runc's tmpfs rule: a tmpfs over an existing directory takes its mode (sysfs's 0555); the
    // default capabilities hold no CAP_DAC_OVERRIDE, so root in the container cannot write there
    if (!fs.existsSync('/sys/fs/cgroup/cgroup.controllers')) expect(out.planc).toMatch(/^555\n.*Permission denied/s);
    expect(out.planc.trim().endsWith('0')).toBe(true);
  });
});

describe.skipIf(!ready)(`hostile /dev and /sys${ready ? '' : ` (skipped: ${why})`}`, () => {
  it('masks only with the null device: a bind-mounted /dev whose null is a link to a procfs file is refused', () => {
    // a host directory the image's author controls, bound over /dev, with null a symlink into procfs
    const hostDev = path.join(tmp, 'host-dev');
    fs.mkdirSync(hostDev, { recursive: true });
    fs.symlinkSync('/proc/self/status', path.join(hostDev, 'null'));
    const seen: Record<string, { status: number | null; keys: boolean; stderr: string }> = {};
    for (const rt of RTS) {
      const b = bundle(rt, 'devnull', ['sh', '-c', 'cat /proc/keys 2>/dev/zero | head -1'], (c) => {
        c.mounts = c.mounts.map((m: { destination: string }) => (m.destination === '/dev'
          ? { destination: '/dev', type: 'bind', source: hostDev, options: ['rbind', 'rw'] } : m));
      });
      const r = call(rt, ['run', '-b', b, 'devnull']);
      seen[rt] = { status: r.status, keys: r.stdout.startsWith('Name:'), stderr: msg(r.stderr) };
    }
    // planc never starts such a container; runc 1.1.5 starts it with /proc/keys showing the linked file
    expect(seen.planc.status).not.toBe(0);
    expect(seen.planc.stderr).toMatch(/mask_path \/proc\/\S+: \/dev\/null is not the null device \(char 1:3\)/);
    expect(seen.planc.keys).toBe(false);
    expect(fs.readlinkSync(path.join(hostDev, 'null'))).toBe('/proc/self/status');
    expect(fs.existsSync(path.join(roots.planc, 'devnull'))).toBe(false);
    if (seen.runc.status === 0) expect(seen.runc.keys).toBe(true);
  });

  it('refuses a /sys that is a symlink into a bind-mounted host volume, and the volume stays untouched', () => {
    const vol = path.join(tmp, 'host-vol');
    fs.mkdirSync(path.join(vol, 'x'), { recursive: true });
    fs.writeFileSync(path.join(vol, 'canary'), 'untouched');
    const before = fs.readdirSync(vol).sort();
    const out: Record<string, { status: number | null; stderr: string }> = {};
    for (const rt of RTS) {
      const rootfs = path.join(tmp, `${rt}-symsys-rootfs`);
      fs.cpSync(path.join(tmp, 'rootfs'), rootfs, { recursive: true, verbatimSymlinks: true });
      fs.rmSync(path.join(rootfs, 'sys'), { recursive: true, force: true });
      fs.mkdirSync(path.join(rootfs, 'vol'), { recursive: true });
      fs.symlinkSync('/vol/x', path.join(rootfs, 'sys'));
      const b = bundle(rt, 'symsys', ['true'], (c) => {
        c.root.path = rootfs;
        // the volume is mounted before /sys: the link resolves into the host directory
        c.mounts.unshift({ destination: '/vol', type: 'bind', source: vol, options: ['rbind', 'rw'] });
      });
      const r = call(rt, ['run', '-b', b, 'symsys']);
      out[rt] = { status: r.status, stderr: msg(r.stderr) };
    }
    expect(out.planc.status).not.toBe(0);
    expect(out.planc.stderr).toContain('must be mounted on ordinary directory');
    expect(fs.readdirSync(vol).sort()).toEqual(before);
    expect(fs.readdirSync(path.join(vol, 'x'))).toEqual([]);
    expect(fs.readFileSync(path.join(vol, 'canary'), 'utf8')).toBe('untouched');
    expect(fs.existsSync(path.join(roots.planc, 'symsys'))).toBe(false);
  });
});
