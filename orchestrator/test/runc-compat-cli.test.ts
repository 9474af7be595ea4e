// Differential tests against runc 1.1.5 for what users and engines see of the CLI: exec's flags,
// --log/--debug, hooks' environment and failures, update on a host without some files, error texts.
// Root only; every container has its own cgroup under /planc-test/ and both runtimes run the same bundle.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compatHarness, msg, ready, RTS, why, type Json, type Out, type Rt } from './compat-harness.js';

const { tmp, tag, bundle, call, statusOf, cgroupDirs, setUp, tearDown, nextSeq } = compatHarness('cli-compat');
/** Every hierarchy's directory of one container's cgroup. */
const cgroupsOf = (rt: Rt, name: string): string[] => cgroupDirs().filter((d) => d.endsWith(`${tag}-${rt}-${name}`));
/** Both runtimes run `name` detached with `args`; returns the ids (the same for both). */
function runBoth(name: string, args: string[] = ['sleep', '600'], edit?: (c: Json) => void): void {
  for (const rt of RTS) expect([rt, call(rt, ['run', '-d', '-b', bundle(rt, name, args, edit), name]).status]).toEqual([rt, 0]);
}
const removeBoth = (id: string): void => { for (const rt of RTS) call(rt, ['delete', '-f', id]); };

beforeAll(setUp);
afterAll(tearDown);

