// Compares two plans op by op (aligned by op and key args) and summarises what changed in
// privilege: capabilities, writable host binds, masks, read-only paths, namespaces, seccomp, devices,
// host network devices.
// Pure: works on decoded ops only, so it needs no root, no planner and no host.
import { FLAGS, OPS } from '../gen/ops.js';
import type { ArgValue, PlanOp } from '../plan/decode.js';
import { renderArg, renderOpLine } from '../plan/render.js';
import { devicePolicy, ruleText } from '../plan/ebpf.js';

export interface ArgChange { arg: string; from: string; to: string; delta?: string }
export interface OpChange {
  kind: 'added' | 'removed' | 'changed' | 'moved';
  op: string;
  key: string;
  a?: number;                 /* index in the first plan */
  b?: number;                 /* index in the second plan */
  changes?: ArgChange[];
}
export interface SetChange { added: string[]; removed: string[] }
export interface PrivilegedSummary {
  capabilities: { added: Record<string, string[]>; removed: Record<string, string[]> };
  writableHostBinds: SetChange;
  maskedPaths: SetChange;
  readonlyPaths: SetChange;
  namespaces: SetChange;
  joinedNamespaces: SetChange;
  seccomp: 'unchanged' | 'added' | 'removed' | 'changed' | 'none';
  deviceRules: SetChange;
  deviceNodes: SetChange;
  hostNetDevices: SetChange;   /* host network devices moved into the container (link_move) */
  noNewPrivileges: 'unchanged' | 'added' | 'removed';
  user: { from: string; to: string } | null;
}
export interface PlanDiff { same: boolean; ops: OpChange[]; summary: PrivilegedSummary }

const DEF = new Map(OPS.map((o) => [o.name as string, o]));
const flag = (table: string, name: string): bigint => {
  const hit = FLAGS[table]!.entries.find(([n]) => n === name);
  if (!hit) throw new Error(`flags.def has no ${table}.${name}`);
  return BigInt(hit[1]);
};
const MS_RDONLY = flag('mount_flags', 'MS_RDONLY');
const MS_REMOUNT = flag('mount_flags', 'MS_REMOUNT');
const MS_BIND = flag('mount_flags', 'MS_BIND');
const SRC_HOST_PATH = Number(flag('src_kind', 'SRC_HOST_PATH'));

/* args that name what an op acts on; ops without an entry are keyed by name and occurrence */
const KEY_ARGS: Record<string, string[]> = {
  mkfifo: ['path'], mkdir: ['path'], write_file: ['path'], setns: ['nstype'], cgroup_join_self: ['path'],
  sync_signal: ['point'], sync_wait: ['point'], sync_caller: ['point'], write_child_proc: ['file'],
  mount: ['target'], mkdir_in_root: ['path'], mount_in_root: ['target', 'src_kind'], mknod_in_root: ['path'],
  chown_in_root: ['path'], symlink_in_root: ['linkpath'], mask_path: ['path'], setrlimit: ['resource'],
  run_hook: ['path'], rmdir: ['path'], unlink: ['path'], link_move: ['name'], link_up: ['name'],
};

function show(op: string, arg: string, v: ArgValue): string {
  const a = DEF.get(op)!.args.find((x) => x.name === arg)!;
  return renderArg(a, v, op);
}

function keyOf(o: PlanOp): string {
  const names = KEY_ARGS[o.op] ?? [];
  let k = `${o.lane} ${o.op}` + names.map((n) => ` ${n}=${show(o.op, n, o.args[n]!)}`).join('');
  // device cgroup rules share one file; the rule is what identifies them
  if (o.op === 'write_file' && /\/devices\.(allow|deny)$/.test(o.args.path as string)) k += ` data=${JSON.stringify(o.args.data)}`;
  return k;
}

function keyed(ops: readonly PlanOp[]): string[] {
  const seen = new Map<string, number>();
  return ops.map((o) => {
    const k = keyOf(o);
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    return n ? `${k} #${n + 1}` : k;
  });
}

