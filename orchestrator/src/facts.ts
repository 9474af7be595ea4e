// Gathers the host-facts record the planner needs (docs/plan-format.md §5) by reading /proc and cgroupfs.
// Read only: never writes, mounts or creates anything, and works without root.
import { join } from './posix-path.js';
import { sys } from './sys.js';

export interface CgroupV1Hierarchy { mount: string; controllers: string[]; name?: string }
export interface HostFacts {
  cgroup: { v1: CgroupV1Hierarchy[]; unified: string | null; unified_controllers: string[] };
  cpuset: { cpus: string; mems: string };
  proc_kcore: boolean;
  /** clone3 can place a child in a cgroup2 directory: Linux >= 5.7, and planc not itself confined
   * by a seccomp filter (container engines' default profiles answer clone3 with ENOSYS) */
  clone_into_cgroup: boolean;
  /** the v1 blkio weight file: runc writes blkio.bfq.weight where there is no blkio.weight (BFQ) */
  blkio_weight_file?: string;
  /** pure v2: runc writes io.bfq.weight where BFQ offers it, else io.weight */
  io_weight_file?: string;
  /** pure v2: io.bfq.weight takes per-device "major:minor weight" lines (Linux >= 5.4 BFQ) */
  io_bfq_device_weight?: boolean;
  /** the hugetlb.<size>.rsvd.* files exist (Linux >= 5.7) */
  hugetlb_rsvd?: boolean;
  /** v1: the cpu hierarchy has cpu.cfs_burst_us (Linux >= 5.14); runc skips a burst without it */
  cpu_burst?: boolean;
  /** the huge page sizes the kernel has, named as hugetlb files name them ("2MB", "1GB") */
  hugepage_sizes?: string[];
}

// The kernel's cgroup v1 controller names; any other super option (rw, xattr, name=…) is not one.
const V1_CONTROLLERS = new Set([
  'cpuset', 'cpu', 'cpuacct', 'io', 'blkio', 'memory', 'devices', 'freezer', 'net_cls', 'perf_event',
  'net_prio', 'hugetlb', 'pids', 'rdma', 'misc',
]);

export function emptyFacts(): HostFacts {
  return { cgroup: { v1: [], unified: null, unified_controllers: [] }, cpuset: { cpus: '', mems: '' }, proc_kcore: false, clone_into_cgroup: false };
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** The cgroup hierarchies in a mountinfo text: v1 hierarchies (first mount of each wins) and the first cgroup2 mount. */
export function parseMountinfo(text: string): { v1: CgroupV1Hierarchy[]; unified: string | null } {
  const seen = new Set<string>();
  const v1: CgroupV1Hierarchy[] = [];
  let unified: string | null = null;
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const pre = line.slice(0, sep).split(' ');
    const post = line.slice(sep + 3).split(' ');
    const mount = unescape(pre[4] ?? '');
    const fstype = post[0];
    if (fstype === 'cgroup2') { unified ??= mount; continue; }
    if (fstype !== 'cgroup') continue;
    const opts = (post[2] ?? '').split(',');
    const controllers = opts.filter((o) => V1_CONTROLLERS.has(o)).sort();
    const name = opts.find((o) => o.startsWith('name='))?.slice(5);
    const key = controllers.join(',') + '|' + (name ?? '');
    if (seen.has(key)) continue; // the same hierarchy bind-mounted again
    seen.add(key);
    v1.push(name === undefined ? { mount, controllers } : { mount, controllers, name });
  }
  // Kept in the host's mount order: the container's /sys/fs/cgroup mounts come out in this
  // order, as they do under runc. The order is a host fact like any other, so it is in the digest.
  return { v1, unified };
}

/** Whether a kernel release string ("6.1.0-18-amd64") is at least major.minor. */
export function kernelAtLeast(release: string, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a > major || (a === major && b >= minor);
}

/** Whether a /proc/<pid>/status text says the process runs under a seccomp filter (or strict mode). */
export function underSeccomp(status: string): boolean {
  const m = /^Seccomp:\s*(\d+)/m.exec(status);
  return m !== null && m[1] !== '0';
}

