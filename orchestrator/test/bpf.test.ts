// Pins the seccomp disassembly shown under seccomp_set_filter: syscall and arch names, jump
// targets, actions, and that nothing the planner emits falls back to raw hex.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { disassemble, seccompAction } from '../src/plan/bpf.js';
import { loadPlanner } from '../src/planner.js';
import { decodePlan } from '../src/plan/decode.js';
import { buildContext } from '../src/context.js';

function insn(code: number, jt: number, jf: number, k: number): number[] {
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setUint16(0, code, true); b[2] = jt; b[3] = jf; v.setUint32(4, k, true);
  return [...b];
}

describe('seccomp disassembly', () => {
  it('names the loaded field, the syscall compared with nr, the jump targets and the action', () => {
    const f = new Uint8Array([
      ...insn(0x20, 0, 0, 4), ...insn(0x15, 1, 0, 0xc000003e), ...insn(0x06, 0, 0, 0x80000000),
      ...insn(0x20, 0, 0, 0), ...insn(0x15, 0, 1, 83), ...insn(0x06, 0, 0, 0x50001),
      ...insn(0x20, 0, 0, 24), ...insn(0x54, 0, 0, 0xff), ...insn(0x06, 0, 0, 0x7fff0000),
    ]);
    expect(disassemble(f)).toEqual([
      '0000: ld arch', '0001: jeq #0xc000003e (AUDIT_ARCH_X86_64) → 3, 2', '0002: ret KILL_PROCESS',
      '0003: ld nr', '0004: jeq #0x53 (mkdir) → 5, 6', '0005: ret ERRNO(1)',
      '0006: ld args[1].lo', '0007: and #0xff', '0008: ret ALLOW',
    ]);
  });

  it('names a syscall number from the ABI its section runs under: i386 by the arch jump, x32 by its bit', () => {
    const f = new Uint8Array([
      ...insn(0x20, 0, 0, 4), ...insn(0x15, 0, 1, 0x40000003), ...insn(0x05, 0, 0, 6),
      ...insn(0x15, 1, 0, 0xc000003e), ...insn(0x06, 0, 0, 0),
      ...insn(0x20, 0, 0, 0), ...insn(0x15, 0, 0, 102), ...insn(0x15, 0, 0, 0x40000000 | 512), ...insn(0x06, 0, 0, 0x7fff0000),
      ...insn(0x20, 0, 0, 0), ...insn(0x15, 0, 0, 102), ...insn(0x06, 0, 0, 0x7fff0000),
    ]);
    const lines = disassemble(f);
    expect(lines[6]).toBe('0006: jeq #0x66 (getuid) → 7, 7');                  // x86_64: 102 is getuid
    expect(lines[7]).toBe('0007: jeq #0x40000200 (rt_sigaction) → 8, 8');      // x32's own 512
    expect(lines[10]).toBe('0010: jeq #0x66 (socketcall) → 11, 11');            // i386: 102 is socketcall
  });

  it('keeps unknown instructions and trailing bytes visible', () => {
    expect(disassemble(new Uint8Array([...insn(0xff, 1, 2, 3), 9]))).toEqual(['0000: code=0xff jt=1 jf=2 k=0x3', '(1 trailing bytes)']);
    expect(seccompAction(0x12345678)).toBe('0x12345678');
  });

  it('reads every instruction the planner emits for the seccomp fixture by name', async () => {
    const repo = join(import.meta.dirname, '..', '..');
    const config = readFileSync(join(repo, 'spec-tests', 'fixtures', 'seccomp.json'));
    const host = JSON.parse(readFileSync(join(repo, 'spec-tests', 'fixtures', 'host-v1.json'), 'utf8'));
    const context = buildContext({ id: 'bpf', bundle: '/tmp/planc-bpf', stateDir: '/run/planc/bpf', host, config: JSON.parse(config.toString()) });
    const r = (await loadPlanner()).plan(new Uint8Array(config), context);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const op = decodePlan(r.plan).find((o) => o.op === 'seccomp_set_filter')!;
    const lines = disassemble(op.args.filter as Uint8Array);
    expect(lines.length).toBe((op.args.filter as Uint8Array).length / 8);
    expect(lines.filter((l) => l.includes('code='))).toEqual([]);
    expect(lines.some((l) => l.includes('(mkdir)'))).toBe(true);
  });
});
