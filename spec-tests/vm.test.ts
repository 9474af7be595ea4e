// The pure cgroup v2 + systemd guest, seen from the host: builds the VM image when its cache
// misses (vm/build-image.sh), boots it once (vm/run.sh), runs the guest suite spec-tests/vm-guest/
// there with vitest's JSON reporter, and reports every guest test as a test of this file, failing
// with the guest's own message.
import { describe, test, expect } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { isRoot, repo } from './helpers/env.js';
import { rmTree, tempDir } from './helpers/bundle.js';

interface Ran { code: number | null; stdout: string; stderr: string; seconds: number }
interface GuestTest { fullName: string; status: string; failureMessages: string[]; duration?: number }
interface GuestReport { numTotalTests: number; testResults: { name: string; assertionResults: GuestTest[] }[] }

function run(file: string, args: string[]): Promise<Ran> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(file, args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr, seconds: Math.round((Date.now() - started) / 1000) }));
    child.on('error', (e) => resolve({ code: null, stdout, stderr: String(e), seconds: 0 }));
  });
}

const tail = (s: string, n = 40) => s.trimEnd().split('\n').slice(-n).join('\n');
const hasTools = () => spawnSync('bash', ['-c', 'command -v qemu-system-x86_64 && command -v qemu-img && command -v mmdebstrap'], { stdio: 'ignore' }).status === 0;

async function guestSuite(): Promise<{ skip?: string; build?: Ran; vm?: Ran; report?: GuestReport; boot?: string }> {
  if (process.env.PLANC_VM_GUEST === '1') return { skip: 'already inside the guest' };
  if (!isRoot) return { skip: 'needs root (the image build and the guest\'s 9p shares)' };
  // installs qemu, mmdebstrap, e2fsprogs and kmod when they are missing; vm/run.sh boots
  // $PLANC_VM_IMAGE instead when it is set
  const given = process.env.PLANC_VM_IMAGE;
  const build = given ? { code: 0, stdout: given, stderr: '', seconds: 0 } : await run('bash', ['vm/build-image.sh']);
  if (build.code !== 0) {
    if (!hasTools()) return { skip: `qemu/mmdebstrap missing and could not be installed: ${tail(build.stderr, 3)}` };
    // no image cached on this machine and Debian's mirror out of reach: nothing to boot
    if (/Temporary failure resolving|Could not resolve|Failed to fetch|Unable to connect/.test(build.stderr)) {
      return { skip: `no cached guest image and the Debian mirror cannot be reached: ${tail(build.stderr, 1)}` };
    }
    return { build };
  }
  const results = tempDir('vm-results');
  try {
    const vm = await run('bash', ['vm/run.sh', '--results', results, '--', 'bash', '-c',
      'exec npx vitest run spec-tests/vm-guest --reporter=default --reporter=json --outputFile.json="$PLANC_VM_RESULTS/report.json"']);
    const file = path.join(results, 'report.json');
    const report = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) as GuestReport : undefined;
    const boot = fs.existsSync(path.join(results, 'boot-seconds')) ? fs.readFileSync(path.join(results, 'boot-seconds'), 'utf8').trim() : '?';
    return { build, vm, report, boot };
  } finally {
    rmTree(results);
  }
}

const guest = await guestSuite();

describe.skipIf(guest.skip !== undefined)(`pure cgroup v2 guest (QEMU, systemd, Debian 12's 6.1 kernel)${guest.skip ? ` — skipped: ${guest.skip}` : ''}`, () => {
  test('the image is built or found in build/vm/, and the guest runs the suite and reports it', () => {
    expect(guest.build?.code, `vm/build-image.sh failed:\n${tail(guest.build?.stderr ?? '')}`).toBe(0);
    const vm = guest.vm!;
    expect(guest.report, `no report from the guest (vm/run.sh exit ${vm.code}):\n${tail(vm.stderr)}\n${tail(vm.stdout)}`).toBeDefined();
    expect(guest.report!.numTotalTests).toBeGreaterThan(0);
    console.log(`guest image ${guest.build!.seconds} s (build or cache), guest boot ${guest.boot} s, VM run ${vm.seconds} s, ${guest.report!.numTotalTests} guest tests`);
  });

  for (const file of guest.report?.testResults ?? []) {
    const rel = path.relative(repo, file.name);
    for (const t of file.assertionResults) {
      const name = `${rel} > ${t.fullName}`;
      if (t.status === 'skipped' || t.status === 'pending' || t.status === 'todo') {
        test.skip(name, () => {});
        continue;
      }
      test(name, () => {
        expect(t.status, `in the guest: ${t.failureMessages.join('\n')}`).toBe('passed');
      });
    }
  }
});
