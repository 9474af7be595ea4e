// Drives `run` end to end through the real shim with a hand-made plan (no namespaces, no mounts):
// state dir lifecycle, exec fifo start, exit status, and clean-up on a failed step. Root only.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPrepared } from '../src/commands/run.js';
import { decodePlan, encodePlan, type PlanOp } from '../src/plan/decode.js';
import { shimPath } from '../src/paths.js';
import type { Prepared } from '../src/prepare.js';

const root = mkdtempSync(join(tmpdir(), 'planc-runflow-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const canRun = process.getuid?.() === 0 && existsSync(shimPath());

type Op = Omit<PlanOp, 'index'>;
function plan(id: string, script: string, extra: Op[] = [], file = '/bin/sh', afterReady: Op[] = []): Prepared {
  const dir = join(root, id);
  const fifo = join(dir, 'exec.fifo');
  const ops: Op[] = [
    { lane: 'host', op: 'mkfifo', why: 'default:exec-fifo', args: { path: fifo, mode: 0o622 } },
    { lane: 'host', op: 'clone', why: '/linux/namespaces', args: { flags: 0n } },
    { lane: 'container', op: 'sync_wait', why: 'default:sync', args: { point: 1 } },
    ...extra,
    { lane: 'container', op: 'exec_fifo_open', why: 'default:exec-fifo', args: { path: fifo } },
    { lane: 'container', op: 'sync_signal', why: 'default:sync', args: { point: 2 } },
    ...afterReady,
    { lane: 'container', op: 'exec_fifo_wait', why: 'default:exec-fifo', args: {} },
    { lane: 'container', op: 'execve', why: '/process/args', args: { file, argv: ['sh', '-c', script], envp: ['PATH=/bin'], search_path: [] } },
    { lane: 'host', op: 'sync_signal', why: 'default:sync', args: { point: 1 } },
    { lane: 'host', op: 'sync_wait', why: 'default:sync', args: { point: 2 } },
    { lane: 'teardown', op: 'unlink', why: 'default:exec-fifo', args: { path: fifo } },
  ];
  const bytes = encodePlan(ops);
  return { bundle: root, config: {}, configBytes: new TextEncoder().encode('{}'), rootfs: '/', plan: bytes, ops: decodePlan(bytes) };
}
const g = { root, logFormat: 'text', debug: false, systemdCgroup: false };

describe.skipIf(!canRun)('run through the shim', () => {
  it('starts the process through the exec fifo and returns its exit status, removing the state dir', async () => {
    expect(await runPrepared('exit7', plan('exit7', 'exit 7'), {}, g)).toBe(7);
    expect(readdirSync(root)).toEqual([]);
  });

  it('reports a process killed by a signal as 128+n', async () => {
    expect(await runPrepared('sig', plan('sig', 'kill -KILL $$'), {}, g)).toBe(137);
  });

  it('fails with the execve step when the process cannot be executed, as runc does', async () => {
    await expect(runPrepared('noexec', plan('noexec', '', [], '/nonexistent-planc-bin'), {}, g)).rejects.toThrow(/^step 6 exec .*no such file or directory \(\/process\/args\)$/);
    expect(readdirSync(root)).toEqual([]);
  });

  it('fails with the step, op and why of the failed op, leaving nothing behind', async () => {
    const bad: Op = { lane: 'container', op: 'chdir', why: '/process/cwd', args: { path: '/nonexistent-planc' } };
    await expect(runPrepared('bad', plan('bad', 'exit 0', [bad]), {}, g)).rejects.toThrow(/^step 3 chdir.*no such file or directory \(\/process\/cwd\)$/);
    expect(readdirSync(root)).toEqual([]);
  });

  it('reports the failed step when init fails after created and teardown has removed the fifo', async () => {
    // a race: the shim's teardown may unlink the fifo before run opens it; either way the error
    // is the step's, never the fifo's ENOENT (a few rounds, since the order is the kernel's)
    const bad: Op = { lane: 'container', op: 'chdir', why: '/process/cwd', args: { path: '/nonexistent-planc' } };
    for (let i = 0; i < 6; i++) {
      await expect(runPrepared(`late${i}`, plan(`late${i}`, 'exit 0', [], '/bin/sh', [bad]), {}, g)).rejects.toThrow(/^step 5 chdir.*no such file or directory \(\/process\/cwd\)$/);
    }
    expect(readdirSync(root)).toEqual([]);
  });
});
