// Runs the shim's own test script (native-shim/test/run.sh) as part of the suite, so a shim
// regression fails `make test`. Never re-implements those checks here.
import { test, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describeAsRoot, repo } from './helpers/env.js';

describeAsRoot('the shim applies plans to the real kernel', 'native-shim/test/run.sh', () => {
  test('native-shim/test/run.sh exits 0', () => {
    const r = spawnSync('bash', [path.join(repo, 'native-shim', 'test', 'run.sh')], {
      cwd: repo, encoding: 'utf8', input: '', timeout: 300_000, env: { ...process.env, BUILD: path.join(repo, 'build') },
    });
    if (r.status !== 0) console.error(r.stdout.slice(-4000), r.stderr.slice(-4000));
    expect(r.status).toBe(0);
  }, 300_000);
});
