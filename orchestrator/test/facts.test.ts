// Pins host-facts parsing against mountinfo samples: v1 hierarchies, named ones, cgroup2, escapes, duplicates.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { gatherHostFacts, hugepageName, kernelAtLeast, parseMountinfo, underSeccomp } from '../src/facts.js';

const SAMPLE = [
  '24 30 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw',
  '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:9 - cgroup cgroup rw,cpu,cpuacct',
  '40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd,release_agent=/x',
  '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate',
  '90 31 0:32 / /mnt/with\\040space rw - cgroup cgroup rw,memory',
  '91 31 0:39 / /mnt/net rw - cgroup cgroup rw,net_cls,net_prio',
  '',
].join('\n');

describe('parseMountinfo', () => {
  it('finds v1 hierarchies with their controllers and names, in host mount order, first mount winning', () => {
    expect(parseMountinfo(SAMPLE)).toEqual({
      v1: [
        { mount: '/sys/fs/cgroup/memory', controllers: ['memory'] },
        { mount: '/sys/fs/cgroup/cpu,cpuacct', controllers: ['cpu', 'cpuacct'] },
        { mount: '/sys/fs/cgroup/systemd', controllers: [], name: 'systemd' },
        { mount: '/mnt/net', controllers: ['net_cls', 'net_prio'] },
      ],
      unified: '/sys/fs/cgroup/unified',
    });
  });

  it('reports a pure cgroup v2 host as no v1 hierarchies and the unified mount', () => {
    expect(parseMountinfo('30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n')).toEqual({ v1: [], unified: '/sys/fs/cgroup' });
  });

  it('decodes octal escapes in mount points', () => {
    const r = parseMountinfo('90 31 0:32 / /mnt/with\\040space rw - cgroup cgroup rw,pids\n');
    expect(r.v1[0]!.mount).toBe('/mnt/with space');
  });
});

describe('gatherHostFacts', () => {
  it('returns the full record shape on this host', () => {
    const f = gatherHostFacts();
    const blkio = f.cgroup.v1.find((h) => h.controllers.includes('blkio'));
    const huge = existsSync('/sys/kernel/mm/hugepages') && readdirSync('/sys/kernel/mm/hugepages').length > 0;
    const cpu = f.cgroup.v1.find((h) => h.controllers.includes('cpu'));
    expect(Object.keys(f)).toEqual(['cgroup', 'cpuset', 'proc_kcore', 'clone_into_cgroup', ...(blkio ? ['blkio_weight_file'] : []), ...(cpu ? ['cpu_burst'] : []),
      ...(huge ? ['hugepage_sizes', 'hugetlb_rsvd'] : [])]);
    if (cpu) expect(f.cpu_burst).toBe(existsSync(`${cpu.mount}/cpu.cfs_burst_us`));
    if (huge) expect(f.hugepage_sizes).toEqual(readdirSync('/sys/kernel/mm/hugepages').sort().map(hugepageName));
    // runc's choice: blkio.weight when the hierarchy has it, else BFQ's file
    if (blkio) expect(f.blkio_weight_file).toBe(existsSync(`${blkio.mount}/blkio.weight`) ? 'blkio.weight' : 'blkio.bfq.weight');
    expect(Object.keys(f.cgroup)).toEqual(['v1', 'unified', 'unified_controllers']);
    expect(typeof f.cpuset.cpus).toBe('string');
  });

  it('names huge page sizes as the hugetlb cgroup files do', () => {
    expect(['hugepages-2048kB', 'hugepages-1048576kB', 'hugepages-64kB', 'hugepages-16384kB', 'hugepages-3kB', 'nr_hugepages'].map(hugepageName))
      .toEqual(['2MB', '1GB', '64KB', '16MB', '3KB', null]);
  });

  it('says clone3 can clone into a cgroup on Linux 5.7 and later only', () => {
    expect(kernelAtLeast('5.7.0', 5, 7)).toBe(true);
    expect(kernelAtLeast('6.1.0-18-amd64', 5, 7)).toBe(true);
    expect(kernelAtLeast('5.10.0', 5, 7)).toBe(true);
    expect(kernelAtLeast('5.6.19', 5, 7)).toBe(false);
    expect(kernelAtLeast('4.19.0', 5, 7)).toBe(false);
    expect(kernelAtLeast('', 5, 7)).toBe(false);
    expect(kernelAtLeast('garbage', 5, 7)).toBe(false);
  });

  it('does not plan clone3 for a planc that a seccomp filter confines (it may answer ENOSYS)', () => {
    expect(underSeccomp('Name:\tplanc\nSeccomp:\t0\nSeccomp_filters:\t0\n')).toBe(false);
    expect(underSeccomp('Name:\tplanc\nSeccomp:\t2\nSeccomp_filters:\t1\n')).toBe(true);
    expect(underSeccomp('Seccomp:\t1\n')).toBe(true);
    expect(underSeccomp('Name:\tplanc\n')).toBe(false); // a kernel without seccomp has no such line
  });

  it('plans clone3 into the cgroup on this host exactly when the kernel has it and planc is not confined', () => {
    const release = readFileSync('/proc/sys/kernel/osrelease', 'utf8');
    const status = readFileSync('/proc/self/status', 'utf8');
    expect(gatherHostFacts().clone_into_cgroup).toBe(kernelAtLeast(release, 5, 7) && !underSeccomp(status));
  });
});
