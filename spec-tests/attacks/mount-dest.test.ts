// Mount destinations whose components are symlinks pointing out of the rootfs (to /, to
// ../../.., to a host path, through a bind-mounted volume), and a race: a first container flips
// a shared volume's directory to a symlink to the host and back while a second one mounts a
// tmpfs on it, N times. Under planc the mount lands inside the rootfs or is refused, never on the
// host path; the same runs under runc are recorded. Root only.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compatHarness, msg, ready, RTS, why, type Json, type Rt } from '../../orchestrator/test/compat-harness.js';

const { tmp, bundle, call, setUp, tearDown } = compatHarness('attack-md');
beforeAll(setUp);
afterAll(tearDown);

const hostMounts = () => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(tmp));
const bindVol = (dest: string, source: string) => ({ destination: dest, type: 'bind', source, options: ['rbind', 'rw'] });
// the tmpfs under test has an option no other mount has; the container counts it in its own
// mountinfo, which after the root switch holds only mounts inside its root
const tmpfsAt = (dest: string) => ({ destination: dest, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'size=68k'] });
const seen = 'grep size=68k /proc/self/mountinfo | wc -l';
/** A host directory with a canary that no mount may reach, the volume for the links, and the host's mounts now. */
function hostSide(target: string, volume: string) {
  const hostTarget = path.join(tmp, target);
  fs.mkdirSync(hostTarget);
  fs.writeFileSync(path.join(hostTarget, 'canary'), 'untouched');
  const vol = path.join(tmp, volume);
  fs.mkdirSync(vol);
  return { hostTarget, vol, mountsBefore: hostMounts() };
}

describe.skipIf(!ready)(`mount destinations through symlinks${ready ? '' : ` (skipped: ${why})`}`, () => {
  it('a destination whose component links to /, to ../../.. or to a host path lands inside the rootfs or is refused', () => {
    const { hostTarget, vol, mountsBefore } = hostSide('host-target', 'md-vol');
    const out: Record<string, string[]> = { runc: [], planc: [] };
    for (const rt of RTS) {
      for (const [name, link] of [['to-root', '/'], ['to-dotdot', '../../../../../../..'], ['to-host', hostTarget]] as const) {
        // the link sits in the volume (the host side controls it), the destination goes through it
        const l = path.join(vol, `${rt}-${name}`);
        fs.symlinkSync(link, l);
        const b = bundle(rt, name, ['sh', '-c', seen], (c: Json) => {
          c.mounts.push(bindVol('/vol', vol), tmpfsAt(`/vol/${rt}-${name}/m`));
        });
        const r = call(rt, ['run', '-b', b, name]);
        out[rt].push(`${name} ${r.status === 0 ? `ran: ${r.stdout.trim().replace(/\n/g, ' ')}` : `refused: ${msg(r.stderr)}`}`);
      }
    }
    console.log('destination through a link', JSON.stringify(out));
    // a run that starts has its tmpfs inside its own tree (visible in its mountinfo)
    for (const o of out.planc) expect(o).toMatch(/refused|ran: 1$/);
    expect(fs.readdirSync(hostTarget)).toEqual(['canary']);
    expect(fs.readFileSync(path.join(hostTarget, 'canary'), 'utf8')).toBe('untouched');
    expect(hostMounts()).toEqual(mountsBefore);
  });

  it('a shared volume flipped between a directory and a link to the host while the runtime mounts on it: never on the host', () => {
    const { hostTarget, vol, mountsBefore } = hostSide('race-target', 'race-vol');
    const N = 8;
    const res: Record<string, Record<string, number>> = { runc: {}, planc: {} };
    for (const rt of RTS as Rt[]) {
      // the flipper: a first container swapping /vol/d between a directory and a link to the host path
      const flip = bundle(rt, 'flipper', ['sh', '-c',
        `cd /vol; while :; do mkdir -p d.dir/m; mv -T d.dir d; ln -sfn ${hostTarget} d.lnk; mv -T d.lnk d 2>/dev/null || { mv -T d d.dir; mv -T d.lnk d; }; mv -T d d.x 2>/dev/null; rm -rf d.x; done`], (c: Json) => {
        c.mounts.push(bindVol('/vol', vol));
        c.root.readonly = false;
      });
      expect(call(rt, ['run', '-d', '-b', flip, 'flipper']).status).toBe(0);
      for (let i = 0; i < N; i++) {
        const id = `racer${i}`;
        const b = bundle(rt, id, ['sh', '-c', seen], (c: Json) => {
          c.mounts.push(bindVol('/vol', vol), tmpfsAt('/vol/d/m'));
        });
        const r = call(rt, ['run', '-b', b, id]);
        const k = r.status === 0 ? `ran: ${r.stdout.trim().replace(/\n/g, ' ')}` : 'refused';
        res[rt][k] = (res[rt][k] ?? 0) + 1;
        call(rt, ['delete', '--force', id]);
      }
      call(rt, ['delete', '--force', 'flipper']);
    }
    console.log(`race, ${N} runs each`, JSON.stringify(res));
    // "ran: 0": the tmpfs went on the volume's directory, which the flipper then renamed away
    for (const k of Object.keys(res.planc)) expect(k).toMatch(/^(refused|ran: [01])$/);
    expect(fs.readdirSync(hostTarget)).toEqual(['canary']);
    expect(hostMounts()).toEqual(mountsBefore);
  });
});
