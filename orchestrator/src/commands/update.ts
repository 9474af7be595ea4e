// `planc update`: plans new cgroup limits for a running container (action update) and has the shim
// write them in `host` mode; the merged resources are then kept in state. Never writes cgroup files itself.
import { readFileSync } from 'node:fs';
import { PlancError } from '../errors.js';
import type { Globals } from '../globals.js';
import { planWith } from '../prepare.js';
import { shimFailure, spawnShim } from '../shim.js';
import { existingStateDir, readConfigCopy, readState, systemdOption, withLockAsync, writeState } from '../state.js';
import { liveStatus } from '../status.js';

export interface UpdateOptions {
  resources?: string; blkioWeight?: string; cpuPeriod?: string; cpuQuota?: string; cpuShare?: string; cpuShares?: string;
  cpuRtPeriod?: string; cpuRtRuntime?: string; cpusetCpus?: string; cpusetMems?: string; memory?: string;
  memoryReservation?: string; memorySwap?: string; pidsLimit?: string;
}
type Json = Record<string, any>;

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4, p: 1024 ** 5, pb: 1024 ** 5 };

/** A size as runc reads it (docker's RAMInBytes: 1024-based suffixes); "-1" means unlimited. */
export function parseBytes(flag: string, v: string): number {
  if (v === '-1') return -1;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?b?)$/i.exec(v.trim());
  if (!m) throw new PlancError(`invalid value for ${flag}: invalid size: '${v}'`);
  return Math.trunc(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
}

function parseInt10(flag: string, v: string): number {
  if (!/^-?\d+$/.test(v.trim())) throw new PlancError(`invalid value for ${flag}: ${v}`);
  return Number(v);
}

/** The linux.resources object the flags describe: only what was given (unchanged values are omitted). */
export function resourcesFromFlags(o: UpdateOptions): Json {
  const r: Json = {};
  const put = (group: string, key: string, v: unknown): void => { (r[group] ??= {})[key] = v; };
  if (o.memory !== undefined) put('memory', 'limit', parseBytes('memory', o.memory));
  if (o.memoryReservation !== undefined) put('memory', 'reservation', parseBytes('memory-reservation', o.memoryReservation));
  if (o.memorySwap !== undefined) put('memory', 'swap', parseBytes('memory-swap', o.memorySwap));
  const shares = o.cpuShare ?? o.cpuShares;
  if (shares !== undefined) put('cpu', 'shares', parseInt10('cpu-share', shares));
  if (o.cpuQuota !== undefined) put('cpu', 'quota', parseInt10('cpu-quota', o.cpuQuota));
  if (o.cpuPeriod !== undefined) put('cpu', 'period', parseInt10('cpu-period', o.cpuPeriod));
  if (o.cpuRtRuntime !== undefined) put('cpu', 'realtimeRuntime', parseInt10('cpu-rt-runtime', o.cpuRtRuntime));
  if (o.cpuRtPeriod !== undefined) put('cpu', 'realtimePeriod', parseInt10('cpu-rt-period', o.cpuRtPeriod));
  if (o.cpusetCpus !== undefined) put('cpu', 'cpus', o.cpusetCpus);
  if (o.cpusetMems !== undefined) put('cpu', 'mems', o.cpusetMems);
  if (o.blkioWeight !== undefined) put('blockIO', 'weight', parseInt10('blkio-weight', o.blkioWeight));
  if (o.pidsLimit !== undefined) put('pids', 'limit', parseInt10('pids-limit', o.pidsLimit));
  return r;
}

function readResources(file: string): Uint8Array {
  try { return new Uint8Array(readFileSync(file === '-' ? 0 : file)); } catch (e) {
    throw new PlancError(`open ${file}: ${(e as Error).message}`, 1, { cause: e });
  }
}

/** Lays `next` over `prev` one resource group at a time, as later updates override earlier ones. */
export function mergeResources(prev: Json, next: Json): Json {
  const out: Json = structuredClone(prev);
  for (const [k, v] of Object.entries(next)) {
    out[k] = v !== null && typeof v === 'object' && !Array.isArray(v) && typeof out[k] === 'object' && out[k] !== null ? { ...out[k], ...v } : v;
  }
  return out;
}

export async function updateCommand(id: string, o: UpdateOptions, g: Globals): Promise<void> {
  const dir = existingStateDir(g.root, id);
  // runc: with --resources every other flag is ignored
  const bytes = o.resources !== undefined ? readResources(o.resources) : new TextEncoder().encode(JSON.stringify(resourcesFromFlags(o)));
  let parsed: Json;
  try { parsed = JSON.parse(new TextDecoder().decode(bytes)) as Json; } catch (e) {
    throw new PlancError(`decoding resources: ${(e as Error).message}`, 1, { cause: e });
  }
  await withLockAsync(dir, async () => {
    const s = readState(dir);
    if (liveStatus(dir, s) === 'stopped') throw new PlancError('container not running');
    const config = JSON.parse(new TextDecoder().decode(readConfigCopy(dir))) as Json;
    const p = await planWith({ bundle: s.bundle, id, root: g.root, bytes, parsed: config, action: 'update', container: { pid: s.pid, config }, options: systemdOption(s) });
    // runc's systemd Set: the unit's properties first, then the cgroup files
    if (p.opNames?.includes('systemd_set_unit_properties')) {
      const sd = await import('../systemd.js');
      await sd.runCallerPoint(p.ops, sd.callerPoint('CALLER_BEFORE_SHIM')!, s.pid, () => {});
    }
    if (p.ops.some((o) => o.lane !== 'caller')) {
      const x = await spawnShim('host', p.plan).exit;
      if (x.code !== 0) throw new PlancError(shimFailure(x, p.ops));
    }
    const base = s.resources ?? ((config.linux as Json | undefined)?.resources as Json | undefined) ?? {};
    writeState(dir, { ...readState(dir), resources: mergeResources(base, parsed) });
  });
}
