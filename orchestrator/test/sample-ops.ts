// Builds one op of every kind in the generated table, with values that exercise each format.
// Test support only; never used by the CLI.
import { OPS, type ArgDef } from '../src/gen/ops.js';
import type { ArgValue, PlanOp } from '../src/plan/decode.js';

export function sampleValue(a: ArgDef, i: number): ArgValue {
  switch (a.fmt) {
    case 'u': return 0x755 + i;
    case 'i': return -3 - i;
    case 'U': return 0xfedcba9876543210n + BigInt(i);
    case 's': return `/p/${a.name}/${i} "q" ü`;
    case 'S': return ['a', '', `b${i}`];
    case 'L': return [0, 5, 0xffffffff];
    case 'b': return new Uint8Array([0, 1, 0xfe, i & 0xff]);
  }
}

export function everyOp(): PlanOp[] {
  return OPS.map((def, index) => ({
    index,
    lane: index % 3 === 0 ? 'host' : index % 3 === 1 ? 'container' : 'teardown',
    op: def.name,
    why: `/mounts/${index} default:devices`,
    args: Object.fromEntries(def.args.map((a, i) => [a.name, sampleValue(a, i)])),
  }));
}
