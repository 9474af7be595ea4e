// The cgroup v2 device filter on the real kernel: a container planned for a v2-only host (facts
// pointing the unified hierarchy at this host's cgroup2 mount) is applied by the shim, so its
// bpf_device_filter is loaded and attached to a real cgroup2 cgroup before the container is
// cloned into it. From inside, opening or making a node the rules deny fails with EPERM and the
// allowed ones open; runc on this host (its v1 devices cgroup) must see the same for the bundle.
import { test, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describeAsRoot, shimBin } from './helpers/env.js';
import { hierarchies, leftoverCgroups, makeBundle, readFixture, removeCgroups, rmTree, tempDir, writeConfig, type Config } from './helpers/bundle.js';
import { runContainer } from './helpers/runtimes.js';
import { loadPlanner } from '../orchestrator/src/planner.js';
import { buildContext } from '../orchestrator/src/context.js';
import { decodePlan } from '../orchestrator/src/plan/decode.js';
import { gatherHostFacts, type HostFacts } from '../orchestrator/src/facts.js';

const parent = 'planc-test';
const unified = hierarchies().find((h) => fs.existsSync(path.join(h, 'cgroup.controllers')));   // the cgroup2 mount
const unique = `bpf-${process.pid}`;
let tmp = '', bundle = '', serial = 0;

// Each probe prints one line: "<label> ok" or "<label> <the shell's error>". mknod makes its node
// in /dev (the container's tmpfs); opening one takes its fd in a subshell and closes it unused.
// /dev/fuse (c 10:229) opens for root with no capability, so only the device rules refuse it;
// a missing block device opens to ENXIO when allowed, so EPERM is the rules' too.
const SCRIPT = `
try() { label=$1; shift; if out=$("$@" 2>&1); then echo "$label ok"; else echo "$label \${out##*: }"; fi; }
rd() { (exec 3<"$1"); }
wr() { (exec 3>"$1"); }
try read-null rd /dev/null
try write-zero wr /dev/zero
try mknod-fuse mknod /dev/fuse2 c 10 229
try read-fuse rd /dev/fuse2
try write-fuse wr /dev/fuse2
try mknod-disk mknod /dev/disk2 b 8 0
try read-disk rd /dev/disk2
try mknod-full mknod /dev/full2 c 1 7
try read-full rd /dev/full2
`;

function config(devices: Config[], id: string): Config {
  const c = readFixture('default');
  c.process.args = ['sh', '-c', SCRIPT];
  // the threat: a container that may make nodes (runc's default capabilities do not include it)
  for (const set of ['bounding', 'effective', 'permitted']) c.process.capabilities[set].push('CAP_MKNOD');
  c.linux.resources = { devices };
  c.linux.cgroupsPath = `/${parent}/${unique}/${id}`;
  return c;
}

/** This host's facts with a v2-only cgroup layout: the unified hierarchy is its cgroup2 mount. */
function v2Facts(): HostFacts {
  const f = gatherHostFacts();
  return { ...f, cgroup: { v1: [], unified: unified!, unified_controllers: [] }, clone_into_cgroup: true };
}

/** Plans `cfg` for the v2-only facts and applies the plan with the shim, as `planc run` would. */
async function runV2(cfg: Config, id: string): Promise<{ code: number | null; stdout: string; stderr: string; records: any[]; ops: string[] }> {
  writeConfig(bundle, cfg);
  const state = path.join(tmp, 'state', id);
  fs.mkdirSync(state, { recursive: true });
  const context = buildContext({ id, bundle, stateDir: state, host: v2Facts(), config: cfg });
  const r = (await loadPlanner()).plan(new TextEncoder().encode(JSON.stringify(cfg)), context);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const planFile = path.join(tmp, `plan.${id}`);
  fs.writeFileSync(planFile, r.plan);
  const fd = fs.openSync(planFile, 'r');
  const p = spawn(shimBin, ['run', '3', '4'], { stdio: ['ignore', 'pipe', 'pipe', fd, 'pipe'] });
  fs.closeSync(fd);
  const out = { code: null as number | null, stdout: '', stderr: '', records: [] as any[], ops: decodePlan(r.plan).map((o) => o.op) };
  p.stdout!.on('data', (d) => (out.stdout += d));
  p.stderr!.on('data', (d) => (out.stderr += d));
  let pending = '';
  (p.stdio[4] as NodeJS.ReadableStream).on('data', (d) => {
    pending += d;
    for (let i; (i = pending.indexOf('\n')) >= 0; pending = pending.slice(i + 1)) {
      const rec = JSON.parse(pending.slice(0, i));
      out.records.push(rec);
      // `start`: the caller opens the exec fifo and reads its byte
      if (rec.type === 'created') fs.promises.readFile(path.join(state, 'exec.fifo')).catch(() => undefined);
    }
  });
  const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
  out.code = await new Promise((res) => p.on('close', (code) => res(code)));
  clearTimeout(timer);
  return out;
}

