// The seccomp compiler against libseccomp: every linux.seccomp of the corpus and fixtures, the
// bench profile and generated ones are compiled by planc and by libseccomp (oracle.c, built the
// way runc 1.1.5 builds it), and both filters decide >= 100,000 biased random syscalls each.
// runc's -ENOSYS stub is runc's, not libseccomp's: it is modelled here (runcStub) from runc
// 1.1.5's patchbpf/enosys_linux.go and applied before the libseccomp program.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { coreWasm, fixtures, hostFacts, repo } from '../helpers/env.js';
import { makeBundle, readFixture, rmTree, rng, tempDir } from '../helpers/bundle.js';
import { loadPlanner, type Planner } from '../../orchestrator/src/planner.js';
import { buildContext } from '../../orchestrator/src/context.js';
import { decodePlan } from '../../orchestrator/src/plan/decode.js';
import { parseProgram, run, seccompData, type Insn, type SeccompData } from './bpf-interp.js';
import { podmanProfile } from './profiles.js';

const AUDIT_X86_64 = 0xc000003e, AUDIT_I386 = 0x40000003, AUDIT_AARCH64 = 0xc00000b7;
const TOKEN_X32 = 0x4000003e;   // libseccomp's SCMP_ARCH_X32
const X32_BIT = 0x40000000;
const ENOSYS = 0x00050026;
const INPUTS = 100_000;
const hasLibseccomp = fs.existsSync('/usr/include/seccomp.h');

type Profile = Record<string, any>;

/** runc's getAction: the SECCOMP_RET_* value libseccomp gets for an action (EPERM by default). */
function action(name: string, errnoRet?: number): number {
  const e = (errnoRet ?? 1) & 0xffff;
  switch (name) {
    case 'SCMP_ACT_KILL': case 'SCMP_ACT_KILL_THREAD': return 0;
    case 'SCMP_ACT_KILL_PROCESS': return 0x80000000;
    case 'SCMP_ACT_TRAP': return 0x00030000;
    case 'SCMP_ACT_ERRNO': return (0x00050000 | e) >>> 0;
    case 'SCMP_ACT_TRACE': return (0x7ff00000 | e) >>> 0;
    case 'SCMP_ACT_LOG': return 0x7ffc0000;
    case 'SCMP_ACT_ALLOW': return 0x7fff0000;
    case 'SCMP_ACT_NOTIFY': return 0x7fc00000;
  }
  throw new Error(`action ${name}`);
}
const OPS = ['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ'];

