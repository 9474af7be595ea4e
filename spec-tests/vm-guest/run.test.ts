// planc run against runc run on a pure cgroup v2 host with systemd: the same busybox bundle, the
// same exit code and the same output; and a container under a 512 KiB memory limit.
import { describe, test, expect, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { makeBundle, readFixture, rmTree, tempDir, type Config } from '../helpers/bundle.js';
import { notGuest, Runner } from './guest.js';

const skip = notGuest();

function probeConfig(edit?: (c: Config) => void): Config {
  const c = readFixture('default');
  c.process.args = ['/bin/sh', '/probe.sh'];
  edit?.(c);
  return c;
}

describe.skipIf(skip !== '')(`pure cgroup v2 guest: planc run behaves like runc run ${skip}`, () => {
  const tmp = tempDir('vm-run');
  const bundle = makeBundle(path.join(tmp, 'bundle'), probeConfig());
  const runner = new Runner('run');
  afterAll(() => { runner.cleanup(); rmTree(tmp); });

  const cases: [string, (c: Config) => void, number][] = [
    ['default spec, probe', () => {}, 0],
    ['probe with a cgroup namespace', (c) => { c.linux.namespaces.push({ type: 'cgroup' }); }, 0],
    ['exit 7', (c) => { c.process.env.push('PROBE_EXIT=7'); }, 7],
    ['non-root user', (c) => { c.process.user = { uid: 65534, gid: 65534 }; }, 0],
  ];
  for (const [name, edit, code] of cases) {
    test(`${name}: same output and exit code (${code})`, async () => {
      const { planc, runc } = await runner.both(bundle, probeConfig(edit));
      expect(runc.code, `runc: ${runc.stderr}`).toBe(code);
      expect(runc.stdout).toContain('== end');
      expect(planc.stdout, `planc stderr: ${planc.stderr}`).toBe(runc.stdout);
      expect(planc.code).toBe(code);
    });
  }

  test('a 512 KiB memory limit: planc starts the container and `true` exits 0 (runc is reported)', async () => {
    const limit = 512 * 1024;
    const c = probeConfig((c) => {
      c.linux.resources = { ...c.linux.resources, memory: { limit } };
      c.process.args = ['/bin/true'];
    });
    const { planc, runc } = await runner.both(bundle, c);
    // runc's own init (Go) joins the cgroup before exec; whether it fits is runc's business
    console.log(`512 KiB memory limit: runc exit ${runc.code} ${runc.stderr.trim().split('\n').pop() ?? ''}`);
    expect(planc.code, `planc stderr: ${planc.stderr}`).toBe(0);
    // and the limit was the one applied: the probe reads it back
    const check = await runner.run('planc', bundle, probeConfig((c) => {
      c.linux.resources = { ...c.linux.resources, memory: { limit } };
      c.process.args = ['/bin/sh', '-c', 'cat /sys/fs/cgroup$(sed -n "s|^0::||p" /proc/self/cgroup)/memory.max'];
    }));
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout.trim()).toBe(String(limit));
  });

  test('the container is born in its cgroup: /proc/self/cgroup names it, under planc as under runc', async () => {
    const c = probeConfig((c) => { c.process.args = ['/bin/cat', '/proc/self/cgroup']; });
    const { planc, runc } = await runner.both(bundle, c);
    expect(runc.stdout).toMatch(/^0::\/planc-test\/vm-run-\d+-\d+-runc\n$/);
    expect(planc.stdout).toMatch(/^0::\/planc-test\/vm-run-\d+-\d+-planc\n$/);
    expect(fs.existsSync('/sys/fs/cgroup/planc-test/cgroup.controllers')).toBe(true);
  });
});
