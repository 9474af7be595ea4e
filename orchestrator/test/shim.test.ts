// Pins the shim protocol on the orchestrator side with a stand-in shim: plan on fd 3, records on fd 4.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { containerStatus } from '../src/lifecycle.js';
import { formatShimError, parseRecord, shimFailure, spawnShim } from '../src/shim.js';

const dir = mkdtempSync(join(tmpdir(), 'planc-shimtest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function fakeShim(body: string): string {
  const p = join(dir, `shim-${Math.random().toString(36).slice(2)}`);
  writeFileSync(p, `#!/bin/sh\n[ "$2" = 3 ] && [ "$3" = 4 ] || exit 99\ncat <&3 > ${dir}/got-$1\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

describe('spawnShim', () => {
  it('writes the whole plan to fd 3 and reads created and exited records from fd 4', async () => {
    const plan = new Uint8Array(100_000).map((_, i) => i & 0xff);
    const s = spawnShim('run', plan, fakeShim(`echo '{"type":"created","pid":4242}' >&4\nprintf '{"type":"exited",' >&4\necho '"status":3}' >&4\nexit 3`));
    expect(await s.created).toBe(4242);
    const x = await s.exit;
    expect(new Uint8Array(readFileSync(join(dir, 'got-run')))).toEqual(plan);
    expect(x.records).toEqual([{ type: 'created', pid: 4242 }, { type: 'exited', status: 3 }]);
    expect(containerStatus(x)).toBe(3);
  });

  it('names the failed step, its op and its why', async () => {
    const s = spawnShim('create', new Uint8Array([1]), fakeShim(
      `echo '{"type":"error","step":1,"lane":"container","op":"mount_in_root","errno":1,"errname":"EPERM","message":"mount_in_root proc -> /proc: Operation not permitted"}' >&4\nexit 1`));
    expect(await s.created).toBeNull();
    const x = await s.exit;
    const ops = [{ index: 0, lane: 'host' as const, op: 'clone', why: 'a', args: {} }, { index: 1, lane: 'container' as const, op: 'mount_in_root', why: '/mounts/0', args: {} }];
    expect(shimFailure(x, ops)).toBe('step 1 mount_in_root proc -> /proc: Operation not permitted (/mounts/0)');
    expect(x.code).toBe(1);
  });

  it('run: an error init writes before P\'s created is not the end; created and exited still count', async () => {
    // init fails at execve right after CHILD_READY: its record can reach the pipe before P's
    // "created", and the records after it may still be in the pipe when the shim's exit is seen
    const err = '{"type":"error","step":34,"lane":"container","op":"execve","errno":8,"errname":"ENOEXEC","message":"exec /x: exec format error"}';
    const s = spawnShim('run', new Uint8Array([1]), fakeShim(
      `echo '${err}' >&4\n(sleep 0.1; echo '{"type":"created","pid":77}'; echo '{"type":"exited","status":1}') >&4 &\nexit 1`));
    expect(await s.created).toBe(77);
    const x = await s.exit;
    expect(x.records.map((r) => r.type)).toEqual(['error', 'created', 'exited']);
    expect(containerStatus(x)).toBe(1);
  });

  it('reports a shim that dies by a signal as 128+n', async () => {
    const x = await spawnShim('run', new Uint8Array(), fakeShim('kill -TERM $$')).exit;
    expect(x.signal).toBe('SIGTERM');
    expect(containerStatus(x)).toBe(143);
    expect(shimFailure(x)).toBe('planc-shim killed by SIGTERM');
  });
});

describe('sync_caller and preserved fds', () => {
  it('answers a sync record on the control fd: 0 to go on, 1 to abort', async () => {
    const body = (n: number) => `[ "$4" = ${5 + n} ] || exit 98
echo '{"type":"sync","point":"CALLER_CREATE_RUNTIME","pid":77}' >&${4 + n}
a=$(head -c1 <&${5 + n})
echo "{\\"type\\":\\"exited\\",\\"status\\":$a}" >&${4 + n}`;
    const seen: unknown[] = [];
    const go = spawnShim('run', new Uint8Array([1]), { shim: fakeShim(body(0)), onSync: async (r) => { seen.push(r); return true; } });
    expect((await go.exit).records).toEqual([{ type: 'sync', point: 'CALLER_CREATE_RUNTIME', pid: 77 }, { type: 'exited', status: 0 }]);
    expect(seen).toEqual([{ type: 'sync', point: 'CALLER_CREATE_RUNTIME', pid: 77 }]);
    const stop = spawnShim('run', new Uint8Array([1]), { shim: fakeShim(body(0)), onSync: async () => { throw new Error('hook failed'); } });
    expect((await stop.exit).records.at(-1)).toEqual({ type: 'exited', status: 1 });
  });

  it('puts its pipes above the preserved fds', async () => {
    const p = join(dir, 'shim-preserve');
    writeFileSync(p, `#!/bin/sh\n[ "$2" = 5 ] && [ "$3" = 6 ] || exit 99\ncat <&5 > /dev/null\necho '{"type":"exited","status":0}' >&6\n`);
    chmodSync(p, 0o755);
    const x = await spawnShim('run', new Uint8Array([1]), { shim: p, preserveFds: 2 }).exit;
    expect(x.code).toBe(0);
  });
});

describe('records', () => {
  it('rejects a malformed record', () => {
    expect(() => parseRecord('{"type":"created"}')).toThrow(/malformed/);
  });
  it('reports decode errors (step -1) without a step number', () => {
    expect(formatShimError({ type: 'error', step: -1, message: 'bad magic' })).toBe('shim rejected the plan: bad magic');
  });
});
