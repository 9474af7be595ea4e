// The shim's C decoder and the TypeScript decoder read the same plan bytes the same way, op by
// op and argument by argument. Never compares a rendering: only decoded values.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { coreWasm, fixtures, hostFacts, shimBin, fixtureNames } from './helpers/env.js';
import { makeBundle, readFixture, rmTree, tempDir } from './helpers/bundle.js';
import { loadPlanner, type Planner } from '../orchestrator/src/planner.js';
import { buildContext } from '../orchestrator/src/context.js';
import { decodePlan, encodePlan } from '../orchestrator/src/plan/decode.js';

const enc = new TextEncoder();
const names = fixtureNames(fs.readdirSync(fixtures));
const host = JSON.parse(fs.readFileSync(hostFacts, 'utf8'));

/** One value in a form both decoders can be compared in: numbers as decimal strings, bytes as hex. */
function norm(v: unknown): unknown {
  if (typeof v === 'bigint' || typeof v === 'number') return String(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (Array.isArray(v)) return v.map(norm);
  return v;
}

// u64 values (RLIM_INFINITY, capability sets) exceed 2^53: keep long integers as strings.
function parseExact(line: string): any {
  return JSON.parse(line.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g, '$1"$2"'));
}

/** `planc-shim decode 3` with the plan on fd 3. */
function shimDecode(dir: string, bytes: Uint8Array): { code: number | null; lines: string[]; stderr: string } {
  const file = path.join(dir, 'plan.bin');
  fs.writeFileSync(file, bytes);
  const fd = fs.openSync(file, 'r');
  try {
    const r = spawnSync(shimBin, ['decode', '3'], { stdio: ['ignore', 'pipe', 'pipe', fd], encoding: 'utf8', timeout: 20_000 });
    if (r.error) throw r.error;
    return { code: r.status, lines: r.stdout.split('\n').filter(Boolean), stderr: r.stderr };
  } finally {
    fs.closeSync(fd);
  }
}

describe('shim and TypeScript decoders agree', () => {
  let planner: Planner;
  let tmp: string;
  let bundle: string;
  const planOf = (name: string) => {
    const config = readFixture(name);
    const r = planner.plan(enc.encode(JSON.stringify(config)),
      buildContext({ id: 'golden', bundle, stateDir: '/run/planc/golden', host, config }));
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return r.plan;
  };

  beforeAll(async () => {
    planner = await loadPlanner(coreWasm);
    tmp = tempDir('decode');
    bundle = makeBundle(path.join(tmp, 'bundle'), readFixture('default'));
  });
  afterAll(() => rmTree(tmp));

  for (const name of names) {
    test(`${name}: every op decodes to the same lane, op, why and args`, () => {
      const bytes = planOf(name);
      const ts = decodePlan(bytes).map((o) => ({ index: String(o.index), lane: o.lane, op: o.op, why: o.why, args: Object.values(o.args).map(norm) }));
      const r = shimDecode(tmp, bytes);
      expect(r.code, r.stderr).toBe(0);
      const shim = r.lines.map(parseExact).map((o) => ({ index: String(o.index), lane: o.lane, op: o.op, why: o.why, args: o.args.map(norm) }));
      expect(shim).toEqual(ts);
    });
  }

  test('both decoders refuse a plan with trailing bytes', () => {
    const bytes = planOf('default');
    const bad = new Uint8Array(bytes.length + 1);
    bad.set(bytes);
    expect(() => decodePlan(bad)).toThrow();
    expect(shimDecode(tmp, bad).code).not.toBe(0);
  });

  test('both decoders refuse a truncated plan', () => {
    const bytes = planOf('default').slice(0, -3);
    expect(() => decodePlan(bytes)).toThrow();
    expect(shimDecode(tmp, bytes).code).not.toBe(0);
  });

  test('the TypeScript encoder reproduces the planner bytes from the decoded ops', () => {
    const bytes = planOf('default');
    expect(Buffer.from(encodePlan(decodePlan(bytes))).equals(Buffer.from(bytes))).toBe(true);
  });
});
