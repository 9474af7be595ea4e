// Differential tests against runc (the reference): the same bundle, the same command sequence, and
// the same states, exit codes and error texts under both. Root only; cgroups live under /planc-test/.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, compatHarness, msg, ready, repo, RTS, RUNC, why, type Out, type Rt } from './compat-harness.js';

const { tmp, tag, roots, bundle, call, statusOf, cgroupDirs, setUp, tearDown } = compatHarness('compat');
const both = (args: (rt: Rt) => string[], opts?: { globals?: string[] }): Record<Rt, Out> =>
  ({ runc: call('runc', args('runc'), opts), planc: call('planc', args('planc'), opts) });
beforeAll(setUp);
afterAll(tearDown);

describe.skipIf(!ready)(`planc against runc 1.1.5${ready ? '' : ` (skipped: ${why})`}`, () => {
  it('gives the same exit codes and error texts for a container that does not exist', () => {
    const cases: string[][] = [['state', 'nope'], ['start', 'nope'], ['kill', 'nope'], ['kill', 'nope', 'KILL'], ['delete', 'nope'],
      ['pause', 'nope'], ['resume', 'nope'], ['ps', 'nope'], ['events', '--stats', 'nope'], ['update', '--memory', '1m', 'nope'],
      ['exec', 'nope', 'true'], ['state', 'a/b'], ['delete', '--force', 'nope']];
    for (const args of cases) {
      const r = both(() => args);
      expect({ args, status: r.planc.status, msg: msg(r.planc.stderr) }).toEqual({ args, status: r.runc.status, msg: msg(r.runc.stderr) });
    }
  });

  it('walks create → start → pause → resume → exec → kill → delete through the same states and exit codes', () => {
    const seqOf = (rt: Rt): unknown[] => {
      const b = bundle(rt, 'life', ['sleep', '60']);
      const steps: unknown[] = [];
      const step = (args: string[]): Out => { const r = call(rt, args); steps.push([args.map((a) => (a === b ? '<bundle>' : a)).join(' '), r.status, msg(r.stderr)]); return r; };
      step(['create', '-b', b, 'life']);
      steps.push(statusOf(rt, 'life'));
      step(['create', '-b', b, 'life']);
      step(['pause', 'life']);
      step(['start', 'life']);
      steps.push(statusOf(rt, 'life'));
      step(['start', 'life']);
      step(['pause', 'life']);
      steps.push(statusOf(rt, 'life'));
      step(['pause', 'life']);
      step(['delete', 'life']);
      step(['resume', 'life']);
      steps.push(statusOf(rt, 'life'));
      step(['resume', 'life']);
      step(['exec', 'life', 'sh', '-c', 'exit 3']);
      // the texts differ by design (planc names the plan step); the status and the runtime's cause agree
      const missing = call(rt, ['exec', 'life', 'nonexist']);
      steps.push([missing.status, /exec failed: .*executable file not found in \$PATH/.test(msg(missing.stderr))]);
      steps.push(JSON.parse(call(rt, ['ps', '--format', 'json', 'life']).stdout).length);
      // ps runs ps(1) and keeps the header and the container's rows. The rows' commands differ by
      // design: a created init is `runc init` under runc and the sealed planc-shim under planc.
      const table = call(rt, ['ps', 'life', '-o', 'pid,comm']).stdout.trimEnd().split('\n');
      steps.push([table[0], table.length]);
      steps.push(call(rt, ['list', '-q']).stdout);
      step(['kill', 'life', 'KILL']);
      for (let i = 0; i < 100 && statusOf(rt, 'life') !== 'stopped'; i++) spawnSync('sleep', ['0.02']);
      steps.push(statusOf(rt, 'life'));
      step(['kill', 'life']);
      step(['kill', '-a', 'life', 'KILL']);
      step(['update', '--memory', '10m', 'life']);
      step(['events', '--stats', 'life']);
      step(['start', 'life']);
      step(['exec', 'life', 'true']);
      step(['delete', 'life']);
      steps.push(statusOf(rt, 'life'));
      return steps;
    };
    const runc = seqOf('runc');
    const planc = seqOf('planc');
    expect(planc).toEqual(runc);
  });

  it('accepts the kill signal spellings runc accepts and refuses the same unknown ones', () => {
    for (const sig of ['KILL', 'SIGKILL', '9', 'kill', 'SIGFOO', '0', '65']) {
      const r = both((rt) => { bundle(rt, 'sig', ['sleep', '60']); call(rt, ['create', '-b', join(tmp, `${rt}-sig`), 'sig']); return ['kill', 'sig', sig]; });
      expect({ sig, status: r.planc.status, msg: msg(r.planc.stderr) }).toEqual({ sig, status: r.runc.status, msg: msg(r.runc.stderr) });
      for (const rt of RTS) call(rt, ['delete', '-f', 'sig']);
    }
  });

  it('parses the same flag spellings: -root, --root=, flags after the container id', () => {
    for (const rt of RTS) {
      const b = bundle(rt, 'flags', ['sleep', '60']);
      const bin0 = rt === 'runc' ? RUNC : bin;
      const run = (args: string[]): number | null => spawnSync(bin0, args, { stdio: 'ignore', timeout: 20_000 }).status;
      expect([rt, run([`-root`, roots[rt], 'create', 'flags', '-b', b])]).toEqual([rt, 0]);
      expect([rt, run([`--root=${roots[rt]}`, '--log-format=json', 'state', 'flags'])]).toEqual([rt, 0]);
      expect([rt, run([`--root=${roots[rt]}`, 'kill', 'flags', 'KILL', '-a'])]).toEqual([rt, 0]);
      expect([rt, run([`--root=${roots[rt]}`, 'delete', 'flags', '-f'])]).toEqual([rt, 0]);
    }
  });

  it('writes exactly one JSON error line {level,msg,time} to --log for a failed create, and leaves no state', () => {
    for (const rt of RTS) {
      const log = join(tmp, `${rt}-log.json`);
      const r = call(rt, ['create', '-b', join(tmp, 'no-such-bundle'), 'failed'], { globals: ['--log', log, '--log-format', 'json'] });
      expect(r.status).toBe(1);
      const lines = readFileSync(log, 'utf8').trimEnd().split('\n').filter((l) => /"level":"error"/.test(l));
      expect(lines).toHaveLength(1);
      const rec = JSON.parse(lines[0]!);
      expect(Object.keys(rec).sort()).toEqual(['level', 'msg', 'time']);
      expect(rec.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(existsSync(join(roots[rt], 'failed'))).toBe(false);
    }
  });

  it('lists the same containers in the same JSON shape', () => {
    const shape = (rt: Rt): unknown => {
      call(rt, ['create', '-b', bundle(rt, 'listed', ['sleep', '60']), 'listed']);
      const rows = JSON.parse(call(rt, ['list', '--format', 'json']).stdout) as Record<string, unknown>[];
      call(rt, ['delete', '-f', 'listed']);
      return rows.map((r) => ({ keys: Object.keys(r), id: r.id, status: r.status, owner: r.owner }));
    };
    expect(shape('planc')).toEqual(shape('runc'));
    const empty = both(() => ['list']);
    expect(empty.planc.stdout).toBe(empty.runc.stdout);
    const quiet = both(() => ['list', '-q']);
    expect(quiet.planc).toEqual(quiet.runc);
  });

  it('list names a container whose state cannot be read on stderr and lists the rest, as runc', () => {
    const r = join(tmp, 'list-damaged');
    for (const [id, text] of [['cut', '{"id":"cut","pid":1,"bu'], ['empty', '{}'], ['nostate', null]] as const) {
      mkdirSync(join(r, id), { recursive: true });
      if (text !== null) writeFileSync(join(r, id, 'state.json'), text);
    }
    const out = (rt: Rt) => { const x = call(rt, ['--root', r, 'list'], { root: false }); return [x.status, x.stdout, x.stderr.split('\n').filter(Boolean).map((l) => l.split(':')[0])]; };
    expect(out('planc')).toEqual(out('runc'));
    expect(out('planc')[2]).toEqual(['load container cut', 'load container empty', 'load container nostate']);
  });

  it('pause returns once every task is frozen, resume once thawed (v1 freezer.state, v2 cgroup.events)', () => {
    // four busy loops: the freezer has tasks to catch in flight, and pause must wait for them
    const b = bundle('planc', 'frz', ['sh', '-c', 'for i in 1 2 3 4; do (while :; do :; done) & done; wait']);
    expect(call('planc', ['run', '-d', '-b', b, 'frz']).status).toBe(0);
    const freezer = `/sys/fs/cgroup/freezer/planc-test/${tag}-planc-frz/freezer.state`;
    const events = `/sys/fs/cgroup/planc-test/${tag}-planc-frz/cgroup.events`;
    const frozen = (): string => (existsSync(freezer) ? readFileSync(freezer, 'utf8').trim()
      : /^frozen 1$/m.test(readFileSync(events, 'utf8')) ? 'FROZEN' : 'THAWED');
    for (let i = 0; i < 3; i++) {
      expect(call('planc', ['pause', 'frz']).status).toBe(0);
      expect([statusOf('planc', 'frz'), frozen()]).toEqual(['paused', 'FROZEN']);
      expect(call('planc', ['resume', 'frz']).status).toBe(0);
      expect([statusOf('planc', 'frz'), frozen()]).toEqual(['running', 'THAWED']);
    }
    expect(call('planc', ['pause', 'frz']).status).toBe(0);
    // delete -f of a frozen container thaws, kills and removes it
    expect(call('planc', ['delete', '-f', 'frz']).status).toBe(0);
    expect(cgroupDirs().filter((d) => d.endsWith('-planc-frz'))).toEqual([]);
  });

  it('update writes the limits and keeps them in state; events --stats reports them like runc', () => {
    const b = bundle('planc', 'upd', ['sleep', '60']);
    expect(call('planc', ['run', '-d', '-b', b, 'upd']).status).toBe(0);
    expect(call('planc', ['update', '--memory', '64m', '--pids-limit', '20', 'upd'])).toMatchObject({ status: 0, stderr: '' });
    expect(call('planc', ['update', '-r', '-', 'upd'], { input: '{"cpu":{"shares":512}}' }).status).toBe(0);
    const st = JSON.parse(readFileSync(join(roots.planc, 'upd', 'state.json'), 'utf8'));
    expect(st.resources).toMatchObject({ memory: { limit: 64 << 20 }, pids: { limit: 20 }, cpu: { shares: 512 } });
    const ev = JSON.parse(call('planc', ['events', '--stats', 'upd']).stdout);
    expect(ev).toMatchObject({ type: 'stats', id: 'upd', data: { memory: { usage: { limit: 64 << 20 } }, pids: { current: 1, limit: 20 } } });
    const rb = bundle('runc', 'upd', ['sleep', '60']);
    call('runc', ['run', '-d', '-b', rb, 'upd']);
    const rev = JSON.parse(call('runc', ['events', '--stats', 'upd']).stdout);
    expect(Object.keys(ev.data).sort()).toEqual(expect.arrayContaining(Object.keys(rev.data).filter((k) => k !== 'cpuset').sort()));
    for (const rt of RTS) call(rt, ['delete', '-f', 'upd']);
  });

  it('events streams stats and an oom line when the memory cgroup kills, and ends when the container stops', async () => {
    const b = bundle('planc', 'oom', ['sh', '-c', 'sleep 1; a=$(head -c 200000000 /dev/zero | tr "\\0" a); sleep 60'],
      (c) => { c.linux.resources = { memory: { limit: 20_000_000, swap: 20_000_000 } }; });
    expect(call('planc', ['run', '-d', '-b', b, 'oom']).status).toBe(0);
    const ev = spawn(bin, ['--root', roots.planc, 'events', '--interval=10s', 'oom'], { stdio: ['ignore', 'pipe', 'ignore'] });
    // the OOM killer may take init itself, so events can end before the kill below
    const exited = new Promise((res) => { ev.on('exit', res); setTimeout(() => { ev.kill(); res('timeout'); }, 15_000); });
    let out = '';
    ev.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    for (let i = 0; i < 200 && !out.includes('"type":"oom"'); i++) await new Promise((r) => setTimeout(r, 50));
    call('planc', ['kill', 'oom', 'KILL']);
    const code = await exited;
    const lines = out.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ type: 'stats', id: 'oom' });
    expect(lines).toContainEqual({ type: 'oom', id: 'oom' });
    expect(code).toBe(0);
    call('planc', ['delete', '-f', 'oom']);
  });

  it('exec -t hands a pty to a console-socket server; the process sees a terminal', async () => {
    const helper = join(repo, 'build', 'pty-helper');
    if (!existsSync(helper)) return;
    const b = bundle('planc', 'tty', ['sleep', '60']);
    expect(call('planc', ['run', '-d', '-b', b, 'tty']).status).toBe(0);
    const sock = join(tmp, 'console.sock');
    const server = spawn(helper, ['serve', sock, ''], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    server.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 10));
    const r = call('planc', ['exec', '-t', '-d', '--console-socket', sock, 'tty', 'tty']);
    expect(r).toMatchObject({ status: 0 });
    // 'close' comes after the helper's stdout is drained; 'exit' can come before its last data
    await new Promise((res) => { server.on('close', res); setTimeout(res, 5000); });
    server.kill();
    expect(out).toMatch(/\/dev\/pts\/\d+/);
    call('planc', ['delete', '-f', 'tty']);
  });

  it('creates, starts and deletes 20 containers in parallel and leaves nothing behind', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `par${i}`);
    const go = (args: string[]): Promise<number | null> => new Promise((res) => {
      const p = spawn(bin, ['--root', roots.planc, ...args], { stdio: 'ignore' });
      p.on('exit', (code) => res(code));
    });
    // cgroupsPath is per container here: the default /<id> path would escape planc-test/
    for (const id of ids) bundle('planc', `par-${id}`, ['sleep', '60']);
    const codes = await Promise.all(ids.map(async (id) => {
      const bb = join(tmp, `planc-par-${id}`);
      return [await go(['create', '-b', bb, id]), await go(['start', id]), await go(['delete', '-f', id])];
    }));
    expect(codes).toEqual(ids.map(() => [0, 0, 0]));
    expect(readdirSync(roots.planc).filter((n) => n.startsWith('par'))).toEqual([]);
    expect(cgroupDirs().filter((d) => d.includes('-planc-par-'))).toEqual([]);
    // only this run's processes: another suite on the machine may use the same ids
    const left = spawnSync('pgrep', ['-f', join(tmp, 'planc-par-par')], { encoding: 'utf8' }).stdout.trim();
    expect(left).toBe('');
  });

  it('serialises concurrent commands on one container: one start wins, parallel deletes all succeed once', async () => {
    const b = bundle('planc', 'race', ['sleep', '60']);
    expect(call('planc', ['create', '-b', b, 'race']).status).toBe(0);
    const go = (args: string[]): Promise<{ code: number | null; err: string }> => new Promise((res) => {
      const p = spawn(bin, ['--root', roots.planc, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
      p.on('exit', (code) => res({ code, err }));
    });
    const starts = await Promise.all([go(['start', 'race']), go(['start', 'race']), go(['start', 'race'])]);
    expect(starts.map((r) => r.code).sort()).toEqual([0, 1, 1]);
    for (const r of starts.filter((x) => x.code === 1)) expect(msg(r.err)).toBe('cannot start an already running container');
    expect(statusOf('planc', 'race')).toBe('running');
    const deletes = await Promise.all([go(['delete', '-f', 'race']), go(['delete', '-f', 'race']), go(['delete', '-f', 'race'])]);
    expect(deletes.map((r) => r.code)).toEqual([0, 0, 0]);
    expect(existsSync(join(roots.planc, 'race'))).toBe(false);
    expect(cgroupDirs().filter((d) => d.endsWith('-planc-race'))).toEqual([]);
  });

  it('features is a runtime-spec features document that claims the systemd driver (not the rootless one)', () => {
    const f = JSON.parse(call('planc', ['features']).stdout);
    const rf = JSON.parse(call('runc', ['features']).stdout);
    expect(Object.keys(f).sort()).toEqual(Object.keys(rf).sort());
    expect(f.linux.cgroup.systemd).toBe(rf.linux.cgroup.systemd);
    // planc plans for a runtime that is root: no user manager's bus
    expect(f.linux.cgroup.systemdUser).toBe(false);
    // runc 1.1.5 predates the time namespace (runc 1.2 lists it in the same sorted place)
    expect(f.linux.namespaces).toEqual([...rf.linux.namespaces, 'time'].sort());
    expect(f.hooks).toEqual(expect.arrayContaining(['poststart', 'poststop']));
  });
});
