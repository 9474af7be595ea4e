// Reads the eBPF device program of bpf_device_filter (BPF_PROG_TYPE_CGROUP_DEVICE): one line per
// instruction, and the device rules the program enforces when it has the planner's shape.
// Pure: it only describes the bytes; it never decides or changes anything.

/** One struct bpf_insn: code, dst_reg (low nibble), src_reg (high nibble), s16 off, s32 imm. */
export interface Insn { code: number; dst: number; src: number; off: number; imm: number }

export function decodeInsns(bytes: Uint8Array): Insn[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Insn[] = [];
  for (let i = 0; i + 8 <= bytes.length; i += 8) {
    const regs = bytes[i + 1]!;
    out.push({ code: bytes[i]!, dst: regs & 0xf, src: regs >> 4, off: view.getInt16(i + 2, true), imm: view.getInt32(i + 4, true) });
  }
  return out;
}

// the opcodes the planner emits (BPF_ALU is 32-bit, BPF_JMP compares all 64 bits)
export const OP = {
  LDX_W: 0x61, AND32_K: 0x54, RSH32_K: 0x74, MOV32_K: 0xb4, MOV32_X: 0xbc, JNE_K: 0x55, JNE_X: 0x5d, EXIT: 0x95,
} as const;

// struct bpf_cgroup_dev_ctx: access_type (type | access << 16), major, minor
const CTX_FIELD: Record<number, string> = { 0: 'access_type', 4: 'major', 8: 'minor' };
const DEV_TYPE: Record<number, string> = { 1: 'b', 2: 'c' };
/** BPF_DEVCG_ACC_* bits as r, w, m (runc's order). */
export function accessLetters(bits: number): string {
  return `${bits & 2 ? 'r' : ''}${bits & 4 ? 'w' : ''}${bits & 1 ? 'm' : ''}`;
}

const hex = (v: number) => `0x${(v >>> 0).toString(16)}`;
const at = (pc: number) => String(pc).padStart(4, '0');

/**
 * One line per instruction, with what each register holds in a comment: `0006: if r2 != 0x2
 * goto 0012  ; type != c`. An instruction outside the planner's few forms, or with a field
 * those forms leave unused set, is shown whole, so nothing in the bytes is hidden.
 */
export function disassembleDevice(bytes: Uint8Array): string[] {
  const meaning: string[] = [];   // what each register holds, along the instructions
  const lines = decodeInsns(bytes).map((x, pc) => {
    const raw = `code=${hex(x.code)} dst=r${x.dst} src=r${x.src} off=${x.off} imm=${x.imm}`;
    const m = meaning[x.dst] ?? '';
    let text: string | undefined, note = '';
    switch (x.code) {
      case OP.LDX_W:
        if (x.imm) break;
        text = `r${x.dst} = *(u32 *)(r${x.src} + ${x.off})`;
        meaning[x.dst] = x.src === 1 ? CTX_FIELD[x.off] ?? `ctx+${x.off}` : '';
        note = meaning[x.dst]!;
        break;
      case OP.AND32_K: case OP.RSH32_K:
        if (x.src || x.off) break;
        text = x.code === OP.AND32_K ? `w${x.dst} &= ${hex(x.imm)}` : `w${x.dst} >>= ${x.imm}`;
        if (x.code === OP.AND32_K && m === 'access_type' && x.imm === 0xffff) meaning[x.dst] = 'type';
        else if (x.code === OP.RSH32_K && m === 'access_type' && x.imm === 16) meaning[x.dst] = 'access';
        else if (x.code === OP.AND32_K && m === 'access') meaning[x.dst] = `access & ${accessLetters(x.imm) || '0'}`;
        else meaning[x.dst] = '';
        note = meaning[x.dst] ? `r${x.dst} = ${meaning[x.dst]}` : '';
        break;
      case OP.MOV32_K:
        if (x.src || x.off) break;
        text = `w${x.dst} = ${x.imm}`;
        meaning[x.dst] = '';
        if (x.dst === 0) note = x.imm ? 'allow' : 'deny';
        break;
      case OP.MOV32_X:
        if (x.off || x.imm) break;
        text = `w${x.dst} = w${x.src}`;
        meaning[x.dst] = meaning[x.src] ?? '';
        break;
      case OP.JNE_K: case OP.JNE_X: {
        const other = x.code === OP.JNE_K ? hex(x.imm) : `r${x.src}`;
        if (x.code === OP.JNE_K ? x.src : x.imm) break;
        text = `if r${x.dst} != ${other} goto ${at(pc + 1 + x.off)}`;
        if (x.code === OP.JNE_K && m === 'type') note = `type != ${DEV_TYPE[x.imm] ?? x.imm}`;
        else if (x.code === OP.JNE_K && (m === 'major' || m === 'minor')) note = `${m} != ${x.imm}`;
        else if (x.code === OP.JNE_X && m.startsWith('access & ') && meaning[x.src] === 'access') note = `access not within ${m.slice(9)}`;
        break;
      }
      case OP.EXIT:
        if (x.dst || x.src || x.off || x.imm) break;
        text = 'exit';
        break;
    }
    const body = text ?? raw;
    return `${at(pc)}: ${note ? `${body.padEnd(28)} ; ${note}` : body}`;
  });
  if (bytes.length % 8) lines.push(`(${bytes.length % 8} trailing bytes)`);
  return lines;
}

