// Pins the corpus differential: each corpus config and fixture, adapted to this machine as
// spec-tests/helpers/corpus.ts describes, runs under planc and runc with the probe. A config that
// matches must keep matching; every other one is listed below with why. Never edits a config.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeAsRoot, slowdown } from './helpers/env.js';
import { corpusEntries, formatTable, normalise, runCorpus, type CorpusResult, type Outcome } from './helpers/corpus.js';

/**
 * Every config that does not run the same under both, with the outcome seen and its reason.
 * A config not listed here must give the same probe output and exit code under both.
 */
const known: Record<string, { outcome: Exclude<Outcome, 'same'>; reason: string }> = {
  'corpus/broken/invalid': { outcome: 'both-fail', reason: 'invalid on purpose (relative cwd, bogus rlimit and capability); both refuse it' },
  // The corpus's docker/podman/kubernetes seccomp profiles are abridged (85 syscalls, no fstatfs,
  // close_range or getgroups): runc cannot check /proc/self/fd under the filter; planc runs the
  // container, whose probe then fails where it needs getgroups (id) in the other three.
  'corpus/docker/default': { outcome: 'runc-fails', reason: 'abridged seccomp profile: runc checks /proc/self/fd (fstatfs) under the filter and stops; planc closes its fds before the filter and runs' },
  'corpus/docker/socket-mount': { outcome: 'both-fail', reason: 'abridged seccomp profile: runc stops at its /proc/self/fd check; under planc the probe\'s id cannot get groups' },
  'corpus/kubernetes/hostpath-etc-ro': { outcome: 'both-fail', reason: 'abridged seccomp profile: runc stops at its /proc/self/fd check; under planc the probe\'s id cannot get groups' },
  'corpus/kubernetes/restricted-pod': { outcome: 'both-fail', reason: 'abridged seccomp profile: runc stops at its /proc/self/fd check; under planc the probe\'s id cannot get groups' },
  'corpus/podman/host-network': { outcome: 'runc-fails', reason: 'abridged seccomp profile: runc checks /proc/self/fd (fstatfs) under the filter and stops; planc closes its fds before the filter and runs' },
  'corpus/podman/rootful-default': { outcome: 'runc-fails', reason: 'abridged seccomp profile: runc checks /proc/self/fd (fstatfs) under the filter and stops; planc closes its fds before the filter and runs' },
  // The host's bounding set lacks CAP_SYS_RESOURCE (the test machine is itself confined), so
  // asking for every capability fails capset under both.
  'corpus/docker/privileged': { outcome: 'both-fail', reason: 'every capability asked; this host has no CAP_SYS_RESOURCE to give' },
  'corpus/kubernetes/privileged-hostpath': { outcome: 'both-fail', reason: 'every capability asked; this host has no CAP_SYS_RESOURCE to give' },
  'fixture/hooks': { outcome: 'both-fail', reason: 'its createContainer hook /usr/libexec/oci/hooks.d/mount-setup is not installed here' },
  // Fixtures of fields Debian's runc 1.1.5 predates or of a peer the harness does not start; each
  // is run for real, with what it needs, by its own test file (net-tty, proc-attrs, seccomp-apply).
  'fixture/netdev': { outcome: 'planc-fails', reason: 'moves the host device eth1 into the container; this machine has none (runc 1.1.5 ignores netDevices)' },
  'fixture/proc-attrs': { outcome: 'runc-fails', reason: 'asks for a time namespace, which runc 1.1.5 does not know' },
  'fixture/seccomp-notify': { outcome: 'both-fail', reason: 'no seccomp agent listens on its listenerPath here; both fail to connect' },
};

test('normalise drops only the host\'s own volatile mounts below a recursive bind of a host dir', () => {
  const out = ['== mounts', '/ overlay rw', '/host ext4 rw', '/host/tmp/x tmpfs rw', '/host/run/netns/a nsfs rw',
    '/host/proc proc rw', '/tmp tmpfs rw', '/var/log/host ext4 rw', '== env', '/host/tmp/y'].join('\n');
  const config = { mounts: [
    { destination: '/host', type: 'bind', source: '/', options: ['rbind'] },
    { destination: '/var/log/host', type: 'bind', source: '/var/log', options: ['rbind'] },
  ] };
  expect(normalise(out, '/b', 'leaf', config).split('\n')).toEqual(['== mounts', '/ overlay rw', '/host ext4 rw',
    '/host/proc proc rw', '/tmp tmpfs rw', '/var/log/host ext4 rw', '== env', '/host/tmp/y']);
  expect(normalise('== mounts\n/tmp tmpfs rw\n/b/x <leaf-ish> leaf', '/b', 'leaf', { mounts: [] }))
    .toBe('== mounts\n/tmp tmpfs rw\n<bundle>/x <<leaf>-ish> <leaf>');
});

describeAsRoot('runs real containers', 'corpus configs under planc and runc', () => {
  const entries = corpusEntries();
  let results: CorpusResult[] = [];
  let leftovers: string[] = [];

  beforeAll(async () => {
    ({ results, leftovers } = await runCorpus(entries, { parallel: 2, unique: `corpus-${process.pid}` }));
    console.log(`corpus differential (planc vs runc)\n${formatTable(results)}`);
  }, 110_000 * slowdown);

  afterAll(() => {
    expect(leftovers).toEqual([]);
  });

  test('every listed difference names a config that exists', () => {
    const names = new Set(entries.map((e) => e.name));
    expect(Object.keys(known).filter((k) => !names.has(k))).toEqual([]);
  });

  for (const { name } of entries) {
    const k = known[name];
    test(k ? `${name}: still ${k.outcome} (${k.reason})` : `${name}: same probe output and exit code as runc`, () => {
      const r = results.find((x) => x.name === name);
      expect(r, 'not run').toBeDefined();
      const detail = [r!.firstDiff, r!.firstError, `planc stderr: ${r!.planc.stderr.trim()}`, `runc stderr: ${r!.runc.stderr.trim()}`]
        .filter(Boolean).join('\n');
      if (!k) {
        expect(r!.outcome, detail).toBe('same');
        return;
      }
      expect(r!.outcome, r!.outcome === 'same'
        ? `${name} now runs the same under planc and runc: remove it from the known list`
        : `${name} changed from ${k.outcome}:\n${detail}`).toBe(k.outcome);
    });
  }
});
