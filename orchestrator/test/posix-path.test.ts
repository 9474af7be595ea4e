// Pins src/posix-path.ts to node:path's POSIX results, on hand-picked edge cases and on random paths.
import * as node from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ours from '../src/posix-path.js';

const cases = ['', '/', '//', '///a//b/', '.', './', '..', '../', '../../a', 'a/..', 'a/../..', '/..', '/../a', '/a/b/../../..',
  'a/./b', 'a//b//', '/a/b/c', 'a', 'a/', '/a/', '.hidden', '/a/.b/..', 'a/b/c/../../../..', '...', '/.../x', 'x/../../y/'];

// random paths from a small alphabet that is all separators, dots and names
function random(seed: number): string[] {
  let s = seed;
  const next = (): number => { s = (s * 1103515245 + 12345) & 0x7fffffff; return s; };
  const parts = ['/', '.', '..', 'a', 'bc', '', '/', '//', '...'];
  return Array.from({ length: 400 }, () => Array.from({ length: next() % 7 }, () => parts[next() % parts.length]).join(''));
}

describe('posix-path', () => {
  const all = [...cases, ...random(7)];
  it('normalize, dirname, basename and isAbsolute agree with node:path', () => {
    for (const p of all) {
      expect([p, ours.normalize(p)]).toEqual([p, node.posix.normalize(p)]);
      expect([p, ours.dirname(p)]).toEqual([p, node.posix.dirname(p)]);
      expect([p, ours.basename(p)]).toEqual([p, node.posix.basename(p)]);
      expect([p, ours.isAbsolute(p)]).toEqual([p, node.posix.isAbsolute(p)]);
    }
  });

  it('join and resolve agree with node:path, relative parts taken from the cwd', () => {
    for (let i = 0; i + 2 < all.length; i++) {
      const [a, b, c] = [all[i]!, all[i + 1]!, all[i + 2]!];
      expect([a, b, c, ours.join(a, b, c)]).toEqual([a, b, c, node.posix.join(a, b, c)]);
      expect([a, b, ours.join(a, b)]).toEqual([a, b, node.posix.join(a, b)]);
      expect([a, b, ours.resolve(a, b)]).toEqual([a, b, node.posix.resolve(a, b)]);
      expect([a, ours.resolve(a)]).toEqual([a, node.posix.resolve(a)]);
    }
    expect(ours.join()).toBe(node.posix.join());
    expect(ours.resolve()).toBe(process.cwd());
  });
});
