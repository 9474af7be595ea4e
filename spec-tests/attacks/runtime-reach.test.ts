// A container attacks the runtime itself, under planc and under runc: it hunts the process that
// enters it for an `exec` (ptrace, /proc/<pid>/mem, /proc/<pid>/exe reopened for writing, the
// CVE-2019-5736 class, with an image whose /evil is `#!/proc/self/exe`), and it asks for a cwd
// through a leaked fd (/proc/self/fd/N, the CVE-2024-21626 class) under run, create+start and
// exec --cwd. The runtime binaries on the host must stay byte-identical, no fd above 2 may reach
// the container and its cwd must stay inside its rootfs. Root only.
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compatHarness, msg, repo, ready, RTS, RUNC, why, type Json, type Rt } from '../../orchestrator/test/compat-harness.js';

const { tmp, roots, bundle, call, statusOf, setUp, tearDown } = compatHarness('attack-rt');
const shim = path.join(repo, 'build', 'planc-shim');
const sha = (f: string) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');
const devIno = (f: string) => { const s = fs.statSync(f); return `${s.dev}:${s.ino}`; };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let rootfs = '';
/** <tmp>/out, where the container writes what the test reads, bound at /out */
const bindOut = (c: Json) => c.mounts.push({ destination: '/out', type: 'bind', source: path.join(tmp, 'out'), options: ['rbind', 'rw'] });

beforeAll(() => {
  setUp();
  if (!ready) return;
  // the image: the shared busybox rootfs plus the hunter and a script whose interpreter is the
  // entering runtime process itself
  rootfs = path.join(tmp, 'hostile-rootfs');
  fs.cpSync(path.join(tmp, 'rootfs'), rootfs, { recursive: true, verbatimSymlinks: true });
  execFileSync('musl-gcc', ['-static', '-O2', '-o', path.join(rootfs, 'hunter'), path.join(__dirname, 'hunter.c')]);
  fs.writeFileSync(path.join(rootfs, 'evil'), '#!/proc/self/exe\n', { mode: 0o755 });
  fs.mkdirSync(path.join(tmp, 'out'));
});
afterAll(tearDown);

interface Hit { pid: number; comm: string; after: string; ptrace: string; mem: string; exe: string; wr: string }
const parse = (log: string): Hit[] => log.split('\n').filter((l) => /^\d+ /.test(l)).map((l) => {
  const [pid, comm, after, ...kv] = l.split(' ');
  const f = Object.fromEntries(kv.map((x) => [x.slice(0, x.indexOf('=')), x.slice(x.indexOf('=') + 1)]));
  return { pid: Number(pid), comm, after, ptrace: f.ptrace, mem: f.mem, exe: f.exe, wr: f.wr } as Hit;
});

/** Runs the hunter as the container's init for `ms`, enters the container `execs` times with the
 * given commands, and returns what the hunter reached. */
async function hunt(rt: Rt, name: string, caps: string[], execs: string[][], ms = 1500): Promise<Hit[]> {
  const log = path.join(tmp, 'out', `${rt}-${name}.log`);
  const forbid = [devIno(shim), devIno(RUNC), devIno(process.execPath)];
  const b = bundle(rt, name, ['sh', '-c', `/hunter ${ms} ${forbid.join(' ')} > /out/${path.basename(log)}`], (c) => {
    c.root.path = rootfs;
    bindOut(c);
    for (const set of ['bounding', 'effective', 'permitted']) c.process.capabilities[set].push(...caps);
  });
  expect(call(rt, ['run', '-d', '-b', b, name]).status).toBe(0);
  for (let i = 0; i < 200 && !(fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('hunting')); i++) await sleep(10);
  for (const argv of execs) call(rt, ['exec', name, ...argv]);
  for (let i = 0; i < 400 && statusOf(rt, name) === 'running'; i++) await sleep(20);
  call(rt, ['delete', '--force', name]);
  return parse(fs.readFileSync(log, 'utf8'));
}

/** A process of the runtime all through the attempts: its name (runc's init, the shim's child) did
 * not change to one of the container's commands before or after (an exec in between). */
const own = ['true', 'sh', 'evil', 'hunter', 'sleep', 'cat', 'exe'];
const runtimeHits = (hits: Hit[]) => hits.filter((h) => !own.includes(h.comm) && !own.includes(h.after) && h.after !== '-');
const reached = (h: Hit) => h.ptrace === 'ok' || h.mem === 'ok' || h.wr === 'ok' || h.wr === 'host';

