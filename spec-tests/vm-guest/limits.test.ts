// cgroup v2 limits: for each resources block, the container's own cgroup files read the same
// under planc as under runc (the probe prints them from inside), and hold the values asked for.
import { describe, test, expect, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { makeBundle, readFixture, rmTree, tempDir, type Config } from '../helpers/bundle.js';
import { cgroupSection, notGuest, Runner, unified } from './guest.js';

const skip = notGuest();
const MiB = 1024 * 1024;

// name, linux.resources, extra cgroup files for the probe, lines the probe must print
const cases: [string, Config, string[], string[]][] = [
  ['memory limit, reservation and swap', { memory: { limit: 64 * MiB, reservation: 32 * MiB, swap: 96 * MiB } }, [],
    [`memory.max: ${64 * MiB}`, `memory.low: ${32 * MiB}`, `memory.swap.max: ${32 * MiB}`]],
  ['memory limit with unlimited swap', { memory: { limit: 48 * MiB, swap: -1 } }, [],
    [`memory.max: ${48 * MiB}`, 'memory.swap.max: max']],
  ['cpu quota, period and shares', { cpu: { shares: 512, quota: 50000, period: 200000 } }, [],
    ['cpu.max: 50000 200000', 'cpu.weight: 20']],
  ['cpu quota alone', { cpu: { quota: 30000 } }, [], ['cpu.max: 30000 100000']],
  ['cpuset cpus and mems', { cpu: { cpus: '1', mems: '0' } }, [], ['cpuset.cpus: 1', 'cpuset.mems: 0']],
  ['pids limit', { pids: { limit: 42 } }, [], ['pids.max: 42']],
  ['unlimited pids', { pids: { limit: -1 } }, [], ['pids.max: max']],
  ['blkio weight', { blockIO: { weight: 500 } }, [], ['io.weight: default 4950']],
  ['hugetlb limit', { hugepageLimits: [{ pageSize: '2MB', limit: 4 * MiB }] }, [], [`hugetlb.2MB.max: ${4 * MiB}`]],
  ['unified keys', { unified: { 'memory.high': String(40 * MiB), 'pids.max': '17', 'cpu.weight': '300' } }, ['memory.high'],
    [`memory.high: ${40 * MiB}`, 'pids.max: 17', 'cpu.weight: 300']],
  ['everything at once', {
    memory: { limit: 80 * MiB, reservation: 8 * MiB, swap: 160 * MiB },
    cpu: { shares: 2048, quota: 150000, period: 100000, cpus: '0-1', mems: '0' },
    pids: { limit: 100 }, blockIO: { weight: 100 },
  }, [], [`memory.max: ${80 * MiB}`, 'cpu.max: 150000 100000', 'cpu.weight: 79', 'pids.max: 100', 'io.weight: default 910']],
];

describe.skipIf(skip !== '')(`pure cgroup v2 guest: limits read the same under planc and runc ${skip}`, () => {
  const tmp = tempDir('vm-limits');
  const base = readFixture('default');
  base.process.args = ['/bin/sh', '/probe.sh'];
  const bundle = makeBundle(path.join(tmp, 'bundle'), base);
  const runner = new Runner('limits');
  afterAll(() => { runner.cleanup(); rmTree(tmp); });
  // 2 MB pages need the CPU's pse flag and the kernel's hugetlb controller
  const hugetlb = fs.existsSync('/sys/kernel/mm/hugepages/hugepages-2048kB')
    && fs.readFileSync(path.join(unified, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('hugetlb');

  for (const [name, resources, files, expected] of cases) {
    test.skipIf(name === 'hugetlb limit' && !hugetlb)(`${name}: the container's cgroup files equal runc's`, async () => {
      const c = structuredClone(base);
      c.linux.resources = { ...c.linux.resources, ...resources };
      if (files.length) c.process.env.push(`PROBE_CGROUP_FILES=${files.join(' ')}`);
      const { planc, runc } = await runner.both(bundle, c);
      expect(runc.code, `runc: ${runc.stderr}`).toBe(0);
      expect(planc.code, `planc: ${planc.stderr}`).toBe(0);
      // runc 1.1.5 predates hugetlb reservation limits (runc 1.2 and crun write .rsvd.max with
      // the same limit): planc's is checked against the limit, the rest against runc
      const rsvd = (l: string): boolean => /^hugetlb\.[^.]+\.rsvd\.max: /.test(l);
      const [p, r] = [cgroupSection(planc.stdout), cgroupSection(runc.stdout)];
      expect(r).toEqual(expect.arrayContaining(expected));
      expect(p.filter((l) => !rsvd(l))).toEqual(r.filter((l) => !rsvd(l)));
      for (const l of p.filter(rsvd)) {
        const size = /^hugetlb\.([^.]+)\./.exec(l)![1];
        expect(l.split(': ')[1]).toBe(p.find((x) => x.startsWith(`hugetlb.${size}.max: `))!.split(': ')[1]);
      }
      if (!p.some(rsvd)) expect(planc.stdout).toBe(runc.stdout);
    });
  }
});
