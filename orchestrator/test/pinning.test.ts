// Pins plan approval: no policy means any plan; a flag or a list file admits only listed digests;
// an unreadable list fails closed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { approvedDigests, checkPinned } from '../src/pinning.js';

const dir = mkdtempSync(join(tmpdir(), 'planc-pin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const A = 'sha256:' + 'a'.repeat(64);
const B = 'sha256:' + 'b'.repeat(64);

describe('plan pinning', () => {
  it('admits any plan when nothing is configured', () => {
    expect(() => checkPinned(A, approvedDigests(undefined, undefined))).not.toThrow();
  });
  it('admits only the digest given by flag, even when a list exists', () => {
    const f = join(dir, 'list');
    writeFileSync(f, `${B}\n`);
    expect(() => checkPinned(A, approvedDigests(A, f))).not.toThrow();
    expect(() => checkPinned(B, approvedDigests(A, f))).toThrow(/not approved/);
  });
  it('reads a list with comments and blank lines', () => {
    const f = join(dir, 'list2');
    writeFileSync(f, `# approved by security\n\n${A}  # web\n`);
    expect(() => checkPinned(A, approvedDigests(undefined, f))).not.toThrow();
    expect(() => checkPinned(B, approvedDigests(undefined, f))).toThrow(`plan ${B} is not approved`);
  });
  it('fails closed when the list cannot be read', () => {
    expect(() => approvedDigests(undefined, join(dir, 'missing'))).toThrow(/reading approved plan digests/);
  });
});
