// Decodes and encodes plan bytes (docs/plan-format.md §1), driven only by the generated op table.
// Must stay as strict as the shim: any byte the shim would reject is rejected here too.
import { OPS, type ArgFmt, type Lane, type OpDef } from '../gen/ops.js';

export type ArgValue = number | bigint | string | string[] | number[] | Uint8Array;
export interface PlanOp {
  index: number;
  lane: Lane;
  op: string;
  why: string;
  args: Record<string, ArgValue>;
}

export const PLAN_MAGIC = 'PLNC';
export const PLAN_VERSION = 1;
export const LANES: readonly Lane[] = ['host', 'container', 'teardown', 'caller'];
const BY_CODE = new Map<number, OpDef>(OPS.map((o) => [o.code, o]));
const BY_NAME = new Map<string, OpDef>(OPS.map((o) => [o.name, o]));

export class PlanDecodeError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`invalid plan at byte ${offset}: ${message}`);
    this.name = 'PlanDecodeError';
  }
}

// A cursor bounded by `end`: every read checks it, so a short body can never read the next op.
class Reader {
  private readonly view: DataView;
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true });
  constructor(private readonly bytes: Uint8Array, public pos: number, public end: number) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n: number, what: string): void {
    if (n > this.end - this.pos) throw new PlanDecodeError(`truncated ${what}`, this.pos);
  }
  u8(): number { this.need(1, 'u8'); return this.view.getUint8(this.pos++); }
  u16(): number { this.need(2, 'u16'); const v = this.view.getUint16(this.pos, true); this.pos += 2; return v; }
  u32(): number { this.need(4, 'u32'); const v = this.view.getUint32(this.pos, true); this.pos += 4; return v; }
  i32(): number { this.need(4, 'i32'); const v = this.view.getInt32(this.pos, true); this.pos += 4; return v; }
  u64(): bigint { this.need(8, 'u64'); const v = this.view.getBigUint64(this.pos, true); this.pos += 8; return v; }
  raw(what: string): Uint8Array {
    const n = this.u32();
    this.need(n, what);
    const out = this.bytes.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  str(): string {
    const at = this.pos;
    const b = this.raw('string');
    // SECURITY: a NUL would let a C consumer see a shorter path than the audit view shows.
    if (b.includes(0)) throw new PlanDecodeError('string contains NUL', at);
    try { return this.utf8.decode(b); } catch { throw new PlanDecodeError('string is not UTF-8', at); }
  }
  count(): number {
    const n = this.u32();
    // Each element takes at least 4 bytes, so a larger count cannot fit and is rejected early.
    if (n > (this.end - this.pos) / 4) throw new PlanDecodeError('list count exceeds body', this.pos - 4);
    return n;
  }
}

function readArg(r: Reader, fmt: ArgFmt): ArgValue {
  switch (fmt) {
    case 'u': return r.u32();
    case 'i': return r.i32();
    case 'U': return r.u64();
    case 's': return r.str();
    case 'S': { const n = r.count(); const a: string[] = []; for (let i = 0; i < n; i++) a.push(r.str()); return a; }
    case 'L': { const n = r.count(); const a: number[] = []; for (let i = 0; i < n; i++) a.push(r.u32()); return a; }
    case 'b': return r.raw('bytes');
  }
}

export function decodePlan(bytes: Uint8Array): PlanOp[] {
  const r = new Reader(bytes, 0, bytes.length);
  r.need(12, 'header');
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic !== PLAN_MAGIC) throw new PlanDecodeError('bad magic', 0);
  r.pos = 4;
  const version = r.u16();
  if (version !== PLAN_VERSION) throw new PlanDecodeError(`unsupported version ${version}`, 4);
  if (r.u16() !== 0) throw new PlanDecodeError('reserved header field is not zero', 6);
  const count = r.u32();
  const ops: PlanOp[] = [];
  for (let index = 0; index < count; index++) {
    if (r.pos === bytes.length) throw new PlanDecodeError(`op_count says ${count} but plan has ${index} ops`, r.pos);
    const at = r.pos;
    const code = r.u16();
    const def = BY_CODE.get(code);
    if (!def) throw new PlanDecodeError(`unknown op code ${code}`, at);
    const laneNo = r.u8();
    const lane = LANES[laneNo];
    if (lane === undefined) throw new PlanDecodeError(`unknown lane ${laneNo}`, at + 2);
    if (r.u8() !== 0) throw new PlanDecodeError('reserved op field is not zero', at + 3);
    const bodyLen = r.u32();
    r.need(bodyLen, 'op body');
    const body = new Reader(bytes, r.pos, r.pos + bodyLen);
    const why = body.str();
    const args: Record<string, ArgValue> = {};
    for (const a of def.args) args[a.name] = readArg(body, a.fmt);
    if (body.pos !== body.end) throw new PlanDecodeError(`${def.name}: ${body.end - body.pos} bytes left in body`, body.pos);
    r.pos = body.end;
    ops.push({ index, lane, op: def.name, why, args });
  }
  if (r.pos !== bytes.length) throw new PlanDecodeError(`${bytes.length - r.pos} trailing bytes`, r.pos);
  return ops;
}

