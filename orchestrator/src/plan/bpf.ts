// Disassembles a classic BPF seccomp filter (the bytes of seccomp_set_filter) into lines a
// reviewer can read. Pure: it only describes the bytes; it never decides or changes anything.
import { SYSCALLS_X86_64 } from '../gen/ops.js';

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

/** One line per instruction: `0003: jeq #0 (read) → 4, 5`. Unknown codes stay visible as hex. */
export function disassemble(filter: Uint8Array): string[] {
  const view = new DataView(filter.buffer, filter.byteOffset, filter.byteLength);
  const lines: string[] = [];
  let loaded = '';   // what the accumulator last loaded, to name the constants compared with it
  for (let i = 0; i + 8 <= filter.length; i += 8) {
    const pc = i / 8;
    const code = view.getUint16(i, true), jt = filter[i + 2]!, jf = filter[i + 3]!, k = view.getUint32(i + 4, true);
    const cls = code & 0x07;
    let text: string;
    if (code === 0x20) { loaded = field(k); text = `ld ${loaded}`; }
    else if (cls === 0x05 && JMP[code & 0xf0] && !(code & 0x08)) {
      const name = loaded === 'nr' ? SYSCALLS_X86_64.get(k) : loaded === 'arch' ? AUDIT_ARCH[k] : undefined;
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
