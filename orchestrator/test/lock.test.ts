// Pins the state-dir lock: one holder at a time, a waiter gets it when released, a dead owner's lock
// is taken over, and a container deleted while waiting "does not exist". No root needed.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireLock, withLock } from '../src/state.js';

const tmp = mkdtempSync(join(tmpdir(), 'planc-lock-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('state dir lock', () => {
  it('writes the owner pid and start time and removes the lock on release', () => {
    const release = acquireLock(tmp);
    expect(readFileSync(join(tmp, 'lock'), 'utf8')).toMatch(new RegExp(`^${process.pid} \\d+\\n$`));
    release();
    expect(existsSync(join(tmp, 'lock'))).toBe(false);
  });

  it('times out naming the live holder instead of corrupting its work', () => {
    const release = acquireLock(tmp);
    try {
      expect(() => acquireLock(tmp, 50)).toThrow(new RegExp(`locked by another planc \\(pid ${process.pid}\\)`));
    } finally { release(); }
  });

  it('takes over the lock of an owner that has died', async () => {
    const child = spawn('true');
    const pid = await new Promise<number>((res) => child.on('exit', () => res(child.pid!)));
    writeFileSync(join(tmp, 'lock'), `${pid} 1\n`);
    expect(withLock(tmp, () => 'got it')).toBe('got it');
    expect(existsSync(join(tmp, 'lock'))).toBe(false);
  });

  it('takes over a lock whose pid now names another process (pid reuse: its start time differs)', () => {
    writeFileSync(join(tmp, 'lock'), `${process.ppid} 1\n`);
    expect(withLock(tmp, () => 'got it')).toBe('got it');
  });

  it('takes over a lock file that is empty or cut short (an owner killed while writing it)', () => {
    for (const record of ['', `${process.ppid}`, `${process.ppid} `, `${process.pid} 12`]) {
      writeFileSync(join(tmp, 'lock'), record);
      expect(acquireLock(tmp, 200)).toBeTypeOf('function');
      rmSync(join(tmp, 'lock'));
    }
  });

  it('never shows a partial record: the lock appears whole, by link(2), and leaves no file of its own', () => {
    const release = acquireLock(tmp);
    expect(readdirSync(tmp).filter((f) => f.startsWith('lock'))).toEqual(['lock']);
    release();
  });

  it('serialises read-modify-write of state across processes', async () => {
    const counter = join(tmp, 'counter');
    writeFileSync(counter, '0');
    const src = join(__dirname, '..', 'src', 'state.ts');
    const script = `import { withLock } from ${JSON.stringify(src)}; import { readFileSync, writeFileSync } from 'node:fs';
      for (let i = 0; i < 50; i++) withLock(${JSON.stringify(tmp)}, () => { const n = Number(readFileSync(${JSON.stringify(counter)}, 'utf8')); writeFileSync(${JSON.stringify(counter)}, String(n + 1)); });`;
    const bun = join(__dirname, '..', '..', 'node_modules', '.bin', 'bun');
    const runs = Array.from({ length: 4 }, () => new Promise<number | null>((res) => spawn(bun, ['-e', script], { stdio: 'inherit' }).on('exit', res)));
    expect(await Promise.all(runs)).toEqual([0, 0, 0, 0]);
    expect(readFileSync(counter, 'utf8')).toBe('200');
  });

  it('says "container does not exist" when the state dir goes while waiting', () => {
    expect(() => acquireLock(join(tmp, 'gone'))).toThrow('container does not exist');
  });
});
