// Host facts on a pure cgroup v2 host with systemd as PID 1 and Debian 12's 6.1 kernel: what
// `planc facts` reports, what the planner makes of it, and that such a plan runs.
import { describe, test, expect, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { makeBundle, readFixture, rmTree, tempDir, writeConfig } from '../helpers/bundle.js';
import { planc } from '../helpers/planc.js';
import { repo } from '../helpers/env.js';
import { kernelAtLeast } from '../../orchestrator/src/facts.js';
import { notGuest, parent, Runner, unified } from './guest.js';

const skip = notGuest();

describe.skipIf(skip !== '')(`pure cgroup v2 guest: host facts ${skip}`, () => {
  const tmp = tempDir('vm-facts');
  const runner = new Runner('facts');
  afterAll(() => { runner.cleanup(); rmTree(tmp); });
  const facts = () => {
    const r = planc(['facts']);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout);
  };

  test('the guest is what it claims: systemd as PID 1, no cgroup v1 mount, kernel 6.1', () => {
    expect(fs.readFileSync('/proc/1/comm', 'utf8').trim()).toBe('systemd');
    const fstypes = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
      .map((l) => l.split(' - ')[1]?.split(' ')[0]).filter(Boolean);
    expect(fstypes).not.toContain('cgroup');
    expect(fstypes).toContain('cgroup2');
    expect(fs.readFileSync('/proc/sys/kernel/osrelease', 'utf8')).toMatch(/^6\.1\./);
  });

  test('planc facts: no v1 hierarchy, unified at /sys/fs/cgroup with every controller the kernel has', () => {
    const f = facts();
    expect(f.cgroup.v1).toEqual([]);
    expect(f.cgroup.unified).toBe(unified);
    const kernel = fs.readFileSync(path.join(unified, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
    expect(f.cgroup.unified_controllers).toEqual(kernel);
    // cgroup_no_v1=all leaves every controller to v2, including those systemd does not enable
    expect(f.cgroup.unified_controllers).toEqual(expect.arrayContaining(['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma', 'misc']));
    expect(f.cpuset).toEqual({
      cpus: fs.readFileSync(path.join(unified, 'cpuset.cpus.effective'), 'utf8').trim(),
      mems: fs.readFileSync(path.join(unified, 'cpuset.mems.effective'), 'utf8').trim(),
    });
    expect(f.blkio_weight_file).toBeUndefined();
  });

  test('planc facts follows the kernel: clone into a cgroup (5.7+) is there on 6.1, /proc/kcore as the kernel has it', () => {
    const f = facts();
    const release = fs.readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
    expect(f.clone_into_cgroup).toBe(kernelAtLeast(release, 5, 7));
    expect(f.clone_into_cgroup).toBe(true);
    expect(f.proc_kcore).toBe(fs.existsSync('/proc/kcore'));
  });

  test('the plan for this host writes only below the unified hierarchy and is born in its cgroup', () => {
    const bundle = makeBundle(path.join(tmp, 'plan'), readFixture('default'));
    const c = readFixture('resources');
    c.linux.cgroupsPath = `/${parent}/vm-facts-plan`;
    writeConfig(bundle, c);
    const r = planc(['plan', '-b', bundle, '--format', 'json', '--id', 'vm-facts-plan']);
    expect(r.code, r.stderr).toBe(0);
    const ops: { op: string; args: Record<string, unknown> }[] = JSON.parse(r.stdout).ops;
    const host = ops.filter((o) => ['mkdir', 'write_file', 'rmdir'].includes(o.op)).map((o) => String(o.args.path));
    const cg = host.filter((p) => p.startsWith('/sys/fs/cgroup'));
    expect(cg.length).toBeGreaterThan(0);
    // no v1 file names anywhere: limit_in_bytes, cfs_quota_us, shares, devices.*, tasks
    expect(cg.filter((p) => /limit_in_bytes|cfs_|\.shares$|devices\.|\/tasks$|\/(memory|cpu|pids|cpuset)\//.test(p))).toEqual([]);
    expect(cg).toContain(`/sys/fs/cgroup/${parent}/cgroup.subtree_control`);
    expect(cg).toContain(`/sys/fs/cgroup/${parent}/vm-facts-plan/memory.max`);
    expect(ops.map((o) => o.op)).toContain('clone_into_cgroup');
  });

  test('the shipped cgroup-v2 profile is this host: planning for it offline gives the plan made here', () => {
    const profile = JSON.parse(fs.readFileSync(path.join(repo, 'orchestrator', 'profiles', 'cgroup-v2.json'), 'utf8'));
    expect(profile.cgroup).toEqual(facts().cgroup);
    const bundle = makeBundle(path.join(tmp, 'profile'), readFixture('resources'));
    const plan = (extra: string[]) => {
      const r = planc(['plan', '-b', bundle, '--format', 'json', '--id', 'vm-facts-profile', ...extra]);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout);
    };
    const here = plan([]);
    const offline = plan(['--host-profile', 'cgroup-v2']);
    expect(offline.ops).toEqual(here.ops);
    expect(offline.digest).toBe(here.digest);
  });

  test('a container runs on that plan: planc and runc see the same cgroup, limits and exit code', async () => {
    const bundle = makeBundle(path.join(tmp, 'run'), readFixture('default'));
    const c = readFixture('resources');
    c.process.args = ['/bin/sh', '-c', 'cat /proc/self/cgroup; cat /sys/fs/cgroup$(sed -n "s|^0::||p" /proc/self/cgroup)/memory.max'];
    const { planc: p, runc: r } = await runner.both(bundle, c);
    expect(r.code, r.stderr).toBe(0);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout.split(p.id).join('<id>')).toBe(r.stdout.split(r.id).join('<id>'));
    expect(p.stdout).toMatch(new RegExp(`^0::/${parent}/${p.id}\\n67108864\\n$`));
  });
});
