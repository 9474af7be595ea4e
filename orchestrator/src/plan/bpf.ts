// Disassembles a classic BPF seccomp filter (the bytes of seccomp_set_filter) into lines a
// reviewer can read. Pure: it only describes the bytes; it never decides or changes anything.
import { SYSCALLS_I386, SYSCALLS_X32, SYSCALLS_X86_64 } from '../gen/ops.js';

const AUDIT_ARCH: Record<number, string> = { 0xc000003e: 'AUDIT_ARCH_X86_64', 0x40000003: 'AUDIT_ARCH_I386', 0xc00000b7: 'AUDIT_ARCH_AARCH64' };
const ALU: Record<number, string> = { 0x00: 'add', 0x10: 'sub', 0x20: 'mul', 0x30: 'div', 0x40: 'or', 0x50: 'and', 0x60: 'lsh', 0x70: 'rsh', 0x80: 'neg', 0x90: 'mod', 0xa0: 'xor' };
const JMP: Record<number, string> = { 0x10: 'jeq', 0x20: 'jgt', 0x30: 'jge', 0x40: 'jset' };

/** The field of struct seccomp_data at a load offset. */
function field(off: number): string {
  if (off === 0) return 'nr';
  if (off === 4) return 'arch';
  if (off === 8) return 'instruction_pointer.lo';
  if (off === 12) return 'instruction_pointer.hi';
  if (off >= 16 && off < 64) return `args[${(off - 16) >> 3}].${(off & 4) ? 'hi' : 'lo'}`;
  return `[${off}]`;
}

/** A seccomp return value by name: SECCOMP_RET_* with its data. */
export function seccompAction(k: number): string {
  const data = k & 0xffff;
  switch ((k & 0xffff0000) >>> 0) {
    case 0x80000000: return 'KILL_PROCESS';
    case 0x00000000: return 'KILL_THREAD';
    case 0x00030000: return `TRAP(${data})`;
    case 0x00050000: return `ERRNO(${data})`;
    case 0x7fc00000: return 'USER_NOTIF';
    case 0x7ff00000: return `TRACE(${data})`;
    case 0x7ffc0000: return 'LOG';
    case 0x7fff0000: return 'ALLOW';
    default: return `0x${(k >>> 0).toString(16)}`;
  }
}

/**
 * Along the jumps: the architecture each instruction runs under when the jumps on `arch` decide
 * it (0: not known), and the field of seccomp_data in the accumulator (-1: not known), so a
 * number compared with `nr` is named from that ABI's table (x32 by its bit).
 */
function flowOf(view: DataView, n: number): { arch: number[]; loaded: number[] } {
  const arch: (number | undefined)[] = new Array(n).fill(undefined);
  const loaded: (number | undefined)[] = new Array(n).fill(undefined);
  const flow = (pc: number, a: number, l: number) => {
    if (pc >= n) return;
    arch[pc] = arch[pc] === undefined || arch[pc] === a ? a : 0;
    loaded[pc] = loaded[pc] === undefined || loaded[pc] === l ? l : -1;
  };
  arch[0] = 0; loaded[0] = -1;
  for (let pc = 0; pc < n; pc++) {
    const code = view.getUint16(pc * 8, true), jt = view.getUint8(pc * 8 + 2), jf = view.getUint8(pc * 8 + 3), k = view.getUint32(pc * 8 + 4, true);
    const a = arch[pc] ?? 0, l = code === 0x20 ? k : loaded[pc] ?? -1;
    if (code === 0x05) flow(pc + 1 + k, a, l);
    else if ((code & 0x07) === 0x05) {
      flow(pc + 1 + jt, code === 0x15 && l === 4 ? k : a, l);
      flow(pc + 1 + jf, a, l);
    } else if ((code & 0x07) !== 0x06) flow(pc + 1, a, l);
  }
  return { arch: arch.map((x) => x ?? 0), loaded: loaded.map((x) => x ?? -1) };
}

function syscallName(arch: number, nr: number): string | undefined {
  if (arch === 0x40000003) return SYSCALLS_I386.get(nr);
  if (nr >= 0x40000000 && nr < 0x40000000 + 0x10000) return SYSCALLS_X32.get(nr - 0x40000000);
  return SYSCALLS_X86_64.get(nr);
}

/** One line per instruction: `0003: jeq #0 (read) → 4, 5`. Unknown codes stay visible as hex. */
export function disassemble(filter: Uint8Array): string[] {
  const view = new DataView(filter.buffer, filter.byteOffset, filter.byteLength);
  const lines: string[] = [];
  const flows = flowOf(view, Math.floor(filter.length / 8));
  let loaded = '';   // what the accumulator last loaded, to name the constants compared with it
  for (let i = 0; i + 8 <= filter.length; i += 8) {
    const pc = i / 8;
    const code = view.getUint16(i, true), jt = filter[i + 2]!, jf = filter[i + 3]!, k = view.getUint32(i + 4, true);
    const cls = code & 0x07;
    let text: string;
    if (flows.loaded[pc]! >= 0) loaded = field(flows.loaded[pc]!);
    if (code === 0x20) { loaded = field(k); text = `ld ${loaded}`; }
    else if (cls === 0x05 && JMP[code & 0xf0] && !(code & 0x08)) {
      const name = loaded === 'nr' && (code === 0x15 || code === 0x25) && k !== 0x40000000 ? syscallName(flows.arch[pc]!, k) : loaded === 'arch' ? AUDIT_ARCH[k] : undefined;
      text = `${JMP[code & 0xf0]} #0x${k.toString(16)}${name ? ` (${name})` : ''} → ${pc + 1 + jt}, ${pc + 1 + jf}`;
    } else if (code === 0x05) text = `ja → ${pc + 1 + k}`;
    else if (code === 0x06) text = `ret ${seccompAction(k)}`;
    else if (cls === 0x04 && ALU[code & 0xf0] && !(code & 0x08)) { text = `${ALU[code & 0xf0]} #0x${k.toString(16)}`; }
    else text = `code=0x${code.toString(16)} jt=${jt} jf=${jf} k=0x${k.toString(16)}`;
    lines.push(`${String(pc).padStart(4, '0')}: ${text}`);
  }
  if (filter.length % 8) lines.push(`(${filter.length % 8} trailing bytes)`);
  return lines;
}
