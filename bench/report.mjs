// Writes docs/perf.md from the results bench/run.sh collected in its work dir (hyperfine JSON,
// /usr/bin/time samples, bench/planner.ts output) plus the hand-kept analysis in bench/where-time-goes.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

const [work, out, settings, loadBefore, loadAfter, crunNote, parCount] = process.argv.slice(2);
const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const runtimes = ['planc', 'runc', 'crun'];
const read = (f) => JSON.parse(fs.readFileSync(path.join(work, f), 'utf8'));
const exists = (f) => fs.existsSync(path.join(work, f));
const ms = (s) => (s * 1000).toFixed(1);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}×` : 'n/a');
const version = (bin, args) => { try { return execFileSync(bin, args, { encoding: 'utf8' }).split('\n')[0]; } catch { return 'unknown'; } };
const unavailable = fs.readFileSync(path.join(work, 'unavailable.txt'), 'utf8').split('\n').filter(Boolean);
const medians = (f) => Object.fromEntries(read(f).results.map((r) => [r.command, r]));

const L = [];
const p = (...xs) => L.push(...xs);
p('# Performance: planc vs runc vs crun', '');
p('Produced by `bench/run.sh`; do not edit by hand (the analysis section comes from `bench/where-time-goes.md`).',
  'Reproduce with `make build && bash bench/run.sh` (as root; takes a few minutes).', '');
const cpu = (fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) || [, 'unknown'])[1];
p(`- Machine: ${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, kernel ${os.release()}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`);
p(`- Load average (1/5/15 min) before: ${loadBefore}; after: ${loadAfter}. The machine is shared with builds and test runs, so every figure is a median of many runs; compare ratios taken in the same run rather than absolute times across runs.`);
p(`- Versions: ${version('/usr/sbin/runc', ['--version'])}; ${version('/usr/bin/crun', ['--version'])}; ${version(path.join(repo, 'bin/planc'), ['--version'])} (bun ${version(path.join(repo, 'node_modules/bun/bin/bun.exe'), ['--version'])}); hyperfine ${version('hyperfine', ['--version']).replace('hyperfine ', '')}.`);
p(`- Settings: ${settings}. hyperfine \`-N\`; one busybox rootfs (\`scripts/mkrootfs.sh\`), one bundle per runtime that differs only in \`cgroupsPath\` (under /planc-bench/), each runtime with its own \`--root\`; config = \`spec-tests/fixtures/default.json\` with \`process.args\` = \`/bin/true\` (\`/bin/sleep 1000\` for state and kill).`);
if (crunNote) p(`- Host cgroups: ${crunNote}`);
for (const u of unavailable) p(`- Unavailable, not timed: ${u}`);
p('');

p('## Latency (medians, ms)', '');
p('| scenario | what is timed | planc | runc | crun | planc/runc | planc/crun |', '|---|---|---|---|---|---|---|');
const scen = [
  ['run', '`run` of /bin/true (create, start, wait, delete in one call)'],
  ['lifecycle', 'containerd sequence: `create`, `start`, wait for init to exit, `delete` (`bench/lifecycle.sh cycle`)'],
  ['state', '`state` of a running container'],
  ['kill', '`kill <id> KILL` of a running container (prepared by `--prepare`)'],
  ['delete', '`delete` of a stopped container (prepared by `--prepare`)'],
];
for (const [f, what] of scen) {
  if (!exists(`hf-${f}.json`)) continue;
  const m = medians(`hf-${f}.json`);
  const v = (rt) => (m[rt] ? ms(m[rt].median) : '—');
  p(`| ${f} | ${what} | ${v('planc')} | ${v('runc')} | ${v('crun')} | ${ratio(m.planc?.median, m.runc?.median)} | ${ratio(m.planc?.median, m.crun?.median)} |`);
}
p('', '<details><summary>mean ± σ, min, max (ms)</summary>', '');
p('| scenario | runtime | median | mean ± σ | min | max |', '|---|---|---|---|---|---|');
for (const [f] of scen) {
  if (!exists(`hf-${f}.json`)) continue;
  for (const r of read(`hf-${f}.json`).results) p(`| ${f} | ${r.command} | ${ms(r.median)} | ${ms(r.mean)} ± ${ms(r.stddev ?? 0)} | ${ms(r.min)} | ${ms(r.max)} |`);
}
p('', '</details>', '');

p(`## Throughput: ${parCount} containers of /bin/true, 8 at a time`, '');
p('`bench/parallel.sh`: 8 workers, each running its share of `run` one after another (each worker its own bundle and cgroup).', '');
p('| runtime | wall time, median (s) | containers/s | planc/runtime |', '|---|---|---|---|');
if (exists('hf-parallel.json')) {
  const m = medians('hf-parallel.json');
  for (const rt of runtimes) if (m[rt]) p(`| ${rt} | ${m[rt].median.toFixed(2)} | ${(parCount / m[rt].median).toFixed(1)} | ${rt === 'planc' ? '—' : ratio(m[rt].median, m.planc.median).replace('×', '× the rate')} |`);
}
p('');