/**
 * The op names of a plan, in order, from the op headers alone (bodies are skipped, not parsed):
 * what the launch path needs, without the cost of a full decode in a cold process. A plan whose
 * headers do not add up is handed to decodePlan, so the error is the one it would give.
 */
export function planOpNames(bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const names: string[] = [];
  let ok = bytes.length >= 12 && String.fromCharCode(...bytes.subarray(0, 4)) === PLAN_MAGIC
    && view.getUint16(4, true) === PLAN_VERSION && view.getUint16(6, true) === 0;
  const count = ok ? view.getUint32(8, true) : 0;
  let pos = 12;
  for (let i = 0; ok && i < count; i++) {
    if (bytes.length - pos < 8) { ok = false; break; }
    const def = BY_CODE.get(view.getUint16(pos, true));
    const bodyLen = view.getUint32(pos + 4, true);
    ok = def !== undefined && view.getUint8(pos + 2) < LANES.length && view.getUint8(pos + 3) === 0 && bodyLen <= bytes.length - pos - 8;
    if (ok) names.push(def!.name);
    pos += 8 + bodyLen;
  }
  if (ok && pos === bytes.length) return names;
  return decodePlan(bytes).map((o) => o.op);
}

// Growable little-endian writer used by encodePlan (tests and fixtures build plans with it).
class Writer {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  len = 0;
  private grow(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf);
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number): void { this.grow(1); this.view.setUint8(this.len, v); this.len += 1; }
  u16(v: number): void { this.grow(2); this.view.setUint16(this.len, v, true); this.len += 2; }
  u32(v: number): void { this.grow(4); this.view.setUint32(this.len, v, true); this.len += 4; }
  i32(v: number): void { this.grow(4); this.view.setInt32(this.len, v, true); this.len += 4; }
  u64(v: bigint): void { this.grow(8); this.view.setBigUint64(this.len, v, true); this.len += 8; }
  bytes(b: Uint8Array): void { this.u32(b.length); this.grow(b.length); this.buf.set(b, this.len); this.len += b.length; }
  patchU32(at: number, v: number): void { this.view.setUint32(at, v, true); }
  done(): Uint8Array { return this.buf.slice(0, this.len); }
}

const utf8 = new TextEncoder();

function writeArg(w: Writer, fmt: ArgFmt, v: ArgValue, what: string): void {
  const bad = (): never => { throw new TypeError(`${what}: wrong value for format '${fmt}'`); };
  switch (fmt) {
    case 'u': if (typeof v !== 'number') bad(); w.u32(v as number); return;
    case 'i': if (typeof v !== 'number') bad(); w.i32(v as number); return;
    case 'U': if (typeof v !== 'bigint') bad(); w.u64(v as bigint); return;
    case 's': if (typeof v !== 'string') bad(); w.bytes(utf8.encode(v as string)); return;
    case 'S': if (!Array.isArray(v)) bad(); w.u32((v as string[]).length); for (const s of v as string[]) w.bytes(utf8.encode(s)); return;
    case 'L': if (!Array.isArray(v)) bad(); w.u32((v as number[]).length); for (const n of v as number[]) w.u32(n); return;
    case 'b': if (!(v instanceof Uint8Array)) bad(); w.bytes(v as Uint8Array); return;
  }
}

/** The inverse of decodePlan: same op list in, same bytes out. */
export function encodePlan(ops: readonly Pick<PlanOp, 'lane' | 'op' | 'why' | 'args'>[]): Uint8Array {
  const w = new Writer();
  for (const c of PLAN_MAGIC) w.u8(c.charCodeAt(0));
  w.u16(PLAN_VERSION);
  w.u16(0);
  w.u32(ops.length);
  for (const op of ops) {
    const def = BY_NAME.get(op.op);
    if (!def) throw new TypeError(`unknown op ${op.op}`);
    w.u16(def.code);
    w.u8(LANES.indexOf(op.lane));
    w.u8(0);
    const lenAt = w.len;
    w.u32(0);
    w.bytes(utf8.encode(op.why));
    for (const a of def.args) {
      if (!(a.name in op.args)) throw new TypeError(`${op.op}: missing arg ${a.name}`);
      writeArg(w, a.fmt, op.args[a.name]!, `${op.op}.${a.name}`);
    }
    w.patchU32(lenAt, w.len - lenAt - 4);
  }
  return w.done();
}
