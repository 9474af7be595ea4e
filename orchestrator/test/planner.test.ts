// Pins the wasm glue against a stand-in core built from fixtures/fake-core.c: the canonical-ABI
// reading of ok and err results, a fresh instance per call, and the refusal of any import.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlanner } from '../src/planner.js';

const clang = '/usr/bin/clang-14';
const wasmLd = '/usr/bin/wasm-ld-14';
const have = existsSync(clang) && existsSync(wasmLd);
const dir = mkdtempSync(join(tmpdir(), 'planc-planner-'));
const src = join(__dirname, 'fixtures', 'fake-core.c');
const pure = join(dir, 'pure.wasm');
const impure = join(dir, 'impure.wasm');

beforeAll(() => {
  if (!have) return;
  const cc = (out: string, extra: string[]) => execFileSync(clang, ['--target=wasm32', '-nostdlib', '-O2', '-Wl,--no-entry', `-fuse-ld=${wasmLd}`, ...extra, '-o', out, src]);
  cc(pure, []);
  cc(impure, ['-DWITH_IMPORT', '-Wl,--allow-undefined']);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const enc = (s: string) => new TextEncoder().encode(s);

describe.skipIf(!have)('loadPlanner', () => {
  it('returns the plan bytes on ok, from a fresh instance each call', async () => {
    const p = await loadPlanner(pure);
    const a = p.plan(enc('cfg'), enc('ctx'));
    const b = p.plan(enc('cfg'), enc('ctx'));
    // the last byte is the instance's call counter: 1 both times means no state carried over
    expect(a).toEqual({ ok: true, plan: new Uint8Array([...enc('cfgctx'), 1]) });
    expect(b).toEqual(a);
  });

  it('returns every spec error with pointer, rule and message', async () => {
    const p = await loadPlanner(pure);
    expect(p.plan(enc('!x'), enc('{}'))).toEqual({
      ok: false,
      errors: [
        { pointer: '/process/args', rule: 'required', message: 'args must not be empty' },
        { pointer: '', rule: 'json', message: 'second' },
      ],
    });
  });

  it('refuses a module that imports anything', async () => {
    await expect(loadPlanner(impure)).rejects.toThrow(/must import nothing/);
  });
});
