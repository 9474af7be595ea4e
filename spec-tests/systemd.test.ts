// The systemd cgroup driver against a fake org.freedesktop.systemd1 on a private dbus-daemon: the
// D-Bus wire format, the unit planc asks for (name, slice, every property with its D-Bus type, as
// runc sends them), the wait for JobRemoved, the unit's stop on delete, and failures that leave
// nothing behind. Real systemd is covered by spec-tests/vm-guest/systemd.test.ts.
import { test, expect, beforeAll, afterAll, describe } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { decodeMessage, encodeMessage, MSG, type Variant } from '../orchestrator/src/dbus.js';
import { decodePlan, type PlanOp } from '../orchestrator/src/plan/decode.js';
import { propertyValue, runCallerPoint, runStopOps, callerPoint, waits } from '../orchestrator/src/systemd.js';
import { describeAsRoot, plancBin, repo } from './helpers/env.js';
import { hierarchies, makeBundle, readFixture, rmTree, tempDir, writeConfig, type Config } from './helpers/bundle.js';
import { FakeSystemd, propsOf, startBus, type Bus } from './helpers/fake-systemd.js';
import type { Ran } from './helpers/planc.js';

const profile = (name: string): string => path.join(repo, 'orchestrator', 'profiles', `${name}.json`);

/** bin/planc, asynchronously: the fake systemd answers on this process's event loop. */
function plancAsync(args: string[], env: Record<string, string> = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(plancBin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    // on exit, not close: a created container's init keeps the stdio it inherited open
    child.on('exit', (code, signal) => { clearTimeout(timer); setTimeout(() => resolve({ code, signal, stdout, stderr }), 50); });
  });
}

function config(edit?: (c: Config) => void): Config {
  const c = readFixture('default');
  c.process.args = ['/bin/sh', '-c', 'sleep 30'];
  c.linux.cgroupsPath = 'planc-test.slice:planc:sdtest';
  c.linux.resources = {
    devices: [{ allow: false, access: 'rwm' }],
    memory: { limit: 33554432, reservation: 16777216 },
    cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0' },
    pids: { limit: 50 },
  };
  c.annotations = { 'org.systemd.property.TimeoutStopSec': 'uint64 7', 'org.systemd.property.CollectMode': "'inactive-or-failed'" };
  edit?.(c);
  return c;
}

const DEVICES_V2 = '[["block-*","m"],["char-*","m"],["/dev/char/1:3","rwm"],["/dev/char/1:5","rwm"],["/dev/char/1:7","rwm"],["/dev/char/1:8","rwm"],["/dev/char/1:9","rwm"],["/dev/char/5:0","rwm"],["/dev/char/5:2","rwm"],["/dev/char/10:200","rwm"],["char-136","rwm"]]';

describe('D-Bus wire format', () => {
  test('a StartTransientUnit call survives encode and decode with every type intact', () => {
    const body = ['planc-x.scope', 'replace', [['Slice', { sig: 's', value: 'system.slice' }], ['PIDs', { sig: 'au', value: [42] }],
      ['MemoryMax', { sig: 't', value: 2n ** 64n - 1n }], ['Delegate', { sig: 'b', value: true }], ['AllowedCPUs', { sig: 'ay', value: Uint8Array.of(3) }]], []];
    const bytes = encodeMessage({ type: MSG.CALL, flags: 0, serial: 7, path: '/org/freedesktop/systemd1', iface: 'org.freedesktop.systemd1.Manager',
      member: 'StartTransientUnit', destination: 'org.freedesktop.systemd1', signature: 'ssa(sv)a(sa(sv))', body: body as never });
    expect(bytes.length % 8).toBe(0);
    const m = decodeMessage(bytes);
    expect(m).toMatchObject({ type: MSG.CALL, serial: 7, member: 'StartTransientUnit', signature: 'ssa(sv)a(sa(sv))' });
    expect(m.body[0]).toBe('planc-x.scope');
    const props = Object.fromEntries(propsOf(m.body[2]!));
    expect(props.MemoryMax).toEqual({ sig: 't', value: 2n ** 64n - 1n });
    expect(props.PIDs).toEqual({ sig: 'au', value: [42] });
    expect(props.AllowedCPUs).toEqual({ sig: 'ay', value: Uint8Array.of(3) });
    expect(m.body[3]).toEqual([]);
  });

  test('plan properties become typed variants; $pid is P', () => {
    expect(propertyValue('PIDs=au:$pid', 99)).toEqual(['PIDs', { sig: 'au', value: [99] }]);
    expect(propertyValue('TasksMax=t:18446744073709551615')).toEqual(['TasksMax', { sig: 't', value: 2n ** 64n - 1n }]);
    expect(propertyValue('Description=s:a: b')).toEqual(['Description', { sig: 's', value: 'a: b' }]);
    expect(propertyValue('AllowedCPUs=ay:0f01')[1].value).toEqual(Uint8Array.of(15, 1));
    expect(propertyValue('DeviceAllow=a(ss):[["char-*","m"]]')[1]).toEqual({ sig: 'a(ss)', value: [['char-*', 'm']] });
    expect(() => propertyValue('PIDs=au:$pid')).toThrow(/needs a pid/);
  });
});

