// A classic-BPF interpreter for seccomp filters, as the kernel runs them on struct seccomp_data
// {nr, arch, instruction_pointer, args[6]}. Test-only: it decides nothing for planc.
export interface SeccompData { nr: number; arch: number; ip: bigint; args: bigint[] }

/** The 64 bytes the kernel gives the filter (little-endian, as on x86). */
export function seccompData(d: SeccompData): DataView {
  const v = new DataView(new ArrayBuffer(64));
  v.setUint32(0, d.nr >>> 0, true);
  v.setUint32(4, d.arch >>> 0, true);
  v.setBigUint64(8, d.ip, true);
  d.args.forEach((a, i) => v.setBigUint64(16 + 8 * i, BigInt.asUintN(64, a), true));
  return v;
}

export interface Insn { code: number; jt: number; jf: number; k: number }
export function parseProgram(bytes: Uint8Array): Insn[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Insn[] = [];
  for (let i = 0; i + 8 <= bytes.length; i += 8) out.push({ code: v.getUint16(i, true), jt: bytes[i + 2]!, jf: bytes[i + 3]!, k: v.getUint32(i + 4, true) });
  return out;
}

const AUDIT_ARCHES = new Set([0xc000003e, 0x40000003, 0xc00000b7]);

/**
 * Runs the program; throws on anything the kernel's checker would refuse at run time. With
 * trace, notes whether the run compared the arch word with a constant that is no AUDIT_ARCH_*
 * (a program that forgot to load nr).
 */
export function run(prog: readonly Insn[], data: DataView, trace?: { archWordCompared: boolean }): number {
  let A = 0, X = 0, pc = 0, loadedFrom = -1;
  const M = new Uint32Array(16);
  for (let steps = 0; steps <= prog.length; steps++) {
    const x = prog[pc];
    if (!x) throw new Error(`pc ${pc} out of the program`);
    const cls = x.code & 0x07;
    pc++;
    switch (cls) {
      case 0x00: // LD
        if (x.code === 0x20) { if (x.k % 4 || x.k > 60) throw new Error(`bad load ${x.k}`); A = data.getUint32(x.k, true); loadedFrom = x.k; }
        else if (x.code === 0x00) A = x.k;             // ld #k
        else if (x.code === 0x60) A = M[x.k & 15]!;    // ld M[k]
        else if (x.code === 0x80) A = 64;              // ld len
        else throw new Error(`ld code 0x${x.code.toString(16)}`);
        break;
      case 0x01: // LDX
        if (x.code === 0x01) X = x.k; else if (x.code === 0x61) X = M[x.k & 15]!; else if (x.code === 0x81) X = 64;
        else throw new Error(`ldx code 0x${x.code.toString(16)}`);
        break;
      case 0x02: M[x.k & 15] = A; break;
      case 0x03: M[x.k & 15] = X; break;
      case 0x04: { // ALU
        loadedFrom = -1;
        const src = x.code & 0x08 ? X : x.k;
        switch (x.code & 0xf0) {
          case 0x00: A = (A + src) >>> 0; break;
          case 0x10: A = (A - src) >>> 0; break;
          case 0x20: A = Math.imul(A, src) >>> 0; break;
          case 0x30: if (!src) return 0; A = Math.floor(A / src) >>> 0; break;
          case 0x40: A = (A | src) >>> 0; break;
          case 0x50: A = (A & src) >>> 0; break;
          case 0x60: A = src >= 32 ? 0 : (A << src) >>> 0; break;
          case 0x70: A = src >= 32 ? 0 : A >>> src; break;
          case 0x80: A = (-A) >>> 0; break;
          case 0x90: if (!src) return 0; A = (A % src) >>> 0; break;
          case 0xa0: A = (A ^ src) >>> 0; break;
          default: throw new Error(`alu code 0x${x.code.toString(16)}`);
        }
        break;
      }
      case 0x05: { // JMP
        const op = x.code & 0xf0;
        if (op === 0x00) { pc += x.k; break; }
        const src = x.code & 0x08 ? X : x.k;
        if (trace && loadedFrom === 4 && !AUDIT_ARCHES.has(src >>> 0)) trace.archWordCompared = true;
        let c: boolean;
        if (op === 0x10) c = A === src >>> 0;
        else if (op === 0x20) c = A > src >>> 0;
        else if (op === 0x30) c = A >= src >>> 0;
        else if (op === 0x40) c = (A & src) !== 0;
        else throw new Error(`jmp code 0x${x.code.toString(16)}`);
        pc += c ? x.jt : x.jf;
        break;
      }
      case 0x06: return (x.code & 0x18) === 0x10 ? A >>> 0 : x.k >>> 0; // ret A / ret #k
      case 0x07: if ((x.code & 0xf8) === 0x00) X = A; else A = X; break;  // tax / txa
    }
  }
  throw new Error('program did not return');
}
