// Process attributes in the plan (process.scheduler, ioPriority, execCPUAffinity, linux.personality,
// memoryPolicy, timeOffsets and the time namespace): each op at runc's point with its field's pointer,
// bad values refused at their JSON Pointer, for create and exec. Needs no root and runs no container.
import { describe, test, expect, beforeAll } from 'vitest';
import fs from 'node:fs';
import { coreWasm, hostFacts } from './helpers/env.js';
import { readFixture, type Config } from './helpers/bundle.js';
import { planc } from './helpers/planc.js';
import { loadPlanner, type Planner, type SpecError } from '../orchestrator/src/planner.js';
import { buildContext, type PlanAction } from '../orchestrator/src/context.js';
import { decodePlan, type PlanOp } from '../orchestrator/src/plan/decode.js';
import { FLAGS } from '../orchestrator/src/gen/ops.js';

const host = JSON.parse(fs.readFileSync(hostFacts, 'utf8'));
const enc = new TextEncoder();
let planner: Planner;
beforeAll(async () => { planner = await loadPlanner(coreWasm); });

function run(config: unknown, action: PlanAction = 'create', container?: Config) {
  const ctx = buildContext({
    id: 'attrs', bundle: '/nonexistent-bundle', stateDir: '/run/planc/attrs', host, action, config: container ?? config,
    ...(container ? { container: { pid: 4242, config: container } } : {}),
  });
  return planner.plan(enc.encode(JSON.stringify(config)), ctx);
}
function ops(config: unknown, action: PlanAction = 'create', container?: Config): PlanOp[] {
  const r = run(config, action, container);
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.pointer}: ${e.message}`).join('\n'));
  return decodePlan(r.plan);
}
function errors(config: unknown, action: PlanAction = 'create', container?: Config): SpecError[] {
  const r = run(config, action, container);
  expect(r.ok, 'the config was planned').toBe(false);
  return r.ok ? [] : r.errors;
}
const at = (o: PlanOp[], name: string) => o.findIndex((x) => x.op === name);
const flag = (table: string, name: string) => FLAGS[table]!.entries.find(([n]) => n === name)![1];

function withAll(c: Config): Config {
  c.process.scheduler = { policy: 'SCHED_BATCH', nice: 5, flags: ['SCHED_FLAG_RESET_ON_FORK'] };
  c.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 6 };
  c.process.execCPUAffinity = { initial: '0', final: '1' };
  c.linux.personality = { domain: 'LINUX32' };
  c.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0', flags: ['MPOL_F_STATIC_NODES'] };
  c.linux.namespaces.push({ type: 'time' });
  c.linux.timeOffsets = { monotonic: { secs: 100, nanosecs: 5 }, boottime: { secs: -3, nanosecs: 0 } };
  return c;
}

describe('process attributes: the ops, their arguments and their order (create)', () => {
  test('each field gives its op with the numbers of sched_setattr(2), ioprio_set(2), personality(2), set_mempolicy(2)', () => {
    const o = ops(withAll(readFixture('default')));
    const get = (name: string) => o.find((x) => x.op === name)!;
    // SCHED_BATCH 3, SCHED_FLAG_RESET_ON_FORK 0x01 (include/uapi/linux/sched.h)
    expect(get('sched_setattr')).toMatchObject({ lane: 'container', why: '/process/scheduler',
      args: { policy: 3, flags: 1n, nice: 5, priority: 0, runtime: 0n, deadline: 0n, period: 0n } });
    // IOPRIO_WHO_PROCESS 1, IOPRIO_CLASS_BE 2 (include/uapi/linux/ioprio.h)
    expect(get('ioprio_set')).toMatchObject({ why: '/process/ioPriority', args: { which: 1, who: 0, class: 2, data: 6 } });
    expect(get('personality')).toMatchObject({ why: '/linux/personality', args: { persona: 0x0008 } });
    // MPOL_BIND 2, MPOL_F_STATIC_NODES 1 << 15 (include/uapi/linux/mempolicy.h)
    expect(get('set_mempolicy')).toMatchObject({ why: '/linux/memoryPolicy', args: { mode: 2, flags: 0x8000, nodes: [0] } });
  });

  test('after no_new_privs and before the fds, the id change and an early seccomp filter', () => {
    const c = withAll(readFixture('default'));
    c.process.noNewPrivileges = false;
    c.linux.seccomp = readFixture('seccomp').linux.seccomp;
    const o = ops(c);
    const i = ['sched_setattr', 'ioprio_set', 'personality', 'set_mempolicy'].map((n) => at(o, n));
    expect(i.every((x, k) => x > 0 && (k === 0 || x === i[k - 1]! + 1))).toBe(true);
    expect(i[3]!).toBeLessThan(at(o, 'seccomp_set_filter'));
    expect(at(o, 'close_fds')).toBe(i[3]! + 1);
    expect(i[3]!).toBeLessThan(at(o, 'setuid'));
    const nnp = ops(withAll(readFixture('default')));
    expect(at(nnp, 'sched_setattr')).toBe(at(nnp, 'set_no_new_privs') + 1);
  });

  test('none of these ops without their fields', () => {
    const names = ops(readFixture('default')).map((x) => x.op);
    for (const n of ['sched_setattr', 'ioprio_set', 'personality', 'set_mempolicy', 'sched_setaffinity']) expect(names).not.toContain(n);
    expect(names.filter((n) => n === 'unshare' || n === 'setns')).toEqual([]);
  });

  test('a new time namespace: unshare, the offsets, then C enters it, right after the cgroup joins; clone never gets CLONE_NEWTIME', () => {
    const o = ops(withAll(readFixture('default')));
    const u = at(o, 'unshare');
    expect(o[u - 1]!.op).toBe('cgroup_join_self');
    expect(o.slice(u, u + 4).map((x) => [x.op, x.why])).toEqual([
      ['unshare', '/linux/namespaces/5'], ['write_file', '/linux/timeOffsets'], ['setns', '/linux/namespaces/5'], ['exec_fifo_open', 'default:exec-fifo']]);
    expect(o[u]!.args.flags).toBe(BigInt(flag('clone_flags', 'CLONE_NEWTIME')));
    // by clock name, whatever the key order in config.json
    expect(o[u + 1]!.args).toEqual({ path: '/proc/self/timens_offsets', data: 'boottime -3 0\nmonotonic 100 5\n' });
    expect(o[u + 2]!.args).toEqual({ path: '/proc/self/ns/time_for_children', nstype: 0x80 });
    const clone = o.find((x) => x.op === 'clone' || x.op === 'clone_into_cgroup')!;
    expect(BigInt(clone.args.flags as bigint) & 0x80n).toBe(0n);
    expect(clone.why).not.toContain('/linux/namespaces/5');
  });

  test('a new time namespace without offsets is still made and entered; with a cgroup namespace it comes after that unshare', () => {
    const c = readFixture('default');
    c.linux.namespaces.push({ type: 'cgroup' }, { type: 'time' });
    const o = ops(c);
    expect(o.filter((x) => x.op === 'unshare').map((x) => x.args.flags)).toEqual([0x2000000n, 0x80n]);
    expect(o.filter((x) => x.op === 'write_file' && x.lane === 'container')).toEqual([]);
    expect(o[at(o, 'unshare') + 2]!.op).toBe('setns');
  });

  test('a time namespace given by path is joined with setns in the container lane', () => {
    const c = readFixture('default');
    c.linux.namespaces.push({ type: 'time', path: '/proc/1/ns/time' });
    const o = ops(c);
    expect(o.filter((x) => x.op === 'setns').map((x) => [x.lane, x.args.path, x.args.nstype])).toEqual([['container', '/proc/1/ns/time', 0x80]]);
    expect(at(o, 'unshare')).toBe(-1);
  });

  test('execCPUAffinity is not applied to the container\'s init (runtime spec)', () => {
    expect(ops(withAll(readFixture('default'))).map((x) => x.op)).not.toContain('sched_setaffinity');
  });

  test('a plan with every field is the same whatever the key order', () => {
    const a = withAll(readFixture('default'));
    const b = structuredClone(a);
    b.linux.timeOffsets = { boottime: a.linux.timeOffsets.boottime, monotonic: a.linux.timeOffsets.monotonic };
    b.process.scheduler = { flags: a.process.scheduler.flags, nice: 5, policy: 'SCHED_BATCH' };
    const pa = run(a), pb = run(b);
    expect(pa.ok && pb.ok && Buffer.from(pa.plan).equals(Buffer.from(pb.plan))).toBe(true);
  });
});

describe('process attributes in exec: the container\'s values, process.json\'s where it has them', () => {
  const container = () => withAll(readFixture('default'));
  const proc = (edit?: (p: Config) => void) => { const p = structuredClone(container().process); delete p.scheduler; delete p.ioPriority; delete p.execCPUAffinity; edit?.(p); return p; };

  test('the container\'s scheduler, ioPriority, personality and memory policy, with container: pointers', () => {
    const o = ops(proc(), 'exec', container());
    expect(o.filter((x) => ['sched_setattr', 'ioprio_set', 'personality', 'set_mempolicy'].includes(x.op)).map((x) => x.why)).toEqual([
      'container:/process/scheduler', 'container:/process/ioPriority', 'container:/linux/personality', 'container:/linux/memoryPolicy']);
  });

  test('process.json\'s scheduler and ioPriority replace the container\'s', () => {
    const o = ops(proc((p) => { p.scheduler = { policy: 'SCHED_IDLE' }; p.ioPriority = { class: 'IOPRIO_CLASS_IDLE', priority: 0 }; }), 'exec', container());
    expect(o.find((x) => x.op === 'sched_setattr')).toMatchObject({ why: '/scheduler', args: { policy: 5, nice: 0, flags: 0n } });
    expect(o.find((x) => x.op === 'ioprio_set')).toMatchObject({ why: '/ioPriority', args: { class: 3, data: 0 } });
  });

  test('execCPUAffinity: initial set by P right before clone, final by C right after its cgroup joins', () => {
    const o = ops(proc(), 'exec', container());
    const aff = o.filter((x) => x.op === 'sched_setaffinity');
    expect(aff.map((x) => [x.lane, x.args.cpus, x.why])).toEqual([
      ['host', [0], 'container:/process/execCPUAffinity/initial'], ['container', [1], 'container:/process/execCPUAffinity/final']]);
    expect(o[o.indexOf(aff[0]!) + 1]!.op).toMatch(/^clone/);
    const joins = o.map((x, i) => (x.op === 'cgroup_join_self' ? i : -1)).filter((i) => i >= 0);
    expect(o.indexOf(aff[1]!)).toBe(joins[joins.length - 1]! + 1);
    expect(o.indexOf(aff[1]!)).toBeLessThan(o.findIndex((x) => x.op === 'setns' && x.lane === 'container'));
  });

  test('process.json\'s execCPUAffinity replaces the container\'s as a whole', () => {
    const o = ops(proc((p) => { p.execCPUAffinity = { final: '0-1, 1' }; }), 'exec', container());
    expect(o.filter((x) => x.op === 'sched_setaffinity').map((x) => [x.lane, x.args.cpus, x.why])).toEqual([['container', [0, 1], '/execCPUAffinity/final']]);
  });

  test('the container\'s time namespace is joined before its mount namespace', () => {
    const o = ops(proc(), 'exec', container());
    const paths = o.filter((x) => x.op === 'setns' && x.lane === 'container').map((x) => x.args.path);
    expect(paths.slice(-2)).toEqual(['/proc/4242/ns/time', '/proc/4242/ns/mnt']);
    expect(o.map((x) => x.op)).not.toContain('unshare');
  });

  test('a bad value in process.json is refused at its pointer', () => {
    expect(errors(proc((p) => { p.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 9 }; }), 'exec', container()).map((e) => `${e.pointer}: ${e.message} [${e.rule}]`))
      .toEqual(['/ioPriority/priority: invalid ioPriority.Priority: 9 [io-priority]']);
  });
});

describe('bad process attributes name their place', () => {
  const cases: [string, (c: Config) => void, string][] = [
    ['scheduler without a policy', (c) => { c.process.scheduler = { nice: 1 }; }, '/process/scheduler/policy: scheduler policy is required [scheduler]'],
    ['unknown scheduler policy', (c) => { c.process.scheduler = { policy: 'SCHED_FAST' }; }, '/process/scheduler/policy: invalid scheduler policy "SCHED_FAST" [scheduler]'],
    ['SCHED_ISO (reserved by Linux)', (c) => { c.process.scheduler = { policy: 'SCHED_ISO' }; }, '/process/scheduler/policy: scheduler policy SCHED_ISO is reserved and not implemented by Linux [scheduler]'],
    ['unknown scheduler flag', (c) => { c.process.scheduler = { policy: 'SCHED_OTHER', flags: ['SCHED_FLAG_RESET_ON_FORK', 'SCHED_FLAG_X'] }; }, '/process/scheduler/flags/1: invalid scheduler flag "SCHED_FLAG_X" [scheduler]'],
    ['nice out of range for SCHED_OTHER', (c) => { c.process.scheduler = { policy: 'SCHED_OTHER', nice: 20 }; }, '/process/scheduler/nice: invalid scheduler.nice: 20 when scheduler.policy is SCHED_OTHER [scheduler]'],
    ['priority for SCHED_BATCH', (c) => { c.process.scheduler = { policy: 'SCHED_BATCH', priority: 1 }; }, '/process/scheduler/priority: scheduler.priority can only be specified for SchedFIFO or SchedRR policy [scheduler]'],
    ['SCHED_FIFO without a priority', (c) => { c.process.scheduler = { policy: 'SCHED_FIFO' }; }, '/process/scheduler/priority: scheduler.priority 0 is out of range for SCHED_FIFO (1..99) [scheduler]'],
    ['SCHED_RR priority 100', (c) => { c.process.scheduler = { policy: 'SCHED_RR', priority: 100 }; }, '/process/scheduler/priority: scheduler.priority 100 is out of range for SCHED_RR (1..99) [scheduler]'],
    ['deadline fields for SCHED_OTHER', (c) => { c.process.scheduler = { policy: 'SCHED_OTHER', period: 5 }; }, '/process/scheduler/period: scheduler runtime/deadline/period can only be specified for SchedDeadline policy [scheduler]'],
    ['SCHED_DEADLINE runtime above deadline', (c) => { c.process.scheduler = { policy: 'SCHED_DEADLINE', runtime: 2000000, deadline: 1000000 }; }, '/process/scheduler/runtime: scheduler.runtime must not exceed scheduler.deadline [scheduler]'],
    ['SCHED_DEADLINE deadline above period', (c) => { c.process.scheduler = { policy: 'SCHED_DEADLINE', runtime: 1000000, deadline: 3000000, period: 2000000 }; }, '/process/scheduler/deadline: scheduler.deadline must not exceed scheduler.period [scheduler]'],
    ['SCHED_DEADLINE runtime below 1024 ns', (c) => { c.process.scheduler = { policy: 'SCHED_DEADLINE', runtime: 1000, deadline: 1000000 }; }, '/process/scheduler/runtime: scheduler.runtime must be at least 1024 ns for SCHED_DEADLINE [scheduler]'],
    ['SCHED_DEADLINE without a deadline', (c) => { c.process.scheduler = { policy: 'SCHED_DEADLINE', runtime: 1000000 }; }, '/process/scheduler/deadline: scheduler.deadline is required for SCHED_DEADLINE [scheduler]'],
    ['nice that is no int32', (c) => { c.process.scheduler = { policy: 'SCHED_OTHER', nice: 2147483648 }; }, '/process/scheduler/nice: expected a 32-bit signed integer [type]'],
    ['unknown ioPriority class', (c) => { c.process.ioPriority = { class: 'IOPRIO_CLASS_NONE', priority: 0 }; }, '/process/ioPriority/class: invalid ioPriority.Class: "IOPRIO_CLASS_NONE" [io-priority]'],
    ['ioPriority without a class', (c) => { c.process.ioPriority = { priority: 0 }; }, '/process/ioPriority/class: ioPriority.class is required (IOPRIO_CLASS_RT, IOPRIO_CLASS_BE or IOPRIO_CLASS_IDLE) [io-priority]'],
    ['ioPriority priority 8', (c) => { c.process.ioPriority = { class: 'IOPRIO_CLASS_RT', priority: 8 }; }, '/process/ioPriority/priority: invalid ioPriority.Priority: 8 [io-priority]'],
    ['ioPriority priority -1', (c) => { c.process.ioPriority = { class: 'IOPRIO_CLASS_RT', priority: -1 }; }, '/process/ioPriority/priority: invalid ioPriority.Priority: -1 [io-priority]'],
    ['malformed CPU list', (c) => { c.process.execCPUAffinity = { initial: '0-', final: '1' }; }, '/process/execCPUAffinity/initial: execCPUAffinity.initial "0-" is not a list such as "0-3,5" [cpu-affinity]'],
    ['reversed CPU range', (c) => { c.process.execCPUAffinity = { final: '3-1' }; }, '/process/execCPUAffinity/final: execCPUAffinity.final "3-1": invalid range 3-1 [cpu-affinity]'],
    ['CPU 1024', (c) => { c.process.execCPUAffinity = { final: '1024' }; }, '/process/execCPUAffinity/final: execCPUAffinity.final "1024": values larger than 1023 are not supported [cpu-affinity]'],
    ['CPU list of commas only', (c) => { c.process.execCPUAffinity = { initial: ' , ' }; }, '/process/execCPUAffinity/initial: no members found in execCPUAffinity.initial " , " [cpu-affinity]'],
    ['personality without a domain', (c) => { c.linux.personality = {}; }, '/linux/personality/domain: personality.domain is required (LINUX or LINUX32) [personality]'],
    ['memoryPolicy without a mode', (c) => { c.linux.memoryPolicy = { nodes: '0' }; }, '/linux/memoryPolicy/mode: memoryPolicy.mode is required [memory-policy]'],
    ['unknown personality domain', (c) => { c.linux.personality = { domain: 'LINUX64' }; }, '/linux/personality/domain: invalid personality domain "LINUX64" (LINUX or LINUX32) [personality]'],
    ['personality flags', (c) => { c.linux.personality = { domain: 'LINUX', flags: ['ADDR_NO_RANDOMIZE'] }; }, '/linux/personality/flags: personality flags are not supported (the runtime spec defines none) [personality]'],
    ['unknown memory policy mode', (c) => { c.linux.memoryPolicy = { mode: 'MPOL_FIRST_TOUCH' }; }, '/linux/memoryPolicy/mode: invalid memory policy mode "MPOL_FIRST_TOUCH" [memory-policy]'],
    ['unknown memory policy flag', (c) => { c.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0', flags: ['MPOL_F_X'] }; }, '/linux/memoryPolicy/flags/0: invalid memory policy flag "MPOL_F_X" [memory-policy]'],
    ['MPOL_BIND without nodes', (c) => { c.linux.memoryPolicy = { mode: 'MPOL_BIND' }; }, '/linux/memoryPolicy/nodes: memory policy mode requires at least one node but got 0 [memory-policy]'],
    ['MPOL_LOCAL with nodes', (c) => { c.linux.memoryPolicy = { mode: 'MPOL_LOCAL', nodes: '0-1' }; }, '/linux/memoryPolicy/nodes: memory policy mode requires 0 nodes but got 2 [memory-policy]'],
    ['static and relative nodes', (c) => { c.linux.memoryPolicy = { mode: 'MPOL_INTERLEAVE', nodes: '0', flags: ['MPOL_F_STATIC_NODES', 'MPOL_F_RELATIVE_NODES'] }; }, '/linux/memoryPolicy/flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES cannot be combined [memory-policy]'],
    ['NUMA balancing with MPOL_INTERLEAVE', (c) => { c.linux.memoryPolicy = { mode: 'MPOL_INTERLEAVE', nodes: '0', flags: ['MPOL_F_NUMA_BALANCING'] }; }, '/linux/memoryPolicy/flags: MPOL_F_NUMA_BALANCING needs mode MPOL_BIND or MPOL_PREFERRED_MANY [memory-policy]'],
    ['a CPU id of many digits', (c) => { c.process.execCPUAffinity = { final: '0-100000000000000000000' }; }, '/process/execCPUAffinity/final: execCPUAffinity.final "0-100000000000000000000": values larger than 1023 are not supported [cpu-affinity]'],
    ['nodes that are not a string', (c) => { c.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: 0 }; }, '/linux/memoryPolicy/nodes: expected a string, got a number [type]'],
    ['node 1024', (c) => { c.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0,1024' }; }, '/linux/memoryPolicy/nodes: memory policy nodes "0,1024": values larger than 1023 are not supported [memory-policy]'],
    ['timeOffsets without a time namespace', (c) => { c.linux.timeOffsets = { boottime: { secs: 1 } }; }, "/linux/timeOffsets: time namespace offsets specified, but time namespace isn't enabled in the config [time-offsets]"],
    ['timeOffsets with a joined time namespace', (c) => { c.linux.namespaces.push({ type: 'time', path: '/proc/1/ns/time' }); c.linux.timeOffsets = { boottime: { secs: 1 } }; }, '/linux/timeOffsets: time namespace enabled, but both namespace path and time offsets specified -- you may only provide one [time-offsets]'],
    ['unknown clock', (c) => { c.linux.namespaces.push({ type: 'time' }); c.linux.timeOffsets = { realtime: { secs: 1 } }; }, '/linux/timeOffsets/realtime: unknown clock "realtime" (monotonic or boottime) [time-offsets]'],
    ['nanosecs of a whole second', (c) => { c.linux.namespaces.push({ type: 'time' }); c.linux.timeOffsets = { monotonic: { secs: 1, nanosecs: 1000000000 } }; }, '/linux/timeOffsets/monotonic/nanosecs: nanosecs 1000000000 must be below 1000000000 [time-offsets]'],
    ['an offset past the kernel\'s range', (c) => { c.linux.namespaces.push({ type: 'time' }); c.linux.timeOffsets = { monotonic: { secs: 4611686019 } }; }, '/linux/timeOffsets/monotonic/secs: time offset 4611686019 s is out of the kernel\'s range [time-offsets]'],
    ['time namespace twice', (c) => { c.linux.namespaces.push({ type: 'time' }, { type: 'time' }); }, '/linux/namespaces/6/type: duplicate namespace type "time" [namespace-duplicate]'],
  ];
  for (const [rule, edit, line] of cases) {
    test(`${rule}: ${line}`, () => {
      const c = readFixture('default');
      edit(c);
      expect(errors(c).map((e) => `${e.pointer}: ${e.message} [${e.rule}]`)).toEqual([line]);
    });
  }
});

describe('planc features lists what the planner plans', () => {
  const features = () => JSON.parse(planc(['features']).stdout);

  test('the time namespace, and every memory policy mode and flag, each of which the planner accepts', () => {
    const f = features();
    expect(f.linux.namespaces).toContain('time');
    expect(f.linux.memoryPolicy.modes).toEqual(['MPOL_BIND', 'MPOL_DEFAULT', 'MPOL_INTERLEAVE', 'MPOL_LOCAL', 'MPOL_PREFERRED',
      'MPOL_PREFERRED_MANY', 'MPOL_WEIGHTED_INTERLEAVE']);
    expect(f.linux.memoryPolicy.flags).toEqual(['MPOL_F_NUMA_BALANCING', 'MPOL_F_RELATIVE_NODES', 'MPOL_F_STATIC_NODES']);
    for (const mode of f.linux.memoryPolicy.modes as string[]) {
      const c = readFixture('default');
      c.linux.memoryPolicy = { mode, nodes: mode === 'MPOL_DEFAULT' || mode === 'MPOL_LOCAL' ? '' : '0' };
      expect(run(c).ok, mode).toBe(true);
    }
    for (const f2 of f.linux.memoryPolicy.flags as string[]) {
      const c = readFixture('default');
      c.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0', flags: [f2] };
      expect(run(c).ok, f2).toBe(true);
    }
    const c = readFixture('default');
    c.linux.namespaces.push({ type: 'time' });
    expect(run(c).ok).toBe(true);
  });

  test('every seccomp action and flag it lists is planned, and a flag it does not list is refused', () => {
    const sc = features().linux.seccomp;
    expect(sc.knownFlags).toEqual(sc.supportedFlags);
    const plan = (seccomp: Config) => { const c = readFixture('default'); c.linux.seccomp = seccomp; return run(c); };
    for (const flag of sc.supportedFlags as string[]) {
      // WAIT_KILLABLE_RECV only means something with a listener (the kernel refuses it without one)
      const notify = flag === 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'
        ? { listenerPath: '/run/agent.sock', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] } : {};
      expect(plan({ defaultAction: 'SCMP_ACT_ALLOW', flags: [flag], ...notify }).ok, flag).toBe(true);
    }
    for (const action of sc.actions as string[]) {
      const rule = { names: ['mkdir'], action };
      expect(plan({ defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/agent.sock', syscalls: [rule] }).ok, action).toBe(true);
    }
    expect(plan({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_NEW_LISTENER'] }).ok).toBe(false);
  });

  test('the process attributes the features schema has no field for are named in its annotations, and are planned', () => {
    const a = features().annotations;
    for (const k of ['dev.planc.process.scheduler', 'dev.planc.process.ioPriority', 'dev.planc.process.execCPUAffinity',
      'dev.planc.linux.personality', 'dev.planc.linux.timeOffsets']) expect(a[k], k).toBe('true');
    const o = ops(withAll(readFixture('default')));
    for (const n of ['sched_setattr', 'ioprio_set', 'personality', 'set_mempolicy']) expect(at(o, n), n).toBeGreaterThan(0);
    expect(o.some((x) => x.op === 'write_file' && x.args.path === '/proc/self/timens_offsets')).toBe(true);
  });
});

describe('plan diff', () => {
  test('a new time namespace is a new namespace in the privileged summary, not a joined one', async () => {
    const { privilegedSummary } = await import('../orchestrator/src/audit/diff.js');
    const c = readFixture('default');
    c.linux.namespaces.push({ type: 'time' });
    const s = privilegedSummary(ops(readFixture('default')), ops(c));
    expect(s.namespaces.added).toEqual(['time']);
    expect(s.joinedNamespaces.added).toEqual([]);
  });
});
