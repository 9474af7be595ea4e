// Hostile /proc and /dev, each run under planc and under runc: an image whose /proc or /dev is
// a symlink (into its own tree, or into a bind-mounted host volume), mount destinations under
// /proc (a volume over /proc/sys that would catch sysctl writes, magic links out of the root),
// masked and read-only paths that are symlinks in an image that has no procfs mount, and a
// /dev/console planted as a symlink while the container gets a terminal from a console socket.
// A canary on the host must stay untouched and the container must not see the host. Root only.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compatHarness, msg, repo, ready, RTS, RUNC, bin, why, type Json, type Out, type Rt } from '../../orchestrator/test/compat-harness.js';

const { tmp, roots, bundle, call, setUp, tearDown } = compatHarness('attack-pd');
const helper = path.join(repo, 'build', 'pty-helper');
beforeAll(() => {
  setUp();
  if (ready && !fs.existsSync(helper)) execFileSync('musl-gcc', ['-static', '-O2', '-o', helper, path.join(repo, 'native-shim', 'test', 'pty-helper.c')]);
});
afterAll(tearDown);

/** A host directory holding a canary file, and a snapshot of everything in it (names, modes, owners, bytes). */
function volume(name: string): { dir: string; snap: () => string } {
  const dir = path.join(tmp, name);
  fs.mkdirSync(path.join(dir, 'x'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'canary'), 'untouched');
  const snap = (): string => {
    const walk = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => {
      const p = path.join(d, e.name);
      const s = fs.lstatSync(p);
      const me = `${path.relative(dir, p)} ${s.mode.toString(8)} ${s.uid}:${s.gid} ${s.isFile() ? fs.readFileSync(p, 'utf8') : ''}`;
      return e.isDirectory() ? [me, ...walk(p)] : [me];
    });
    return walk(dir).sort().join('\n');
  };
  return { dir, snap };
}

/** The shared rootfs copied for one runtime and changed by `edit` (paths relative to it). */
function image(rt: Rt, name: string, edit: (root: string) => void): string {
  const root = path.join(tmp, `${rt}-${name}-rootfs`);
  fs.cpSync(path.join(tmp, 'rootfs'), root, { recursive: true, verbatimSymlinks: true });
  edit(root);
  return root;
}
const relink = (root: string, p: string, target: string) => {
  fs.rmSync(path.join(root, p), { recursive: true, force: true });
  fs.symlinkSync(target, path.join(root, p));
};
const bindVol = (dest: string, source: string) => ({ destination: dest, type: 'bind', source, options: ['rbind', 'rw'] });
/** Mount points the test process sees under tmp: a mount landing on the host would show here. */
const hostMounts = () => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(tmp));
const procOf = (out: Out) => (out.status === 0 ? `ran: ${out.stdout.trim()}` : `refused: ${msg(out.stderr)}`);