p('## Peak memory of the runtime during `run`', '');
p('`/usr/bin/time -f %M`: the largest resident set of any one process of the runtime that the caller waited for (for planc that is the bun process; the shim peaks far lower), median of the samples. The container\'s own process is not the runtime\'s and exits under 1 MiB.', '');
p('| runtime | max RSS, median (MiB) | samples | planc/runtime |', '|---|---|---|---|');
const rss = {};
if (exists('maxrss.txt')) {
  for (const line of fs.readFileSync(path.join(work, 'maxrss.txt'), 'utf8').split('\n')) {
    const mm = line.match(/^(\w+) (\d+)$/);
    if (mm) (rss[mm[1]] ??= []).push(Number(mm[2]));
  }
}
for (const rt of runtimes) if (rss[rt]) p(`| ${rt} | ${(median(rss[rt]) / 1024).toFixed(1)} | ${rss[rt].length} | ${rt === 'planc' ? '—' : ratio(median(rss.planc), median(rss[rt]))} |`);
p('');

if (exists('hf-components.json')) {
  p('## Pieces of a planc invocation (medians, ms)', '');
  p('Timed in the same run as the tables above; differences between rows locate the time (see the analysis below).', '');
  p('| command | median | min |', '|---|---|---|');
  for (const r of read('hf-components.json').results) p(`| ${r.command} | ${ms(r.median)} | ${ms(r.min)} |`);
  p('');
}

if (exists('planner.json')) {
  const j = read('planner.json');
  p('## Planner in process (`bench/planner.ts`)', '');
  p(`${j.engine}; build/planc-core.wasm (${(j.wasmBytes / 1024).toFixed(0)} KiB) compiled once through \`orchestrator/src/planner.ts\`'s \`loadPlanner\`, then \`plan()\` timed repeatedly (each call makes a fresh instance, as the CLI does). Target: default config under 1 ms.`, '');
  p('| config | config bytes | mounts | seccomp names | plan bytes | runs | median (µs) | p10 (µs) | p90 (µs) |', '|---|---|---|---|---|---|---|---|---|');
  for (const r of j.results) p(`| ${r.name} | ${r.configBytes} | ${r.mounts} | ${r.seccompRules} | ${r.planBytes} | ${r.runs} | ${r.medianUs.toFixed(0)} | ${r.p10Us.toFixed(0)} | ${r.p90Us.toFixed(0)} |`);
  p('');
  const d = j.results[0].medianUs;
  p(`Default config: ${d.toFixed(0)} µs per plan — ${d < 1000 ? 'within' : 'over'} the 1 ms target. Of that, a fresh \`WebAssembly.Instance\` alone is ${j.instantiateUs.toFixed(0)} µs.`);
  p(`What one CLI invocation pays instead (fresh process, medians of ${j.coldRuns}): \`WebAssembly.compile\` of the module ${j.compileMs.toFixed(2)} ms, then the first \`plan()\` ${j.firstPlanMs.toFixed(2)} ms (unwarmed code), i.e. ~${(j.compileMs + j.firstPlanMs).toFixed(1)} ms against ${(d / 1000).toFixed(2)} ms warm.`, '');
}

if (exists('profile.json')) {
  const j = read('profile.json');
  p('## Phases of planc invocations (`bench/profile.mjs`)', '');
  p('Each command run under `strace -f --seccomp-bpf -ttt` tracing only marker syscalls (so the figures are a little inflated, the total more than the parts), split at the first marker of each phase; medians per phase. The last block is the same `run` seen from inside the CLI (`bench/marks-preload.mjs`, no strace).', '');
  for (const name of ['run', 'delete', 'state']) {
    const s = j[name];
    if (!s) continue;
    p(`**${name}** (${s.samples} traced runs${s.missed ? `, ${s.missed} not parsed` : ''})`, '', '| phase | median (ms) |', '|---|---|');
    for (const ph of s.phases) p(`| ${ph.label} | ${ph.medianMs.toFixed(2)} |`);
    p('');
  }
  if (j.marks?.length) {
    p('**run, inside the CLI** (ms since the process started; medians)', '', '| event | at (ms) |', '|---|---|');
    for (const m of j.marks) p(`| ${m.label} | ${m.atMs.toFixed(1)} |`);
    p('');
  }
}

const analysis = path.join(repo, 'bench', 'where-time-goes.md');
if (fs.existsSync(analysis)) p(fs.readFileSync(analysis, 'utf8').trimEnd(), '');
fs.writeFileSync(out, L.join('\n'));
