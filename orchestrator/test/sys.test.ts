// Pins src/sys.ts to node:fs's results and errors (codes and texts, on which runc's messages rest),
// under Node and under Bun.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sys } from '../src/sys.js';
import { probe } from './fixtures/sys-probe.js';

const repo = join(__dirname, '..', '..');
const bun = join(repo, 'node_modules', 'bun', 'bin', 'bun.exe');
const haveBun = existsSync(bun) && spawnSync(bun, ['--version']).status === 0;
const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'planc-sys-')));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
const scratch = (): string => { const d = join(tmp, `p${++n}`); mkdirSync(d); return d; };
const err = (code: string, errno: number, syscall: string, message: string, path?: string, dest?: string) => ({ code, errno, syscall, message, path, dest });

function expected(d: string): Record<string, unknown> {
  const p = (name: string): string => `${d}/${name}`;
  return {
    small: 'hello\n',
    bigOk: true,
    procSelf: true,
    readMissing: err('ENOENT', -2, 'open', `ENOENT: no such file or directory, open '${p('missing')}'`, p('missing')),
    readDir: err('EISDIR', -21, 'read', 'EISDIR: illegal operation on a directory, read'),
    nul: expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
    exists: [true, true, false, false, true, false],
    lock: [3, 'abc', 0o600],
    exclAgain: err('EEXIST', -17, 'open', `EEXIST: file already exists, open '${p('lock')}'`, p('lock')),
    nofollow: err('ELOOP', -40, 'open', `ELOOP: too many symbolic links encountered, open '${p('dangling')}'`, p('dangling')),
    readAt: [3, [0, 0, 104, 101, 108, 0, 0, 0], 0],
    closeBad: err('EBADF', -9, 'close', 'EBADF: bad file descriptor, close'),
    fifo: [0, err('EAGAIN', -11, 'read', 'EAGAIN: resource temporarily unavailable, read'), 1, 'z'],
    written: ['second+more', 0o600],
    writeNoDir: err('ENOENT', -2, 'open', `ENOENT: no such file or directory, open '${p('no/such')}'`, p('no/such')),
    renamed: [false, 'second+more'],
    renameMissing: err('ENOENT', -2, 'rename', `ENOENT: no such file or directory, rename '${p('missing')}' -> '${p('other')}'`, p('missing'), p('other')),
    linkExists: err('EEXIST', -17, 'link', `EEXIST: file already exists, link '${p('moved')}' -> '${p('linked')}'`, p('moved'), p('linked')),
    unlinkMissing: err('ENOENT', -2, 'unlink', `ENOENT: no such file or directory, unlink '${p('linked')}'`, p('linked')),
    mkdir: 0o711,
    mkdirAgain: err('EEXIST', -17, 'mkdir', `EEXIST: file already exists, mkdir '${p('d')}'`, p('d')),
    mkdirNoParent: err('ENOENT', -2, 'mkdir', `ENOENT: no such file or directory, mkdir '${p('no/parent')}'`, p('no/parent')),
    rmdirFull: err('ENOTEMPTY', -39, 'rmdir', `ENOTEMPTY: directory not empty, rmdir '${p('d')}'`, p('d')),
    readlink: ['d', err('EINVAL', -22, 'readlink', `EINVAL: invalid argument, readlink '${p('small')}'`, p('small'))],
    realpath: [true, expect.objectContaining({ code: 'ENOENT', errno: -2 })],
    rmTree: [false, 'kept', false],
    isatty: [false, false, false],
  };
}

describe('sys', () => {
  it('reads, writes, renames, removes and fails as node:fs does under Node', () => {
    const d = scratch();
    expect(probe(sys(), d)).toEqual(expected(d));
  });

  it.skipIf(!haveBun)('does the same under Bun', () => {
    const d = scratch();
    const r = spawnSync(bun, [join(__dirname, 'fixtures', 'sys-probe.ts'), d], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(expected(d));
  });
});
