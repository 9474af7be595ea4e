// Reads a container's resource usage from the cgroup directories its plan put init in, shaped as
// runc's `events` stats (types.Stats). Read only: never writes a cgroup file.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

type Json = Record<string, any>;

const read = (dir: string, file: string): string | null => { try { return readFileSync(join(dir, file), 'utf8').trim(); } catch { return null; } };
// cgroup v1 reports "no limit" as 2^63 rounded to a page, beyond a double's exact range: such
// values are kept as bigint and written out digit for digit by statsJson.
type Num = number | bigint;
function num(s: string | null): Num {
  if (s === null || s === 'max' || !/^-?\d+$/.test(s)) return 0;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : BigInt(s);
}
/** JSON with bigints as plain numbers, as Go's encoder writes uint64s. */
export function statsJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `\u0000big:${x}` : x)).replace(/"\\u0000big:(-?\d+)"/g, '$1');
}
function keyed(text: string | null): Record<string, any> {
  const out: Record<string, any> = {};
  for (const l of (text ?? '').split('\n')) { const [k, v] = l.split(/\s+/); if (k && v !== undefined) out[k] = num(v); }
  return out;
}
/** "0-2,4" → [0,1,2,4] */
function cpuList(s: string | null): number[] {
  const out: number[] = [];
  for (const part of (s ?? '').split(',')) {
    if (part === '') continue;
    const [a, b] = part.split('-').map(Number);
    for (let i = a!; i <= (b ?? a)!; i++) out.push(i);
  }
  return out;
}

/** The first of `dirs` holding `file` (v1: one directory per hierarchy; v2: one for all). */
function dirWith(dirs: string[], file: string): string | undefined { return dirs.find((d) => existsSync(join(d, file))); }

function memoryEntry(dir: string, prefix: string): Json {
  return {
    limit: num(read(dir, `${prefix}.limit_in_bytes`)), usage: num(read(dir, `${prefix}.usage_in_bytes`)),
    max: num(read(dir, `${prefix}.max_usage_in_bytes`)), failcnt: num(read(dir, `${prefix}.failcnt`)),
  };
}

export function collectStats(dirs: string[]): Json {
  const stats: Json = { cpu: { usage: { total: 0, kernel: 0, user: 0 }, throttling: {} }, memory: {}, pids: {}, blkio: {}, hugetlb: {}, intel_rdt: {}, network_interfaces: null };
  const acct = dirWith(dirs, 'cpuacct.usage');
  if (acct) {
    const percpu = (read(acct, 'cpuacct.usage_percpu') ?? '').split(/\s+/).filter(Boolean).map(Number);
    const perSys: number[] = [];
    const perUser: number[] = [];
    for (const l of (read(acct, 'cpuacct.usage_all') ?? '').split('\n').slice(1)) {
      const [, u, k] = l.split(/\s+/).map(Number);
      if (u !== undefined && k !== undefined) { perUser.push(u); perSys.push(k); }
    }
    const st = keyed(read(acct, 'cpuacct.stat'));
    // cpuacct.stat counts USER_HZ ticks; runc reports nanoseconds
    stats.cpu.usage = { total: num(read(acct, 'cpuacct.usage')), percpu, percpu_kernel: perSys, percpu_user: perUser, kernel: Number(st.system ?? 0) * 1e7, user: Number(st.user ?? 0) * 1e7 };
  }
  const cpu = dirWith(dirs, 'cpu.stat');
  if (cpu) {
    const s = keyed(read(cpu, 'cpu.stat'));
    if (!acct && s.usage_usec !== undefined) stats.cpu.usage = { total: s.usage_usec * 1000, kernel: (s.system_usec ?? 0) * 1000, user: (s.user_usec ?? 0) * 1000 };
    if (s.nr_periods) stats.cpu.throttling = { periods: s.nr_periods, throttled_periods: s.nr_throttled ?? 0, throttled_time: s.throttled_time ?? (s.throttled_usec ?? 0) * 1000 };
  }
  const cpuset = dirWith(dirs, 'cpuset.cpus');
  if (cpuset) stats.cpuset = { cpus: cpuList(read(cpuset, 'cpuset.cpus') || read(cpuset, 'cpuset.cpus.effective')), mems: cpuList(read(cpuset, 'cpuset.mems') || read(cpuset, 'cpuset.mems.effective')) };
  const memV1 = dirWith(dirs, 'memory.usage_in_bytes');
  const memV2 = dirWith(dirs, 'memory.current');
  if (memV1) {
    const unsorted = keyed(read(memV1, 'memory.stat'));
    const raw = Object.fromEntries(Object.keys(unsorted).sort().map((k) => [k, unsorted[k]]));
    stats.memory = {
      cache: raw.total_cache ?? raw.cache ?? 0, usage: memoryEntry(memV1, 'memory'), swap: memoryEntry(memV1, 'memory.memsw'),
      kernel: memoryEntry(memV1, 'memory.kmem'), kernelTCP: { limit: num(read(memV1, 'memory.kmem.tcp.limit_in_bytes')), failcnt: num(read(memV1, 'memory.kmem.tcp.failcnt')) }, raw,
    };
  } else if (memV2) {
    const raw = keyed(read(memV2, 'memory.stat'));
    const lim = read(memV2, 'memory.max');
    stats.memory = {
      cache: raw.file ?? 0, usage: { limit: lim === 'max' ? 2n ** 63n - 1n : num(lim), usage: num(read(memV2, 'memory.current')), max: num(read(memV2, 'memory.peak')), failcnt: 0 },
      swap: { usage: num(read(memV2, 'memory.swap.current')), limit: num(read(memV2, 'memory.swap.max')), failcnt: 0 }, raw,
    };
  }
  const pids = dirWith(dirs, 'pids.current');
  if (pids) {
    const limit = read(pids, 'pids.max');
    stats.pids = { current: num(read(pids, 'pids.current')), ...(limit && limit !== 'max' ? { limit: Number(limit) } : {}) };
  }
  return stats;
}

/** The count of OOM kills in the container's memory cgroup (v1 memory.oom_control, v2 memory.events). */
export function oomKills(dirs: string[]): number {
  const v1 = dirWith(dirs, 'memory.oom_control');
  if (v1) return Number(keyed(read(v1, 'memory.oom_control')).oom_kill ?? 0);
  const v2 = dirWith(dirs, 'memory.events');
  return v2 ? Number(keyed(read(v2, 'memory.events')).oom_kill ?? 0) : 0;
}
