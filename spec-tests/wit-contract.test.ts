// The WIT file is the planner's contract: jco embeds wasm-core/planc.wit into the core module,
// makes a component and generates bindings; those bindings must agree with the hand-written glue
// byte for byte and error for error. Never used at run time, only to check the contract.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { componentEmbed, componentNew, transpile } from '@bytecodealliance/jco';
import { coreWasm, fixtures, hostFacts, repo, fixtureNames } from './helpers/env.js';
import { makeBundle, readFixture, rmTree, tempDir } from './helpers/bundle.js';
import { loadPlanner, type Planner } from '../orchestrator/src/planner.js';
import { buildContext } from '../orchestrator/src/context.js';

const enc = new TextEncoder();
const names = fixtureNames(fs.readdirSync(fixtures));
const host = JSON.parse(fs.readFileSync(hostFacts, 'utf8'));
type Generated = { plan(config: Uint8Array, context: Uint8Array): Uint8Array };

describe('WIT contract (jco component vs hand-written glue)', () => {
  let tmp: string;
  let bundle: string;
  let glue: Planner;
  let generated: Generated;
  const context = (config: unknown) => buildContext({ id: 'wit', bundle, stateDir: '/run/planc/wit', host, config });

  beforeAll(async () => {
    tmp = tempDir('wit');
    bundle = makeBundle(path.join(tmp, 'bundle'), readFixture('default'));
    glue = await loadPlanner(coreWasm);
    const embedded = await componentEmbed({
      binary: new Uint8Array(fs.readFileSync(coreWasm)),
      witSource: fs.readFileSync(path.join(repo, 'wasm-core', 'planc.wit'), 'utf8'),
    });
    const component = await componentNew(embedded);
    const { files, imports } = await transpile(component, { name: 'planner', noTypescript: true });
    // a component that needed any host import would mean the core module is not pure
    expect(imports).toEqual([]);
    const out = path.join(tmp, 'gen');
    for (const [name, bytes] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(out, name)), { recursive: true });
      fs.writeFileSync(path.join(out, name), bytes);
    }
    const mod = await import(pathToFileURL(path.join(out, 'planner.js')).href);
    generated = mod as Generated;
  }, 120_000);
  afterAll(() => rmTree(tmp));

  for (const name of names) {
    test(`${name}: generated bindings return the same plan bytes as the glue`, () => {
      const text = fs.readFileSync(path.join(fixtures, `${name}.json`), 'utf8');
      const ctx = context(JSON.parse(text));
      const viaGlue = glue.plan(enc.encode(text), ctx);
      expect(viaGlue.ok).toBe(true);
      const viaWit = generated.plan(enc.encode(text), ctx);
      expect(Buffer.from(viaWit).equals(Buffer.from((viaGlue as { plan: Uint8Array }).plan))).toBe(true);
    });
  }

  const bad: [string, (c: any) => void][] = [
    ['unknown rlimit', (c) => { c.process.rlimits[0].type = 'RLIMIT_BOGUS'; }],
    ['unknown capability', (c) => { c.process.capabilities.bounding.push('CAP_BOGUS'); }],
    ['relative cwd', (c) => { c.process.cwd = 'tmp'; }],
  ];
  for (const [rule, edit] of bad) {
    test(`${rule}: generated bindings throw the same spec-error list as the glue`, () => {
      const config = readFixture('default');
      edit(config);
      const text = JSON.stringify(config);
      const viaGlue = glue.plan(enc.encode(text), context(config));
      expect(viaGlue.ok).toBe(false);
      let thrown: unknown;
      try { generated.plan(enc.encode(text), context(config)); } catch (e) { thrown = e; }
      // jco maps result::err to a thrown ComponentError whose payload is the err value
      const payload = (thrown as { payload?: unknown })?.payload;
      expect(payload).toEqual((viaGlue as { errors: unknown }).errors);
    });
  }
});