describe('planc plan --systemd-cgroup', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = tempDir('systemd-plan');
    fs.mkdirSync(path.join(tmp, 'rootfs'));
    writeConfig(tmp, config());
  });
  afterAll(() => rmTree(tmp));

  test('shows the unit as caller-lane steps bound to CALLER_CGROUP_UNIT, before any cgroup write', async () => {
    const r = await plancAsync(['--systemd-cgroup', 'plan', '--bundle', tmp, '--id', 'sd1', '--host-facts', profile('cgroup-v2')]);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    const start = lines.findIndex((l) => / caller +systemd_start_unit point=CALLER_CGROUP_UNIT name="planc-sdtest.scope" mode="replace"/.test(l));
    const sync = lines.findIndex((l) => / host +sync_caller point=CALLER_CGROUP_UNIT/.test(l));
    const firstCgroup = lines.findIndex((l) => /(write_file|mkdir) path="\/sys\/fs\/cgroup\//.test(l));
    expect(start).toBeGreaterThan(0);
    expect(sync).toBeGreaterThan(start);
    expect(firstCgroup).toBeGreaterThan(sync);
    expect(r.stdout).toContain('| Slice (s) = planc-test.slice');
    expect(r.stdout).toContain('| TimeoutStopUSec (t) = 7000000');
    expect(r.stdout).toMatch(/caller +systemd_stop_unit name="planc-sdtest.scope" mode="replace"/);
    expect(r.stdout).toContain('clone_into_cgroup flags=');
    expect(r.stdout).toContain('cgroup="/sys/fs/cgroup/planc.slice/planc-test.slice/planc-sdtest.scope"');
    // systemd removes the unit's cgroup2 directory: no rmdir of it is planned
    expect(r.stdout).not.toMatch(/rmdir path="\/sys\/fs\/cgroup\/planc.slice/);
  });

  test('the same bundle plans the same bytes; without the flag no systemd step appears', async () => {
    const a = await plancAsync(['--systemd-cgroup', 'plan', '--bundle', tmp, '--id', 'sd1', '--host-facts', profile('cgroup-v2')]);
    const b = await plancAsync(['--systemd-cgroup', 'plan', '--bundle', tmp, '--id', 'sd1', '--host-facts', profile('cgroup-v2')]);
    expect(a.stdout.split('\n').at(-2)).toMatch(/^digest: sha256:[0-9a-f]{64}$/);
    expect(a.stdout).toBe(b.stdout);
    writeConfig(tmp, config((c) => { c.linux.cgroupsPath = '/planc-test/sd1'; }));
    const plain = await plancAsync(['plan', '--bundle', tmp, '--id', 'sd1', '--host-facts', profile('cgroup-v2')]);
    expect(plain.stdout).not.toContain('caller');
    writeConfig(tmp, config());
  });

  test('validate reads the slice form as the driver would: refused without the flag, accepted with it', async () => {
    const plain = await plancAsync(['validate', tmp]);
    expect(plain.stdout + plain.stderr).toMatch(/error \[cgroups-path\] \/linux\/cgroupsPath: .*it needs --systemd-cgroup/);
    const sd = await plancAsync(['--systemd-cgroup', 'validate', tmp]);
    expect(sd.stdout + sd.stderr).toContain('0 error(s)');
  });

  test('a bad slice is refused with runc\'s text at /linux/cgroupsPath', async () => {
    writeConfig(tmp, config((c) => { c.linux.cgroupsPath = 'a--b.slice:planc:x'; }));
    const r = await plancAsync(['--systemd-cgroup', 'plan', '--bundle', tmp, '--id', 'sd1']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('/linux/cgroupsPath: invalid slice name: a--b.slice');
    writeConfig(tmp, config((c) => { c.linux.cgroupsPath = 'system.slice:x'; }));
    const r2 = await plancAsync(['--systemd-cgroup', 'plan', '--bundle', tmp, '--id', 'sd1']);
    expect(r2.stderr).toContain('/linux/cgroupsPath: expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "system.slice:x" instead');
    writeConfig(tmp, config());
  });
});

describe('the driver against a fake systemd', () => {
  let tmp: string, bus: Bus, fake: FakeSystemd, ops: PlanOp[];
  const saved = process.env.DBUS_SYSTEM_BUS_ADDRESS;
  beforeAll(async () => {
    tmp = tempDir('systemd-fake');
    fs.mkdirSync(path.join(tmp, 'rootfs'));
    writeConfig(tmp, config());
    bus = await startBus(tmp);
    fake = await FakeSystemd.start(bus.address);
    process.env.DBUS_SYSTEM_BUS_ADDRESS = bus.address;
    const out = path.join(tmp, 'plan.bin');
    const r = await plancAsync(['--systemd-cgroup', 'plan', '--bundle', tmp, '--id', 'sd2', '--host-facts', profile('cgroup-v2'), '--output', out]);
    expect(r.stderr).toBe('');
    ops = decodePlan(new Uint8Array(fs.readFileSync(out)));
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.DBUS_SYSTEM_BUS_ADDRESS; else process.env.DBUS_SYSTEM_BUS_ADDRESS = saved;
    fake?.close();
    bus?.stop();
    rmTree(tmp);
  });

  test('StartTransientUnit gets runc\'s unit, mode and properties with their D-Bus types, then SetUnitProperties the resources', async () => {
    fake.calls.length = 0;
    const started: string[] = [];
    await runCallerPoint(ops, callerPoint('CALLER_CGROUP_UNIT')!, 4242, (u) => started.push(u));
    expect(started).toEqual(['planc-sdtest.scope']);
    expect(fake.calls.map((c) => c.member)).toEqual(['StartTransientUnit', 'SetUnitProperties']);
    const [start, set] = fake.calls;
    expect(start!.signature).toBe('ssa(sv)a(sa(sv))');
    expect(start!.body.slice(0, 2)).toEqual(['planc-sdtest.scope', 'replace']);
    expect(start!.body[3]).toEqual([]);
    const t = (sig: string, value: unknown): Variant => ({ sig, value: value as never });
    expect(propsOf(start!.body[2]!)).toEqual([
      ['Description', t('s', 'libcontainer container sdtest')],
      ['Slice', t('s', 'planc-test.slice')],
      ['Delegate', t('b', true)],
      ['PIDs', t('au', [4242])],
      ['MemoryAccounting', t('b', true)], ['CPUAccounting', t('b', true)], ['IOAccounting', t('b', true)], ['TasksAccounting', t('b', true)],
      ['DefaultDependencies', t('b', false)],
      ['CollectMode', t('s', 'inactive-or-failed')],
      ['TimeoutStopUSec', t('t', 7000000n)],
    ]);
    expect(set!.signature).toBe('sba(sv)');
    expect(set!.body.slice(0, 2)).toEqual(['planc-sdtest.scope', true]);
    expect(propsOf(set!.body[2]!)).toEqual([
      ['DeviceAllow', t('a(ss)', [])],
      ['DevicePolicy', t('s', 'strict')],
      ['DeviceAllow', t('a(ss)', JSON.parse(DEVICES_V2))],
      ['MemoryMax', t('t', 33554432n)],
      ['MemoryLow', t('t', 16777216n)],
      // runc's shares → weight: 1 + (512 - 2) * 9999 / 262142
      ['CPUWeight', t('t', 20n)],
      ['CPUQuotaPeriodUSec', t('t', 100000n)],
      // 50000 us per 100000 us: half a CPU second per second
      ['CPUQuotaPerSecUSec', t('t', 500000n)],
      ['TasksMax', t('t', 50n)],
      ['AllowedCPUs', t('ay', Uint8Array.of(1))],
    ]);
  });

  test('the wait is for the job\'s JobRemoved, also when it comes before the reply', async () => {
    fake.calls.length = 0;
    fake.behaviour = { signalFirst: true };
    await runCallerPoint(ops, callerPoint('CALLER_CGROUP_UNIT')!, 1, () => {});
    fake.behaviour = { result: (m) => (m.member === 'StartTransientUnit' ? 'failed' : 'done') };
    await expect(runCallerPoint(ops, callerPoint('CALLER_CGROUP_UNIT')!, 1, () => {})).rejects.toThrow('error creating systemd unit `planc-sdtest.scope`: got `failed`');
    // runc resets a unit whose job failed
    expect(fake.calls.at(-1)).toMatchObject({ member: 'ResetFailedUnit', body: ['planc-sdtest.scope'] });
    // no JobRemoved at all: runc's timeout text, after the wait
    fake.behaviour = { noJobRemoved: true };
    const saved = waits.jobMs;
    waits.jobMs = 300;
    const t0 = Date.now();
    await expect(runCallerPoint(ops, callerPoint('CALLER_CGROUP_UNIT')!, 1, () => {})).rejects.toThrow('Timeout waiting for systemd to create planc-sdtest.scope');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    waits.jobMs = saved;
    expect(fake.calls.at(-1)).toMatchObject({ member: 'ResetFailedUnit', body: ['planc-sdtest.scope'] });
    fake.behaviour = {};
  });

  test('StopUnit of the unit with mode replace, then ResetFailedUnit', async () => {
    fake.calls.length = 0;
    await runStopOps(ops);
    expect(fake.calls.map((c) => [c.member, ...c.body])).toEqual([['StopUnit', 'planc-sdtest.scope', 'replace'], ['ResetFailedUnit', 'planc-sdtest.scope']]);
  });

  test('a UnitExists error resets the leftover unit and starts once more', async () => {
    fake.calls.length = 0;
    let first = true;
    fake.behaviour = { error: (m) => (m.member === 'StartTransientUnit' && first ? ((first = false), { name: 'org.freedesktop.systemd1.UnitExists', text: 'Unit planc-sdtest.scope already exists.' }) : undefined) };
    await runCallerPoint(ops, callerPoint('CALLER_CGROUP_UNIT')!, 1, () => {});
    expect(fake.calls.map((c) => c.member)).toEqual(['StartTransientUnit', 'ResetFailedUnit', 'StartTransientUnit', 'SetUnitProperties']);
    fake.behaviour = {};
  });
});

describeAsRoot('creates real containers and cgroups', 'create and delete with --systemd-cgroup against a fake systemd', () => {
  let tmp: string, bus: Bus, fake: FakeSystemd, root: string, env: Record<string, string>;
  const slices = (): string[] => hierarchies().flatMap((h) => [path.join(h, 'planc.slice', 'planc-test.slice'), path.join(h, 'planc.slice')]);
  const leaf = (unit: string): string[] => hierarchies().map((h) => path.join(h, 'planc.slice', 'planc-test.slice', unit)).filter((d) => fs.existsSync(d));
  beforeAll(async () => {
    tmp = tempDir('systemd-create');
    root = path.join(tmp, 'state');
    makeBundle(path.join(tmp, 'bundle'), config());
    bus = await startBus(tmp);
    fake = await FakeSystemd.start(bus.address);
    env = { DBUS_SYSTEM_BUS_ADDRESS: bus.address };
  });
  afterAll(async () => {
    for (const id of ['systemd-c1', 'systemd-c2', 'systemd-c3', 'systemd-c4', 'systemd-c5']) await plancAsync(['--root', root, 'delete', '--force', id], env);
    fake?.close();
    bus?.stop();
    // the directories the shim made in place of systemd (which would own them and remove the
    // unit's on its stop): ours, empty by now
    const units = ['planc-sdtest.scope', 'planc-sdfail.scope', 'planc-sdlate.scope', 'planc-sdrun.scope', 'planc-sdnobus.scope'];
    for (const d of [...units.flatMap(leaf), ...slices()]) { try { fs.rmdirSync(d); } catch { /* absent, or not ours to force */ } }
    rmTree(tmp);
  });

  test('create starts the unit with the shim\'s first process, writes the limits into its cgroup; delete stops it', async () => {
    fake.calls.length = 0;
    const bundle = path.join(tmp, 'bundle');
    const r = await plancAsync(['--root', root, '--systemd-cgroup', 'create', '--bundle', bundle, 'systemd-c1'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const start = fake.byMember('StartTransientUnit');
    expect(start.length).toBe(1);
    expect(start[0]!.body[0]).toBe('planc-sdtest.scope');
    // PIDs names P, the shim, while it waits at CALLER_CGROUP_UNIT (never node or bun)
    expect(path.basename(start[0]!.pidInfo!.cmdline[0]!)).toBe('planc-shim');
    expect(start[0]!.pidInfo!.cmdline[1]).toBe('create');
    expect(fake.byMember('SetUnitProperties').length).toBe(1);
    const state = JSON.parse(fs.readFileSync(path.join(root, 'systemd-c1', 'state.json'), 'utf8'));
    expect(state.systemdCgroup).toBe(true);
    // the limit files the shim wrote, in the unit's directory: init is in it
    const mem = hierarchies().find((h) => fs.existsSync(path.join(h, 'memory.max')) || /memory$/.test(h))!;
    const dir = path.join(mem, 'planc.slice', 'planc-test.slice', 'planc-sdtest.scope');
    const limit = fs.existsSync(path.join(dir, 'memory.max')) ? 'memory.max' : 'memory.limit_in_bytes';
    expect(fs.readFileSync(path.join(dir, limit), 'utf8').trim()).toBe('33554432');
    expect(fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number)).toContain(state.pid);
    // exec joins the unit's cgroup, which later plans name from the state (no flag needed)
    const ex = await plancAsync(['--root', root, 'exec', 'systemd-c1', 'cat', '/proc/self/cgroup'], env);
    expect(ex.stderr).toBe('');
    expect(ex.stdout).toMatch(/:\/planc\.slice\/planc-test\.slice\/planc-sdtest\.scope$/m);
    // update: runc's Set, the unit's properties first, then the files
    fake.calls.length = 0;
    const up = await plancAsync(['--root', root, 'update', '--memory', '48M', '--pids-limit', '30', 'systemd-c1'], env);
    expect(up.stderr).toBe('');
    const set = fake.byMember('SetUnitProperties');
    expect(set.map((c) => c.body.slice(0, 2))).toEqual([['planc-sdtest.scope', true]]);
    const v2 = limit === 'memory.max';
    expect(propsOf(set[0]!.body[2]!)).toEqual([[v2 ? 'MemoryMax' : 'MemoryLimit', { sig: 't', value: 50331648n }], ['TasksMax', { sig: 't', value: 30n }]]);
    expect(fs.readFileSync(path.join(dir, limit), 'utf8').trim()).toBe('50331648');
    const d = await plancAsync(['--root', root, 'delete', '--force', 'systemd-c1'], env);
    expect(d.stderr).toBe('');
    expect(fake.byMember('StopUnit').map((c) => c.body)).toEqual([['planc-sdtest.scope', 'replace']]);
    expect(fs.existsSync(path.join(root, 'systemd-c1'))).toBe(false);
  });

  test('run starts the unit, runs the container to its exit status and stops the unit', async () => {
    fake.calls.length = 0;
    writeConfig(path.join(tmp, 'bundle'), config((c) => { c.linux.cgroupsPath = 'planc-test.slice:planc:sdrun'; c.process.args = ['/bin/sh', '-c', 'exit 3']; }));
    const r = await plancAsync(['--root', root, '--systemd-cgroup', 'run', '--bundle', path.join(tmp, 'bundle'), 'systemd-c4'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(3);
    expect(fake.calls.map((c) => c.member)).toEqual(['StartTransientUnit', 'SetUnitProperties', 'StopUnit', 'ResetFailedUnit']);
    expect(fake.byMember('StopUnit')[0]!.body).toEqual(['planc-sdrun.scope', 'replace']);
    expect(fs.existsSync(path.join(root, 'systemd-c4'))).toBe(false);
    writeConfig(path.join(tmp, 'bundle'), config());
  });

  test('delete without a reachable bus still removes the container, then reports the unit it could not stop', async () => {
    writeConfig(path.join(tmp, 'bundle'), config((c) => { c.linux.cgroupsPath = 'planc-test.slice:planc:sdnobus'; }));
    const r = await plancAsync(['--root', root, '--systemd-cgroup', 'create', '--bundle', path.join(tmp, 'bundle'), 'systemd-c5'], env);
    expect(r.code, r.stderr).toBe(0);
    const pid = JSON.parse(fs.readFileSync(path.join(root, 'systemd-c5', 'state.json'), 'utf8')).pid as number;
    const d = await plancAsync(['--root', root, 'delete', '--force', 'systemd-c5'], { DBUS_SYSTEM_BUS_ADDRESS: `unix:path=${path.join(tmp, 'no-bus.sock')}` });
    expect(d.code).not.toBe(0);
    // runc's text on a host without systemd (this one, but for the fake), else planc's
    expect(d.stderr).toContain(fs.existsSync('/run/systemd/system') ? 'systemd cgroup driver: cannot reach the system bus'
      : 'systemd not running on this host, cannot use systemd cgroups manager');
    expect(fs.existsSync(path.join(root, 'systemd-c5'))).toBe(false);
    // init is dead: gone, or a zombie its new parent has yet to reap
    let st = '';
    try { st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0]!; } catch { /* gone */ }
    expect(['', 'Z', 'X']).toContain(st);
    writeConfig(path.join(tmp, 'bundle'), config());
  });

  test('a D-Bus error from systemd fails create with runc\'s message and leaves no state dir and no cgroup', async () => {
    fake.calls.length = 0;
    writeConfig(path.join(tmp, 'bundle'), config((c) => { c.linux.cgroupsPath = 'planc-test.slice:planc:sdfail'; }));
    fake.behaviour = { error: (m) => (m.member === 'StartTransientUnit' ? { name: 'org.freedesktop.DBus.Error.AccessDenied', text: 'Access denied to planc-sdfail.scope' } : undefined) };
    const r = await plancAsync(['--root', root, '--systemd-cgroup', 'create', '--bundle', path.join(tmp, 'bundle'), 'systemd-c2'], env);
    fake.behaviour = {};
    expect(r.code).not.toBe(0);
    // runc's text (in a logrus line, quotes escaped)
    expect(r.stderr.replace(/\\"/g, '"')).toMatch(/unable to start unit "planc-sdfail\.scope" \(properties \[Description=s:libcontainer container sdfail .*PIDs=au:\d+ .*\]\): Access denied to planc-sdfail\.scope/);
    expect(fs.existsSync(path.join(root, 'systemd-c2'))).toBe(false);
    expect(leaf('planc-sdfail.scope')).toEqual([]);
    // never started, so nothing to stop
    expect(fake.byMember('StopUnit')).toEqual([]);
  });

  test('a create that fails after the unit started stops the unit again', async () => {
    fake.calls.length = 0;
    writeConfig(path.join(tmp, 'bundle'), config((c) => { c.linux.cgroupsPath = 'planc-test.slice:planc:sdlate'; c.process.args = ['/no/such/binary']; }));
    const r = await plancAsync(['--root', root, '--systemd-cgroup', 'create', '--bundle', path.join(tmp, 'bundle'), 'systemd-c3'], env);
    expect(r.code).not.toBe(0);
    expect(fake.byMember('StartTransientUnit').length).toBe(1);
    expect(fake.byMember('StopUnit').map((c) => c.body)).toEqual([['planc-sdlate.scope', 'replace']]);
    expect(fs.existsSync(path.join(root, 'systemd-c3'))).toBe(false);
    writeConfig(path.join(tmp, 'bundle'), config());
  });
});
