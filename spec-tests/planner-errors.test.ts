// Invalid configs are refused by `planc plan` with exit 1 and one `<pointer>: <message>` line per
// error on stderr, pointing into config.json. Never accepts a guess at what the config meant.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { hostFacts } from './helpers/env.js';
import { makeBundle, readFixture, rmTree, tempDir, type Config } from './helpers/bundle.js';
import { planc } from './helpers/planc.js';

interface Case { rule: string; edit?: (c: Config) => void; raw?: string; line: string }

const cases: Case[] = [
  { rule: 'unknown rlimit type', edit: (c) => { c.process.rlimits[0].type = 'RLIMIT_BOGUS'; },
    line: '/process/rlimits/0/type: unknown rlimit "RLIMIT_BOGUS"' },
  { rule: 'duplicate rlimit', edit: (c) => { c.process.rlimits.push({ type: 'RLIMIT_NOFILE', soft: 1, hard: 1 }); },
    line: '/process/rlimits/1/type: duplicate rlimit "RLIMIT_NOFILE"' },
  { rule: 'soft rlimit above hard', edit: (c) => { c.process.rlimits[0].soft = 4096; },
    line: '/process/rlimits/0/soft: soft limit 4096 is above hard limit 1024 for RLIMIT_NOFILE' },
  { rule: 'unknown capability', edit: (c) => { c.process.capabilities.bounding.push('CAP_BOGUS'); },
    line: '/process/capabilities/bounding/3: unknown capability "CAP_BOGUS"' },
  { rule: 'duplicate namespace', edit: (c) => { c.linux.namespaces.push({ type: 'pid' }); },
    line: '/linux/namespaces/5/type: duplicate namespace type "pid"' },
  { rule: 'unknown namespace type', edit: (c) => { c.linux.namespaces[0].type = 'bogus'; },
    line: '/linux/namespaces/0/type: unknown namespace type "bogus"' },
  { rule: 'no mount namespace', edit: (c) => { c.linux.namespaces = c.linux.namespaces.filter((n: Config) => n.type !== 'mount'); },
    line: "/linux/namespaces: a mount namespace is required: planc never mounts in the caller's namespace" },
  { rule: 'relative cwd', edit: (c) => { c.process.cwd = 'tmp'; },
    line: '/process/cwd: cwd "tmp" is not an absolute path' },
  { rule: 'hostname without a uts namespace', edit: (c) => { c.linux.namespaces = c.linux.namespaces.filter((n: Config) => n.type !== 'uts'); },
    line: '/hostname: unable to set hostname without a private UTS namespace' },
  { rule: 'malformed JSON', raw: '{"ociVersion": "1.0.2", "process": ',
    line: '(root): config.json is not valid JSON: unexpected end of input at line 1, column 36 (byte 35)' },
  { rule: 'a syntax error on a later line', raw: '{\n  "ociVersion": "1.0.2",\n  "process": {"args": [1 2]}\n}',
    line: '(root): config.json is not valid JSON: expected \',\' or \']\' at line 3, column 26 (byte 52)' },
  { rule: 'wrong type', edit: (c) => { c.process.args = 'sh'; },
    line: '/process/args: expected an array, got a string' },
  { rule: 'relative mount destination', edit: (c) => { c.mounts[0].destination = 'proc'; },
    line: '/mounts/0/destination: mount destination "proc" is not an absolute path' },
  { rule: 'unknown device type', edit: (c) => { c.linux.devices = [{ path: '/dev/x', type: 'q', major: 1, minor: 1 }]; },
    line: '/linux/devices/0/type: device type "q" is not one of c, b, u, p' },
  { rule: 'umask out of range', edit: (c) => { c.process.user.umask = 4096; },
    line: '/process/user/umask: umask 010000 is out of range (at most 0777)' },
  { rule: 'env entry without a name', edit: (c) => { c.process.env.push('=x'); },
    line: '/process/env/2: invalid environment variable "=x": name cannot be empty' },
  { rule: 'seccomp notify for sendmsg', edit: (c) => { c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/a.sock', syscalls: [{ names: ['sendmsg'], action: 'SCMP_ACT_NOTIFY' }] }; },
    line: '/linux/seccomp/syscalls/0/names/0: SCMP_ACT_NOTIFY cannot be used for sendmsg: the runtime hands over the listener with it' },
  { rule: 'negative memory limit', edit: (c) => { c.linux.resources.memory = { limit: -5 }; },
    line: '/linux/resources/memory/limit: memory limit -5 is invalid (use -1 for unlimited)' },
  { rule: 'netDevices without a network namespace', edit: (c) => {
    c.linux.namespaces = c.linux.namespaces.filter((n: Config) => n.type !== 'network');
    c.linux.netDevices = { eth1: {} };
  }, line: '/linux/netDevices: unable to move network devices without a NET namespace' },
  { rule: 'netDevices host name with a slash', edit: (c) => { c.linux.netDevices = { 'eth/1': {} }; },
    line: '/linux/netDevices/eth~11: invalid network device name "eth/1"' },
  { rule: 'netDevices container name of 16 bytes (the kernel allows 15)', edit: (c) => { c.linux.netDevices = { eth1: { name: 'abcdefghijklmnop' } }; },
    line: '/linux/netDevices/eth1/name: invalid network device name "abcdefghijklmnop"' },
  { rule: 'netDevices container name ".."', edit: (c) => { c.linux.netDevices = { eth1: { name: '..' } }; },
    line: '/linux/netDevices/eth1/name: invalid network device name ".."' },
  { rule: 'netDevices two devices with one container name', edit: (c) => { c.linux.netDevices = { eth1: { name: 'net0' }, eth2: { name: 'net0' } }; },
    line: '/linux/netDevices/eth2/name: network device name "net0" is given to two devices in the container' },
  // seccomp: runc's refusals around SCMP_ACT_NOTIFY, the kernel's for WAIT_KILLABLE_RECV
  { rule: 'seccomp NOTIFY as the default action', edit: (c) => { c.linux.seccomp = { defaultAction: 'SCMP_ACT_NOTIFY', listenerPath: '/run/l.sock' }; },
    line: '/linux/seccomp/defaultAction: SCMP_ACT_NOTIFY cannot be the default action (it would hold the write the listener needs), as runc refuses' },
  { rule: 'seccomp NOTIFY on write', edit: (c) => { c.linux.seccomp = { defaultAction: 'SCMP_ACT_ERRNO', listenerPath: '/run/l.sock', syscalls: [{ names: ['read', 'write'], action: 'SCMP_ACT_NOTIFY' }] }; },
    line: "/linux/seccomp/syscalls/0/names/1: SCMP_ACT_NOTIFY cannot be used for write (the listener's fd is sent with it), as runc refuses" },
  { rule: 'seccomp NOTIFY without listenerPath', edit: (c) => { c.linux.seccomp = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_NOTIFY' }] }; },
    line: '/linux/seccomp/listenerPath: SCMP_ACT_NOTIFY needs listenerPath, the socket that receives the listener fd' },
  { rule: 'seccomp WAIT_KILLABLE_RECV without NOTIFY', edit: (c) => { c.linux.seccomp = { defaultAction: 'SCMP_ACT_ERRNO', flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'] }; },
    line: '/linux/seccomp/flags/0: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs a SCMP_ACT_NOTIFY rule (the kernel refuses it without a listener)' },
  { rule: 'unknown seccomp flag', edit: (c) => { c.linux.seccomp = { defaultAction: 'SCMP_ACT_ERRNO', flags: ['SECCOMP_FILTER_FLAG_BOGUS'] }; },
    line: '/linux/seccomp/flags/0: unknown seccomp flag "SECCOMP_FILTER_FLAG_BOGUS"' },
  { rule: 'empty seccomp syscall name', edit: (c) => { c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [''], action: 'SCMP_ACT_ERRNO' }] }; },
    line: '/linux/seccomp/syscalls/0/names/0: an empty string is not a syscall name' },
  { rule: 'overlapping conditional seccomp rules', edit: (c) => {
    c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [
      { names: ['ioctl'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: 21505, op: 'SCMP_CMP_EQ' }] },
      { names: ['ioctl'], action: 'SCMP_ACT_KILL_PROCESS', args: [{ index: 0, value: 2, op: 'SCMP_CMP_GT' }] }] };
  }, line: '/linux/seccomp/syscalls/1/names/0: "ioctl" (x86_64 syscall 16) has conditional rules that can match the same call; libseccomp decides between them by its argument tree, so planc refuses this rather than guess (several rules of one syscall may test with EQ, NE and MASKED_EQ only; two with different actions must exclude each other, two with one action must not meet as EQ and NE on one argument)' },
  // hostile input: nothing is dropped silently, nothing is echoed whole, nothing mounts over the root
  { rule: 'a null argument', edit: (c) => { c.process.args = [null]; }, line: '/process/args/0: expected a string, got null' },
  { rule: 'a null env entry', edit: (c) => { c.process.env = [null, 'A=b']; }, line: '/process/env/0: expected a string, got null' },
  { rule: 'a null capability', edit: (c) => { c.process.capabilities.bounding.push(null); }, line: '/process/capabilities/bounding/3: expected a string, got null' },
  { rule: 'a null additional gid', edit: (c) => { c.process.user.additionalGids = [5, null]; }, line: '/process/user/additionalGids/1: expected a non-negative integer' },
  { rule: 'a null rlimit type', edit: (c) => { c.process.rlimits[0].type = null; }, line: '/process/rlimits/0/type: missing rlimit type' },
  { rule: 'a null rlimit hard value', edit: (c) => { c.process.rlimits[0].hard = null; }, line: '/process/rlimits/0/hard: missing rlimit hard value' },
  { rule: 'an rlimit of -0 (a uint64: Go refuses the sign)', raw: 'RLIMIT_SOFT_NEG0', line: '/process/rlimits/0/soft: expected a non-negative integer' },
  { rule: 'a tmpfs on the root', edit: (c) => { c.mounts.push({ destination: '/', type: 'tmpfs', source: 'tmpfs' }); },
    line: '/mounts/7/destination: mount destination "/" is the container\'s root; nothing may be mounted over it' },
  { rule: 'a mount on /. ', edit: (c) => { c.mounts.push({ destination: '/.', type: 'bind', source: '/tmp', options: ['bind'] }); },
    line: '/mounts/7/destination: mount destination "/." is the container\'s root; nothing may be mounted over it' },
  { rule: 'a mount on /../..', edit: (c) => { c.mounts.push({ destination: '/../..', type: 'tmpfs', source: 'tmpfs' }); },
    line: '/mounts/7/destination: mount destination "/../.." is the container\'s root; nothing may be mounted over it' },
  { rule: 'memory.kernel 0.5', edit: (c) => { c.linux.resources.memory = { kernel: 0.5 }; }, line: '/linux/resources/memory/kernel: expected a 64-bit signed integer' },
  { rule: 'memory.kernel 1e400', raw: 'KERNEL_1E400', line: '/linux/resources/memory/kernel: expected a 64-bit signed integer' },
  { rule: 'a 10 MB env value is cut in the message', edit: (c) => { c.process.env.push('X'.repeat(10_000_000)); },
    line: `/process/env/2: invalid environment variable "${'X'.repeat(570)}\u2026 (9999244 bytes cut) \u2026${'X'.repeat(186)}": missing '='` },
  { rule: 'an extension nested 10,001 deep', raw: 'DEEP_10001',
    line: '(root): config.json is not valid JSON: nesting too deep at line 1, column 10604 (byte 10603)' },
];

