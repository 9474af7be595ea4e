// Pins hook execution: argv[0], env only from the hook, state on stdin, timeouts, runc's failure
// text, and refusal of hooks the plan gives no place.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runHookList, wantsCallerHooks } from '../src/hooks.js';

const dir = mkdtempSync(join(tmpdir(), 'planc-hooks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runHookList', () => {
  it('runs each hook with its argv[0], only its env, and the state on stdin', async () => {
    const out = join(dir, 'out');
    await runHookList([{ path: '/bin/sh', args: ['my-hook', '-c', `echo "$0 $FOO \${HOME:-nohome} $(cat)" > ${out}`], env: ['FOO=bar=baz'] }], 'poststart', '{"id":"c1"}');
    expect(readFileSync(out, 'utf8')).toBe('my-hook bar=baz nohome {"id":"c1"}\n');
  });

  it('fails with runc\'s wording on a non-zero exit, naming the hook index', async () => {
    await expect(runHookList([{ path: '/bin/true' }, { path: '/bin/sh', args: ['sh', '-c', 'echo o; echo e >&2; exit 3'] }], 'poststop', ''))
      .rejects.toThrow('error running poststop hook #1: error running hook: exit status 3, stdout: o\n, stderr: e\n');
  });

  it('kills a hook at its timeout', async () => {
    await expect(runHookList([{ path: '/bin/sleep', args: ['sleep', '5'], timeout: 1 }], 'poststart', '')).rejects.toThrow('hook ran past specified timeout of 1.0s');
  });
});

describe('wantsCallerHooks', () => {
  const hook = [{ path: '/bin/true' }];
  it('asks for a sync point only when prestart or createRuntime hooks exist', () => {
    expect(wantsCallerHooks({ hooks: { prestart: hook } })).toBe(true);
    expect(wantsCallerHooks({ hooks: { poststart: hook } })).toBe(false);
    expect(wantsCallerHooks({})).toBe(false);
  });
});
