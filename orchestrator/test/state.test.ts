// Pins container id rules and the state directory's exclusive creation and atomic writes.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createStateDir, readState, validateId, withLock, writeState, type State } from '../src/state.js';

describe('validateId', () => {
  for (const ok of ['c1', 'a.b-c_d+e', 'A', '123', '...']) it(`accepts ${ok}`, () => expect(() => validateId(ok)).not.toThrow());
  for (const bad of ['', 'a/b', 'a b', '../x', 'é', '.', '..', 'a:b']) {
    it(`rejects ${JSON.stringify(bad)} with runc's text`, () => expect(() => validateId(bad)).toThrow(/^invalid container ID format$/));
  }
});

describe('state dir', () => {
  let root = '';
  afterEach(() => { if (root) rmSync(root, { recursive: true, force: true }); });

  it('is created 0711 once; a second create says the id exists', () => {
    root = mkdtempSync(join(tmpdir(), 'planc-state-'));
    const dir = createStateDir(root, 'c1');
    expect(statSync(dir).mode & 0o777).toBe(0o711);
    expect(() => createStateDir(root, 'c1')).toThrow('container with given ID already exists');
  });

  it('writes state.json atomically, leaving no temp file', () => {
    root = mkdtempSync(join(tmpdir(), 'planc-state-'));
    const dir = createStateDir(root, 'c2');
    const s: State = { ociVersion: '1.0.2-dev', id: 'c2', pid: 1, status: 'running', bundle: '/b', rootfs: '/b/rootfs', created: 'now', owner: '', planDigest: 'sha256:00' };
    writeState(dir, s);
    expect(readState(dir)).toEqual(s);
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('refuses a held lock and releases it after use', () => {
    root = mkdtempSync(join(tmpdir(), 'planc-state-'));
    const dir = createStateDir(root, 'c3');
    expect(withLock(dir, () => { expect(() => withLock(dir, () => 0)).toThrow(/locked/); return 7; })).toBe(7);
    expect(readdirSync(dir)).toEqual([]);
  });
});