const lines = (s: string) => Object.fromEntries(s.trim().split('\n').map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)]));
const EPERM = 'Operation not permitted', NOENT = 'no such file';

describeAsRoot('cgroup2 and BPF_PROG_TYPE_CGROUP_DEVICE', 'the device filter on a real cgroup2 cgroup', () => {
  beforeAll(() => {
    tmp = tempDir('bpf');
    bundle = makeBundle(path.join(tmp, 'bundle'), config([], 'x'));
  }, 120_000);
  afterAll(() => {
    removeCgroups(parent, unique);
    rmTree(tmp);
  });

  test.skipIf(!unified)('the host has a cgroup2 mount to attach to', () => {
    expect(unified).toBeTruthy();
  });

  const cases: [string, Config[], Record<string, string>][] = [
    ["runc's default spec: deny all, then runc's defaults", [{ allow: false, access: 'rwm' }], {
      'read-null': 'ok', 'write-zero': 'ok', 'mknod-fuse': 'ok', 'read-fuse': EPERM, 'write-fuse': EPERM,
      'mknod-disk': 'ok', 'read-disk': EPERM, 'mknod-full': 'ok', 'read-full': 'ok',
    }],
    ['c 10:229 allowed for reading only', [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'r' }], {
      'read-null': 'ok', 'write-zero': 'ok', 'mknod-fuse': 'ok', 'read-fuse': 'ok', 'write-fuse': EPERM,
      'mknod-disk': 'ok', 'read-disk': EPERM, 'mknod-full': 'ok', 'read-full': 'ok',
    }],
    ['allow all (privileged): every node opens, a missing disk with ENXIO', [{ allow: true, access: 'rwm' }], {
      'read-null': 'ok', 'write-zero': 'ok', 'mknod-fuse': 'ok', 'read-fuse': 'ok', 'write-fuse': 'ok',
      'mknod-disk': 'ok', 'read-disk': 'No such device or address', 'mknod-full': 'ok', 'read-full': 'ok',
    }],
    ['allow all, then deny c 10:229 and block devices 8:*: mknod of them is refused too', [{ allow: true, access: 'rwm' },
      { allow: false, type: 'c', major: 10, minor: 229, access: 'rwm' }, { allow: false, type: 'b', major: 8, access: 'rwm' }], {
      'read-null': 'ok', 'write-zero': 'ok', 'mknod-fuse': EPERM, 'read-fuse': NOENT,
      'mknod-disk': EPERM, 'read-disk': NOENT, 'mknod-full': 'ok', 'read-full': 'ok',
    }],
  ];

  for (const [name, devices, want] of cases) {
    test.skipIf(!unified)(`${name}: the container sees exactly what the rules allow, as under runc`, async () => {
      const id = `bpf-${process.pid}-${serial++}`;
      const cfg = config(devices, id);
      const r = await runV2(cfg, id);
      expect(r.code, r.stderr + JSON.stringify(r.records)).toBe(0);
      // the filter is attached before the clone puts the container in the cgroup
      expect(r.ops.indexOf('bpf_device_filter')).toBeGreaterThan(r.ops.indexOf('mkdir'));
      expect(r.ops.indexOf('bpf_device_filter')).toBeLessThan(r.ops.indexOf('clone_into_cgroup'));
      const got = lines(r.stdout);
      for (const [k, v] of Object.entries(want)) expect([k, got[k]], r.stdout).toEqual([k, v]);
      // the plan's teardown removed the cgroup, and the kernel the program with it
      expect(leftoverCgroups(parent, `${unique}/${id}`)).toEqual([]);
      // runc on this host applies the same rules with its v1 devices cgroup: the same verdicts
      const runcId = `${id}-runc`;
      writeConfig(bundle, { ...cfg, linux: { ...cfg.linux, cgroupsPath: `/${parent}/${unique}/${runcId}` } });
      const rr = await runContainer('runc', path.join(tmp, 'runc-root'), bundle, runcId);
      expect(rr.code, rr.stderr).toBe(0);
      expect(lines(rr.stdout)).toEqual(got);
    }, 60_000);
  }
});