describe.skipIf(!ready)(`hostile /proc${ready ? '' : ` (skipped: ${why})`}`, () => {
  it('an image whose /proc is a symlink, into its own tree or into a host volume, never gets procfs elsewhere and leaves the volume untouched', () => {
    const vol = volume('proc-vol');
    const before = vol.snap();
    const mountsBefore = hostMounts();
    const out: Record<string, string[]> = { runc: [], planc: [] };
    for (const rt of RTS) {
      for (const [name, target, edit] of [
        ['proclink-in', '/procdir', (root: string) => fs.mkdirSync(path.join(root, 'procdir'))],
        ['proclink-vol', '/vol/x', () => {}],
      ] as const) {
        const root = image(rt, name, (r) => { edit(r); fs.mkdirSync(path.join(r, 'vol')); relink(r, 'proc', target); });
        const b = bundle(rt, name, ['sh', '-c', 'stat -f -c %T /proc/; ls /vol/x | wc -l; grep -c . /proc/self/status'], (c: Json) => {
          c.root.path = root;
          c.mounts.unshift(bindVol('/vol', vol.dir));
        });
        out[rt].push(`${name} ${procOf(call(rt, ['run', '-b', b, name]))}`);
      }
    }
    console.log('/proc symlink', JSON.stringify(out));
    for (const o of out.planc) expect(o).toMatch(/refused: .*must be mounted on ordinary directory/);
    expect(vol.snap()).toBe(before);
    expect(hostMounts()).toEqual(mountsBefore);
    expect(fs.readdirSync(roots.planc)).toEqual([]);
  });

  it('a volume mounted over /proc/sys cannot catch the sysctl writes, and magic links under /proc are no mount destinations', () => {
    const vol = volume('sys-vol');
    fs.mkdirSync(path.join(vol.dir, 'kernel'));
    fs.writeFileSync(path.join(vol.dir, 'kernel', 'domainname'), 'untouched');
    const target = path.join(tmp, 'magic-target');
    fs.mkdirSync(target);
    const before = vol.snap();
    const mountsBefore = hostMounts();
    const out: Record<string, string[]> = { runc: [], planc: [] };
    for (const rt of RTS) {
      for (const [name, mount] of [
        ['procsys', bindVol('/proc/sys', vol.dir)],
        ['selfcwd', { destination: '/proc/self/cwd', type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] }],
        ['selfroot', { destination: `/proc/self/root${target}`, type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] }],
        ['procfile', bindVol('/proc/uptime', path.join(vol.dir, 'canary'))],
      ] as const) {
        const b = bundle(rt, name, ['sh', '-c', 'cat /proc/sys/kernel/domainname; cat /proc/uptime | wc -w'], (c: Json) => {
          c.mounts.push(mount);
          c.linux.sysctl = { 'kernel.domainname': 'hostile' };
        });
        out[rt].push(`${name} ${procOf(call(rt, ['run', '-b', b, name]))}`);
      }
    }
    console.log('mounts under /proc', JSON.stringify(out));
    // a bind over one of the files runc allows (/proc/uptime, as lxcfs does) is the control: it runs
    expect(out.planc.pop()).toBe('procfile ran: hostile\n1');
    for (const o of out.planc) expect(o).toMatch(/refused/);
    expect(vol.snap()).toBe(before);
    expect(fs.readdirSync(target)).toEqual([]);
    expect(hostMounts()).toEqual(mountsBefore);
  });

  it('masked and read-only paths that are symlinks in an image without a procfs mount stay inside the rootfs', () => {
    const vol = volume('mask-vol');
    const before = vol.snap();
    const out: Record<string, string[]> = { runc: [], planc: [] };
    for (const rt of RTS) {
      const root = image(rt, 'masklink', (r) => {
        fs.mkdirSync(path.join(r, 'vol'));
        fs.mkdirSync(path.join(r, 'proc', 'x'), { recursive: true });
        fs.symlinkSync('/vol/canary', path.join(r, 'proc', 'kcore'));
        fs.symlinkSync('../../vol/x', path.join(r, 'proc', 'sys'));
        fs.symlinkSync(`../../../../../../../..${vol.dir}/x`, path.join(r, 'proc', 'irq'));
      });
      const b = bundle(rt, 'masklink', ['sh', '-c', 'cat /vol/canary; echo; touch /vol/x/w 2>&1 | wc -l; rm -f /vol/x/w'], (c: Json) => {
        c.root.path = root;
        c.mounts = c.mounts.filter((m: Json) => m.destination !== '/proc');
        c.mounts.unshift(bindVol('/vol', vol.dir));
        c.linux.maskedPaths = ['/proc/kcore'];
        c.linux.readonlyPaths = ['/proc/sys', '/proc/irq'];
      });
      out[rt].push(procOf(call(rt, ['run', '-b', b, 'masklink'])));
    }
    console.log('masked/readonly symlinks', JSON.stringify(out));
    expect(out.planc[0]).toMatch(/refused/);
    expect(vol.snap()).toBe(before);
  });
});