/** Configs no object literal can spell: a number's exact text, or a nesting deeper than JSON.stringify allows. */
function rawConfig(tag: string, config: Config): string {
  const text = JSON.stringify(config);
  if (tag === 'RLIMIT_SOFT_NEG0') return text.replace('"soft":1024', '"soft":-0');
  if (tag === 'KERNEL_1E400') return text.replace('"resources":{', '"resources":{"memory":{"kernel":1e400},');
  const at = text.indexOf('"hostname"');
  if (tag === 'DEEP_10001') return `${text.slice(0, at)}"x-ext":${'['.repeat(10_001)}${']'.repeat(10_001)},${text.slice(at)}`;
  return tag;
}

describe('invalid configs name their place', () => {
  let dir: string;
  beforeAll(() => { dir = makeBundle(tempDir('errors'), readFixture('default')); });
  afterAll(() => rmTree(dir));

  for (const c of cases) {
    test(`${c.rule}: exit 1 with "${c.line}"`, () => {
      const config = readFixture('default');
      c.edit?.(config);
      fs.writeFileSync(path.join(dir, 'config.json'), c.raw ? rawConfig(c.raw, config) : JSON.stringify(config));
      const r = planc(['plan', '-b', dir, '--host-facts', hostFacts, '--id', 'bad']);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n')).toContain(c.line);
    });
  }
});