/** The oracle's input: runc's SetupSeccomp split into one rule per name. */
function oracleInput(p: Profile): string {
  const lines = [`default ${action(p.defaultAction, p.defaultErrnoRet)}`];
  for (const a of p.architectures ?? []) lines.push(`arch ${a}`);
  for (const s of p.syscalls ?? []) {
    for (const n of s.names) {
      const args = (s.args ?? []).map((a: any) => `${a.index} ${OPS.indexOf(a.op)} ${BigInt(a.value ?? 0)} ${BigInt(a.valueTwo ?? 0)}`);
      lines.push(`rule ${n} ${action(s.action, s.errnoRet)} ${args.length} ${args.join(' ')}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** runc 1.1.5's -ENOSYS stub: ENOSYS for a syscall above the largest one the profile names on a listed arch. */
function runcStub(p: Profile, max: Map<number, number>): (d: SeccompData) => number | undefined {
  if (['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE'].includes(p.defaultAction)) return () => undefined;
  const amd = max.get(AUDIT_X86_64) ?? 0, x32 = max.get(TOKEN_X32) ?? 0, i386 = max.get(AUDIT_I386) ?? 0;
  return (d) => {
    const nr = d.nr >>> 0;
    if (d.arch === AUDIT_X86_64) {
      if (nr & X32_BIT) { if (x32 && nr > x32) return ENOSYS; }
      else if (amd && nr > amd) return ENOSYS;
    } else if (d.arch === AUDIT_I386 && i386 && nr > i386) return ENOSYS;
    return undefined;
  };
}

/** syscall numbers by name per ABI, to aim the inputs (wasm-core/src/syscalls.def). */
function syscallTable(): Map<string, number[]> {
  const t = new Map<string, number[]>();
  const text = fs.readFileSync(path.join(repo, 'wasm-core', 'src', 'syscalls.def'), 'utf8');
  for (const m of text.matchAll(/^SYSCALL\((\w+), (-?\d+), (-?\d+), (-?\d+)\)/gm)) t.set(m[1]!, [Number(m[2]), Number(m[3]), Number(m[4])]);
  return t;
}

/** Inputs biased to matter: named syscalls and their neighbours, the stub's edges, x32, rule values. */
function* inputs(p: Profile, table: Map<string, number[]>, seed: number): Generator<SeccompData> {
  const r = rng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const u32 = () => Math.floor(r() * 0x100000000) >>> 0;
  const u64 = () => (BigInt(u32()) << 32n) | BigInt(u32());
  const nrs: number[][] = [[], [], []];   // x86_64, i386, x32 (with the bit)
  const values: bigint[] = [0n, 1n, 0xffffffffn, 0x100000000n, 0xffffffffffffffffn, 0x7fffffffn, 0x80000000n];
  for (const s of p.syscalls ?? []) {
    for (const n of s.names) {
      const t = table.get(n);
      if (t) t.forEach((x, i) => { if (x >= 0) nrs[i]!.push(i === 2 ? (x | X32_BIT) >>> 0 : x); });
    }
    for (const a of s.args ?? []) {
      const v = BigInt.asUintN(64, BigInt(a.value ?? 0)), w = BigInt.asUintN(64, BigInt(a.valueTwo ?? 0));
      for (const x of [v, v + 1n, v - 1n, w, w + 1n, w - 1n, v & w, w | ~v, v | w]) values.push(BigInt.asUintN(64, x));
    }
  }
  nrs[1]!.push(102, 117);   // socketcall, ipc
  for (const l of nrs) if (!l.length) l.push(0);
  const lo32 = values.map((v) => v & 0xffffffffn);
  const arg = (): bigint => {
    const k = r();
    if (k < 0.45) return pick(values);
    if (k < 0.6) return (BigInt(u32()) << 32n) | pick(lo32);                 // right low word, any high word
    if (k < 0.7) return (pick(values) & 0xffffffff00000000n) | BigInt(u32());
    if (k < 0.8) return BigInt(Math.floor(r() * 40));
    if (k < 0.85) return BigInt(Math.floor(r() * 25));                         // socketcall/ipc call numbers
    return u64();
  };
  for (;;) {
    const k = r();
    const arch = k < 0.45 ? AUDIT_X86_64 : k < 0.85 ? AUDIT_I386 : k < 0.93 ? AUDIT_AARCH64 : u32();
    const abi = arch === AUDIT_I386 ? 1 : arch === AUDIT_X86_64 && r() < 0.3 ? 2 : 0;
    const q = r();
    let nr: number;
    const named = nrs[abi]!;
    const top = Math.max(...named);
    if (q < 0.55) nr = pick(named) + pick([0, 0, 0, 1, -1]);
    else if (q < 0.65) nr = top + pick([0, 1, 2]);
    else if (q < 0.8) nr = Math.floor(r() * 1024) | (abi === 2 ? X32_BIT : 0);
    else if (q < 0.9) nr = (X32_BIT | Math.floor(r() * 1024)) >>> 0;
    else if (q < 0.95) nr = pick([0xffffffff, 0x80000000, 0x3fffffff, 0x40000000 + 600, 0xc0000000]);
    else nr = u32();
    yield { nr: nr >>> 0, arch, ip: u64(), args: [arg(), arg(), arg(), arg(), arg(), arg()] };
  }
}

/** A deterministic generated profile: every action, operator, errnoRet and arch set in turn. */
function generated(seed: number): Profile {
  const r = rng(0x5ecc0 + seed * 7919);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const defaults = ['SCMP_ACT_KILL', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_TRAP', 'SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE', 'SCMP_ACT_LOG', 'SCMP_ACT_ALLOW'];
  // NOTIFY only in rules: as a default it is refused (runc too), and it needs a listener
  const actions = [...defaults, 'SCMP_ACT_NOTIFY'];
  const archSets = [[], ['SCMP_ARCH_X86_64'], ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'], ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X32'], ['SCMP_ARCH_X86'], ['SCMP_ARCH_X32'], ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    ['SCMP_ARCH_X86_64', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_X86']];
  // x86_64-only, i386-only, x32's own numbers, multiplexed on i386, the newest, unknown everywhere
  const names = ['read', 'write', 'openat', 'close', 'mmap', 'ioctl', 'clone', 'personality', 'kill', 'mkdir', 'getpid',
    'socket', 'connect', 'accept', 'accept4', 'send', 'recv', 'sendmsg', 'socketcall', 'semop', 'semtimedop', 'shmat', 'msgget', 'ipc',
    '_llseek', 'waitpid', 'stat64', 'arch_prctl', 'kexec_file_load', 'rt_sigaction', 'preadv2', 'io_uring_setup',
    'set_mempolicy_home_node', 'futex_waitv', 'process_mrelease', 'no_such_syscall', 'uselib', 'time'];
  const vals = [0n, 1n, 2n, 8n, 0x20000n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 0x100000001n, 0xffffffffffffffffn, 0x8000000000000000n];
  const val = () => r() < 0.8 ? pick(vals) : (BigInt(Math.floor(r() * 0x100000000)) << BigInt(pick([0, 32]))) | BigInt(Math.floor(r() * 0x10000));
  const conflicting = seed >= 48;
  const defaultAction = seed === 0 ? 'SCMP_ACT_ALLOW' : defaults[seed % defaults.length]!;
  const p: Profile = { defaultAction };
  if (defaultAction === 'SCMP_ACT_ERRNO' && r() < 0.6) p.defaultErrnoRet = pick([1, 13, 38, 95, 4095]);
  const arches = archSets[seed % archSets.length]!;
  if (arches.length || r() < 0.5) p.architectures = arches;
  p.syscalls = [];
  const cond = (op: string): any => {
    const a: any = { index: Math.floor(r() * (r() < 0.3 ? 2 : 6)), value: val(), op };
    if (op === 'SCMP_CMP_MASKED_EQ') a.valueTwo = r() < 0.2 ? 0n : val();
    return a;
  };
  const withErrno = (s: any) => {
    if ((s.action === 'SCMP_ACT_ERRNO' || s.action === 'SCMP_ACT_TRACE') && r() < 0.6) s.errnoRet = pick([1, 2, 13, 38, 1000]);
    return s;
  };
  const used = new Set<string>();   // names that already have a conditional rule
  // i386 files a socket or IPC call's rules under socketcall/ipc next to the others: several
  // tests in one rule there would be refused, so rules with several tests avoid them
  const muxed = new Set(['socket', 'connect', 'accept', 'accept4', 'send', 'recv', 'sendmsg', 'semop', 'semtimedop', 'shmat', 'msgget']);
  const fresh = (single = false) => {
    const free = names.filter((x) => !used.has(x) && (single || !muxed.has(x)));
    const x = pick(free.length ? free : names);
    used.add(x);
    return x;
  };
  const n = 2 + Math.floor(r() * 10);
  for (let i = 0; i < n; i++) {
    const kind = conflicting ? 'free' : pick(['plain', 'plain', 'and', 'and', 'eqs', 'or', 'masks', 'netlink', 'netlink', 'sameand', 'diffand']);
    if (kind === 'plain') {         // unconditional: any names (they win over conditional ones)
      p.syscalls.push(withErrno({ names: Array.from({ length: 1 + Math.floor(r() * 4) }, () => pick(names)), action: pick(actions) }));
    } else if (kind === 'and') {    // one rule, conditions on distinct arguments (AND), every operator
      const idx = [0, 1, 2, 3, 4, 5].sort(() => r() - 0.5).slice(0, 1 + Math.floor(r() * 3));
      const args = idx.map((index, k) => ({ ...cond(OPS[(seed + i + k) % OPS.length]!), index }));
      p.syscalls.push(withErrno({ names: [fresh(idx.length === 1), ...(r() < 0.3 ? [fresh(idx.length === 1)] : [])], action: pick(actions), args }));
    } else if (kind === 'eqs') {    // personality-like: one EQ on one argument per rule, distinct values
      const name = fresh(true), index = Math.floor(r() * 3);
      const vs = [...new Set(Array.from({ length: 2 + Math.floor(r() * 3) }, () => val()))];
      for (const v of vs) p.syscalls.push(withErrno({ names: [name], action: pick(actions), args: [{ index, value: v, op: 'SCMP_CMP_EQ' }] }));
    } else if (kind === 'or') {     // several EQs on one argument in one rule: runc splits them (OR)
      const index = Math.floor(r() * 6);
      const vs = [...new Set([val(), val(), val()])];
      p.syscalls.push(withErrno({ names: [fresh()], action: pick(actions), args: vs.map((v) => ({ index, value: v, op: 'SCMP_CMP_EQ' })) }));
    } else if (kind === 'netlink') { // podman-like: EQ/NE tests of few values on two arguments; rules with
      // different actions exclude each other (EQ v vs NE v), the others overlap freely
      const name = fresh(true), vals2 = [9n, 16n, 0x100000009n];
      const deny = pick(actions), allow = pick(actions);
      const ia = Math.floor(r() * 3), ib = 3 + Math.floor(r() * 3), va = pick(vals2), vb = pick(vals2);
      p.syscalls.push(withErrno({ names: [name], action: deny, args: [{ index: ia, value: va, op: 'SCMP_CMP_EQ' }, { index: ib, value: vb, op: 'SCMP_CMP_EQ' }] }));
      for (let k = 0; k < 1 + Math.floor(r() * 3); k++)
        p.syscalls.push({ names: [name], action: allow, args: [pick([{ index: ib, value: vb, op: 'SCMP_CMP_NE' }, { index: ia, value: va, op: 'SCMP_CMP_NE' }])] });
      if (r() < 0.25) p.syscalls.reverse();
    } else if (kind === 'sameand') { // one action, EQ tests on a few arguments that overlap freely
      const name = fresh(true), act = pick(actions);
      for (let k = 0; k < 2 + Math.floor(r() * 2); k++) {
        const idx = [0, 1, 2].sort(() => r() - 0.5).slice(0, 1 + Math.floor(r() * 2));
        p.syscalls.push({ names: [name], action: act, args: idx.map((index) => ({ index, value: pick([1n, 2n, 0x100000001n]), op: 'SCMP_CMP_EQ' })) });
      }
    } else if (kind === 'diffand') { // several actions, EQ tests on a few arguments, told apart by some argument
      const name = fresh(true);
      for (let k = 0; k < 2 + Math.floor(r() * 2); k++) {
        const idx = [0, 1, 2, 3].sort(() => r() - 0.5).slice(0, 2);
        p.syscalls.push({ names: [name], action: pick(actions), args: [...idx.map((index) => ({ index, value: pick([1n, 2n]), op: 'SCMP_CMP_EQ' })), { index: 4, value: BigInt(k + 1), op: 'SCMP_CMP_EQ' }] });
      }
    } else if (kind === 'masks') {  // MASKED_EQ tests with one mask on one argument that no call passes together
      const name = fresh(), index = Math.floor(r() * 3);
      const mask = pick([0xffn, 0x7e020000n, 0xff000000ffn, 0xffffffffn]);
      const ds = [...new Set([val() & mask, val() & mask, 1n & mask, 2n & mask])];
      for (const d of ds) {
        const a = { index, value: mask, valueTwo: d | (val() & ~mask & 0xffffffffffffffffn), op: 'SCMP_CMP_MASKED_EQ' };
        p.syscalls.push(withErrno({ names: [name], action: pick(actions), args: [a] }));
      }
    } else {                        // anything: overlapping rules planc (or libseccomp) refuses
      const nargs = r() < 0.35 ? 0 : 1 + Math.floor(r() * 3);
      const s: any = withErrno({ names: Array.from({ length: 1 + Math.floor(r() * 4) }, () => pick(names)), action: pick(actions) });
      if (nargs) s.args = Array.from({ length: nargs }, (_x, k) => cond(OPS[(seed + i + k) % OPS.length]!));
      p.syscalls.push(s);
    }
  }
  if (seed === 0) p.syscalls.push({ names: ['mkdir', 'mount'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 });
  // the runtime hands the listener over with sendmsg (runc: write), so those are never notified;
  // a profile that notifies names the agent's socket, as it must
  for (const c of p.syscalls) if (c.action === 'SCMP_ACT_NOTIFY' && c.names.some((x: string) => x === 'write' || x === 'sendmsg')) c.action = 'SCMP_ACT_ERRNO';
  if (p.syscalls.some((c: any) => c.action === 'SCMP_ACT_NOTIFY')) p.listenerPath = '/run/planc-agent.sock';
  return p;
}

/**
 * A defect of libseccomp's code generator (2.5.4): a path on which a syscall number is compared
 * while the accumulator still holds the arch word (its `ld nr` was left out), so every syscall of
 * that arch gets the default action. Returns the first such instruction, or -1.
 */
function archWordDefect(prog: Insn[]): number {
  const arches = new Set([AUDIT_X86_64, AUDIT_I386, AUDIT_AARCH64]);
  const held: (Set<number> | undefined)[] = new Array(prog.length).fill(undefined);
  const flow = (pc: number, l: Set<number>) => { if (pc < prog.length) held[pc] = new Set([...(held[pc] ?? []), ...l]); };
  held[0] = new Set([-1]);
  for (let pc = 0; pc < prog.length; pc++) {
    const x = prog[pc]!, l = x.code === 0x20 ? new Set([x.k]) : held[pc];
    if (!l) continue;
    if ((x.code & 0x07) === 0x05 && x.code !== 0x05) {
      if (l.has(4) && !arches.has(x.k >>> 0)) return pc;
      flow(pc + 1 + x.jt, l); flow(pc + 1 + x.jf, l);
    } else if (x.code === 0x05) flow(pc + 1 + x.k, l);
    else if ((x.code & 0x07) !== 0x06) flow(pc + 1, l);
  }
  return -1;
}

/** JSON with bigints as plain numbers (config.json carries uint64 values). */
function toJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) => typeof x === 'bigint' ? `@@${x}@@` : x).replace(/"@@(\d+)@@"/g, '$1');
}

function profiles(): [string, Profile][] {
  const out: [string, Profile][] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const f = path.join(dir, e.name);
      if (e.isDirectory()) walk(f);
      else if (e.name.endsWith('.json')) {
        const j = JSON.parse(fs.readFileSync(f, 'utf8'));
        if (j?.linux?.seccomp) out.push([path.relative(repo, f), j.linux.seccomp]);
      }
    }
  };
  walk(path.join(repo, 'spec-tests', 'corpus'));
  const podman = podmanProfile();
  if (podman) out.push(['podman default (/usr/share/containers/seccomp.json, no capabilities)', podman]);
  // more engine-format profiles to compare locally (colon-separated paths)
  for (const f of (process.env.SECCOMP_EXTRA_PROFILES ?? '').split(':').filter(Boolean)) out.push([f, podmanProfile(f)!]);
  walk(fixtures);
  out.push(['bench/fixtures/seccomp-docker-like.json', JSON.parse(fs.readFileSync(path.join(repo, 'bench', 'fixtures', 'seccomp-docker-like.json'), 'utf8'))]);
  for (let i = 0; i < 52; i++) out.push([`generated-${i}`, generated(i)]);
  // one syscall with rules longer than a conditional jump reaches (255 instructions)
  out.push(['80 personality values, two actions (a block past a jump)', {
    defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
    syscalls: [{ names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
      ...Array.from({ length: 80 }, (_x, i) => ({ names: ['personality'], action: i % 3 ? 'SCMP_ACT_ALLOW' : 'SCMP_ACT_TRAP', args: [{ index: 0, value: i * 0x10001, op: 'SCMP_CMP_EQ' }] }))],
  }]);
  return out;
}

describe.skipIf(!hasLibseccomp)('seccomp filters decide as libseccomp + runc 1.1.5 (skipped without libseccomp-dev: no /usr/include/seccomp.h)', () => {
  let planner: Planner;
  let dir: string;
  let bundle: string;
  let oracle: string;
  const table = syscallTable();
  const host = JSON.parse(fs.readFileSync(hostFacts, 'utf8'));
  const base = readFixture('default');

  beforeAll(async () => {
    planner = await loadPlanner(coreWasm);
    dir = tempDir('seccomp-diff');
    bundle = makeBundle(path.join(dir, 'bundle'), base);
    oracle = path.join(dir, 'oracle');
    execFileSync('cc', ['-O1', '-o', oracle, path.join(repo, 'spec-tests', 'seccomp', 'oracle.c'), '-lseccomp']);
  });
  afterAll(() => rmTree(dir));

  /** planc's filter and flags for a profile, or its errors. */
  function plancFilter(p: Profile): { filter?: Uint8Array; flags?: number; errors?: { pointer: string; rule: string; message: string }[] } {
    const text = toJson({ ...base, linux: { ...base.linux, seccomp: p } });
    const config = JSON.parse(text);
    const res = planner.plan(new TextEncoder().encode(text), buildContext({ id: 'scdiff', bundle, stateDir: '/run/planc/scdiff', host, config }));
    if (!res.ok) return { errors: res.errors };
    const op = decodePlan(res.plan).find((o) => o.op === 'seccomp_set_filter');
    if (!op) throw new Error('no seccomp_set_filter op');
    return { filter: op.args.filter as Uint8Array, flags: op.args.flags as number };
  }

  function libseccomp(p: Profile): { prog?: Insn[]; max: Map<number, number>; error?: string } {
    const r = spawnSync(oracle, [], { input: oracleInput(p), maxBuffer: 1 << 24 });
    const max = new Map<number, number>();
    const err = r.stderr.toString();
    for (const m of err.matchAll(/^max (\d+) (-?\d+)$/gm)) if (Number(m[2]) > 0) max.set(Number(m[1]), Number(m[2]));
    if (r.status !== 0) return { max, error: err.trim() || `exit ${r.status}` };
    return { prog: parseProgram(new Uint8Array(r.stdout)), max };
  }

  const all = profiles();
  const refused: string[] = [];
  const compared: string[] = [];
  const defective: string[] = [];
  afterAll(() => {
    // at least 20 generated profiles are compared, not refused
    if (refused.length) console.log(`refused on purpose: ${refused.join(', ')}`);
    if (defective.length) console.log(`libseccomp's program compares the arch word with syscall numbers: ${defective.join(', ')}`);
    expect(defective.filter((n) => !n.startsWith('generated-'))).toEqual([]);   // never in a real profile
    expect(compared.filter((n) => n.startsWith('generated-')).length).toBeGreaterThanOrEqual(20);
    // SCMP_ACT_NOTIFY (SECCOMP_RET_USER_NOTIF) rules are among the decisions compared
    const notifying = new Set(all.filter(([, p]) => (p.syscalls ?? []).some((c: any) => c.action === 'SCMP_ACT_NOTIFY')).map(([n]) => n));
    expect(compared.filter((n) => notifying.has(n)).length).toBeGreaterThanOrEqual(5);
  });
  test('the profile set: corpus, fixtures, bench and at least 20 generated ones', () => {
    expect(all.filter(([n]) => n.startsWith('spec-tests/corpus')).length).toBeGreaterThanOrEqual(6);
    expect(all.filter(([n]) => n.startsWith('generated-')).length).toBeGreaterThanOrEqual(20);
  });

  all.forEach(([name, p], idx) => {
    test(`${name}: 0 mismatches in ${INPUTS} inputs`, () => {
      const mine = plancFilter(p);
      if (process.env.SCDIFF_DUMP === name) fs.writeFileSync('/tmp/scdiff-profile.json', toJson(p));
      const ref = libseccomp(p);
      if (ref.error) {
        // runc cannot load it either: planc must refuse it too
        expect(mine.errors, `libseccomp refused (${ref.error}); planc planned it`).toBeDefined();
        return;
      }
      if (mine.errors) {
        // refused on purpose: the listener is not planned yet (NOTIFY), or two conditional
        // rules of one syscall with different actions overlap (libseccomp's tree order decides)
        expect(mine.errors.every((e) => ['unsupported', 'seccomp-notify', 'seccomp-conflict'].includes(e.rule)), JSON.stringify(mine.errors)).toBe(true);
        refused.push(`${name}: ${mine.errors[0]!.rule} ${mine.errors[0]!.pointer}`);
        return;
      }
      const prog = parseProgram(mine.filter!);
      // libseccomp sometimes forgets to load nr on some path (runc would load that program):
      // planc compiles what the rules say, and inputs that take such a path are not compared
      const defect = archWordDefect(ref.prog!);
      expect(archWordDefect(prog)).toBe(-1);
      if (defect >= 0) defective.push(`${name} (instruction ${defect})`);
      let skipped = 0;
      if (process.env.SCDIFF_DUMP === name) {   // debugging aid: both programs and the profile
        const dis = (x: Insn[]) => x.map((i, n) => `${n} ${i.code.toString(16)} ${i.jt} ${i.jf} 0x${i.k.toString(16)}`).join('\n');
        fs.writeFileSync('/tmp/scdiff-profile.json', toJson(p));
        fs.writeFileSync('/tmp/scdiff-libseccomp.txt', dis(ref.prog!) + `\nmax ${JSON.stringify([...ref.max])}`);
        fs.writeFileSync('/tmp/scdiff-planc.txt', dis(prog));
      }
      expect(prog.length).toBeLessThanOrEqual(4096);
      const stub = runcStub(p, ref.max);
      // a listed arch planc has no syscall tables for gets a section from libseccomp and none
      // from planc (its syscalls never reach an x86_64 kernel): inputs of that arch are skipped
      const foreign = new Set((p.architectures ?? []).filter((a: string) => !['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'].includes(a))
        .map((a: string) => { if (a !== 'SCMP_ARCH_AARCH64') throw new Error(`no audit value for ${a}`); return AUDIT_AARCH64; }));
      let mismatches = 0;
      const first: string[] = [];
      let n = 0, drawn = 0;
      for (const d of inputs(p, table, 1000 + idx)) {
        if (foreign.has(d.arch)) continue;
        if (n === INPUTS || ++drawn > 20 * INPUTS) break;
        const view = seccompData(d);
        const trace = { archWordCompared: false };
        const want = stub(d) ?? run(ref.prog!, view, trace);
        if (trace.archWordCompared) { skipped++; continue; }
        n++;
        const got = run(prog, view);
        if (want !== got) {
          mismatches++;
          if (first.length < 5) first.push(`arch=0x${d.arch.toString(16)} nr=0x${d.nr.toString(16)} args=[${d.args.map((a) => '0x' + a.toString(16)).join(',')}] libseccomp=0x${want.toString(16)} planc=0x${got.toString(16)}`);
        }
      }
      expect(mismatches, first.join('\n')).toBe(0);
      expect(n).toBe(INPUTS);
      if (skipped) defective.push(`${name}: ${skipped} inputs on its path not compared`);
      compared.push(name);
    });
  });
});