/* longest common subsequence of the two key lists, as index pairs */
function lcs(a: string[], b: string[]): [number, number][] {
  const n = a.length, m = b.length;
  const t = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) {
    t[i]![j] = a[i] === b[j] ? t[i + 1]![j + 1]! + 1 : Math.max(t[i + 1]![j]!, t[i]![j + 1]!);
  }
  const out: [number, number][] = [];
  for (let i = 0, j = 0; i < n && j < m;) {
    if (a[i] === b[j]) { out.push([i, j]); i++; j++; } else if (t[i + 1]![j]! >= t[i]![j + 1]!) i++; else j++;
  }
  return out;
}

function argChanges(x: PlanOp, y: PlanOp): ArgChange[] {
  const out: ArgChange[] = [];
  if (x.why !== y.why) out.push({ arg: 'why', from: x.why, to: y.why });
  for (const a of DEF.get(x.op)!.args) {
    const from = show(x.op, a.name, x.args[a.name]!);
    const to = show(y.op, a.name, y.args[a.name]!);
    if (from === to) continue;
    const table = a.render ? FLAGS[a.render] : undefined;
    if (table?.bitset && (a.fmt === 'U' || a.fmt === 'u')) {
      // bit sets read better as what was set and what was cleared
      const fx = new Set(from.split('|')), tx = new Set(to.split('|'));
      const delta = [...[...tx].filter((n) => !fx.has(n)).map((n) => `+${n}`), ...[...fx].filter((n) => !tx.has(n)).map((n) => `-${n}`)].join(' ');
      out.push({ arg: a.name, from, to, delta });
    } else {
      out.push({ arg: a.name, from, to });
    }
  }
  return out;
}

export function diffOps(a: readonly PlanOp[], b: readonly PlanOp[]): OpChange[] {
  const ka = keyed(a), kb = keyed(b);
  const pairs = lcs(ka, kb);
  const inA = new Set(pairs.map(([i]) => i)), inB = new Set(pairs.map(([, j]) => j));
  const out: OpChange[] = [];
  for (const [i, j] of pairs) {
    const changes = argChanges(a[i]!, b[j]!);
    if (changes.length) out.push({ kind: 'changed', op: a[i]!.op, key: ka[i]!, a: i, b: j, changes });
  }
  const bByKey = new Map<string, number>();
  kb.forEach((k, j) => { if (!inB.has(j)) bByKey.set(k, j); });
  const moved = new Set<number>();
  ka.forEach((k, i) => {
    if (inA.has(i)) return;
    const j = bByKey.get(k);
    if (j !== undefined) {
      moved.add(j);
      const changes = argChanges(a[i]!, b[j]!);
      out.push({ kind: 'moved', op: a[i]!.op, key: k, a: i, b: j, ...(changes.length ? { changes } : {}) });
    } else {
      out.push({ kind: 'removed', op: a[i]!.op, key: k, a: i });
    }
  });
  kb.forEach((k, j) => { if (!inB.has(j) && !moved.has(j)) out.push({ kind: 'added', op: b[j]!.op, key: k, b: j }); });
  const pos = (c: OpChange): number => c.b ?? c.a ?? 0;
  return out.sort((x, y) => pos(x) - pos(y) || (x.a ?? -1) - (y.a ?? -1));
}

/* ---- the privileged view of one plan ---- */

const CAP_NAMES = FLAGS.caps!.entries;
const NODE_TYPE: Record<number, string> = { 0o020000: 'c', 0o060000: 'b', 0o010000: 'p' };
const capNames = (v: bigint): string[] => CAP_NAMES.filter(([, bit]) => (v >> BigInt(bit)) & 1n).map(([n]) => n);

interface PrivView {
  caps: Record<string, Set<string>>;    /* capability -> sets */
  writableBinds: Set<string>; masked: Set<string>; readonly: Set<string>;
  namespaces: Set<string>; joined: Set<string>;
  seccomp: string | null; deviceRules: Set<string>; deviceNodes: Set<string>; netDevices: Set<string>;
  nnp: boolean; user: string;
}

