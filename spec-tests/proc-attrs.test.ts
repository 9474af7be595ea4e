// Real containers with process attributes: what a static probe inside sees (sched_getattr,
// ioprio_get, personality, uname, sched_getaffinity, get_mempolicy, timens_offsets, the clocks) and
// what the host's /proc says about the container's processes. Debian's runc 1.1.5 predates every one
// of these fields (it ignores them), so the reference is the kernel; without them, planc and runc
// must leave the same attributes. Tests run one after another and remove what they create.
import { test, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describeAsRoot, plancBin, repo } from './helpers/env.js';
import { leftoverCgroups, makeBundle, readFixture, removeCgroups, rmTree, tempDir, userNsBundle, writeConfig, type Config } from './helpers/bundle.js';
import { runContainer, type Runtime } from './helpers/runtimes.js';

const parent = 'planc-test';
let serial = 0;
const used: string[] = [];
const uniqueId = (rt: Runtime) => { const id = `pa${process.pid}-${++serial}-${rt}`; used.push(id); return id; };

// kernel ABI numbers the probe prints (include/uapi/linux/{sched,ioprio,personality,mempolicy}.h)
const SCHED_BATCH = 3, SCHED_IDLE = 5, SCHED_DEADLINE = 6, SCHED_FLAG_RESET_ON_FORK = 1, IOPRIO_CLASS_BE = 2, IOPRIO_CLASS_IDLE = 3;
const PER_LINUX32 = 8, MPOL_BIND = 2, MPOL_F_STATIC_NODES = 0x8000;

/** The probe's "key value" lines as a map (the first word is the key). */
function parseProbe(out: string): Record<string, string> {
  const m: Record<string, string> = {};
  for (const line of out.trim().split('\n')) {
    const [k, ...rest] = line.split(' ');
    const key = k === 'timens' ? `timens ${rest.shift()}` : k!;
    m[key] = rest.join(' ');
  }
  return m;
}

function withAttrs(c: Config): Config {
  c.process.scheduler = { policy: 'SCHED_BATCH', nice: 5, flags: ['SCHED_FLAG_RESET_ON_FORK'] };
  c.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 6 };
  c.process.execCPUAffinity = { final: '0' };
  c.linux.personality = { domain: 'LINUX32' };
  c.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0', flags: ['MPOL_F_STATIC_NODES'] };
  c.linux.namespaces.push({ type: 'time' });
  c.linux.timeOffsets = { monotonic: { secs: 100, nanosecs: 5 }, boottime: { secs: 86400, nanosecs: 0 } };
  return c;
}

function hostUptime(): number { return Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]); }

