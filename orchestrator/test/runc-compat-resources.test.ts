// Differential tests against runc for the cgroup resources given as lists and maps: blockIO
// per-device weights and throttles, hugepageLimits and (cgroup v2) the unified map. Both runtimes
// run the same bundle; what the kernel then reports in each container's cgroup files must agree,
// and so must a refusal. Host-aware: v1 (blkio.*, hugetlb.*.limit_in_bytes) or pure v2 (io.max,
// hugetlb.*.max, unified keys). Root only; cgroups live under /planc-test/.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compatHarness, msg, ready, RTS, why, type Json, type Rt } from './compat-harness.js';

const { tag, bundle, call, cgroupDirs, setUp, tearDown } = compatHarness('res-compat');
const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
const cgroupsOf = (rt: Rt, name: string): string[] => cgroupDirs().filter((d) => d.endsWith(`${tag}-${rt}-${name}`));
/** A block device of this host (not a loop or ram disk): "major:minor". */
const disk = ((): string | null => {
  for (const b of existsSync('/sys/block') ? readdirSync('/sys/block') : []) {
    if (/^(loop|ram|zram|nbd)/.test(b)) continue;
    try { return readFileSync(`/sys/block/${b}/dev`, 'utf8').trim(); } catch { /* gone */ }
  }
  return null;
})();
/** The files of one container's cgroups, by name (the first hierarchy holding each). */
function files(rt: Rt, name: string, want: string[]): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const f of want) {
    const d = cgroupsOf(rt, name).find((x) => existsSync(join(x, f)));
    out[f] = d ? readFileSync(join(d, f), 'utf8').trim() : null;
  }
  return out;
}
/** Runs `name` detached under both runtimes; returns each one's status and error message. */
function runBoth(name: string, edit: (c: Json) => void): Record<Rt, [number | null, string]> {
  const r = {} as Record<Rt, [number | null, string]>;
  for (const rt of RTS) { const x = call(rt, ['run', '-d', '-b', bundle(rt, name, ['sleep', '600'], edit), name]); r[rt] = [x.status, msg(x.stderr)]; }
  return r;
}
const removeBoth = (id: string): void => { for (const rt of RTS) call(rt, ['delete', '-f', id]); };

beforeAll(setUp);
afterAll(tearDown);