function view(ops: readonly PlanOp[]): PrivView {
  const v: PrivView = {
    caps: {}, writableBinds: new Set(), masked: new Set(), readonly: new Set(), namespaces: new Set(), joined: new Set(),
    seccomp: null, deviceRules: new Set(), deviceNodes: new Set(), netDevices: new Set(), nnp: false, user: '0:0',
  };
  const addCaps = (set: string, bits: bigint): void => { for (const c of capNames(bits)) (v.caps[c] ??= new Set()).add(set); };
  let bounding: bigint | null = null;
  const binds = new Map<string, { source: string; ro: boolean }>();
  for (const o of ops) {
    const a = o.args;
    switch (o.op) {
      case 'capbset_drop': bounding = (bounding ?? (1n << BigInt(CAP_NAMES.length)) - 1n) & ~(a.caps as bigint); break;
      case 'capset':
        addCaps('effective', a.effective as bigint); addCaps('permitted', a.permitted as bigint); addCaps('inheritable', a.inheritable as bigint);
        break;
      case 'cap_ambient_raise': addCaps('ambient', a.caps as bigint); break;
      case 'mount_in_root': {
        const flags = a.flags as bigint;
        const target = a.target as string;
        if (a.src_kind === SRC_HOST_PATH && (flags & MS_BIND)) binds.set(target, { source: a.source as string, ro: (flags & MS_RDONLY) !== 0n });
        if ((flags & MS_REMOUNT) && (flags & MS_RDONLY)) {
          const b = binds.get(target);
          if (b) b.ro = true;
          v.readonly.add(target);
        }
        break;
      }
      case 'mask_path': v.masked.add(a.path as string); break;
      case 'clone': case 'clone_into_cgroup': case 'unshare':
        for (const n of capLike('clone_flags', a.flags as bigint)) if (n.startsWith('CLONE_NEW')) v.namespaces.add(n.slice(9).toLowerCase());
        break;
      case 'setns': {
        if (a.path === '/proc/self/ns/time_for_children') break;   // entering the time namespace its unshare made: new, not joined
        const t = FLAGS.nstype!.entries.find(([, x]) => x === a.nstype)?.[0] ?? String(a.nstype);
        v.joined.add(`${t.replace(/^NS_NEW/, '').toLowerCase()} ${a.path as string}`);
        break;
      }
      case 'seccomp_set_filter': v.seccomp = Buffer.from(a.filter as Uint8Array).toString('base64'); break;
      case 'write_file': {
        const m = /\/devices\.(allow|deny)$/.exec(a.path as string);
        if (m) v.deviceRules.add(`${m[1]} ${a.data as string}`);
        break;
      }
      case 'bpf_device_filter': {
        // cgroup v2: the rules the program enforces, in the words v1's devices files use
        const p = devicePolicy(a.insns as Uint8Array);
        for (const line of p ? [...p.rules.map(ruleText), `${p.defaultAllow ? 'allow' : 'deny'} a *:* rwm`] : ['unreadable device program']) v.deviceRules.add(line);
        break;
      }
      case 'mknod_in_root': v.deviceNodes.add(`${a.path as string} ${NODE_TYPE[(a.mode as number) & 0o170000] ?? '?'} ${a.major}:${a.minor}`); break;
      case 'link_move': v.netDevices.add(`${a.name as string} -> ${a.new_name as string}`); break;
      case 'set_no_new_privs': v.nnp = true; break;
      case 'setresuid': v.user = `${a.euid}:${v.user.split(':')[1]}`; break;
      case 'setresgid': v.user = `${v.user.split(':')[0]}:${a.egid}`; break;
    }
  }
  if (bounding !== null) addCaps('bounding', bounding);
  for (const [target, b] of binds) if (!b.ro) v.writableBinds.add(`${b.source} -> ${target}`);
  return v;
}

function capLike(table: string, bits: bigint): string[] {
  return FLAGS[table]!.entries.filter(([, x]) => x !== 0 && (bits & BigInt(x)) === BigInt(x)).map(([n]) => n);
}

const setDiff = (a: Set<string>, b: Set<string>): SetChange => ({
  added: [...b].filter((x) => !a.has(x)).sort(), removed: [...a].filter((x) => !b.has(x)).sort(),
});