describeAsRoot('runs real containers', 'process attributes as the kernel reports them', () => {
  let tmp: string;
  let bundle: string;
  let errFile: string;
  const roots: Record<'planc' | 'runc', string> = { planc: '', runc: '' };

  beforeAll(() => {
    tmp = tempDir('proc-attrs');
    bundle = makeBundle(path.join(tmp, 'bundle'), readFixture('default'));
    execFileSync('musl-gcc', ['-static', '-O2', '-o', path.join(bundle, 'rootfs', 'bin', 'procattrs'),
      path.join(repo, 'spec-tests', 'probes', 'procattrs.c')]);
    for (const rt of ['planc', 'runc'] as const) fs.mkdirSync(roots[rt] = path.join(tmp, `state-${rt}`));
    errFile = path.join(tmp, 'stderr');
  });

  afterEach(() => {
    const left: string[] = [];
    for (const id of used.splice(0)) {
      spawnSync(plancBin, ['--root', roots.planc, 'delete', '-f', id], { stdio: 'ignore' });
      left.push(...leftoverCgroups(parent, id).map((d) => `cgroup ${d}`));
      removeCgroups(parent, id);
    }
    for (const rt of ['planc', 'runc'] as const) for (const e of fs.readdirSync(roots[rt])) { left.push(`${rt} state ${e}`); rmTree(path.join(roots[rt], e)); }
    expect(left).toEqual([]);
  });

  afterAll(() => rmTree(tmp));

  function config(id: string, edit: (c: Config) => void): Config {
    const c = readFixture('default');
    c.process.args = ['/bin/procattrs'];
    c.linux.cgroupsPath = `/${parent}/${id}`;
    edit(c);
    return c;
  }

  /** planc with the container's stdio on /dev/null and a file (create leaves the init holding them). */
  function plancQuiet(args: string[]): { code: number | null; stderr: string } {
    const fd = fs.openSync(errFile, 'w');
    try {
      const r = spawnSync(plancBin, ['--root', roots.planc, ...args], { stdio: ['ignore', 'ignore', fd], timeout: 60_000 });
      return { code: r.status, stderr: fs.readFileSync(errFile, 'utf8') };
    } finally { fs.closeSync(fd); }
  }
  function plancOut(args: string[]) {
    const r = spawnSync(plancBin, ['--root', roots.planc, ...args], { encoding: 'utf8', input: '', timeout: 60_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  test('without these fields planc leaves the same attributes as runc (the probe minus its clocks)', async () => {
    const out: Record<string, string> = {};
    for (const rt of ['runc', 'planc'] as const) {
      const id = uniqueId(rt);
      writeConfig(bundle, config(id, () => {}));
      const r = await runContainer(rt, roots[rt], bundle, id);
      expect(r.code, `${rt}: ${r.stderr}`).toBe(0);
      out[rt] = r.stdout.split('\n').filter((l) => !l.startsWith('clock ')).join('\n');
    }
    expect(out.planc).toBe(out.runc);
    expect(out.planc).toContain('personality 0x0');
  });

  test('run: the container process has the scheduler, I/O priority, personality, memory policy and time offsets asked for', async () => {
    const id = uniqueId('planc');
    writeConfig(bundle, config(id, withAttrs));
    const before = hostUptime();
    const r = await runContainer('planc', roots.planc, bundle, id);
    expect(r.code, r.stderr).toBe(0);
    const p = parseProbe(r.stdout);
    expect(p.sched).toMatch(new RegExp(`^policy=${SCHED_BATCH} flags=${SCHED_FLAG_RESET_ON_FORK} nice=5 priority=0 `));
    expect(p.ioprio).toBe(`class=${IOPRIO_CLASS_BE} data=6`);
    expect(p.personality).toBe(`0x${PER_LINUX32.toString(16)}`);
    expect(p.machine).toBe('i686');   // uname(2) under PER_LINUX32 on x86_64
    expect(p.mempolicy).toBe(`mode=${MPOL_BIND} flags=0x${MPOL_F_STATIC_NODES.toString(16)}`);
    expect(p['mempolicy-nodes']).toBe('0');
    expect(p['timens monotonic']).toBe('100 5');
    expect(p['timens boottime']).toBe('86400 0');
    // the clocks themselves moved by the offsets, against the host's uptime around the run
    const [, boot, mono] = /boottime=(\d+) monotonic=(\d+)/.exec(p.clock!)!.map(Number);
    const after = hostUptime();
    expect(boot! - 86400).toBeGreaterThanOrEqual(Math.floor(before) - 1);
    expect(boot! - 86400).toBeLessThanOrEqual(Math.ceil(after) + 1);
    expect(mono! - 100).toBeLessThanOrEqual(Math.ceil(after) + 1);
    // execCPUAffinity is for exec'd processes only: init keeps its cpuset's CPUs
    expect(p.cpus).toBe(fs.readFileSync(`/sys/fs/cgroup/cpuset/cpuset.effective_cpus`, 'utf8').trim());
  });

  test('SCHED_DEADLINE: runtime, deadline and period as sched_getattr(2) reports them', async () => {
    const id = uniqueId('planc');
    writeConfig(bundle, config(id, (c) => {
      c.process.scheduler = { policy: 'SCHED_DEADLINE', runtime: 10_000_000, deadline: 30_000_000, period: 30_000_000 };
    }));
    const r = await runContainer('planc', roots.planc, bundle, id);
    expect(r.code, r.stderr).toBe(0);
    expect(parseProbe(r.stdout).sched).toBe(`policy=${SCHED_DEADLINE} flags=0 nice=0 priority=0 runtime=10000000 deadline=30000000 period=30000000`);
  });

  test('create: the host\'s /proc shows the attributes on the waiting init; exec gets the container\'s and process.json\'s', () => {
    const id = uniqueId('planc');
    writeConfig(bundle, config(id, (c) => { withAttrs(c); c.process.args = ['sleep', '60']; }));
    const cr = plancQuiet(['create', '--bundle', bundle, id]);
    expect(cr.code, cr.stderr).toBe(0);
    const pid = JSON.parse(plancOut(['state', id]).stdout).pid as number;
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');   // fields from 3 on
    expect([f[19 - 3], f[41 - 3]]).toEqual(['5', String(SCHED_BATCH)]);   // nice, policy (proc(5))
    expect(execFileSync('ionice', ['-p', String(pid)], { encoding: 'utf8' }).trim()).toBe('best-effort: prio 6');
    expect(fs.readFileSync(`/proc/${pid}/personality`, 'utf8').trim()).toBe('00000008');
    expect(fs.readFileSync(`/proc/${pid}/numa_maps`, 'utf8').split('\n')[0]).toContain(' bind=static:0 ');
    expect(fs.readFileSync(`/proc/${pid}/timens_offsets`, 'utf8').split('\n').map((l) => l.trim().split(/\s+/).join(' ')))
      .toEqual(expect.arrayContaining(['monotonic 100 5', 'boottime 86400 0']));
    expect(fs.readlinkSync(`/proc/${pid}/ns/time`)).not.toBe(fs.readlinkSync('/proc/self/ns/time'));

    // exec: the container's values (execCPUAffinity final "0" after the cgroup join), the same time namespace
    const e1 = plancOut(['exec', id, '/bin/procattrs']);
    expect(e1.code, e1.stderr).toBe(0);
    const p1 = parseProbe(e1.stdout);
    expect(p1.sched).toMatch(new RegExp(`^policy=${SCHED_BATCH} flags=${SCHED_FLAG_RESET_ON_FORK} nice=5 `));
    expect([p1.ioprio, p1.personality, p1.cpus, p1['timens boottime']]).toEqual([`class=${IOPRIO_CLASS_BE} data=6`, '0x8', '0', '86400 0']);
    // exec --process: its own scheduler, ioPriority and execCPUAffinity replace the container's
    const proc = config(id, withAttrs).process;
    proc.scheduler = { policy: 'SCHED_IDLE' };
    proc.ioPriority = { class: 'IOPRIO_CLASS_IDLE', priority: 0 };
    proc.execCPUAffinity = { initial: '0', final: '1' };
    fs.writeFileSync(path.join(tmp, 'process.json'), JSON.stringify(proc));
    const e2 = plancOut(['exec', '--process', path.join(tmp, 'process.json'), id]);
    expect(e2.code, e2.stderr).toBe(0);
    const p2 = parseProbe(e2.stdout);
    expect(p2.sched).toMatch(new RegExp(`^policy=${SCHED_IDLE} flags=0 nice=0 `));
    expect([p2.ioprio, p2.cpus, p2.mempolicy]).toEqual([`class=${IOPRIO_CLASS_IDLE} data=0`, '1', `mode=${MPOL_BIND} flags=0x8000`]);
  });

  test('a user namespace: the time namespace is owned by it and the offsets still apply', async () => {
    const ub = userNsBundle(tmp, bundle);
    const id = uniqueId('planc');
    writeConfig(ub, config(id, (c) => {
      withAttrs(c);
      c.linux.namespaces.push({ type: 'user' });
      c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    }));
    const r = await runContainer('planc', roots.planc, ub, id);
    rmTree(ub);
    expect(r.code, r.stderr).toBe(0);
    const p = parseProbe(r.stdout);
    expect([p['timens monotonic'], p['timens boottime'], p.personality, p.ioprio]).toEqual(['100 5', '86400 0', '0x8', `class=${IOPRIO_CLASS_BE} data=6`]);
  });

  test('a time namespace joined by path: the container sees that namespace\'s offsets', async () => {
    // a namespace made (and entered) by a holder process that stays alive while the container runs
    const id = uniqueId('planc');
    const holder = spawnSync('unshare', ['--time', '--boottime', '777', '--fork', 'sh', '-c', 'sleep 30 </dev/null >/dev/null 2>&1 & echo $!'],
      { encoding: 'utf8', timeout: 10_000 });
    const hpid = Number(holder.stdout.trim());
    expect(hpid, holder.stderr).toBeGreaterThan(0);
    try {
      writeConfig(bundle, config(id, (c) => { c.linux.namespaces.push({ type: 'time', path: `/proc/${hpid}/ns/time` }); }));
      const r = await runContainer('planc', roots.planc, bundle, id);
      expect(r.code, r.stderr).toBe(0);
      expect(parseProbe(r.stdout)['timens boottime']).toBe('777 0');
    } finally { try { process.kill(hpid, 'SIGKILL'); } catch { /* gone */ } }
  });

  test('a value the kernel refuses fails create at its step, with the pointer, and leaves nothing', () => {
    const id = uniqueId('planc');
    // node 1023 is never online here: set_mempolicy(MPOL_BIND) answers EINVAL
    writeConfig(bundle, config(id, (c) => { c.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '1023' }; }));
    const r = plancQuiet(['create', '--bundle', bundle, id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/step \d+ set_mempolicy .*invalid argument \(\/linux\/memoryPolicy\)/);
    expect(leftoverCgroups(parent, id)).toEqual([]);
    expect(fs.readdirSync(roots.planc)).toEqual([]);
  });
});