describe.skipIf(!ready)(`a container attacks the runtime entering it${ready ? '' : ` (skipped: ${why})`}`, () => {
  it('cannot reopen the entering runtime for writing, through /proc/<pid>/exe or a #!/proc/self/exe image (CVE-2019-5736 class)', async () => {
    const before = { shim: sha(shim), runc: sha(RUNC) };
    const seen: Record<string, Hit[]> = {};
    const execs = Array.from({ length: 4 }, () => [['/evil'], ['true']]).flat();
    for (const rt of RTS) seen[rt] = await hunt(rt, 'exe', [], execs);
    expect({ shim: sha(shim), runc: sha(RUNC) }).toEqual(before);
    for (const rt of RTS) {
      // the hunter saw the entering processes (or the test proves nothing), and no open for writing worked
      expect([rt, seen[rt].length > 0]).toEqual([rt, true]);
      expect([rt, seen[rt].filter((h) => h.wr === 'ok' || h.wr === 'host')]).toEqual([rt, []]);
    }
  });

  it('without CAP_SYS_PTRACE cannot ptrace, read the memory of or reach the exe of the entering runtime', async () => {
    const seen: Record<string, Hit[]> = {};
    for (const rt of RTS) seen[rt] = await hunt(rt, 'noptrace', [], Array.from({ length: 6 }, () => ['true']));
    console.log('without CAP_SYS_PTRACE:', JSON.stringify(seen));
    for (const rt of RTS) {
      expect([rt, runtimeHits(seen[rt]).length > 0]).toEqual([rt, true]);
      expect([rt, runtimeHits(seen[rt]).filter(reached)]).toEqual([rt, []]);
    }
  });

  it('with CAP_SYS_PTRACE still cannot write the runtime binary; what it can reach of the entering process is recorded', async () => {
    const before = sha(shim);
    const seen: Record<string, Hit[]> = {};
    for (const rt of RTS) seen[rt] = runtimeHits(await hunt(rt, 'ptrace', ['CAP_SYS_PTRACE'], Array.from({ length: 6 }, () => ['true'])));
    console.log('with CAP_SYS_PTRACE:', JSON.stringify(seen));
    expect(sha(shim)).toBe(before);
    expect(seen.planc.length).toBeGreaterThan(0);
    expect(seen.planc.filter((h) => h.wr === 'ok' || h.wr === 'host')).toEqual([]);
  });
});

describe.skipIf(!ready)(`leaked fds and a cwd through them${ready ? '' : ` (skipped: ${why})`}`, () => {
  // climbs from the cwd as far as it goes and looks for a canary that exists only on the host
  // (the output goes to a bound directory too: a created container's stdout is gone by its start)
  const probe = (out = '') => {
    fs.writeFileSync(path.join(tmp, 'cwd-canary'), 'host');
    const p = `cd ../../../../../../../../../../..; cat .${tmp}/cwd-canary 2>/dev/null && echo ESCAPED; echo; ls /proc/$$/fd; echo end`;
    return out ? `exec >/out/${out}; ${p}` : p;
  };

  // the shell's fds, listed by a child with no pipe between them (a pipeline's fds would show)
  const fdsOk = (out: string) => /\n0\n1\n2\nend\s*$/.test(`\n${out}`);

  const outcome = (r: { status: number | null; stdout: string; stderr: string }) => (r.status !== 0 ? `refused: ${msg(r.stderr)}`
    : r.stdout.includes('ESCAPED') ? 'ESCAPED' : fdsOk(r.stdout) ? 'inside' : `fds ${r.stdout.trim()}`);

  it('process.cwd /proc/self/fd/N (N = 3..10) never puts run or create+start outside the rootfs, and only fds 0-2 reach it', () => {
    const res: Record<string, string[]> = { runc: [], planc: [] };
    for (const rt of RTS) {
      for (let n = 2; n <= 10; n++) {
        const id = `cwd${n}`;
        // N = 2: the plain cwd /, the control that the probe sees only fds 0-2
        const b = bundle(rt, id, ['sh', '-c', probe(`${rt}-${id}`)], (c) => { c.process.cwd = n === 2 ? '/' : `/proc/self/fd/${n}`; bindOut(c); });
        const two = n % 2 === 0; // even N: create then start; odd N: run
        let r;
        if (two) {
          r = call(rt, ['create', '-b', b, id]);
          if (r.status === 0) r = call(rt, ['start', id]);
        } else r = call(rt, ['run', '-b', b, id]);
        // start does not wait: the probe's output is in the created container's stdout
        if (two && r.status === 0) for (let i = 0; i < 100 && statusOf(rt, id) === 'running'; i++) spawnSync('sleep', ['0.02']);
        call(rt, ['delete', '--force', id]);
        if (r.status === 0) r.stdout = fs.readFileSync(path.join(tmp, 'out', `${rt}-${id}`), 'utf8');
        res[rt].push(`${n}:${outcome(r)}`);
      }
    }
    console.log('cwd /proc/self/fd/N', JSON.stringify(res));
    expect(res.planc[0]).toBe('2:inside');
    expect(res.planc.filter((x) => !/^\d+:(inside|refused)/.test(x))).toEqual([]);
  });

  it('exec --cwd /proc/self/fd/N (N = 3..10) never puts the process outside the rootfs, and only fds 0-2 reach it', () => {
    const res: Record<string, string[]> = { runc: [], planc: [] };
    for (const rt of RTS) {
      const b = bundle(rt, 'cwdexec', ['sleep', '30']);
      expect(call(rt, ['run', '-d', '-b', b, 'cwdexec']).status).toBe(0);
      const plain = call(rt, ['exec', 'cwdexec', 'sh', '-c', 'ls /proc/$$/fd; echo end']);
      res[rt].push(`plain:${fdsOk(plain.stdout) ? 'inside' : `fds ${plain.stdout.trim()}`}`);
      for (let n = 3; n <= 10; n++) {
        const r = call(rt, ['exec', '--cwd', `/proc/self/fd/${n}`, 'cwdexec', 'sh', '-c', probe()]);
        res[rt].push(`${n}:${outcome(r)}`);
      }
      call(rt, ['delete', '--force', 'cwdexec']);
    }
    console.log('exec --cwd /proc/self/fd/N', JSON.stringify(res));
    expect(res.planc[0]).toBe('plain:inside');
    expect(res.planc.filter((x) => !/^\w+:(inside|refused)/.test(x))).toEqual([]);
  });
});
