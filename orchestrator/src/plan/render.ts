// Renders decoded plan ops for people (text) and machines (json), and computes the plan digest.
// Lossless by construction: every arg of every op is printed; nothing here changes a value.
import { FLAGS, OPS, type ArgDef, type OpDef } from '../gen/ops.js';
import type { ArgValue, PlanOp } from './decode.js';
import { sha256Hex } from '../sha256.js';
import { disassemble } from './bpf.js';
import { describeDeviceFilter } from './ebpf.js';

const BY_NAME = new Map<string, OpDef>(OPS.map((o) => [o.name, o]));
const U64_MAX = 0xffffffffffffffffn;

export function planDigest(bytes: Uint8Array): string {
  return 'sha256:' + sha256Hex(bytes);
}

export function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

// Bits with no name in the table stay visible as a hex remainder, so the text never hides a bit.
function renderBits(table: string, v: bigint): string {
  const t = FLAGS[table]!;
  const byBit = table === 'caps';
  const names: string[] = [];
  let rest = v;
  for (const [name, value] of t.entries) {
    const bit = byBit ? 1n << BigInt(value) : BigInt(value);
    if (bit !== 0n && (rest & bit) === bit) { names.push(name); rest &= ~bit; }
  }
  if (rest !== 0n) names.push('0x' + rest.toString(16));
  return names.length ? names.join('|') : '0';
}

function renderNumber(a: ArgDef, v: number | bigint, op: string): string {
  if (op === 'setrlimit' && v === U64_MAX) return 'RLIM_INFINITY';
  switch (a.render) {
    case undefined: return String(v);
    case 'octal': return '0' + v.toString(8).padStart(3, '0');
    case 'hex': return '0x' + v.toString(16);
  }
  const t = FLAGS[a.render];
  if (!t) return String(v);
  if (t.bitset) return renderBits(a.render, BigInt(v));
  const hit = t.entries.find(([, value]) => BigInt(value) === BigInt(v));
  return hit ? hit[0] : String(v);
}

export function renderArg(def: ArgDef, v: ArgValue, op: string): string {
  switch (def.fmt) {
    case 's': return JSON.stringify(v);
    case 'S': return '[' + (v as string[]).map((s) => JSON.stringify(s)).join(',') + ']';
    case 'L': return '[' + (v as number[]).join(',') + ']';
    case 'b': return `hex:${toHex(v as Uint8Array)}`;
    default: return renderNumber(def, v as number | bigint, op);
  }
}

export function renderOpLine(o: PlanOp, width = 3): string {
  const def = BY_NAME.get(o.op);
  if (!def) throw new TypeError(`no rendering for op ${o.op}`);
  const args = def.args.map((a) => `${a.name}=${renderArg(a, o.args[a.name]!, o.op)}`);
  const head = `${String(o.index).padStart(width)} ${o.lane.padEnd(9)} ${o.op}`;
  return `${[head, ...args].join(' ')}  # ${o.why}`;
}

// "MemoryMax=t:1048576" as "MemoryMax (t) = 1048576": a unit property, one per line
function propertyLine(prop: string): string {
  const m = /^([^=]*)=([^:]*):(.*)$/s.exec(prop);
  return m ? `${m[1]} (${m[2]}) = ${m[3]}` : prop;
}

/** The lines read out of an op: a seccomp filter's instructions; a device filter's rules, then
 * its instructions; a systemd unit's properties. None for other ops. */
export function programLines(o: PlanOp): string[] {
  if (o.op === 'seccomp_set_filter') return disassemble(o.args.filter as Uint8Array);
  if (o.op === 'bpf_device_filter') return describeDeviceFilter(o.args.insns as Uint8Array);
  if (o.lane === 'caller' && Array.isArray(o.args.properties)) return (o.args.properties as string[]).map(propertyLine);
  return [];
}

// A program is also shown read out under its op line (`|`-prefixed), so a reviewer reads
// syscalls and actions, devices and access, or unit properties, as well as the bytes.
export function renderText(ops: readonly PlanOp[]): string {
  const width = String(Math.max(0, ops.length - 1)).length;
  return ops.map((o) => renderOpLine(o, width) + '\n' + programLines(o).map((l) => `${' '.repeat(width)}   | ${l}\n`).join('')).join('');
}

function jsonValue(v: ArgValue): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return toHex(v);
  return v;
}

export interface JsonPlan {
  digest: string;
  /** program: a device filter's lines as the text view shows them (rules, then instructions) */
  ops: { index: number; lane: string; op: string; why: string; args: Record<string, unknown>; program?: string[] }[];
}

export function renderJson(ops: readonly PlanOp[], bytes: Uint8Array): JsonPlan {
  return {
    digest: planDigest(bytes),
    ops: ops.map((o) => ({
      index: o.index, lane: o.lane, op: o.op, why: o.why,
      args: Object.fromEntries(Object.entries(o.args).map(([k, v]) => [k, jsonValue(v)])),
      ...(o.op === 'bpf_device_filter' ? { program: programLines(o) } : {}),
    })),
  };
}
