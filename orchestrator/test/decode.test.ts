// Pins the plan decoder: lossless against encodePlan, and as strict as the shim on every malformed class.
import { describe, expect, it } from 'vitest';
import { decodePlan, encodePlan, PlanDecodeError } from '../src/plan/decode.js';
import { OPS } from '../src/gen/ops.js';
import { everyOp } from './sample-ops.js';

const le32 = (b: Uint8Array, at: number, v: number): void => new DataView(b.buffer, b.byteOffset).setUint32(at, v, true);
const le16 = (b: Uint8Array, at: number, v: number): void => new DataView(b.buffer, b.byteOffset).setUint16(at, v, true);
// Header is 12 bytes; the first op header is 8 more; its body (why string) starts at 20.
const one = (why = 'w', path = '/x') => encodePlan([{ lane: 'teardown', op: 'rmdir', why, args: { path } }]);

describe('decodePlan', () => {
  it('round-trips one op of every kind in the table, byte for byte', () => {
    const ops = everyOp();
    const bytes = encodePlan(ops);
    const back = decodePlan(bytes);
    expect(back).toEqual(ops);
    expect(encodePlan(back)).toEqual(bytes);
    expect(back.map((o) => o.op)).toEqual(OPS.map((o) => o.name));
  });

  it('decodes an empty plan', () => {
    expect(decodePlan(encodePlan([]))).toEqual([]);
  });

  const cases: [string, () => Uint8Array, RegExp][] = [
    ['bad magic', () => { const b = one(); b[0] = 0x58; return b; }, /bad magic/],
    ['unsupported version', () => { const b = one(); le16(b, 4, 2); return b; }, /version 2/],
    ['non-zero header reserved', () => { const b = one(); le16(b, 6, 1); return b; }, /reserved header/],
    ['truncated header', () => one().slice(0, 10), /truncated header/],
    ['unknown op code', () => { const b = one(); le16(b, 12, 999); return b; }, /unknown op code 999/],
    ['unknown lane', () => { const b = one(); b[14] = 4; return b; }, /unknown lane 4/],
    ['non-zero op reserved', () => { const b = one(); b[15] = 1; return b; }, /reserved op field/],
    ['body longer than its args', () => {
      const b = one(); const c = new Uint8Array(b.length + 2); c.set(b); le32(c, 16, new DataView(b.buffer).getUint32(16, true) + 2); return c;
    }, /bytes left in body/],
    ['body shorter than its args', () => { const b = one(); le32(b, 16, new DataView(b.buffer).getUint32(16, true) - 1); return b.slice(0, b.length - 1); }, /truncated/],
    ['body_len past the end', () => { const b = one(); le32(b, 16, 1000); return b; }, /truncated op body/],
    ['string with a NUL', () => { const b = one('w', '/a'); b[b.length - 1] = 0; return b; }, /NUL/],
    ['string that is not UTF-8', () => { const b = one('w', '/a'); b[b.length - 1] = 0xff; return b; }, /UTF-8/],
    ['trailing bytes', () => { const b = one(); const c = new Uint8Array(b.length + 1); c.set(b); return c; }, /trailing/],
    ['op_count larger than the ops', () => { const b = one(); le32(b, 8, 2); return b; }, /op_count says 2/],
    ['op_count smaller than the ops', () => { const b = encodePlan([...Array(2)].map(() => ({ lane: 'teardown' as const, op: 'unlink', why: '', args: { path: '/' } }))); le32(b, 8, 1); return b; }, /trailing/],
    ['list count larger than the body', () => {
      const b = encodePlan([{ lane: 'container', op: 'setgroups', why: '', args: { gids: [1] } }]); le32(b, 24, 0x40000000); return b;
    }, /list count/],
  ];
  for (const [name, make, msg] of cases) {
    it(`rejects ${name}`, () => {
      const b = make();
      expect(() => decodePlan(b)).toThrow(PlanDecodeError);
      expect(() => decodePlan(b)).toThrow(msg);
    });
  }
});

describe('encodePlan', () => {
  it('refuses an arg of the wrong type', () => {
    expect(() => encodePlan([{ lane: 'host', op: 'clone', why: '', args: { flags: 1 } }])).toThrow(/clone.flags/);
  });
  it('refuses a missing arg', () => {
    expect(() => encodePlan([{ lane: 'host', op: 'mkdir', why: '', args: { path: '/x' } }])).toThrow(/missing arg mode/);
  });
});
