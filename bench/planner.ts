// In-process planner cost: loads build/planc-core.wasm once through orchestrator/src/planner.ts and
// times plan() for the default config and a large one (hundreds of mounts, a Docker-sized seccomp
// profile). Run with bun: `bun bench/planner.ts [--json out.json]`; bench/run.sh does this.
import { readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildContext } from '../orchestrator/src/context.js';
import type { HostFacts } from '../orchestrator/src/facts.js';
import { loadPlanner } from '../orchestrator/src/planner.js';

declare const Bun: { version: string } | undefined;
const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const wasm = join(repo, 'build', 'planc-core.wasm');
const host = JSON.parse(readFileSync(join(repo, 'spec-tests', 'fixtures', 'host-v1.json'), 'utf8')) as HostFacts;
const now = (): number => performance.now();
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

const pct = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))];

type Config = Record<string, any>;
function defaultConfig(): Config {
  const c = JSON.parse(readFileSync(join(repo, 'spec-tests', 'fixtures', 'default.json'), 'utf8'));
  c.root.path = '/nonexistent-bench-rootfs';
  c.linux.cgroupsPath = '/planc-bench/planner';
  return c;
}
function largeConfig(mounts: number): Config {
  const c = defaultConfig();
  for (let i = 0; i < mounts; i++) {
    c.mounts.push(i % 3 === 2
      ? { destination: `/scratch/t${i}`, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=755', 'size=1m'] }
      : { destination: `/data/vol${i}`, type: 'bind', source: `/srv/volumes/vol${i}`, options: ['rbind', i % 2 ? 'ro' : 'rw', 'nosuid', 'nodev'] });
  }
  c.linux.seccomp = JSON.parse(readFileSync(join(repo, 'bench', 'fixtures', 'seccomp-docker-like.json'), 'utf8'));
  for (let i = 0; i < 40; i++) c.process.env.push(`VAR_${i}=${'x'.repeat(40)}`);
  c.linux.maskedPaths.push(...Array.from({ length: 30 }, (_, i) => `/proc/masked${i}`));
  return c;
}

const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));
const ctx = (c: Config): Uint8Array => buildContext({ id: 'bench', bundle: '/nonexistent-bench-bundle', stateDir: '/run/planc/bench', host, config: c });

// --cold: one fresh process's compile + first plan, as a CLI invocation pays them
if (process.argv.includes('--cold')) {
  const c = defaultConfig();
  const config = enc(c); const context = ctx(c);
  const t0 = now();
  const planner = await loadPlanner(wasm);
  const t1 = now();
  const r = planner.plan(config, context);
  const t2 = now();
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  process.stdout.write(JSON.stringify({ loadMs: t1 - t0, firstPlanMs: t2 - t1 }) + '\n');
  process.exit(0);
}

const planner = await loadPlanner(wasm);
function timePlans(name: string, c: Config, n: number): Record<string, number | string> {
  const config = enc(c); const context = ctx(c);
  const first = planner.plan(config, context);
  if (!first.ok) throw new Error(`${name}: ${JSON.stringify(first.errors.slice(0, 3))}`);
  for (let i = 0; i < Math.min(50, n); i++) planner.plan(config, context);
  const us: number[] = [];
  for (let i = 0; i < n; i++) { const t = now(); planner.plan(config, context); us.push((now() - t) * 1000); }
  return {
    name, runs: n, configBytes: config.length, planBytes: first.plan.length,
    mounts: (c.mounts as unknown[]).length, seccompRules: c.linux.seccomp ? (c.linux.seccomp.syscalls as { names: string[] }[]).reduce((a, s) => a + s.names.length, 0) : 0,
    medianUs: median(us), p10Us: pct(us, 0.1), p90Us: pct(us, 0.9),
  };
}
const runs = Number(process.env.PLANNER_RUNS ?? 2000);
// the share of a plan() that is only the fresh instance it makes (memory and data segments)
const module = await WebAssembly.compile(readFileSync(wasm));
const inst: number[] = [];
for (let i = 0; i < runs; i++) { const t = now(); new WebAssembly.Instance(module, {}); inst.push((now() - t) * 1000); }
const results = [timePlans('default', defaultConfig(), runs), timePlans('large (300 mounts, Docker-like seccomp)', largeConfig(300), Math.max(50, runs >> 3))];

const coldRuns = Number(process.env.PLANNER_COLD_RUNS ?? 15);
const cold: { loadMs: number; firstPlanMs: number }[] = [];
for (let i = 0; i < coldRuns; i++) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--cold'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  cold.push(JSON.parse(r.stdout));
}
const out = {
  engine: typeof Bun !== 'undefined' && Bun ? `bun ${Bun.version}` : `node ${process.version}`,
  wasmBytes: readFileSync(wasm).length,
  instantiateUs: median(inst),
  compileMs: median(cold.map((x) => x.loadMs)), firstPlanMs: median(cold.map((x) => x.firstPlanMs)), coldRuns,
  results,
};
const j = process.argv.indexOf('--json');
if (j > 0) writeFileSync(process.argv[j + 1], JSON.stringify(out, null, 2) + '\n');
for (const r of results) console.log(`${String(r.name).padEnd(42)} median ${(r.medianUs as number).toFixed(0)} µs  (p90 ${(r.p90Us as number).toFixed(0)} µs, plan ${r.planBytes} B)`);
console.log(`fresh instance alone: median ${out.instantiateUs.toFixed(0)} µs`);
console.log(`cold: compile ${out.compileMs.toFixed(2)} ms, first plan ${out.firstPlanMs.toFixed(2)} ms (medians of ${coldRuns} processes, ${out.engine})`);
