// Pins `planc spec` output to runc 1.1's default config.json, byte for byte except the hostname.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultSpec, renderSpec, toRootless } from '../src/spec-default.js';

const runc = ['/usr/sbin/runc', '/usr/bin/runc'].find((p) => existsSync(p));

function runcSpec(args: string[]): string {
  const d = mkdtempSync(join(tmpdir(), 'planc-spec-'));
  try {
    execFileSync(runc!, ['spec', ...args], { cwd: d });
    return readFileSync(join(d, 'config.json'), 'utf8').replace('"hostname": "runc"', '"hostname": "planc"');
  } finally { rmSync(d, { recursive: true, force: true }); }
}

describe.skipIf(!runc)('spec', () => {
  it('equals runc spec except the hostname', () => {
    expect(renderSpec(defaultSpec())).toBe(runcSpec([]));
  });
  it('equals runc spec --rootless for the same uid and gid', () => {
    expect(renderSpec(toRootless(defaultSpec(), process.geteuid!(), process.getegid!()))).toBe(runcSpec(['--rootless']));
  });
});