describe.skipIf(!ready)(`planc's CLI against runc 1.1.5${ready ? '' : ` (skipped: ${why})`}`, () => {
  it('exec --cgroup joins the named sub-cgroups, and refuses bad forms and unknown controllers with runc\'s texts', () => {
    runBoth('subcg');
    for (const rt of RTS) for (const d of cgroupsOf(rt, 'subcg')) if (!d.includes('/cpuset/')) mkdirSync(join(d, 'sub'));
    const seen = (rt: Rt, flags: string[]): unknown => {
      const r = call(rt, ['exec', ...flags, 'subcg', 'cat', '/proc/self/cgroup']);
      if (r.status !== 0) return [r.status, msg(r.stderr).replace(/^exec failed: (unable to [a-z ]+: )?/, '')];
      // the controllers whose cgroup is a sub-cgroup of the container's
      return r.stdout.trim().split('\n').filter((l) => l.endsWith('/sub')).map((l) => l.split(':')[1]).sort();
    };
    const cases = [['--cgroup', 'memory,pids:sub', '--cgroup', 'cpu:sub'], ['--cgroup', 'name=systemd:sub'], ['--cgroup', 'foo:sub'],
      ['--cgroup', 'sub', '--cgroup', 'other'], ['--cgroup', 'a:b:c'], ['--cgroup', 'pids:../../x']];
    for (const flags of cases) expect({ flags, planc: seen('planc', flags) }).toEqual({ flags, planc: seen('runc', flags) });
    // a missing sub-cgroup fails the exec with 255 under both (the texts name different files)
    const missing = RTS.map((rt) => call(rt, ['exec', '--cgroup', 'memory:nope', 'subcg', 'true']));
    expect(missing.map((r) => [r.status, /nope\/(tasks|cgroup\.procs): no such file or directory/.test(msg(r.stderr))])).toEqual([[255, true], [255, true]]);
    removeBoth('subcg');
  });

  it('exec takes HOME from the container\'s /etc/passwd for the uid it runs as, else /', () => {
    runBoth('home');
    for (const user of [[], ['-u', '1000'], ['-u', '65534:0'], ['-u', '65534', '-e', 'HOME=/given']]) {
      const homes = RTS.map((rt) => call(rt, ['exec', ...user, 'home', 'sh', '-c', 'echo $HOME']).stdout);
      expect({ user, planc: homes[1] }).toEqual({ user, planc: homes[0] });
    }
    // a whole process.json (-p) whose user has no HOME in its env
    const pj = join(tmp, 'process-home.json');
    writeFileSync(pj, JSON.stringify({ args: ['sh', '-c', 'echo $HOME'], cwd: '/', user: { uid: 65534, gid: 65534 }, env: ['PATH=/bin'] }));
    const viaP = RTS.map((rt) => call(rt, ['exec', '-p', pj, 'home']).stdout);
    expect(viaP[1]).toBe(viaP[0]);
    expect(viaP[0]).toBe('/nonexistent\n');
    removeBoth('home');
  });

  it('exec --cap, --process-label, --apparmor, a paused container and no args: the same outcome as runc', () => {
    runBoth('flags', ['sleep', '600'], (c) => { c.process.capabilities.inheritable = ['CAP_KILL']; });
    const caps = (rt: Rt, flags: string[]): string => call(rt, ['exec', ...flags, 'flags', 'grep', 'Cap', '/proc/self/status']).stdout;
    for (const flags of [['--cap', 'CAP_SYS_ADMIN'], ['--cap', 'CAP_KILL', '--cap', 'CAP_CHOWN', '-u', '1000']]) {
      expect({ flags, planc: caps('planc', flags) }).toEqual({ flags, planc: caps('runc', flags) });
    }
    // neither SELinux nor (on this host) AppArmor: runc's SELinux text; for AppArmor the same status
    const label = RTS.map((rt) => call(rt, ['exec', '--process-label', 'system_u:system_r:container_t:s0', 'flags', 'true']));
    expect([label[1]!.status, msg(label[1]!.stderr).replace(/\/\S+: /, '')]).toEqual([label[0]!.status, msg(label[0]!.stderr)]);
    const aa = RTS.map((rt) => call(rt, ['exec', '--apparmor', 'unconfined-x', 'flags', 'true']).status);
    expect(aa[1]).toBe(aa[0]);
    const noArgs = RTS.map((rt) => call(rt, ['exec', 'flags']));
    expect([noArgs[1]!.status, msg(noArgs[1]!.stderr)]).toEqual([noArgs[0]!.status, msg(noArgs[0]!.stderr)]);
    // a --user that is not a number fails (it must never run as uid 0), as a negative gid does
    for (const flags of [['-u', 'abc'], ['-u', '1:x'], ['-g', '-1']]) {
      const r = RTS.map((rt) => call(rt, ['exec', ...flags, 'flags', 'id']));
      expect({ flags, planc: [r[1]!.status, r[1]!.stdout, msg(r[1]!.stderr)] }).toEqual({ flags, planc: [r[0]!.status, r[0]!.stdout, msg(r[0]!.stderr)] });
    }
    for (const rt of RTS) call(rt, ['pause', 'flags']);
    const paused = RTS.map((rt) => call(rt, ['exec', 'flags', 'true']));
    expect([paused[1]!.status, msg(paused[1]!.stderr)]).toEqual([paused[0]!.status, msg(paused[0]!.stderr)]);
    for (const rt of RTS) call(rt, ['resume', 'flags']);
    removeBoth('flags');
  });
  it('a failing poststart hook destroys the container (run, run -d, start): error, poststop run, no state, no cgroups', () => {
    const gone = (rt: Rt, id: string, mark: string): unknown => [statusOf(rt, id), existsSync(mark), cgroupsOf(rt, id).length];
    const hooks = (mark: string) => (c: Json): void => {
      c.hooks = { poststart: [{ path: '/bin/false' }], poststop: [{ path: '/bin/sh', args: ['sh', '-c', `cat > ${mark}`] }] };
    };
    const ends: Record<string, unknown> = {};
    for (const detach of [['-d'], []]) {
      for (const rt of RTS) {
        const mark = join(tmp, `poststop-${rt}-${detach.length}`);
        const r = call(rt, ['run', ...detach, '-b', bundle(rt, 'pstart', ['sleep', '600'], hooks(mark)), 'pstart']);
        // runc 1.1.5 does not name the hook's kind in the text; planc does, as later runc
        ends[rt] = [r.status, msg(r.stderr).replace(/^RT run failed: /, '').replace(/poststart hook/, 'hook'), gone(rt, 'pstart', mark)];
      }
      expect({ detach, planc: ends.planc }).toEqual({ detach, planc: ends.runc });
    }
    // runc 1.1 runs poststart hooks at create (a bug fixed in 1.2); planc after start, with the same end
    const mark = join(tmp, 'poststop-planc-start');
    expect(call('planc', ['create', '-b', bundle('planc', 'pstart2', ['sleep', '600'], hooks(mark)), 'pstart2']).status).toBe(0);
    expect(call('planc', ['start', 'pstart2']).status).toBe(1);
    expect(gone('planc', 'pstart2', mark)).toEqual((ends.runc as unknown[])[2]);
  });

  it('hooks without an env of their own inherit as runc\'s do: createContainer/startContainer the process env, poststart the runtime\'s', () => {
    const seen: Record<string, unknown> = {};
    for (const rt of RTS) {
      const out = join(tmp, `hookenv-${rt}`);
      mkdirSync(out, { recursive: true });
      // createContainer runs before pivot_root (host paths, in the rootfs: PWD), startContainer after it
      const dump = (file: string): Json => ({ path: '/bin/sh', args: ['sh', '-c', `env | grep -v -e ^SHLVL= -e ^_= | sort > ${file}`] });
      const b = bundle(rt, 'hookenv', ['true'], (c) => {
        c.process.env.push('FOO=bar baz');
        c.mounts.push({ destination: '/out', type: 'bind', source: out, options: ['rbind', 'rw'] });
        c.hooks = { createContainer: [dump(`${out}/create`)], startContainer: [dump('/out/start')], poststart: [{ path: '/bin/sh', args: ['sh', '-c', `echo "$PATH" > ${out}/poststart`] }] };
      });
      expect(call(rt, ['run', '-b', b, 'hookenv']).status).toBe(0);
      seen[rt] = ['create', 'start', 'poststart'].map((f) => readFileSync(join(out, f), 'utf8'));
    }
    expect(seen.planc).toEqual(seen.runc);
    expect((seen.runc as string[])[1]).toContain('FOO=bar baz');
    expect((seen.runc as string[])[2]).toBe(`${process.env.PATH}\n`);
  });

  it('update --blkio-weight writes the weight file the host has (blkio.bfq.weight under BFQ) as runc does', () => {
    runBoth('blkio');
    const weight = (rt: Rt): string[] => cgroupsOf(rt, 'blkio').filter((d) => d.includes('/blkio/'))
      .flatMap((d) => ['blkio.weight', 'blkio.bfq.weight'].filter((f) => existsSync(join(d, f))).map((f) => `${f}=${readFileSync(join(d, f), 'utf8').trim()}`));
    const r = RTS.map((rt) => call(rt, ['update', '--blkio-weight', '321', 'blkio']));
    expect([r[1]!.status, r[1]!.stderr, weight('planc')]).toEqual([r[0]!.status, r[0]!.stderr, weight('runc')]);
    removeBoth('blkio');
  });

  it('a failed execve reads as runc\'s, in Go\'s lowercase errno text, with runc\'s status', () => {
    runBoth('execve');
    for (const rt of RTS) {
      writeFileSync(join(tmp, 'rootfs', 'no-interp.sh'), '#!/no/such/shell\necho hi\n');
      chmodSync(join(tmp, 'rootfs', 'no-interp.sh'), 0o755);
      writeFileSync(join(tmp, 'rootfs', 'not-elf'), '\x7fELF\x02\x01\x01garbage');
      chmodSync(join(tmp, 'rootfs', 'not-elf'), 0o755);
    }
    for (const file of ['/no-interp.sh', '/not-elf']) {
      const r = RTS.map((rt) => call(rt, ['exec', 'execve', file]));
      expect({ file, planc: [r[1]!.status, r[1]!.stderr] }).toEqual({ file, planc: [r[0]!.status, r[0]!.stderr] });
    }
    removeBoth('execve');
  });

  it('refuses linux.resources.unified on a cgroup v1 host with runc\'s reason, also as the one error record of --log', () => {
    if (!existsSync('/sys/fs/cgroup/memory')) return;
    const logOf = (rt: Rt): string => join(tmp, `unified-${rt}.log`);
    const r = RTS.map((rt) => call(rt, ['run', '-b', bundle(rt, 'unified', ['true'], (c) => { c.linux.resources = { unified: { 'memory.high': '1000000' } }; }), 'unified'],
      { globals: ['--log', logOf(rt), '--log-format', 'json'] }));
    expect(r[1]!.status).toBe(r[0]!.status);
    expect(r[1]!.stderr).toContain('cannot use unified on cgroup v1');
    // podman reads the log back as one JSON object {level,msg,time} and takes msg as the error
    for (const rt of RTS) {
      const rec = JSON.parse(readFileSync(logOf(rt), 'utf8'));
      expect([rt, rec.level, rec.msg]).toEqual([rt, 'error', expect.stringContaining('cannot use unified on cgroup v1')]);
    }
  });
  it('--log is opened first: a path that cannot be opened fails any command with runc\'s text and status', () => {
    for (const globals of [['--log', join(tmp, 'no-such-dir', 'log')], ['--log', tmp, '--log-format', 'json']]) {
      for (const args of [['state', 'nope'], ['list']]) {
        const r = RTS.map((rt) => call(rt, args, { globals }));
        const text = (x: Out): string => msg(x.stderr.replaceAll(tmp, '<tmp>'));
        expect({ globals, args, planc: [r[1]!.status, text(r[1]!)] }).toEqual({ globals, args, planc: [r[0]!.status, text(r[0]!)] });
      }
    }
  });

  it('an unknown command is "No help topic" with status 3 (with -h too), help and -h are 0, as runc prints them', () => {
    for (const args of [['frobnicate'], ['frobnicate', '-h'], ['frobnicate', '--help', 'x'], ['help', 'frobnicate'], ['help'], ['help', 'state'], ['-h', 'frobnicate']]) {
      const r = RTS.map((rt) => call(rt, args));
      expect({ args, planc: [r[1]!.status, r[1]!.status === 0 ? '' : msg(r[1]!.stderr)] }).toEqual({ args, planc: [r[0]!.status, r[0]!.status === 0 ? '' : msg(r[0]!.stderr)] });
    }
    const json = RTS.map((rt) => call(rt, ['frobnicate'], { globals: ['--log-format', 'json'] }).stderr);
    expect(Object.keys(JSON.parse(json[1]!)).sort()).toEqual(Object.keys(JSON.parse(json[0]!)).sort());
  });

  it('--debug writes debug lines where runc does (run, exec: to --log in its format, else stderr), none for state', () => {
    runBoth('debug');
    const has = (rt: Rt, args: string[], format?: string): boolean => {
      const log = join(tmp, `debug-${rt}-${nextSeq()}.log`);
      const globals = ['--debug', ...(format ? ['--log', log, '--log-format', format] : [])];
      const r = call(rt, args, { globals });
      const text = format ? readFileSync(log, 'utf8') : r.stderr;
      return format === 'json' ? text.trim().split('\n').some((l) => l !== '' && JSON.parse(l).level === 'debug') : /level=debug msg=/.test(text);
    };
    for (const [args, format] of [[['exec', 'debug', 'true'], undefined], [['exec', 'debug', 'true'], 'json'], [['exec', 'debug', 'true'], 'text'],
      [['state', 'debug'], 'json']] as const) {
      expect({ args, format, planc: has('planc', [...args]) && true, v: has('planc', [...args], format) })
        .toEqual({ args, format, planc: has('runc', [...args]) && true, v: has('runc', [...args], format) });
    }
    for (const rt of RTS) expect([rt, has(rt, ['run', '-b', bundle(rt, 'debug-run', ['true']), 'debug-run'], 'json')]).toEqual([rt, true]);
    removeBoth('debug');
  });
  it('refuses procfs on a /proc that is a symlink in the rootfs, with runc\'s reason', () => {
    const root2 = join(tmp, 'rootfs-proc-link');
    expect(spawnSync('cp', ['-a', join(tmp, 'rootfs'), root2]).status).toBe(0);
    rmSync(join(root2, 'proc'), { recursive: true });
    spawnSync('ln', ['-s', 'tmp', join(root2, 'proc')]);
    const r = RTS.map((rt) => call(rt, ['run', '-b', bundle(rt, 'proclink', ['true'], (c) => { c.root.path = root2; }), 'proclink']));
    expect(r[1]!.status).toBe(r[0]!.status);
    for (const x of r) expect(msg(x.stderr)).toContain('must be mounted on ordinary directory');
    // nothing was mounted through the link
    expect(readdirSync(join(root2, 'tmp'))).toEqual([]);
  });
  it('a --pid-file that cannot be written fails create and run and leaves nothing, as with runc', () => {
    for (const mode of [['create'], ['run', '-d'], ['run']]) {
      const ends = RTS.map((rt) => {
        const b = bundle(rt, 'pidfile', ['sleep', '600']);
        const r = call(rt, [...mode, '--pid-file', join(tmp, 'no-such-dir', 'pid'), '-b', b, 'pidfile']);
        const left = spawnSync('pgrep', ['-f', b], { encoding: 'utf8' }).stdout.trim();
        return [r.status, /no such file or directory/.test(msg(r.stderr)), statusOf(rt, 'pidfile'), cgroupsOf(rt, 'pidfile').length, left];
      });
      expect({ mode, planc: ends[1] }).toEqual({ mode, planc: ends[0] });
    }
  });
  it('list and ps refuse an unknown --format, spec a bundle it cannot enter, with runc\'s texts', () => {
    runBoth('fmt');
    for (const args of [['list', '--format', 'xml'], ['list', '-q', '--format', 'xml'], ['ps', '--format', 'xml', 'fmt'],
      ['spec', '-b', join(tmp, 'no-such-bundle')], ['spec', '-b', '/etc/passwd']]) {
      const r = RTS.map((rt) => call(rt, args));
      expect({ args, planc: [r[1]!.status, msg(r[1]!.stderr)] }).toEqual({ args, planc: [r[0]!.status, msg(r[0]!.stderr)] });
    }
    removeBoth('fmt');
  });
  it('a wrong argument count or an unknown flag is refused with runc\'s text and status', () => {
    for (const args of [['state'], ['kill'], ['kill', 'a', 'b', 'c'], ['exec'], ['ps'], ['list', 'x'], ['features', 'x'], ['run'], ['delete'],
      ['state', '--bogus', 'x'], ['--bogus', 'list'], ['kill', '-z', 'a']]) {
      const r = RTS.map((rt) => call(rt, args));
      // each names itself as invoked (its path), as Go's os.Args[0]
      const last = (x: Out): string => msg(x.stderr.trim().split('\n').at(-1)!).replace(/^\S*\/RT:/, 'RT:');
      expect({ args, planc: [r[1]!.status, last(r[1]!)] }).toEqual({ args, planc: [r[0]!.status, last(r[0]!)] });
    }
  });
});
