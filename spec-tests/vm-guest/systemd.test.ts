// The systemd cgroup driver on a real systemd (the pure cgroup v2 guest of vm/run.sh): planc and
// Debian's runc, both with --systemd-cgroup and the same config, make a transient scope in the
// given slice with the same unit properties and the same limits in its cgroup files; delete
// removes the unit and its cgroup; `planc plan` shows the step. Runs only in the guest.
import { describe, test, expect, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeBundle, readFixture, rmTree, tempDir, writeConfig, type Config } from '../helpers/bundle.js';
import { runtimeBins } from '../helpers/runtimes.js';

const unified = '/sys/fs/cgroup';
function notGuest(): string {
  if (process.env.PLANC_VM_GUEST !== '1') return '(skipped: runs only in the vm/run.sh guest, PLANC_VM_GUEST=1)';
  if (!fs.existsSync(path.join(unified, 'cgroup.controllers'))) return '(skipped: needs a pure cgroup v2 host)';
  if (!fs.existsSync('/run/systemd/system')) return '(skipped: needs systemd as init)';
  return '';
}
const skip = notGuest();

type Rt = 'planc' | 'runc';
const MiB = 1024 * 1024;
// the properties systemd reports for a unit, compared between the two runtimes
const SHOWN = ['ActiveState', 'Slice', 'Delegate', 'DefaultDependencies', 'MemoryAccounting', 'CPUAccounting', 'IOAccounting',
  'TasksAccounting', 'MemoryMax', 'MemoryLow', 'MemorySwapMax', 'CPUWeight', 'CPUQuotaPerSecUSec', 'CPUQuotaPeriodUSec', 'TasksMax',
  'AllowedCPUs', 'DevicePolicy', 'DeviceAllow', 'TimeoutStopUSec', 'CollectMode', 'ControlGroup', 'Description'];
const FILES = ['memory.max', 'memory.low', 'memory.swap.max', 'cpu.max', 'cpu.weight', 'pids.max', 'cpuset.cpus'];

