// The audit building blocks in-process: pointer -> line/column, placeholder substitution, the
// planner's rule table, and the WIT contract of `validate` (jco bindings vs the glue).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { componentEmbed, componentNew, transpile } from '@bytecodealliance/jco';
import { coreWasm, repo } from '../helpers/env.js';
import { rmTree, tempDir } from '../helpers/bundle.js';
import { locate, locateAll } from '../../orchestrator/src/audit/json-locate.js';
import { substituter } from '../../orchestrator/src/audit/stable.js';
import { loadPlanner, type Planner } from '../../orchestrator/src/planner.js';
import { buildContext } from '../../orchestrator/src/context.js';
import { allConfigs, hostV1 } from './corpus.js';

const host = JSON.parse(fs.readFileSync(hostV1, 'utf8'));
const enc = new TextEncoder();

describe('json-locate', () => {
  const text = '{\n  "a": [1, {"b~/c": "x"}],\n  "s": "q\\"uote",\n  "n": null\n}\n';
  const idx = locateAll(text);
  test('values, escaped keys and array elements', () => {
    expect(locate(idx, '')).toMatchObject({ line: 1, column: 1 });
    expect(locate(idx, '/a')).toMatchObject({ line: 2, column: 8 });
    expect(locate(idx, '/a/1/b~0~1c')).toMatchObject({ line: 2, column: 21 });
    expect(locate(idx, '/n')).toMatchObject({ line: 4, column: 8 });
  });
  test('a missing member falls back to its nearest ancestor', () => {
    expect(locate(idx, '/a/1/missing')).toEqual(locate(idx, '/a/1'));
    expect(locate(idx, '/nope/deeper')).toEqual(locate(idx, ''));
  });
  test('never throws on malformed text', () => {
    expect(() => locateAll('{"a": [1, 2')).not.toThrow();
    expect(locate(locateAll(''), '/x')).toMatchObject({ line: 1, column: 1 });
  });
});

describe('placeholder substitution', () => {
  const sub = substituter({ id: 'c1', bundle: '/srv/b', stateDir: '/run/planc/c1' });
  test('paths at a boundary, the id as a path component or the hook state id', () => {
    expect(sub('/run/planc/c1/exec.fifo')).toBe('<state>/exec.fifo');
    expect(sub('/srv/b/rootfs')).toBe('<bundle>/rootfs');
    expect(sub('/sys/fs/cgroup/memory/c1')).toBe('/sys/fs/cgroup/memory/<id>');
    expect(sub('{"id":"c1","bundle":"/srv/b"}')).toBe('{"id":"<id>","bundle":"<bundle>"}');
  });
  test('never inside a longer name', () => {
    expect(sub('/srv/bin')).toBe('/srv/bin');
    expect(sub('/dev/c10')).toBe('/dev/c10');
    expect(sub('c1')).toBe('c1');
    expect(sub('HOST=c1')).toBe('HOST=c1');
  });
});

describe('the planner exposes its rule tables', () => {
  let planner: Planner;
  beforeAll(async () => { planner = await loadPlanner(coreWasm); });
  test('rules.def as errors, findings.def as warnings and info, ids unique', () => {
    const rules = planner.rules();
    const ids = rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    const def = (f: string): string[] => [...fs.readFileSync(path.join(repo, 'wasm-core', f), 'utf8').matchAll(/^(?:RULE|FINDING)\(\s*\w+,\s*"([^"]+)"/gm)].map((m) => m[1]!);
    expect(ids).toEqual([...def('rules.def'), ...def('findings.def')]);
    expect(rules.find((r) => r.id === 'type')!.severity).toBe('error');
    expect(rules.find((r) => r.id === 'cap-sys-admin')!.severity).toBe('warning');
    expect(rules.find((r) => r.id === 'rootfs-writable')!.severity).toBe('info');
  });
  test('every finding rule id returned by validate is in the table', () => {
    const ids = new Set(planner.rules().map((r) => r.id));
    for (const [, config] of allConfigs()) {
      const ctx = buildContext({ id: 'u', bundle: '/b', stateDir: '/run/planc/u', host, config });
      for (const f of planner.validate(enc.encode(JSON.stringify(config)), ctx)) expect(ids.has(f.rule)).toBe(true);
    }
  });
});

describe('WIT contract of validate', () => {
  let tmp: string;
  let glue: Planner;
  let generated: { validate(c: Uint8Array, x: Uint8Array): { pointer: string; rule: string; severity: string; message: string }[]; rules(): string };
  beforeAll(async () => {
    tmp = tempDir('wit-validate');
    glue = await loadPlanner(coreWasm);
    const embedded = await componentEmbed({
      binary: new Uint8Array(fs.readFileSync(coreWasm)),
      witSource: fs.readFileSync(path.join(repo, 'wasm-core', 'planc.wit'), 'utf8'),
    });
    const { files, imports } = await transpile(await componentNew(embedded), { name: 'planner', noTypescript: true });
    expect(imports).toEqual([]);
    for (const [name, bytes] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(tmp, name)), { recursive: true });
      fs.writeFileSync(path.join(tmp, name), bytes);
    }
    generated = await import(pathToFileURL(path.join(tmp, 'planner.js')).href);
  }, 120_000);
  afterAll(() => rmTree(tmp));
  test('generated bindings and the glue return the same findings for every config', () => {
    for (const [, config] of allConfigs()) {
      const ctx = buildContext({ id: 'w', bundle: '/b', stateDir: '/run/planc/w', host, config });
      const bytes = enc.encode(JSON.stringify(config));
      expect(generated.validate(bytes, ctx)).toEqual(glue.validate(bytes, ctx));
    }
  });
  test('rules() is the same JSON through both', () => {
    expect(JSON.parse(generated.rules()).rules).toEqual(glue.rules());
  });
});