describe('hostile sizes are planned in linear time and accepted where runc accepts them', () => {
  let dir: string;
  beforeAll(() => { dir = makeBundle(tempDir('sizes'), readFixture('default')); });
  afterAll(() => rmTree(dir));
  const plan = (config: Config | string): { code: number | null; ms: number; stdout: string; stderr: string } => {
    fs.writeFileSync(path.join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
    const t = Date.now();
    const r = planc(['plan', '-b', dir, '--host-facts', hostFacts, '--id', 'big']);
    return { ...r, ms: Date.now() - t };
  };

  // Alone each takes 0.3-0.7 s here (the quadratic reader took 87 s for the annotations); the
  // bound leaves room for a loaded machine and still fails any quadratic step.
  test('100,000 env entries, 100,000 annotations and 50,000 sysctls each plan in linear time', () => {
    const env = readFixture('default');
    env.process.env.push(...Array.from({ length: 100_000 }, (_, i) => `V${i}=${i}`), 'V7=last');
    let r = plan(env);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.ms).toBeLessThan(3000);
    // a later duplicate replaces the earlier value in place (Go's os.Setenv)
    expect(r.stdout).toContain('"V6=6","V7=last","V8=8"');
    const ann = readFixture('default');
    ann.annotations = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, 'v']));
    r = plan(ann);
    expect([r.code, r.stderr, r.ms < 3000]).toEqual([0, '', true]);
    const sys = readFixture('default');
    sys.linux.sysctl = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`net.ipv4.k${i}`, '1']));
    r = plan(sys);
    expect([r.code, r.stderr, r.ms < 3000]).toEqual([0, '', true]);
  });

  test('an unknown extension nested 10,000 deep is ignored, as runc ignores it', () => {
    const text = JSON.stringify(readFixture('default'));
    const r = plan(`${text.slice(0, -1)},"x-ext":${'{"a":'.repeat(9_999)}1${'}'.repeat(9_999)}}`);
    expect([r.code, r.stderr]).toEqual([0, '']);
  });

  test('a duplicated linux.devices entry makes one node, as runc (whose second mknod meets EEXIST)', () => {
    const c = readFixture('default');
    const fuse = { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 438 };
    c.linux.devices = [fuse, { ...fuse, minor: 230 }];
    const r = plan(c);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout.split('\n').filter((l) => l.includes('mknod_in_root') && l.includes('/dev/fuse'))).toEqual([
      expect.stringContaining('minor=229'),
    ]);
  });
});