function sh(file: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(file, args, { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Runs a runtime command to its exit; stdio of a created init is not waited for. */
function runtime(rt: Rt, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(runtimeBins[rt], args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => setTimeout(() => resolve({ code, stderr }), 50));
  });
}

function show(unit: string): Record<string, string> {
  const r = sh('systemctl', ['show', unit, ...SHOWN.map((p) => `-p${p}`)]);
  return Object.fromEntries(r.stdout.trim().split('\n').filter(Boolean).map((l) => { const i = l.indexOf('='); return [l.slice(0, i), l.slice(i + 1)]; }));
}

describe.skipIf(skip !== '')(`systemd cgroup driver on real systemd: planc and runc make the same unit ${skip}`, () => {
  const tmp = tempDir('vm-systemd');
  const base: Config = readFixture('default');
  base.process.args = ['/bin/sh', '-c', 'sleep 30'];
  base.linux.resources = {
    devices: [{ allow: false, access: 'rwm' }],
    memory: { limit: 64 * MiB, reservation: 16 * MiB, swap: 96 * MiB },
    cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0' },
    pids: { limit: 42 },
  };
  base.annotations = { 'org.systemd.property.TimeoutStopSec': 'uint64 7', 'org.systemd.property.CollectMode': "'inactive-or-failed'" };
  const bundle = makeBundle(path.join(tmp, 'bundle'), base);
  const roots: Record<Rt, string> = { planc: path.join(tmp, 'planc'), runc: path.join(tmp, 'runc') };
  const ids: string[] = [];
  afterAll(async () => {
    for (const rt of ['planc', 'runc'] as Rt[]) for (const id of ids) await runtime(rt, ['--root', roots[rt], '--systemd-cgroup', 'delete', '--force', id]);
    rmTree(tmp);
  });

  /** create under rt with --systemd-cgroup; what systemd and the cgroup files say, before and after an update; then delete */
  async function lifecycle(rt: Rt): Promise<{ unit: string; props: Record<string, string>; files: Record<string, string>; updated: Record<string, string>; after: Record<string, string>; dirAfter: boolean; pidInScope: boolean }> {
    const id = `vm-systemd-${process.pid}-${rt}`;
    ids.push(id);
    const c = structuredClone(base);
    c.linux.cgroupsPath = `planc-test.slice:${rt}:${id}`;
    writeConfig(bundle, c);
    fs.mkdirSync(roots[rt], { recursive: true });
    const cr = await runtime(rt, ['--root', roots[rt], '--systemd-cgroup', 'create', '--bundle', bundle, id]);
    expect(cr.code, `${rt} create: ${cr.stderr}`).toBe(0);
    const unit = `${rt}-${id}.scope`;
    const dir = path.join(unified, 'planc.slice', 'planc-test.slice', unit);
    const props = show(unit);
    const files = Object.fromEntries(FILES.map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8').trim()]));
    const state = JSON.parse(sh(runtimeBins[rt], ['--root', roots[rt], 'state', id]).stdout) as { pid: number };
    const pidInScope = fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').map(Number).includes(state.pid);
    const up = await runtime(rt, ['--root', roots[rt], '--systemd-cgroup', 'update', '--memory', '48M', '--pids-limit', '30', '--cpu-quota', '30000', id]);
    expect(up.code, `${rt} update: ${up.stderr}`).toBe(0);
    const updated = { ...show(unit), ...Object.fromEntries(FILES.map((f) => [`file ${f}`, fs.readFileSync(path.join(dir, f), 'utf8').trim()])) };
    const d = await runtime(rt, ['--root', roots[rt], '--systemd-cgroup', 'delete', '--force', id]);
    expect(d.code, `${rt} delete: ${d.stderr}`).toBe(0);
    return { unit, props, files, updated, after: show(unit), dirAfter: fs.existsSync(dir), pidInScope };
  }

  test('the same transient scope, properties and cgroup files under planc and runc; delete removes the unit', async () => {
    const runc = await lifecycle('runc');
    const planc = await lifecycle('planc');
    for (const r of [runc, planc]) {
      expect(r.props.ActiveState, r.unit).toBe('active');
      expect(r.props.Slice).toBe('planc-test.slice');
      expect(r.props.ControlGroup).toBe(`/planc.slice/planc-test.slice/${r.unit}`);
      expect(r.pidInScope, `${r.unit}: init is in the unit's cgroup`).toBe(true);
      expect(r.files['memory.max']).toBe(String(64 * MiB));
      expect(r.files['pids.max']).toBe('42');
      expect(r.after.ActiveState === 'inactive' || r.after.ActiveState === undefined, `${r.unit} after delete: ${JSON.stringify(r.after)}`).toBe(true);
      expect(r.dirAfter, `${r.unit}'s cgroup after delete`).toBe(false);
    }
    const norm = (p: Record<string, string>, r: { unit: string }): Record<string, string> =>
      Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.split(r.unit).join('<unit>').replace(/vm-systemd-\d+-(planc|runc)/g, '<id>')]));
    expect(norm(planc.props, planc)).toEqual(norm(runc.props, runc));
    expect(planc.files).toEqual(runc.files);
    // update: the unit's properties and the files move the same way
    expect(planc.updated['file memory.max']).toBe(String(48 * MiB));
    expect(norm(planc.updated, planc)).toEqual(norm(runc.updated, runc));
  });

  test('run: the container sees the unit\'s cgroup as runc\'s does, and the unit is gone after it exits', async () => {
    const seen: Record<Rt, string> = { planc: '', runc: '' };
    for (const rt of ['runc', 'planc'] as Rt[]) {
      const id = `vm-systemd-run-${process.pid}-${rt}`;
      const c = structuredClone(base);
      c.process.args = ['/bin/cat', '/proc/self/cgroup'];
      c.linux.cgroupsPath = `planc-test.slice:${rt}:${id}`;
      // the host's cgroup namespace, so the path is the host's
      c.linux.namespaces = c.linux.namespaces.filter((n: { type: string }) => n.type !== 'cgroup');
      writeConfig(bundle, c);
      const r = sh(runtimeBins[rt], ['--root', roots[rt], '--systemd-cgroup', 'run', '--bundle', bundle, id]);
      expect(r.code, `${rt} run: ${r.stderr}`).toBe(0);
      seen[rt] = r.stdout.split(`${rt}-${id}.scope`).join('<unit>');
      expect(show(`${rt}-${id}.scope`).ActiveState ?? 'inactive').toBe('inactive');
      expect(fs.existsSync(path.join(unified, 'planc.slice', 'planc-test.slice', `${rt}-${id}.scope`))).toBe(false);
    }
    expect(seen.planc).toBe('0::/planc.slice/planc-test.slice/<unit>\n');
    expect(seen.planc).toBe(seen.runc);
  });

  test('planc plan --systemd-cgroup shows the unit step before the cgroup writes', () => {
    const c = structuredClone(base);
    c.linux.cgroupsPath = 'planc-test.slice:planc:plan1';
    writeConfig(bundle, c);
    const r = sh(runtimeBins.planc, ['--systemd-cgroup', 'plan', '--bundle', bundle, '--id', 'plan1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/caller +systemd_start_unit point=CALLER_CGROUP_UNIT name="planc-plan1.scope"/);
    expect(r.stdout).toMatch(/host +sync_caller point=CALLER_CGROUP_UNIT/);
  });
});
