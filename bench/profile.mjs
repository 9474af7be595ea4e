// Splits planc invocations into phases from syscall timestamps: runs each under
// `strace -f --seccomp-bpf` (only the marker syscalls stop) N times and prints per-phase medians.
// usage: node bench/profile.mjs <work-dir> <bundle> <runs> [--json out.json]; bench/run.sh calls it.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';

const [work, bundle, runsArg] = process.argv.slice(2);
const runs = Number(runsArg || 15);
const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const planc = path.join(repo, 'bin', 'planc');
const root = path.join(work, 'profile-state');
fs.mkdirSync(root, { recursive: true });
const traced = 'execve,execveat,memfd_create,vfork,clone,clone3,wait4,exit_group,mknod,mknodat,mkdir,rmdir,pivot_root,openat,open,rename,unlinkat,write';

// Each phase ends at the first line (after the previous phase's end) matching its pattern.
const phases = {
  run: [
    ['bun boots (runtime, before reading the bundle)', /openat\(AT_FDCWD, "[^"]*\/bin\/planc", O_RDONLY\|O_LARGEFILE\|O_CLOEXEC\)/],
    ['CLI bundle: parse, evaluate, commander, dispatch', /openat\([^"]*"[^"]*\/config\.json", O_RDONLY/],
    ['config read, host facts, context', /openat\([^"]*"[^"]*planc-core\.wasm"/],
    ['planner: wasm compile, plan, decode, digest', /mkdir\("[^"]*\/profile-state\/[^"/]+", /],
    ['state dir: plan.bin, config.json', /vfork\(/],
    ['spawn shim: vfork → execve', /execve\("[^"]*planc-shim"/],
    ['shim: copy itself into a sealed memfd', /execveat\(/],
    ['shim (re-exec\'d): read and decode the plan', /mknod\("[^"]*exec\.fifo"/],
    ['host lane: cgroup mkdir + limits (10 hierarchies)', /clone\(child_stack=NULL, flags=CLONE_NEW/],
    ['clone of init + first cgroup.procs write', /open\("[^"]*\/cgroup\.procs"/, 2],
    ['other cgroup.procs writes, init starts its lane', /mknodat\(/],
    ['container lane: devices, pivot_root, masks, creds', /write\(\d+, "\{\\"type\\":\\"created\\"/],
    ['orchestrator: created → state.json', /rename\("[^"]*state\.json\.tmp/],
    ['start: open exec fifo (in a thread)', /openat\(AT_FDCWD, "[^"]*exec\.fifo", O_RDONLY\|O_LARGEFILE\|O_CLOEXEC\)/],
    ['init execs /bin/true, which exits', /wait4\(\d+, \[\{WIFEXITED/],
    ['teardown lane: rmdir ×10, report', /exit_group\(/],
    ['orchestrator notices the shim exit', /wait4\(\d+, \[\{WIFEXITED[^\n]*ru_utime/],
    ['remove state dir, exit_group', /exit_group\(/],
    ['process teardown (threads, mm)', /^\d+ +[\d.]+ \+\+\+ exited/, 'main'],
  ],
  delete: [
    ['bun boots', /openat\(AT_FDCWD, "[^"]*\/bin\/planc", O_RDONLY\|O_LARGEFILE\|O_CLOEXEC\)/],
    ['CLI bundle: parse, evaluate, dispatch', /openat\([^"]*"[^"]*\/state\.json", O_RDONLY/],
    ['status, read plan', /vfork\(/],
    ['spawn shim: vfork → execve', /execve\("[^"]*planc-shim"/],
    ['shim: sealed memfd re-exec', /execveat\(/],
    ['shim: read + decode plan', /rmdir\(/],
    ['teardown lane: rmdir ×10', /exit_group\(/],
    ['orchestrator notices the shim exit', /wait4\(\d+, \[\{WIFEXITED[^\n]*ru_utime/],
    ['remove state dir, exit_group', /exit_group\(/],
    ['process teardown', /^\d+ +[\d.]+ \+\+\+ exited/, 'main'],
  ],
  state: [
    ['bun boots', /openat\(AT_FDCWD, "[^"]*\/bin\/planc", O_RDONLY\|O_LARGEFILE\|O_CLOEXEC\)/],
    ['CLI bundle: parse, evaluate, dispatch', /openat\([^"]*"[^"]*\/state\.json", O_RDONLY/],
    ['status, print', /exit_group\(/],
    ['process teardown', /^\d+ +[\d.]+ \+\+\+ exited/, 'main'],
  ],
};

function trace(args, out) {
  const r = spawnSync('strace', ['-f', '--seccomp-bpf', '-ttt', '-e', `trace=${traced}`, '-o', out, planc, ...args], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`planc ${args.join(' ')}: ${r.stderr}`);
  return fs.readFileSync(out, 'utf8').split('\n').filter(Boolean);
}

function split(lines, list) {
  const t = (l) => Number(l.split(/ +/)[1]);
  const mainPid = lines[0].split(/ +/)[0];
  const out = [];
  let i = 0;
  let prev = t(lines[0]);
  for (const [label, re, opt] of list) {
    let need = typeof opt === 'number' ? opt : 1;
    let j = i;
    for (; j < lines.length; j++) {
      if (opt === 'main' && !lines[j].startsWith(mainPid + ' ')) continue;
      if (re.test(lines[j]) && --need === 0) break;
    }
    if (j >= lines.length) { if (process.env.PROFILE_VERBOSE) console.error(`unmatched: ${label}`); return null; }
    out.push([label, (t(lines[j]) - prev) * 1000]);
    prev = t(lines[j]);
    i = j + 1;
  }
  out.push(['total (traced)', (prev - t(lines[0])) * 1000]);
  return out;
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const results = {};
const add = (name, parts) => {
  const r = (results[name] ??= { samples: {}, order: [], missed: 0 });
  if (!parts) { r.missed++; return; }
  for (const [label, v] of parts) { if (!r.samples[label]) { r.samples[label] = []; r.order.push(label); } r.samples[label].push(v); }
};
const pidFile = path.join(work, 'profile.pid');
for (let n = 0; n < runs; n++) {
  add('run', split(trace(['--root', root, 'run', '--bundle', bundle, 'prof-run'], path.join(work, 'trace-run.txt')), phases.run));
  // a stopped container for delete, a running one for state
  execFileSync(planc, ['--root', root, 'create', '--bundle', bundle, '--pid-file', pidFile, 'prof-del'], { stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync(planc, ['--root', root, 'start', 'prof-del'], { stdio: 'ignore' });
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  for (let k = 0; k < 500 && fs.existsSync(`/proc/${pid}`) && !/\) [ZX]/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')); k++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
  add('state', split(trace(['--root', root, 'state', 'prof-del'], path.join(work, 'trace-state.txt')), phases.state));
  add('delete', split(trace(['--root', root, 'delete', 'prof-del'], path.join(work, 'trace-del.txt')), phases.delete));
}

// the same `run` seen from inside the CLI: bench/marks-preload.mjs timestamps (ms since process start)
const bun = path.join(repo, 'node_modules', 'bun', 'bin', 'bun.exe');
const marks = {};
const markOrder = [];
for (let n = 0; n < runs; n++) {
  const out = path.join(work, 'marks.json');
  const r = spawnSync(bun, ['--preload', path.join(repo, 'bench', 'marks-preload.mjs'), path.join(repo, 'build', 'planc.js'), '--root', root, 'run', '--bundle', bundle, 'prof-marks'],
    { stdio: 'ignore', env: { ...process.env, PLANC_BENCH_MARKS: out } });
  if (r.status !== 0 || !fs.existsSync(out)) continue;
  for (const [label, t] of JSON.parse(fs.readFileSync(out, 'utf8'))) {
    if (!marks[label]) { marks[label] = []; markOrder.push(label); }
    marks[label].push(t);
  }
  fs.rmSync(out);
}

const summary = {};
for (const [name, r] of Object.entries(results)) {
  summary[name] = { samples: r.order.length ? r.samples[r.order[0]].length : 0, missed: r.missed, phases: r.order.map((label) => ({ label, medianMs: median(r.samples[label]) })) };
}
summary.marks = markOrder.map((label) => ({ label, atMs: median(marks[label]), samples: marks[label].length })).sort((a, b) => a.atMs - b.atMs);
const j = process.argv.indexOf('--json');
if (j > 0) fs.writeFileSync(process.argv[j + 1], JSON.stringify(summary, null, 2) + '\n');
for (const [name, s] of Object.entries(summary)) {
  if (name === 'marks') { console.log('run, inside the CLI (ms since start)'); for (const m of s) console.log(`  ${m.atMs.toFixed(2).padStart(7)} ms  ${m.label}`); continue; }
  console.log(`${name} (${s.samples} traced runs${s.missed ? `, ${s.missed} unparsed` : ''})`);
  for (const p of s.phases) console.log(`  ${p.medianMs.toFixed(2).padStart(7)} ms  ${p.label}`);
}
