// The kernel's own verdicts: the same bundle under `planc run` and runc 1.1.5, whose process
// (sysprobe.c) makes syscalls through the x86_64, x32 and i386 entry points; what each returned
// (or the signal that killed it), and the Seccomp: line of /proc/self/status, must be identical.
import { test, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describeAsRoot, repo } from '../helpers/env.js';
import { leftoverCgroups, makeBundle, readFixture, removeCgroups, rmTree, tempDir, writeConfig, type Config } from '../helpers/bundle.js';
import { runContainer, type Runtime } from '../helpers/runtimes.js';
import { podmanProfile } from './profiles.js';

const parent = 'planc-test';
let serial = 0;
const used: string[] = [];
const compiler = ['musl-gcc', 'cc'].find((c) => { try { execFileSync('sh', ['-c', `command -v ${c}`]); return true; } catch { return false; } });

const dockerLike = JSON.parse(fs.readFileSync(path.join(repo, 'bench', 'fixtures', 'seccomp-docker-like.json'), 'utf8'));
const profiles: [string, Config][] = [
  ['ALLOW only: a filter is still loaded (Seccomp: 2)', { defaultAction: 'SCMP_ACT_ALLOW' }],
  ['the bench Docker-like profile (three ABIs, -ENOSYS stub)', dockerLike],
  ['Docker-like with defaultErrnoRet 38 and no x32', { ...dockerLike, defaultErrnoRet: 38, architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'] }],
  ['Docker-like without architectures (native only, no stub)', { ...dockerLike, architectures: undefined }],
  ...(podmanProfile() ? [['podman default without capabilities (netlink-audit socket rules)', podmanProfile()!] as [string, Config]] : []),
  ['ALLOW default with deny rules on i386 and x32', {
    defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [
      { names: ['getpid'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
      { names: ['mkdir'], action: 'SCMP_ACT_KILL_PROCESS' },
      { names: ['connect'], action: 'SCMP_ACT_ERRNO', errnoRet: 111 },
      { names: ['socket'], action: 'SCMP_ACT_TRAP', args: [{ index: 0, value: 40, op: 'SCMP_CMP_EQ' }] },
      { names: ['personality'], action: 'SCMP_ACT_ERRNO', errnoRet: 22, args: [{ index: 0, value: 0xffffffff, op: 'SCMP_CMP_EQ' }] },
      { names: ['rt_sigaction'], action: 'SCMP_ACT_KILL_THREAD', args: [{ index: 3, value: 8, op: 'SCMP_CMP_NE' }] },
    ],
  }],
];

describeAsRoot('runs real containers', 'the kernel decides syscalls under planc as under runc', () => {
  let tmp: string;
  let bundle: string;
  const roots: Record<'planc' | 'runc', string> = { planc: '', runc: '' };

  beforeAll(() => {
    tmp = tempDir('seccomp-kernel');
    bundle = makeBundle(path.join(tmp, 'bundle'), readFixture('default'));
    if (!compiler) throw new Error('no C compiler (musl-gcc or cc) for sysprobe.c');
    execFileSync(compiler, ['-static', '-O1', '-o', path.join(bundle, 'rootfs', 'sysprobe'), path.join(repo, 'spec-tests', 'seccomp', 'sysprobe.c')]);
    for (const rt of ['planc', 'runc'] as const) { roots[rt] = path.join(tmp, `state-${rt}`); fs.mkdirSync(roots[rt]); }
  });
  afterEach(() => {
    const left: string[] = [];
    for (const id of used.splice(0)) { left.push(...leftoverCgroups(parent, id)); removeCgroups(parent, id); }
    for (const rt of ['planc', 'runc'] as const) for (const e of fs.readdirSync(roots[rt])) { left.push(`${rt} state ${e}`); rmTree(path.join(roots[rt], e)); }
    expect(left).toEqual([]);
  });
  afterAll(() => rmTree(tmp));

  for (const [name, seccomp] of profiles) {
    test(`${name}: same verdicts as runc`, async () => {
      const out: Record<string, { code: number | null; stdout: string; stderr: string }> = {};
      for (const rt of ['runc', 'planc'] as Runtime[]) {
        const id = `s${process.pid}-${++serial}-${rt}`;
        used.push(id);
        const c = readFixture('default');
        c.process.args = ['/sysprobe'];
        c.linux.seccomp = JSON.parse(JSON.stringify(seccomp));
        c.linux.cgroupsPath = `/${parent}/${id}`;
        writeConfig(bundle, c);
        out[rt] = await runContainer(rt, roots[rt as 'planc' | 'runc'], bundle, id);
      }
      expect(out.runc!.stdout, `runc: ${out.runc!.stderr}`).toContain('== end');
      expect(out.runc!.stdout).toMatch(/^Seccomp:\s+2$/m);
      expect(out.planc!.stdout, `planc stderr: ${out.planc!.stderr}`).toBe(out.runc!.stdout);
      expect(out.planc!.code).toBe(out.runc!.code);
      if (process.env.SCKERNEL_SHOW) console.log(`${name}\n${out.runc!.stdout}`);
    });
  }
});
