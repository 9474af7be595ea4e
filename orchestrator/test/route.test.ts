// Pins the engine fast path (route.ts) to commander (program.ts): for every invocation the fast path
// takes, each command must get the same arguments, options and globals as commander would give it;
// anything else is left to commander. The command modules are replaced by recorders.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';

// --log is opened as runc opens it, so it must be a path that can be
const logFile = join(mkdtempSync(join(tmpdir(), 'planc-route-')), 'log.json');

const calls: unknown[][] = [];
const recorder = (name: string) => async (...args: unknown[]) => { calls.push([name, ...args]); return 0; };
vi.mock('../src/commands/create.js', () => ({ createCommand: recorder('create') }));
vi.mock('../src/commands/run.js', () => ({ runCommand: recorder('run') }));
vi.mock('../src/commands/start.js', () => ({ startCommand: recorder('start') }));
vi.mock('../src/commands/state.js', () => ({ stateCommand: recorder('state') }));
vi.mock('../src/commands/kill.js', () => ({ killCommand: recorder('kill') }));
vi.mock('../src/commands/delete.js', () => ({ deleteCommand: recorder('delete') }));

const { normalizeArgv } = await import('../src/argv.js');
const { globalsFrom } = await import('../src/globals.js');
const { fastRoute } = await import('../src/route.js');
const { runProgram } = await import('../src/program.js');

async function viaFastPath(argv: string[]): Promise<unknown[][] | null> {
  calls.length = 0;
  const r = fastRoute(normalizeArgv(argv));
  if (!r) return null;
  expect(await r.run(globalsFrom(r.opts))).toBe(0);
  return [...calls];
}

async function viaCommander(argv: string[]): Promise<unknown[][]> {
  calls.length = 0;
  expect(await runProgram(normalizeArgv(argv))).toBe(0);
  return [...calls];
}

const engineCalls: string[][] = [
  ['--root', '/r', 'state', 'c1'],
  ['state', 'c1', '--root=/r'],
  ['-root', '/r', '-log-format=json', 'state', 'c1'],
  ['--root', '/run/containerd/runc/k8s.io', '--log', logFile, '--log-format', 'json', '--systemd-cgroup',
    'create', '--bundle', '/b', '--pid-file', '/b/init.pid', '--console-socket', '/tmp/s', '--no-pivot', '--no-new-keyring', '--preserve-fds', '2', 'c1'],
  ['create', '-b', '/b', 'c1'],
  ['create', '--bundle=/b', '--plan-digest', 'sha256:00', '--pinned-plan', '/p.json', 'c1'],
  ['create', '-bundle', '/b', '-pid-file=/p', 'c1'],
  ['--debug', '--criu', '/c', '--rootless', 'true', 'start', 'c1'],
  ['kill', 'c1'],
  ['kill', 'c1', 'KILL'],
  ['--root', '/r', 'kill', '--all', 'c1', '9'],
  ['kill', '-a', 'c1', 'SIGTERM'],
  ['delete', 'c1'],
  ['delete', '-f', '--root=/r', '--debug', 'c1'],
  ['delete', '--force', 'c1'],
  ['run', 'c1'],
  ['run', '-b', '/b', '-d', 'c1'],
  ['run', '--bundle', '/b', '--detach', '--keep', '--no-subreaper', '--no-pivot', '--pid-file', '/p', 'c1'],
  ['--log', '/l', 'run', '--console-socket=/s', '--preserve-fds=1', '--pidfd-socket', '/q', '--no-new-keyring', 'c1'],
];

// left to commander: help, unknown or value-less flags, missing or extra arguments, combined short flags
const notFast: string[][] = [
  ['state'], ['state', 'a', 'b'], ['state', '--help', 'c1'], ['kill', 'c1', '9', 'x'], ['create', '--bogus', 'c1'],
  ['create', '--bundle', 'c1'], ['run', '-db', '/b', 'c1'], ['run', '--detach=1', 'c1'], ['delete', '-ff', 'c1'],
  ['--root', 'state', 'c1'], ['--bogus', 'state', 'c1'], ['list'], ['exec', 'c1', 'ls'], ['state', '--', 'c1'],
];

describe('engine fast path', () => {
  beforeEach(() => { calls.length = 0; });
  for (const argv of engineCalls) {
    it(`takes ${argv.join(' ')} as commander would`, async () => {
      const fast = await viaFastPath(argv);
      expect(fast).not.toBeNull();
      expect(fast).toHaveLength(1);
      expect(fast).toEqual(await viaCommander(argv));
    });
  }
  for (const argv of notFast) {
    it(`leaves ${JSON.stringify(argv)} to commander`, () => {
      expect(fastRoute(normalizeArgv(argv))).toBeNull();
    });
  }
});
