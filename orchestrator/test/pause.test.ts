// Pins how pause/resume decide that the kernel has reached the state they asked for: the files a
// plan's freezer writes name, and how v1's freezer.state and v2's cgroup.events are read.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freezerFiles, reads } from '../src/commands/pause.js';
import type { PlanOp } from '../src/plan/decode.js';

const tmp = mkdtempSync(join(tmpdir(), 'planc-pause-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const op = (path: string): PlanOp => ({ lane: 'host', op: 'write_file', why: 'default:freezer', args: { path, data: '1' } } as unknown as PlanOp);

describe('pause and resume wait for the freezer', () => {
  it('watches only the freezer files of the plan', () => {
    const ops = [op('/sys/fs/cgroup/freezer/c/freezer.state'), op('/sys/fs/cgroup/c/cgroup.freeze'), op('/sys/fs/cgroup/c/memory.max')];
    expect(freezerFiles(ops)).toEqual(['/sys/fs/cgroup/freezer/c/freezer.state', '/sys/fs/cgroup/c/cgroup.freeze']);
  });

  it('reads v1 FREEZING as not yet frozen', () => {
    const f = join(tmp, 'freezer.state');
    writeFileSync(f, 'FREEZING\n');
    expect([reads(f, true), reads(f, false)]).toEqual([false, false]);
    writeFileSync(f, 'FROZEN\n');
    expect([reads(f, true), reads(f, false)]).toEqual([true, false]);
  });

  it('reads v2 state from cgroup.events, not from the cgroup.freeze request', () => {
    const d = join(tmp, 'v2');
    mkdirSync(d);
    writeFileSync(join(d, 'cgroup.freeze'), '1\n');
    writeFileSync(join(d, 'cgroup.events'), 'populated 1\nfrozen 0\n');
    expect(reads(join(d, 'cgroup.freeze'), true)).toBe(false);
    writeFileSync(join(d, 'cgroup.events'), 'populated 1\nfrozen 1\n');
    expect([reads(join(d, 'cgroup.freeze'), true), reads(join(d, 'cgroup.freeze'), false)]).toEqual([true, false]);
    expect(reads(join(tmp, 'gone', 'cgroup.freeze'), true)).toBe(false);
  });
});
