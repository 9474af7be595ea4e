// Pins the cgroup v2 device filter the planner emits (bpf_device_filter): its verdict for every
// (type, major, minor, access) of a grid, run by a small eBPF interpreter, against runc's rule
// semantics written out here independently of the planner; its disassembly and rule summary.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeInsns, describeDeviceFilter, devicePolicy, disassembleDevice, OP, ruleText } from '../src/plan/ebpf.js';
import { loadPlanner } from '../src/planner.js';
import { decodePlan } from '../src/plan/decode.js';
import { buildContext } from '../src/context.js';
import { renderJson, renderText } from '../src/plan/render.js';
import { privilegedSummary } from '../src/audit/diff.js';
import type { HostFacts } from '../src/facts.js';

const repo = join(import.meta.dirname, '..', '..');
const base = JSON.parse(readFileSync(join(repo, 'spec-tests', 'fixtures', 'default.json'), 'utf8'));
const v2: HostFacts = { cgroup: { v1: [], unified: '/sys/fs/cgroup', unified_controllers: ['cpu', 'memory', 'pids'] }, cpuset: { cpus: '0', mems: '0' }, proc_kcore: false, clone_into_cgroup: true };
const hybrid: HostFacts = JSON.parse(readFileSync(join(repo, 'spec-tests', 'fixtures', 'host-v1.json'), 'utf8'));

type Rule = { allow: boolean; type?: string; major?: number; minor?: number; access?: string };
interface Node { path: string; type: string; major: number; minor: number }

function configWith(devices: Rule[] | undefined, nodes: Node[] = []): Record<string, any> {
  const c = structuredClone(base);
  if (devices) c.linux.resources = { devices };
  else delete c.linux.resources;
  if (nodes.length) c.linux.devices = nodes;
  return c;
}

async function plan(config: unknown, host = v2) {
  const bytes = new TextEncoder().encode(JSON.stringify(config));
  const context = buildContext({ id: 'bpf-unit', bundle: '/tmp/planc-bpf-unit', stateDir: '/run/planc/bpf-unit', host, config });
  return (await loadPlanner()).plan(bytes, context);
}

async function program(devices: Rule[] | undefined, nodes: Node[] = []): Promise<Uint8Array> {
  const r = await plan(configWith(devices, nodes));
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const ops = decodePlan(r.plan);
  const f = ops.filter((o) => o.op === 'bpf_device_filter');
  expect(f).toHaveLength(1);
  return f[0]!.args.insns as Uint8Array;
}

// ---- a tiny eBPF interpreter: exactly the opcodes of the planner's shape, with the kernel's
// semantics (64-bit registers, ALU32 results zero-extended, JMP on all 64 bits, imm sign-extended)
const TYPE = { b: 1, c: 2 } as const;
const ACC = { m: 1, r: 2, w: 4 } as const;
const bits = (access: string) => [...access].reduce((a, ch) => a | ACC[ch as keyof typeof ACC], 0);
const u64 = (v: bigint) => BigInt.asUintN(64, v), u32 = (v: bigint) => BigInt.asUintN(32, v);

function run(bytes: Uint8Array, type: 'b' | 'c', major: number, minor: number, access: string): number {
  const ctx = [TYPE[type] | (bits(access) << 16), major, minor];
  const insns = decodeInsns(bytes);
  const r: bigint[] = new Array(11).fill(0n);
  for (let pc = 0, steps = 0; steps < 4096; steps++) {
    const x = insns[pc];
    if (!x) throw new Error(`fell off the program at ${pc}`);
    const imm = u64(BigInt(x.imm));
    pc++;
    switch (x.code) {
      case OP.LDX_W:
        if (x.src !== 1 || x.off % 4 || x.off < 0 || x.off > 8) throw new Error(`bad context load at ${pc - 1}`);
        r[x.dst] = BigInt(ctx[x.off / 4]! >>> 0); break;
      case OP.AND32_K: r[x.dst] = u32(r[x.dst]! & imm); break;
      case OP.RSH32_K: r[x.dst] = u32(r[x.dst]!) >> BigInt(x.imm & 31); break;
      case OP.MOV32_K: r[x.dst] = u32(imm); break;
      case OP.MOV32_X: r[x.dst] = u32(r[x.src]!); break;
      case OP.JNE_K: if (r[x.dst] !== imm) pc += x.off; break;
      case OP.JNE_X: if (r[x.dst] !== r[x.src]) pc += x.off; break;
      case OP.EXIT: return Number(r[0]);
      default: throw new Error(`opcode 0x${x.code.toString(16)} at ${pc - 1}`);
    }
  }
  throw new Error('no exit');
}

