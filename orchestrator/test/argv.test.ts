// Pins the runc flag spellings planc must accept: go-runc's and conmon's exact invocations, Go's
// single-dash long flags, `--x=v`, and global flags after the subcommand. No root needed.
import { describe, expect, it } from 'vitest';
import { normalizeArgv } from '../src/argv.js';
import { defaultRoot } from '../src/globals.js';
import { preservedFdCount } from '../src/launch.js';
import { parseBytes, resourcesFromFlags } from '../src/commands/update.js';
import { parseDuration } from '../src/commands/events.js';
import { FLAGS } from '../src/gen/ops.js';
import { SIGNALS } from '../src/gen/signals.js';
import { parseSignal } from '../src/signals.js';

describe('normalizeArgv', () => {
  it('keeps containerd go-runc create, exec, kill, update and events invocations parseable as they are', () => {
    const create = ['--root', '/run/containerd/runc/k8s.io', '--log', '/x/log.json', '--log-format', 'json', '--systemd-cgroup',
      'create', '--bundle', '/b', '--pid-file', '/b/init.pid', '--console-socket', '/tmp/s', '--no-pivot', '--no-new-keyring', '--preserve-fds', '2', 'c1'];
    expect(normalizeArgv(create)).toEqual(create);
    expect(normalizeArgv(['--root', '/r', '--rootless=false', 'exec', '--process', '/tmp/p.json', '--detach', '--pid-file', '/p', 'c1']))
      .toEqual(['--root', '/r', '--rootless=false', 'exec', '--process', '/tmp/p.json', '--detach', '--pid-file', '/p', 'c1']);
    expect(normalizeArgv(['--root', '/r', 'kill', '--all', 'c1', '9'])).toEqual(['--root', '/r', 'kill', '--all', 'c1', '9']);
    expect(normalizeArgv(['update', '--resources', '-', 'c1'])).toEqual(['update', '--resources', '-', 'c1']);
    expect(normalizeArgv(['events', '--interval=5s', 'c1'])).toEqual(['events', '--interval=5s', 'c1']);
  });

  it('reads Go single-dash long flags as long flags, before and after the subcommand', () => {
    expect(normalizeArgv(['-root', '/r', '-log-format=json', 'state', 'c1'])).toEqual(['--root', '/r', '--log-format=json', 'state', 'c1']);
    expect(normalizeArgv(['create', '-bundle', '/b', '-pid-file=/p', 'c1'])).toEqual(['create', '--bundle', '/b', '--pid-file=/p', 'c1']);
  });

  it('moves global flags given after the subcommand in front of it', () => {
    expect(normalizeArgv(['state', '--root', '/r', 'c1'])).toEqual(['--root', '/r', 'state', 'c1']);
    expect(normalizeArgv(['delete', '-f', '--root=/r', '--debug', 'c1'])).toEqual(['--root=/r', '--debug', 'delete', '-f', 'c1']);
  });

  it('leaves the process arguments of exec and ps alone after the container id', () => {
    expect(normalizeArgv(['exec', '-t', 'c1', 'sh', '-c', '-root'])).toEqual(['exec', '-t', 'c1', 'sh', '-c', '-root']);
    expect(normalizeArgv(['exec', '--cwd', '/tmp', 'c1', 'ls', '--root', 'x'])).toEqual(['exec', '--cwd', '/tmp', 'c1', 'ls', '--root', 'x']);
    expect(normalizeArgv(['ps', 'c1', '-ef'])).toEqual(['ps', 'c1', '-ef']);
  });

  it('keeps spec --rootless as the subcommand\'s own flag', () => {
    expect(normalizeArgv(['spec', '--rootless'])).toEqual(['spec', '--rootless']);
  });
});

describe('signal names', () => {
  it('are flags.def\'s signal table, with or without SIG, in any case, or a plain number', () => {
    expect(SIGNALS).toEqual(FLAGS.signal!.entries);
    for (const [name, n] of FLAGS.signal!.entries) {
      expect([name, parseSignal(name), parseSignal(name.slice(3)), parseSignal(name.toLowerCase())]).toEqual([name, n, n, n]);
    }
    expect(parseSignal('77')).toBe(77);
    expect(() => parseSignal('SIGNOPE')).toThrow('unknown signal "SIGNOPE"');
  });
});

describe('runc defaults and values', () => {
  it('uses /run/planc for root and $XDG_RUNTIME_DIR/planc for other users', () => {
    expect(defaultRoot(0, { XDG_RUNTIME_DIR: '/run/user/0' })).toBe('/run/planc');
    expect(defaultRoot(1000, { XDG_RUNTIME_DIR: '/run/user/1000' })).toBe('/run/user/1000/planc');
    expect(defaultRoot(1000, {})).toBe('/run/planc');
  });

  it('adds $LISTEN_FDS to --preserve-fds only when $LISTEN_PID is this process', () => {
    expect(preservedFdCount({ preserveFds: '2' }, { LISTEN_FDS: '3', LISTEN_PID: '42' }, 42)).toBe(5);
    expect(preservedFdCount({ preserveFds: '2' }, { LISTEN_FDS: '3', LISTEN_PID: '41' }, 42)).toBe(2);
    expect(() => preservedFdCount({ preserveFds: 'x' }, {}, 1)).toThrow(/preserve-fds/);
  });

  it('reads update sizes with 1024-based suffixes and builds only the given resources', () => {
    expect(parseBytes('memory', '100m')).toBe(100 * 1024 * 1024);
    expect(parseBytes('memory-swap', '-1')).toBe(-1);
    expect(() => parseBytes('memory', 'abc')).toThrow(/invalid value for memory/);
    expect(resourcesFromFlags({ memory: '1g', cpuShare: '512', pidsLimit: '10', cpusetCpus: '0' }))
      .toEqual({ memory: { limit: 1024 ** 3 }, cpu: { shares: 512, cpus: '0' }, pids: { limit: 10 } });
  });

  it('reads Go durations for events --interval', () => {
    expect(parseDuration('5s')).toBe(5000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(() => parseDuration('5')).toThrow();
  });
});
