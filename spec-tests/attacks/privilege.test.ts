// Capabilities a hostile image or config tries to gain, under planc and under runc: sets that
// name capabilities only as inheritable or ambient (outside the bounding set), and an image with
// a file-capability binary and a setuid-root binary run with no_new_privs off. Whatever the
// process execs, its permitted and effective sets stay inside the bounding set it was given and
// its ambient set inside the ambient set it was given. Root only.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compatHarness, msg, ready, RTS, why, type Json } from '../../orchestrator/test/compat-harness.js';

const { tmp, bundle, call, setUp, tearDown } = compatHarness('attack-cap');
let rootfs = '';
const setcap = fs.existsSync('/usr/sbin/setcap') ? '/usr/sbin/setcap' : '/sbin/setcap';
const canSetcap = fs.existsSync(setcap);

beforeAll(() => {
  setUp();
  if (!ready || !canSetcap) return;
  // the image: busybox as a file-capability binary (caps far beyond any bounding set used here;
  // permitted and inheritable but not effective, else the kernel refuses the execve outright when
  // it cannot grant them all) and as a setuid-root binary
  rootfs = path.join(tmp, 'caps-rootfs');
  fs.cpSync(path.join(tmp, 'rootfs'), rootfs, { recursive: true, verbatimSymlinks: true });
  for (const d of ['fcap', 'suid']) {
    fs.mkdirSync(path.join(rootfs, d));
    fs.copyFileSync(path.join(rootfs, 'bin', 'busybox'), path.join(rootfs, d, 'busybox'));
  }
  execFileSync(setcap, ['cap_sys_admin,cap_dac_override,cap_sys_ptrace,cap_net_bind_service+ip', path.join(rootfs, 'fcap', 'busybox')]);
  fs.chmodSync(path.join(rootfs, 'suid', 'busybox'), 0o4755);
});
afterAll(tearDown);

const bit = (cap: string) => 1n << BigInt(['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN'].indexOf(cap));
const mask = (caps: string[]) => caps.reduce((m, c) => m | bit(c), 0n);

// what the shell has, then what it has inside the file-capability and the setuid binaries
const script = 'grep Cap /proc/self/status; echo --; /fcap/busybox grep Cap /proc/self/status; echo --; /suid/busybox grep Cap /proc/self/status';
type Sets = Record<'CapInh' | 'CapPrm' | 'CapEff' | 'CapBnd' | 'CapAmb', bigint>;
const parse = (out: string): Sets[] => out.split('--\n').map((block) => Object.fromEntries(
  [...block.matchAll(/^(Cap\w+):\s*([0-9a-f]+)$/gm)].map(([, k, v]) => [k, BigInt(`0x${v}`)])) as Sets);

describe.skipIf(!ready || !canSetcap)(`capabilities cannot be gained${!ready ? ` (skipped: ${why})` : !canSetcap ? ' (skipped: needs setcap, libcap2-bin)' : ''}`, () => {
  it('refuses inheritable and ambient capabilities outside the bounding set, as runc does', () => {
    const wanted = ['CAP_SYS_ADMIN', 'CAP_DAC_OVERRIDE', 'CAP_NET_ADMIN'];
    const out: Record<string, string[]> = { runc: [], planc: [] };
    for (const rt of RTS) {
      for (const [i, caps] of [
        { bounding: [], effective: [], permitted: [], inheritable: wanted, ambient: wanted },
        { bounding: [], effective: [], permitted: [], inheritable: wanted },
        { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'], inheritable: wanted, ambient: ['CAP_KILL'] },
      ].entries()) {
        for (const uid of [0, 1000]) {
          const id = `inh${i}-${uid}`;
          const b = bundle(rt, id, ['sh', '-c', script], (c: Json) => {
            c.root.path = rootfs;
            c.process.capabilities = caps;
            c.process.noNewPrivileges = false;
            c.process.user = { uid, gid: 0 };
          });
          const r = call(rt, ['run', '-b', b, id]);
          out[rt].push(r.status === 0 ? `ran: ${r.stdout}` : `refused: ${msg(r.stderr)}`);
        }
      }
    }
    console.log('inheritable/ambient outside bounding', JSON.stringify(out));
    for (const o of out.planc) expect(o).toMatch(/^refused: .*capset .*operation not permitted/);
    for (const o of out.runc) expect(o).toMatch(/^refused: .*unable to apply caps: operation not permitted/);
  });

  it('a file-capability or setuid-root binary gives nothing beyond the bounding set, as root and as uid 1000', () => {
    const bounding = ['CAP_KILL', 'CAP_NET_BIND_SERVICE'];
    const given = ['CAP_KILL'];
    const seen: Record<string, Record<string, Sets[]>> = { runc: {}, planc: {} };
    for (const rt of RTS) {
      for (const uid of [0, 1000]) {
        const id = `fcap-${uid}`;
        const b = bundle(rt, id, ['sh', '-c', script], (c: Json) => {
          c.root.path = rootfs;
          c.process.capabilities = { bounding, effective: given, permitted: given, inheritable: given, ambient: given };
          c.process.noNewPrivileges = false;
          c.process.user = { uid, gid: 0 };
        });
        const r = call(rt, ['run', '-b', b, id]);
        expect([rt, uid, r.status, msg(r.stderr)]).toEqual([rt, uid, 0, '']);
        seen[rt][uid] = parse(r.stdout);
      }
    }
    console.log('file caps and setuid', JSON.stringify(seen, (_, v) => (typeof v === 'bigint' ? v.toString(16) : v)));
    for (const rt of RTS) {
      for (const uid of [0, 1000]) {
        const [shell, fcap, suid] = seen[rt][uid];
        // uid 1000's shell has exactly what it was given (root's execve of it fills permitted
        // from the bounding set, the kernel's rule for uid 0)
        if (uid) expect([rt, shell.CapEff, shell.CapPrm, shell.CapAmb]).toEqual([rt, mask(given), mask(given), mask(given)]);
        for (const s of [shell, fcap, suid]) {
          expect([rt, uid, s.CapPrm & ~mask(bounding), s.CapEff & ~mask(bounding), s.CapBnd, s.CapAmb & ~mask(given)]).toEqual([rt, uid, 0n, 0n, mask(bounding), 0n]);
        }
        // the test can see a gain: the file capability in the bounding set is granted
        expect(fcap.CapPrm & bit('CAP_NET_BIND_SERVICE')).toBe(bit('CAP_NET_BIND_SERVICE'));
      }
    }
    expect(seen.planc).toEqual(seen.runc);
  });
});