export interface DeviceRule { allow: boolean; type: 'b' | 'c'; major: number; minor: number; access: string }   // -1: any
export interface DevicePolicy { defaultAllow: boolean; rules: DeviceRule[] }

const same = (x: Insn | undefined, code: number, dst: number, src: number, off: number, imm: number) =>
  !!x && x.code === code && x.dst === dst && x.src === src && x.off === off && x.imm === imm;

/**
 * The policy the program enforces, read back from its blocks when it has exactly the planner's
 * shape (docs/plan-format.md, "The device filter"); undefined otherwise. Rules are in program
 * order; each applies to the type, major:minor (-1: any) and access (a subset) it names.
 */
export function devicePolicy(bytes: Uint8Array): DevicePolicy | undefined {
  const v = decodeInsns(bytes);
  if (bytes.length % 8 || v.length < 8) return undefined;
  const prologue: [number, number, number, number, number][] = [[OP.LDX_W, 2, 1, 0, 0], [OP.AND32_K, 2, 0, 0, 0xffff],
    [OP.LDX_W, 3, 1, 0, 0], [OP.RSH32_K, 3, 0, 0, 16], [OP.LDX_W, 4, 1, 4, 0], [OP.LDX_W, 5, 1, 8, 0]];
  if (!prologue.every(([code, dst, src, off, imm], i) => same(v[i], code, dst, src, off, imm))) return undefined;
  // `r0 = 0 or 1; exit` at i: the verdict, or undefined
  const verdict = (i: number) => {
    const x = v[i];
    return x && same(x, OP.MOV32_K, 0, 0, 0, x.imm) && (x.imm === 0 || x.imm === 1) && same(v[i + 1], OP.EXIT, 0, 0, 0, 0) ? x.imm === 1 : undefined;
  };
  const rules: DeviceRule[] = [];
  let pc = 6;
  while (pc < v.length - 2) {
    const head = v[pc]!;
    if (head.code !== OP.JNE_K || head.dst !== 2 || head.src || !DEV_TYPE[head.imm]) return undefined;
    const next = pc + 1 + head.off;   // every test of the block jumps there when it fails
    const test = (code: number, dst: number, src: number, imm: number) =>
      same(v[pc], code, dst, src, v[pc]!.off, imm) && pc + 1 + v[pc]!.off === next;
    pc++;
    let access = 'rwm', major = -1, minor = -1;
    const and = v[pc + 1];
    if (same(v[pc], OP.MOV32_X, 1, 3, 0, 0) && and && same(and, OP.AND32_K, 1, 0, 0, and.imm) && !(and.imm & ~7)) {
      access = accessLetters(and.imm);
      pc += 2;
      if (!test(OP.JNE_X, 1, 3, 0)) return undefined;
      pc++;
    }
    if (v[pc] && v[pc]!.imm >= 0 && test(OP.JNE_K, 4, 0, v[pc]!.imm)) major = v[pc++]!.imm;
    if (v[pc] && v[pc]!.imm >= 0 && test(OP.JNE_K, 5, 0, v[pc]!.imm)) minor = v[pc++]!.imm;
    const allow = verdict(pc);
    if (allow === undefined || pc + 2 !== next) return undefined;
    pc = next;
    rules.push({ allow, type: DEV_TYPE[head.imm] as 'b' | 'c', major, minor, access });
  }
  const defaultAllow = verdict(pc);
  if (pc !== v.length - 2 || defaultAllow === undefined) return undefined;
  return { defaultAllow, rules };
}

/** `allow c 1:3 rwm` */
export function ruleText(r: DeviceRule): string {
  const n = (x: number) => (x < 0 ? '*' : String(x));
  return `${r.allow ? 'allow' : 'deny'} ${r.type} ${n(r.major)}:${n(r.minor)} ${r.access}`;
}

/** The lines shown under a bpf_device_filter op: the rules (or why they cannot be read), then the instructions. */
export function describeDeviceFilter(bytes: Uint8Array): string[] {
  const p = devicePolicy(bytes);
  const head = p
    ? [...p.rules.map(ruleText), `${p.defaultAllow ? 'allow' : 'deny'} every other device access`]
    : ['(not the planner\'s device filter shape: read the instructions)'];
  return [...head, ...disassembleDevice(bytes)];
}