// ---- runc's semantics, from its documentation and devices emulator's contract: runc appends
// its default allow list to the spec's rules (minus a default whose path linux.devices
// replaces); the rules fold from deny-all: "a" resets the default; a rule whose verdict differs
// from the default adds its access to the exception on exactly its (type, major, minor); one
// that agrees with the default removes its access from that exception, and is refused when a
// wildcard exception (other than its own key) shares any of that access. A device access is the
// default's verdict unless one exception of its type, major (or *), minor (or *) holds all of it.
const RUNC_DEFAULTS: (Rule & { path?: string })[] = [
  { allow: true, type: 'c', major: -1, minor: -1, access: 'm' }, { allow: true, type: 'b', major: -1, minor: -1, access: 'm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm', path: '/dev/null' },
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm', path: '/dev/random' },
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm', path: '/dev/full' },
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm', path: '/dev/tty' },
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm', path: '/dev/zero' },
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm', path: '/dev/urandom' },
  { allow: true, type: 'c', major: 136, minor: -1, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' },
  { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' },
];

interface Reference { defaultAllow: boolean; exceptions: Map<string, number> }
const key = (t: string, ma: number, mi: number) => `${t} ${ma} ${mi}`;

function reference(devices: Rule[] | undefined, nodes: Node[] = []): Reference | 'refused' {
  const all = [...(devices ?? []), ...RUNC_DEFAULTS.filter((d) => !d.path || !nodes.some((n) => n.path === d.path))];
  let ref: Reference = { defaultAllow: false, exceptions: new Map() };
  for (const d of all) {
    const t = d.type || 'a', ma = d.major ?? -1, mi = d.minor ?? -1, acc = bits(d.access || 'rwm');
    if (t === 'a') { ref = { defaultAllow: d.allow, exceptions: new Map() }; continue; }
    const k = key(t, ma, mi), have = ref.exceptions.get(k) ?? 0;
    if (d.allow !== ref.defaultAllow) { ref.exceptions.set(k, have | acc); continue; }
    for (const w of [key(t, -1, mi), key(t, ma, -1), key(t, -1, -1)])
      if (w !== k && ((ref.exceptions.get(w) ?? 0) & acc)) return 'refused';
    if (have & ~acc) ref.exceptions.set(k, have & ~acc);
    else ref.exceptions.delete(k);
  }
  return ref;
}

function expected(ref: Reference, type: string, major: number, minor: number, access: string): number {
  const want = bits(access);
  const hit = [key(type, major, minor), key(type, -1, minor), key(type, major, -1), key(type, -1, -1)]
    .some((k) => ref.exceptions.has(k) && (want & ~ref.exceptions.get(k)!) === 0);
  return Number(hit !== ref.defaultAllow);
}

const MAJORS = [0, 1, 4, 5, 8, 10, 136, 254], MINORS = [0, 1, 2, 3, 5, 7, 8, 9, 11, 200];
const ACCESSES = ['r', 'w', 'm', 'rw', 'rm', 'wm', 'rwm'];

async function checkGrid(devices: Rule[] | undefined, nodes: Node[] = []) {
  const ref = reference(devices, nodes);
  if (ref === 'refused') throw new Error('the reference refuses this list');
  const bytes = await program(devices, nodes);
  const wrong: string[] = [];
  for (const t of ['b', 'c'] as const) for (const ma of MAJORS) for (const mi of MINORS) for (const a of ACCESSES) {
    const got = run(bytes, t, ma, mi, a), want = expected(ref, t, ma, mi, a);
    if (got !== want) wrong.push(`${t} ${ma}:${mi} ${a}: program ${got}, runc ${want}`);
  }
  expect(wrong).toEqual([]);
  return bytes;
}

const DENY_ALL: Rule = { allow: false, access: 'rwm' };
const ALLOW_ALL: Rule = { allow: true, access: 'rwm' };

describe('the device filter decides as runc does, for every device of a grid', () => {
  it("runc's default spec (deny all, then runc's defaults): /dev/null and pts yes, the kernel log and disks no", async () => {
    const f = await checkGrid([DENY_ALL]);
    expect(run(f, 'c', 1, 3, 'rw')).toBe(1);        // /dev/null
    expect(run(f, 'c', 136, 7, 'rw')).toBe(1);      // a pts
    expect(run(f, 'c', 1, 11, 'w')).toBe(0);        // /dev/kmsg
    expect(run(f, 'c', 1, 11, 'm')).toBe(1);        // mknod is allowed for any node...
    expect(run(f, 'b', 8, 0, 'r')).toBe(0);         // ...but not opening it
    expect(run(f, 'c', 1, 3, 'rwm')).toBe(1);
  });

  it('a config without a devices section gets deny-all plus the defaults, the same program', async () => {
    const f = await checkGrid(undefined);
    expect(f).toEqual(await program([DENY_ALL]));
  });

  it('allowing c 1:11 rwm opens the kernel log and nothing beside it', async () => {
    const f = await checkGrid([DENY_ALL, { allow: true, type: 'c', major: 1, minor: 11, access: 'rwm' }]);
    expect(run(f, 'c', 1, 11, 'rw')).toBe(1);
    expect(run(f, 'c', 1, 12, 'r')).toBe(0);
    expect(run(f, 'b', 1, 11, 'r')).toBe(0);
  });

  it('a wildcard b *:* r allows reading every block device, never writing one', async () => {
    const f = await checkGrid([DENY_ALL, { allow: true, type: 'b', access: 'r' }]);
    expect(run(f, 'b', 8, 0, 'r')).toBe(1);
    expect(run(f, 'b', 8, 0, 'rw')).toBe(0);
    expect(run(f, 'c', 8, 0, 'r')).toBe(0);
  });

  it('an "a" allow (privileged) allows everything: no exception is left to check', async () => {
    const f = await checkGrid([ALLOW_ALL]);
    expect(devicePolicy(f)).toEqual({ defaultAllow: true, rules: [] });
    expect(run(f, 'b', 8, 0, 'rwm')).toBe(1);
  });

  it('deny rules after an allow-all carve out exactly their devices and access', async () => {
    const f = await checkGrid([ALLOW_ALL, { allow: false, type: 'c', major: 1, minor: 11, access: 'rwm' }, { allow: false, type: 'b', major: 8, access: 'w' }]);
    expect(run(f, 'c', 1, 11, 'm')).toBe(0);        // mknod of it too
    expect(run(f, 'b', 8, 3, 'r')).toBe(1);
    expect(run(f, 'b', 8, 3, 'w')).toBe(0);
  });

  it('a deny after an allow of the same device takes away only the access it names', async () => {
    const f = await checkGrid([DENY_ALL, { allow: true, type: 'c', major: 1, minor: 11, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 11, access: 'w' }]);
    expect(run(f, 'c', 1, 11, 'r')).toBe(1);
    expect(run(f, 'c', 1, 11, 'rw')).toBe(0);
  });

  it('partial access sets: an access is allowed only when one rule holds all of it', async () => {
    const f = await checkGrid([DENY_ALL, { allow: true, type: 'c', major: 4, access: 'r' }, { allow: true, type: 'c', major: 4, minor: 1, access: 'w' },
      { allow: true, type: 'c', major: 4, minor: 1, access: 'm' }]);
    expect(run(f, 'c', 4, 1, 'r')).toBe(1);
    expect(run(f, 'c', 4, 1, 'wm')).toBe(1);
    expect(run(f, 'c', 4, 1, 'rw')).toBe(0);
  });

  it('an "a" rule later in the list resets everything before it; order decides', async () => {
    await checkGrid([{ allow: true, type: 'c', major: 1, minor: 11, access: 'rwm' }, DENY_ALL, { allow: true, type: 'b', major: 8, minor: 0, access: 'rw' }]);
    const f = await checkGrid([DENY_ALL, { allow: true, type: 'b', major: 8, access: 'rwm' }, ALLOW_ALL, { allow: false, type: 'b', access: 'rw' }]);
    expect(run(f, 'b', 8, 0, 'r')).toBe(0);
    expect(run(f, 'b', 8, 0, 'm')).toBe(1);
  });

  it('a default whose node linux.devices replaces is left out of the filter, as runc leaves it out', async () => {
    const f = await checkGrid([DENY_ALL], [{ path: '/dev/null', type: 'c', major: 1, minor: 7 }]);
    expect(run(f, 'c', 1, 3, 'r')).toBe(0);
    expect(run(f, 'c', 1, 7, 'r')).toBe(1);   // /dev/full's rule
  });

  it('a rule that would punch a hole in a wildcard is refused with its pointer, as runc refuses it', async () => {
    const lists: Rule[][] = [
      [DENY_ALL, { allow: true, type: 'c', access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 11, access: 'w' }],
      [ALLOW_ALL, { allow: false, type: 'c', access: 'w' }],   // the default "allow c 1:3 rwm" punches it
    ];
    for (const list of lists) expect(reference(list)).toBe('refused');
    const a = await plan(configWith(lists[0]));
    expect(a.ok ? [] : a.errors.map((e) => [e.pointer, e.rule])).toEqual([['/linux/resources/devices/2', 'device-wildcard']]);
    const b = await plan(configWith(lists[1]), hybrid);   // refused on a v1 host too
    expect(b.ok ? [] : b.errors.map((e) => [e.pointer, e.rule])).toEqual([['/linux/resources/devices/1', 'device-wildcard']]);
  });

  it('a v1 host gets no device filter: its devices cgroup holds the rules', async () => {
    const r = await plan(configWith([DENY_ALL]), hybrid);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(decodePlan(r.plan).some((o) => o.op === 'bpf_device_filter')).toBe(false);
  });
});

describe('the device filter in the plan and its rendering', () => {
  it('comes after the cgroup exists and before the clone into it', async () => {
    const r = await plan(configWith([DENY_ALL]));
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const ops = decodePlan(r.plan);
    const at = (name: string) => ops.findIndex((o) => o.op === name);
    const f = ops[at('bpf_device_filter')]!;
    expect(f.lane).toBe('host');
    expect(f.args.license).toBe('Apache');
    expect(f.args.cgroup).toBe('/sys/fs/cgroup/bpf-unit');
    expect(f.why).toBe('default:device-cgroup-reset /linux/resources/devices default:device-cgroup-allow');
    expect(at('mkdir')).toBeLessThan(at('bpf_device_filter'));
    expect(at('bpf_device_filter')).toBeLessThan(at('clone_into_cgroup'));
  });

  it("summarises runc's default allow list as rules a reviewer can read", async () => {
    const f = await program([DENY_ALL]);
    expect(describeDeviceFilter(f).slice(0, 12)).toEqual([
      'allow b *:* m', 'allow c *:* m', 'allow c 1:3 rwm', 'allow c 1:5 rwm', 'allow c 1:7 rwm', 'allow c 1:8 rwm',
      'allow c 1:9 rwm', 'allow c 5:0 rwm', 'allow c 5:2 rwm', 'allow c 10:200 rwm', 'allow c 136:* rwm', 'deny every other device access',
    ]);
    expect(decodeInsns(f)).toHaveLength(64);   // runc's program for the same list has 64 instructions too
  });

  it('disassembles every instruction by name, with the field each register holds', async () => {
    const f = await program([ALLOW_ALL, { allow: false, type: 'c', major: 1, minor: 11, access: 'rwm' }, { allow: false, type: 'b', access: 'w' }]);
    expect(describeDeviceFilter(f)).toEqual([
      'deny b *:* w',
      'deny c 1:11 rwm',
      'allow every other device access',
      '0000: r2 = *(u32 *)(r1 + 0)        ; access_type',
      '0001: w2 &= 0xffff                 ; r2 = type',
      '0002: r3 = *(u32 *)(r1 + 0)        ; access_type',
      '0003: w3 >>= 16                    ; r3 = access',
      '0004: r4 = *(u32 *)(r1 + 4)        ; major',
      '0005: r5 = *(u32 *)(r1 + 8)        ; minor',
      '0006: if r2 != 0x1 goto 0012       ; type != b',
      '0007: w1 = w3',
      '0008: w1 &= 0x4                    ; r1 = access & w',
      '0009: if r1 != r3 goto 0012        ; access not within w',
      '0010: w0 = 0                       ; deny',
      '0011: exit',
      '0012: if r2 != 0x2 goto 0017       ; type != c',
      '0013: if r4 != 0x1 goto 0017       ; major != 1',
      '0014: if r5 != 0xb goto 0017       ; minor != 11',
      '0015: w0 = 0                       ; deny',
      '0016: exit',
      '0017: w0 = 1                       ; allow',
      '0018: exit',
    ]);
  });

  it('shows an instruction outside the planner\'s forms whole, and says the rules cannot be read', () => {
    const b = new Uint8Array(16);
    b.set([0x07, 0x21, 0x02, 0x00, 0x05, 0, 0, 0]);            // BPF_ALU64 | BPF_ADD | BPF_K: not emitted by the planner
    b.set([0x95, 0x00, 0x00, 0x00, 0x01, 0, 0, 0], 8);        // exit with an imm set: not clean
    expect(disassembleDevice(b)).toEqual(['0000: code=0x7 dst=r1 src=r2 off=2 imm=5', '0001: code=0x95 dst=r0 src=r0 off=0 imm=1']);
    expect(describeDeviceFilter(b)[0]).toMatch(/not the planner's device filter shape/);
    expect(disassembleDevice(new Uint8Array(9))).toContain('(1 trailing bytes)');
  });

  it('the summary agrees with the program\'s own verdicts', async () => {
    const f = await program([DENY_ALL, { allow: true, type: 'b', major: 8, access: 'r' }]);
    const p = devicePolicy(f)!;
    expect(p.rules.map(ruleText)).toContain('allow b 8:* r');
    for (const rule of p.rules) {
      const ma = rule.major < 0 ? 77 : rule.major, mi = rule.minor < 0 ? 77 : rule.minor;
      expect(run(f, rule.type, ma, mi, rule.access)).toBe(Number(rule.allow));
    }
  });

  it('planc diff names the device rules a v2 plan gains or loses', async () => {
    const [a, b] = await Promise.all([plan(configWith([DENY_ALL])), plan(configWith([DENY_ALL, { allow: true, type: 'c', major: 10, minor: 229, access: 'rwm' }]))]);
    if (!a.ok || !b.ok) throw new Error('planning failed');
    expect(privilegedSummary(decodePlan(a.plan), decodePlan(b.plan)).deviceRules).toEqual({ added: ['allow c 10:229 rwm'], removed: [] });
    const c = await plan(configWith([ALLOW_ALL]));
    if (!c.ok) throw new Error('planning failed');
    const d = privilegedSummary(decodePlan(a.plan), decodePlan(c.plan)).deviceRules;
    expect(d.added).toEqual(['allow a *:* rwm']);
    expect(d.removed).toContain('deny a *:* rwm');
  });

  it('text and json views carry the rules and instructions; the op line keeps the bytes', async () => {
    const r = await plan(configWith([DENY_ALL]));
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const ops = decodePlan(r.plan);
    const text = renderText(ops);
    expect(text).toMatch(/bpf_device_filter cgroup="\/sys\/fs\/cgroup\/bpf-unit" license="Apache" insns=hex:[0-9a-f]{1024}  #/);
    expect(text).toMatch(/\n {5}\| allow c 136:\* rwm\n {5}\| deny every other device access\n {5}\| 0000: r2 = /);
    const json = renderJson(ops, r.plan);
    const op = json.ops.find((o) => o.op === 'bpf_device_filter')!;
    expect(op.program).toEqual(describeDeviceFilter(ops.find((o) => o.op === 'bpf_device_filter')!.args.insns as Uint8Array));
    expect(json.ops.filter((o) => o.program).map((o) => o.op)).toEqual(['bpf_device_filter']);
  });
});
