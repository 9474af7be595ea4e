// The cgroup v2 device filter on a real pure v2 host, against runc: a container with CAP_MKNOD
// (in Docker's and podman's default set) makes device nodes the config does not allow and tries
// to open them, and opens the ones it does allow. The eBPF program planc attaches must give the
// same verdicts as runc's: the host's kernel log (c 1:11) and disks stay out of reach.
import { afterAll, describe, expect, test } from 'vitest';
import path from 'node:path';
import { makeBundle, readFixture, rmTree, tempDir, type Config } from '../helpers/bundle.js';
import { notGuest, Runner } from './guest.js';

const skip = notGuest();

// each line: what was tried and its outcome ("ok" or busybox's error text)
const script = [
  'try() { what="$1"; shift; if out=$("$@" 2>&1); then echo "$what: ok"; else echo "$what: ${out##*: }"; fi; }',
  'try "mknod kmsg c 1 11" mknod /tmp/kmsg c 1 11',
  'try "write kmsg" sh -c "echo planc-device-filter > /tmp/kmsg"',
  'try "mknod disk b 254 0" mknod /tmp/disk b 254 0',
  'try "read disk" head -c 1 /tmp/disk',
  'try "mknod fuse c 10 229" mknod /tmp/fuse c 10 229',
  'try "open fuse" sh -c "exec 3</tmp/fuse"',
  'try "read null" head -c 1 /dev/null',
  'try "read zero" head -c 1 /dev/zero',
  'try "write full" sh -c "echo x > /dev/full"',
  'try "mknod null2 c 1 3" mknod /tmp/null2 c 1 3',
  'try "read null2" head -c 1 /tmp/null2',
].join('\n');

describe.skipIf(skip !== '')(`pure cgroup v2 guest: the device filter against runc ${skip}`, () => {
  const tmp = tempDir('vm-devices');
  const base = readFixture('default');
  const bundle = makeBundle(path.join(tmp, 'bundle'), base);
  const runner = new Runner('devices');
  afterAll(() => { runner.cleanup(); rmTree(tmp); });

  const withMknod = (edit: (c: Config) => void = () => {}): Config => {
    const c = structuredClone(base);
    c.process.args = ['/bin/sh', '-c', script];
    for (const set of ['bounding', 'effective', 'permitted']) c.process.capabilities[set].push('CAP_MKNOD');
    c.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] });
    edit(c);
    return c;
  };

  test('runc\'s default rules: nodes may be made, only the allowed ones opened', async () => {
    const { planc, runc } = await runner.both(bundle, withMknod());
    expect(runc.code).toBe(0);
    expect(planc.stdout).toBe(runc.stdout);
    expect(planc.stdout).toMatch(/^write kmsg: Operation not permitted$/m);
    expect(planc.stdout).toMatch(/^read null: ok$/m);
    expect(planc.stdout).toMatch(/^read null2: ok$/m);
  });

  // runc's defaults come after the spec's rules, so their "b *:* m" allows mknod again
  test('a config that allows c 10:229 rw and denies mknod of block devices (runc\'s defaults allow it back)', async () => {
    const { planc, runc } = await runner.both(bundle, withMknod((c) => {
      c.linux.resources.devices.push({ allow: true, type: 'c', major: 10, minor: 229, access: 'rw' }, { allow: false, type: 'b', access: 'm' });
    }));
    expect(planc.stdout).toBe(runc.stdout);
    expect(planc.stdout).toMatch(/^open fuse: ok$/m);
    expect(planc.stdout).toMatch(/^read disk: Operation not permitted$/m);
  });
});
