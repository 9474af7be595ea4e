// Runs the planner's own checks (`make -C wasm-core test`) as part of the suite, so a planner
// regression fails `make test`: the unit checks (ASan+UBSan), the findings checks, the golden
// plans and errors, one failing fixture per rule, the wasm/native agreement and the README's
// rule table. Never re-implements those checks here.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { build, repo } from './helpers/env.js';

const clang = fs.existsSync('/usr/bin/clang-14');

describe.skipIf(!clang)(`the planner's own suite${clang ? '' : ' (skipped: needs clang-14)'}`, () => {
  test('make -C wasm-core test passes every part', () => {
    const r = spawnSync('make', ['-s', '-C', path.join(repo, 'wasm-core'), `BUILD=${build}`, 'test'], { encoding: 'utf8', timeout: 300_000 });
    const out = r.stdout + r.stderr;
    if (r.status !== 0) console.error(out.slice(-4000));
    expect(r.status).toBe(0);
    for (const part of ['unit: all checks passed', 'findings: all checks passed', 'golden: all checks passed']) expect(out).toContain(part);
  }, 300_000);
});