describe.skipIf(!ready || !disk)(`cgroup resources against runc${ready ? (disk ? '' : ' (skipped: no block device)') : ` (skipped: ${why})`}`, () => {
  const [major, minor] = (disk ?? '0:0').split(':').map(Number);

  it('writes blockIO throttles as runc does', () => {
    const r = runBoth('blk', (c) => {
      c.linux.resources = { blockIO: {
        throttleReadBpsDevice: [{ major, minor, rate: 1048576 }], throttleWriteBpsDevice: [{ major, minor, rate: 2097152 }],
        throttleReadIOPSDevice: [{ major, minor, rate: 300 }], throttleWriteIOPSDevice: [{ major, minor, rate: 200 }],
      } };
    });
    expect(r.planc).toEqual(r.runc);
    const want = v2 ? ['io.max']
      : ['blkio.throttle.read_bps_device', 'blkio.throttle.write_bps_device', 'blkio.throttle.read_iops_device', 'blkio.throttle.write_iops_device'];
    const seen = files('planc', 'blk', want);
    expect(seen).toEqual(files('runc', 'blk', want));
    // the throttles are there, not merely equal
    for (const f of want) expect(seen[f]).toContain(`${disk}`);
    removeBoth('blk');
  });

  it('writes a per-device weight where BFQ takes it, and fails as runc does where the device does not use BFQ', () => {
    const r = runBoth('wdev', (c) => { c.linux.resources = { blockIO: { weightDevice: [{ major, minor, weight: 500 }] } }; });
    expect(r.planc[0]).toBe(r.runc[0]);
    // the texts differ by design (planc names the plan step and the config field); the cause agrees
    const cause = (m: string): string => m.replace(/ \(\/linux\/[^)]*\)$/, '').split(': ').pop()!;
    if (r.runc[0] !== 0) expect(cause(r.planc[1])).toBe(cause(r.runc[1]));
    const want = v2 ? ['io.bfq.weight', 'io.weight'] : ['blkio.bfq.weight_device', 'blkio.weight_device'];
    expect(files('planc', 'wdev', want)).toEqual(files('runc', 'wdev', want));
    removeBoth('wdev');
  });

  it('sets hugepage limits where the host has a hugetlb cgroup, and refuses them as runc does where it has none', () => {
    const sizes = existsSync('/sys/kernel/mm/hugepages') ? readdirSync('/sys/kernel/mm/hugepages') : [];
    if (!sizes.includes('hugepages-2048kB')) return;
    const r = runBoth('huge', (c) => { c.linux.resources = { hugepageLimits: [{ pageSize: '2MB', limit: 4194304 }] }; });
    if (r.runc[0] !== 0) {
      // a v1 host without a hugetlb hierarchy (this kind of hybrid host keeps hugetlb on cgroup2)
      expect(r.planc[0]).toBe(r.runc[0]);
      expect(r.planc[1]).toContain('cannot set hugetlb limit: container could not join or create cgroup');
      expect(r.runc[1]).toContain('cannot set hugetlb limit: container could not join or create cgroup');
      expect(cgroupsOf('planc', 'huge')).toEqual([]);
    } else {
      expect(r.planc).toEqual(r.runc);
      const want = v2 ? ['hugetlb.2MB.max', 'hugetlb.2MB.rsvd.max'] : ['hugetlb.2MB.limit_in_bytes', 'hugetlb.2MB.rsvd.limit_in_bytes'];
      expect(files('planc', 'huge', want)).toEqual(files('runc', 'huge', want));
      expect(files('planc', 'huge', want)[want[0]!]).toBe('4194304');
    }
    removeBoth('huge');
  });

  it('writes cpu idle, real-time bandwidth and burst as runc does (burst: runc 1.1.5 predates it; the kernel shows it)', () => {
    const rt = !v2 && existsSync('/sys/fs/cgroup/cpu/cpu.rt_runtime_us');
    // a new cgroup gets no real-time time of its own: the tests' parent (ours) is given some to hand on
    if (rt) { mkdirSync('/sys/fs/cgroup/cpu/planc-test', { recursive: true }); writeFileSync('/sys/fs/cgroup/cpu/planc-test/cpu.rt_runtime_us', '50000'); }
    const r = runBoth('cpux', (c) => {
      c.linux.resources = { cpu: { quota: 50000, period: 100000, idle: 0, ...(rt ? { realtimePeriod: 1000000, realtimeRuntime: 10000 } : {}) } };
    });
    expect(r.planc).toEqual(r.runc);
    const want = ['cpu.idle', ...(v2 ? ['cpu.max'] : ['cpu.cfs_quota_us', 'cpu.cfs_period_us']), ...(rt ? ['cpu.rt_period_us', 'cpu.rt_runtime_us'] : [])];
    expect(files('planc', 'cpux', want)).toEqual(files('runc', 'cpux', want));
    if (rt) expect(files('planc', 'cpux', ['cpu.rt_runtime_us'])['cpu.rt_runtime_us']).toBe('10000');
    removeBoth('cpux');
    const burstFile = v2 ? 'cpu.max.burst' : 'cpu.cfs_burst_us';
    const b = call('planc', ['run', '-d', '-b', bundle('planc', 'burst', ['sleep', '600'], (c) => { c.linux.resources = { cpu: { quota: 50000, period: 100000, burst: 20000 } }; }), 'burst']);
    expect(b.status).toBe(0);
    const seen = files('planc', 'burst', [burstFile])[burstFile];
    if (seen !== null) expect(seen).toBe('20000');
    call('planc', ['delete', '-f', 'burst']);
  });

  it('refuses network classes and priorities, and rdma limits, where the host lacks their hierarchy, with runc\'s text', () => {
    for (const [name, res, ctl] of [['netcls', { network: { classID: 1048577 } }, 'net_cls'], ['rdma', { rdma: { mlx4_0: { hcaHandles: 2 } } }, 'rdma']] as const) {
      const mounted = v2 ? ctl === 'rdma' && readFileSync('/sys/fs/cgroup/cgroup.controllers', 'utf8').includes('rdma')
        : existsSync(`/sys/fs/cgroup/${ctl}`) || readdirSync('/sys/fs/cgroup').some((d) => d.split(',').includes(ctl));
      if (mounted || (v2 && ctl === 'net_cls')) continue;
      const r = runBoth(name, (c) => { c.linux.resources = res; });
      expect(r.planc[0]).toBe(r.runc[0]);
      expect(r.runc[1]).toContain(`cannot set ${ctl} limit: container could not join or create cgroup`);
      expect(r.planc[1]).toContain(`cannot set ${ctl} limit: container could not join or create cgroup`);
      removeBoth(name);
    }
  });

  it.skipIf(!v2)('writes unified keys last, each line its own write, and refuses an unknown controller as runc does', () => {
    const r = runBoth('uni', (c) => {
      c.linux.resources = { pids: { limit: 100 }, unified: { 'pids.max': '42', 'memory.high': '50331648', 'io.max': `${disk} rbps=4096\n${disk} wiops=77\n` } };
    });
    expect(r.planc).toEqual(r.runc);
    const want = ['pids.max', 'memory.high', 'io.max'];
    expect(files('planc', 'uni', want)).toEqual(files('runc', 'uni', want));
    expect(files('planc', 'uni', ['pids.max'])['pids.max']).toBe('42');
    removeBoth('uni');
    const bad = runBoth('unibad', (c) => { c.linux.resources = { unified: { 'nosuch.max': '1' } }; });
    expect(bad.planc[0]).toBe(bad.runc[0]);
    expect(bad.planc[1]).toContain('unified resource "nosuch.max" can\'t be set: controller "nosuch" not available');
    removeBoth('unibad');
  });

  it.skipIf(!v2)('refuses a swap limit without a memory limit on cgroup v2, as runc does', () => {
    const r = runBoth('swap', (c) => { c.linux.resources = { memory: { swap: 100000000 } }; });
    expect(r.planc[0]).toBe(r.runc[0]);
    expect(r.planc[1]).toContain('unable to set swap limit without memory limit');
    removeBoth('swap');
  });
});
