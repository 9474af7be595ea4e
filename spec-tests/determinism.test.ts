// The planner is a pure function of its input bytes: same bytes → same plan, key order in
// config.json is irrelevant, Node and Bun agree, the module imports nothing, and the .wasm
// rebuilds bit for bit. Never compares against a plan made on another code path.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { coreWasm, fixtures, hostFacts, plancJs, repo, fixtureNames } from './helpers/env.js';
import { makeBundle, readFixture, rmTree, rng, shuffleKeys, tempDir, writeConfig } from './helpers/bundle.js';
import { exec, planc } from './helpers/planc.js';
import { loadPlanner, type Planner } from '../orchestrator/src/planner.js';
import { buildContext } from '../orchestrator/src/context.js';

const enc = new TextEncoder();
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const bunBin = path.join(repo, 'node_modules', '.bin', 'bun');
const names = fixtureNames(fs.readdirSync(fixtures));
const host = JSON.parse(fs.readFileSync(hostFacts, 'utf8'));

describe('planner determinism', () => {
  let planner: Planner;
  let bundle: string;
  const context = (config: unknown) =>
    buildContext({ id: 'det', bundle, stateDir: '/run/planc/det', host, config });
  const planOf = (configText: string) => {
    const r = planner.plan(enc.encode(configText), context(JSON.parse(configText)));
    if (!r.ok) throw new Error(r.errors.map((e) => `${e.pointer}: ${e.message}`).join('\n'));
    return r.plan;
  };

  beforeAll(async () => {
    planner = await loadPlanner(coreWasm);
    bundle = makeBundle(tempDir('det'), readFixture('default'));
  });
  afterAll(() => rmTree(bundle));

  test('the planner module imports nothing', () => {
    const m = new WebAssembly.Module(fs.readFileSync(coreWasm));
    expect(WebAssembly.Module.imports(m)).toEqual([]);
  });

  for (const name of names) {
    test(`${name}: planning twice gives identical bytes`, () => {
      const text = fs.readFileSync(path.join(fixtures, `${name}.json`), 'utf8');
      expect(sha256(planOf(text))).toBe(sha256(planOf(text)));
    });

    test(`${name}: shuffling object keys (seeds 1..4) does not change the plan`, () => {
      const config = readFixture(name);
      const want = sha256(planOf(JSON.stringify(config)));
      for (let seed = 1; seed <= 4; seed++) {
        const shuffled = JSON.stringify(shuffleKeys(config, rng(seed)));
        expect(sha256(planOf(shuffled)), `seed ${seed}`).toBe(want);
      }
    });
  }

  test('whitespace and indentation of config.json do not change the plan', () => {
    const config = readFixture('default');
    expect(sha256(planOf(JSON.stringify(config)))).toBe(sha256(planOf(JSON.stringify(config, null, 7))));
  });

  for (const format of ['text', 'json'] as const) {
    test(`Node, Bun and bin/planc print the same ${format} plan`, () => {
      writeConfig(bundle, readFixture('default'));
      const args = ['plan', '-b', bundle, '--format', format, '--host-facts', hostFacts, '--id', 'det'];
      const viaNode = exec(process.execPath, [plancJs, ...args]);
      const viaBun = exec(bunBin, [plancJs, ...args]);
      const viaBin = planc(args);
      expect(viaNode.code, viaNode.stderr).toBe(0);
      expect(viaBun.code, viaBun.stderr).toBe(0);
      expect(viaBin.code, viaBin.stderr).toBe(0);
      expect(viaBun.stdout).toBe(viaNode.stdout);
      expect(viaBin.stdout).toBe(viaNode.stdout);
    });
  }

  test('the .wasm is byte-reproducible from a copy of wasm-core/', () => {
    const tmp = tempDir('repro');
    try {
      fs.cpSync(path.join(repo, 'wasm-core'), path.join(tmp, 'wasm-core'), { recursive: true });
      execFileSync('make', ['-s', '-C', path.join(tmp, 'wasm-core'), 'wasm', `BUILD=${path.join(tmp, 'build')}`], { stdio: ['ignore', 'ignore', 'pipe'] });
      const rebuilt = fs.readFileSync(path.join(tmp, 'build', 'planc-core.wasm'));
      // the rebuild runs with node_modules/.bin first in PATH (as under npx), the shipped one
      // usually without: a difference means the build reads something from its environment
      expect(sha256(rebuilt), 'wasm-core build is not hermetic (e.g. clang-14 runs any wasm-opt found in PATH)')
        .toBe(sha256(fs.readFileSync(coreWasm)));
    } finally {
      rmTree(tmp);
    }
  }, 120_000);
});