/** "hugepages-2048kB" → "2MB", as the kernel names hugetlb cgroup files */
export function hugepageName(dir: string): string | null {
  const m = /^hugepages-(\d+)kB$/.exec(dir);
  if (!m) return null;
  let n = Number(m[1]);
  let unit = 1; // KB
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  while (n >= 1024 && n % 1024 === 0 && unit < units.length - 1) { n /= 1024; unit++; }
  return `${n}${units[unit]}`;
}

/** A non-root cgroup2 directory to learn which io files a container's cgroup would have: this
 * process's own cgroup, else the first child of the root that has io files. */
function ioProbeDir(unified: string): string | null {
  const own = /^0::(\/.+)$/m.exec(readTrim('/proc/self/cgroup') ?? '')?.[1];
  const candidates = own ? [join(unified, own)] : [];
  try { for (const n of sys().readdir(unified)) candidates.push(join(unified, n)); } catch { /* unreadable */ }
  return candidates.find((d) => sys().exists(join(d, 'io.weight')) || sys().exists(join(d, 'io.bfq.weight'))) ?? null;
}

function readTrim(path: string): string | null {
  try { return sys().readText(path).trim(); } catch { return null; }
}

export function gatherHostFacts(): HostFacts {
  if (process.platform !== 'linux') return emptyFacts();
  const facts = emptyFacts();
  const mountinfo = readTrim('/proc/self/mountinfo');
  if (mountinfo === null) return facts;
  const { v1, unified } = parseMountinfo(mountinfo);
  facts.cgroup.v1 = v1;
  facts.cgroup.unified = unified;
  if (unified !== null) {
    const c = readTrim(join(unified, 'cgroup.controllers'));
    facts.cgroup.unified_controllers = c ? c.split(/\s+/) : [];
  }
  const cpusetV1 = v1.find((h) => h.controllers.includes('cpuset'));
  if (cpusetV1) {
    facts.cpuset = { cpus: readTrim(join(cpusetV1.mount, 'cpuset.cpus')) ?? '', mems: readTrim(join(cpusetV1.mount, 'cpuset.mems')) ?? '' };
  } else if (unified !== null && facts.cgroup.unified_controllers.includes('cpuset')) {
    facts.cpuset = {
      cpus: readTrim(join(unified, 'cpuset.cpus.effective')) ?? '',
      mems: readTrim(join(unified, 'cpuset.mems.effective')) ?? '',
    };
  }
  // runc looks in the container's cgroup; below the root a hierarchy has the root's scheduler files
  const blkio = v1.find((h) => h.controllers.includes('blkio'));
  if (blkio) facts.blkio_weight_file = sys().exists(join(blkio.mount, 'blkio.weight')) ? 'blkio.weight' : 'blkio.bfq.weight';
  const cpuV1 = v1.find((h) => h.controllers.includes('cpu'));
  if (cpuV1) facts.cpu_burst = sys().exists(join(cpuV1.mount, 'cpu.cfs_burst_us'));
  const release = readTrim('/proc/sys/kernel/osrelease') ?? '';
  const sizes: string[] = [];
  try { for (const d of sys().readdir('/sys/kernel/mm/hugepages')) { const n = hugepageName(d); if (n) sizes.push(n); } } catch { /* no huge pages */ }
  if (sizes.length) {
    facts.hugepage_sizes = sizes;
    facts.hugetlb_rsvd = kernelAtLeast(release, 5, 7);
  }
  if (v1.length === 0 && unified !== null && facts.cgroup.unified_controllers.includes('io')) {
    const dir = ioProbeDir(unified);
    const bfq = dir === null ? null : readTrim(join(dir, 'io.bfq.weight'));
    if (bfq !== null) {
      facts.io_weight_file = 'io.bfq.weight';
      // older BFQ shows only the default weight, a number; newer "default 100" and device lines
      facts.io_bfq_device_weight = !/^\d+$/.test(bfq);
    }
  }
  facts.proc_kcore = sys().exists('/proc/kcore');
  facts.clone_into_cgroup = kernelAtLeast(release, 5, 7)
    && !underSeccomp(readTrim('/proc/self/status') ?? 'Seccomp: 1');
  return facts;
}