describe.skipIf(!ready)(`hostile /dev${ready ? '' : ` (skipped: ${why})`}`, () => {
  it('an image whose /dev is a symlink into a host volume gets no device node in the host directory, with or without a /dev tmpfs', () => {
    const out: Record<string, string[]> = { runc: [], planc: [] };
    const changed: Record<string, string> = {};
    for (const rt of RTS) {
      // a volume per runtime: what one leaves must not be blamed on the other
      const vol = volume(`dev-vol-${rt}`);
      const before = vol.snap();
      for (const name of ['devlink-tmpfs', 'devlink-bare']) {
        const root = image(rt, name, (r) => { fs.mkdirSync(path.join(r, 'vol')); relink(r, 'dev', '/vol/x'); });
        const b = bundle(rt, name, ['sh', '-c', 'ls /vol/x | wc -l'], (c: Json) => {
          c.root.path = root;
          if (name === 'devlink-bare') c.mounts = c.mounts.filter((m: Json) => !m.destination.startsWith('/dev'));
          c.mounts.unshift(bindVol('/vol', vol.dir));
        });
        out[rt].push(`${name} ${procOf(call(rt, ['run', '-b', b, name]))}`);
      }
      changed[rt] = vol.snap() === before ? 'untouched' : fs.readdirSync(path.join(vol.dir, 'x')).join(' ');
    }
    console.log('/dev symlink', JSON.stringify(out), 'host directory:', JSON.stringify(changed));
    // a /dev tmpfs lands where the link resolves inside the rootfs (over the volume, in the
    // container's view only) and holds the nodes; with no tmpfs no node is made through the link
    expect(out.planc[0]).toMatch(/^devlink-tmpfs (ran: \d+|refused)/);
    expect(out.planc[1]).toMatch(/^devlink-bare refused/);
    expect(changed.planc).toBe('untouched');
  });

  /** run -d with a console socket served by the pty helper; a runtime that hangs is killed after 8 s. */
  async function withConsole(rt: Rt, id: string, b: string): Promise<{ run: Out; tty: string }> {
    const sock = path.join(tmp, `console-${rt}-${id}.sock`);
    const server = spawn(helper, ['serve', sock, ''], { stdio: ['ignore', 'pipe', 'ignore'] });
    let tty = '';
    server.stdout.setEncoding('latin1').on('data', (d) => { tty += d; });
    const closed = new Promise((res) => server.on('close', res));
    for (let i = 0; i < 100 && !fs.existsSync(sock); i++) await new Promise((res) => setTimeout(res, 10));
    const child = spawn(rt === 'runc' ? RUNC : bin, ['--root', roots[rt], 'run', '-d', '--console-socket', sock, '-b', b, id], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { stderr += 'HUNG: killed after 8 s'; child.kill('SIGKILL'); }, 8000);
    const status = await new Promise<number | null>((res) => child.on('close', res));
    clearTimeout(timer);
    await Promise.race([closed, new Promise((res) => setTimeout(res, status === 0 ? 5000 : 200))]);
    server.kill();
    call(rt, ['delete', '--force', id]);
    return { run: { status, stdout: '', stderr }, tty };
  }

  it('a /dev/console planted as a symlink (to a host file through a volume, or into procfs) is never followed while the terminal is set up', async () => {
    const out: Record<string, string[]> = { runc: [], planc: [] };
    const vol = volume('console-vol');
    const status = fs.statSync('/proc/self/status');
    const changed: Record<string, string[]> = { runc: [], planc: [] };
    for (const rt of RTS) {
      for (const [name, target] of [['console-vol', '/vol/canary'], ['console-proc', '/proc/self/status']] as const) {
        // the image's /dev is a host directory (bound over /dev) holding the planted link
        const hostDev = path.join(tmp, `${rt}-${name}-dev`);
        for (const d of ['pts', 'shm', 'mqueue']) fs.mkdirSync(path.join(hostDev, d), { recursive: true });
        fs.symlinkSync('pts/ptmx', path.join(hostDev, 'ptmx'));
        execFileSync('mknod', ['-m', '666', path.join(hostDev, 'null'), 'c', '1', '3']);
        fs.symlinkSync(target, path.join(hostDev, 'console'));
        const before = vol.snap();
        const b = bundle(rt, name, ['sh', '-c', 'stat -c "%F %t" /dev/console; cat /vol/canary; echo; head -1 /proc/self/status'], (c: Json) => {
          c.process.terminal = true;
          c.mounts = c.mounts.map((m: Json) => (m.destination === '/dev' ? bindVol('/dev', hostDev) : m));
          c.mounts.unshift(bindVol('/vol', vol.dir));
        });
        const { run, tty } = await withConsole(rt, name, b);
        out[rt].push(`${name} ${run.status === 0 ? `ran: ${tty.replace(/\r/g, '').trim()}` : `refused: ${msg(run.stderr)}`}`);
        if (vol.snap() !== before) changed[rt].push(`${name}: ${vol.snap()}`);
        fs.writeFileSync(path.join(vol.dir, 'canary'), 'untouched');
        expect(fs.readlinkSync(path.join(hostDev, 'console'))).toBe(target);
      }
    }
    console.log('/dev/console symlink', JSON.stringify(out), 'host volume changed:', JSON.stringify(changed));
    // planc neither follows nor replaces the planted link: it is still a link, the canary reads
    // back and procfs is procfs (runc 1.1.5 empties the host file through the link)
    for (const o of out.planc) expect(o).toMatch(/refused|symbolic link 0\nuntouched\nName:/);
    expect(changed.planc).toEqual([]);
    expect(fs.statSync('/proc/self/status').mode).toBe(status.mode);
  });
});