export function privilegedSummary(a: readonly PlanOp[], b: readonly PlanOp[]): PrivilegedSummary {
  const x = view(a), y = view(b);
  const added: Record<string, string[]> = {}, removed: Record<string, string[]> = {};
  for (const c of new Set([...Object.keys(x.caps), ...Object.keys(y.caps)])) {
    const s = setDiff(x.caps[c] ?? new Set(), y.caps[c] ?? new Set());
    if (s.added.length) added[c] = s.added;
    if (s.removed.length) removed[c] = s.removed;
  }
  return {
    capabilities: { added, removed },
    writableHostBinds: setDiff(x.writableBinds, y.writableBinds),
    maskedPaths: setDiff(x.masked, y.masked),
    readonlyPaths: setDiff(x.readonly, y.readonly),
    namespaces: setDiff(x.namespaces, y.namespaces),
    joinedNamespaces: setDiff(x.joined, y.joined),
    seccomp: x.seccomp === y.seccomp ? (x.seccomp === null ? 'none' : 'unchanged') : x.seccomp === null ? 'added' : y.seccomp === null ? 'removed' : 'changed',
    deviceRules: setDiff(x.deviceRules, y.deviceRules),
    deviceNodes: setDiff(x.deviceNodes, y.deviceNodes),
    hostNetDevices: setDiff(x.netDevices, y.netDevices),
    noNewPrivileges: x.nnp === y.nnp ? 'unchanged' : y.nnp ? 'added' : 'removed',
    user: x.user === y.user ? null : { from: x.user, to: y.user },
  };
}

export function diffPlans(a: readonly PlanOp[], b: readonly PlanOp[]): PlanDiff {
  const ops = diffOps(a, b);
  return { same: ops.length === 0, ops, summary: privilegedSummary(a, b) };
}

/* ---- text ---- */

export function renderDiffText(d: PlanDiff, a: readonly PlanOp[], b: readonly PlanOp[], labels: [string, string]): string {
  const lines: string[] = [`--- ${labels[0]}`, `+++ ${labels[1]}`];
  for (const c of d.ops) {
    if (c.kind === 'added') lines.push(`+ ${renderOpLine(b[c.b!]!)}`);
    else if (c.kind === 'removed') lines.push(`- ${renderOpLine(a[c.a!]!)}`);
    else {
      lines.push(`${c.kind === 'moved' ? '>' : '~'} ${c.a} -> ${c.b} ${c.op} ${c.key.split(' ').slice(2).join(' ')}${c.kind === 'moved' ? ' (moved)' : ''}`.trimEnd());
      for (const ch of c.changes ?? []) lines.push(ch.delta ? `      ${ch.arg}: ${ch.delta}` : `      ${ch.arg}: ${ch.from} -> ${ch.to}`);
    }
  }
  const s = d.summary;
  const out: string[] = [];
  const list = (title: string, c: SetChange): void => {
    for (const x of c.added) out.push(`  + ${title}: ${x}`);
    for (const x of c.removed) out.push(`  - ${title}: ${x}`);
  };
  for (const [c, sets] of Object.entries(s.capabilities.added)) out.push(`  + capability: ${c} (${sets.join(', ')})`);
  for (const [c, sets] of Object.entries(s.capabilities.removed)) out.push(`  - capability: ${c} (${sets.join(', ')})`);
  list('writable host bind mount', s.writableHostBinds);
  list('masked path', s.maskedPaths);
  list('read-only path', s.readonlyPaths);
  list('new namespace', s.namespaces);
  list('joined namespace', s.joinedNamespaces);
  if (s.seccomp === 'added' || s.seccomp === 'removed' || s.seccomp === 'changed') out.push(`  seccomp: ${s.seccomp}`);
  list('device cgroup rule', s.deviceRules);
  list('device node', s.deviceNodes);
  list('host network device', s.hostNetDevices);
  if (s.noNewPrivileges !== 'unchanged') out.push(`  noNewPrivileges: ${s.noNewPrivileges}`);
  if (s.user) out.push(`  user: ${s.user.from} -> ${s.user.to}`);
  lines.push(d.same ? 'plans are the same' : `${d.ops.length} op change(s)`);
  if (out.length) lines.push('privileged changes:', ...out);
  return lines.join('\n') + '\n';
}
