// Pins the differential harness itself: normalisation hides only what may differ between
// runtimes, and the shuffler really reorders keys. Never starts a container.
import { describe, test, expect } from 'vitest';
import { normaliseProbe } from './helpers/runtimes.js';
import { rng, shuffleKeys } from './helpers/bundle.js';

describe('differential harness', () => {
  test('normaliseProbe keeps every mount line in place, cgroup hierarchies included', () => {
    const out = [
      '== mounts', '/ ext4 ro rw', '/sys/fs/cgroup tmpfs rw rw',
      '/sys/fs/cgroup/cpu cgroup ro rw,cpu', '/sys/fs/cgroup/blkio cgroup ro rw,blkio',
      '/proc/sys proc ro rw', '/proc/bus proc ro rw', '== end',
    ].join('\n');
    expect(normaliseProbe(out, '/tmp/planc-x/bundle').split('\n')).toEqual([
      '== mounts', '/ ext4 ro rw', '/sys/fs/cgroup tmpfs rw rw',
      '/sys/fs/cgroup/cpu cgroup ro rw,cpu', '/sys/fs/cgroup/blkio cgroup ro rw,blkio',
      '/proc/sys proc ro rw', '/proc/bus proc ro rw', '== end',
    ]);
  });

  test('normaliseProbe keeps differences in flags and options visible', () => {
    const a = '/sys/fs/cgroup/cpu cgroup ro rw,cpu';
    const b = '/sys/fs/cgroup/cpu cgroup rw rw,cpu';
    expect(normaliseProbe(a, '/tmp/planc-x/bundle')).not.toBe(normaliseProbe(b, '/tmp/planc-x/bundle'));
  });

  test('normaliseProbe replaces the bundle path only', () => {
    expect(normaliseProbe('/x/bundle/rootfs: No such file', '/x/bundle')).toBe('<bundle>/rootfs: No such file');
  });

  test('shuffleKeys reorders object keys recursively and keeps arrays and values', () => {
    const v = { a: 1, b: { c: 2, d: 3, e: 4, f: 5 }, g: [{ h: 1, i: 2 }], j: 'x', k: null };
    const orders = new Set<string>();
    for (let seed = 1; seed <= 8; seed++) {
      const s = shuffleKeys(v, rng(seed));
      expect(s).toEqual(v);
      orders.add(JSON.stringify(s));
    }
    expect(orders.size).toBeGreaterThan(1);
  });
});
