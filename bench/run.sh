#!/usr/bin/env bash
# Times `run` of /bin/true under planc, runc and crun with one hyperfine invocation on the same
# busybox rootfs, then writes docs/perf.md. Never modifies host mounts; removes its cgroups.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
runs=${RUNS:-30}
warmup=${WARMUP:-3}
work=$(mktemp -d /tmp/planc-bench.XXXXXX)
planc=$repo/bin/planc
declare -A bins=([planc]=$planc [runc]=/usr/sbin/runc [crun]=/usr/bin/crun)
order=(planc runc crun)

cleanup() {
  for h in /sys/fs/cgroup/*/planc-bench /sys/fs/cgroup/unified/planc-bench; do
    [ -d "$h" ] || continue
    for rt in "${order[@]}"; do rmdir "$h/$rt-$$" 2>/dev/null || true; done
    rmdir "$h" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

[ -x "$planc" ] || { echo "bench: $planc missing; run 'make build'" >&2; exit 1; }
bash scripts/mkrootfs.sh "$work/rootfs" >/dev/null

# one bundle per runtime, identical but for cgroupsPath, all on the one rootfs
for rt in "${order[@]}"; do
  mkdir -p "$work/$rt/bundle" "$work/$rt/state"
  node - "$repo/spec-tests/fixtures/default.json" "$work/$rt/bundle/config.json" "$work/rootfs" "/planc-bench/$rt-$$" <<'JS'
const fs = require('node:fs');
const [base, file, rootfs, cgroupsPath] = process.argv.slice(2);
const c = JSON.parse(fs.readFileSync(base, 'utf8'));
c.process.terminal = false;
c.process.args = ['/bin/true'];
c.root.path = rootfs;
c.linux.cgroupsPath = cgroupsPath;
fs.writeFileSync(file, JSON.stringify(c, null, 2) + '\n');
JS
done

cmd_for() { echo "${bins[$1]} --root $work/$1/state run --bundle $work/$1/bundle bench-$1-$$"; }

# a runtime that cannot run the bundle once is reported, not timed (crun 1.8 refuses hybrid
# cgroup hosts whose cgroup2 mount owns controllers; the bench never remounts to help it)
names=() cmds=() unavailable=()
for rt in "${order[@]}"; do
  if out=$($(cmd_for "$rt") </dev/null 2>&1); then
    names+=("$rt"); cmds+=("$(cmd_for "$rt")")
  else
    reason=$(printf '%s' "$out" | tail -n 1 | cut -c1-200)
    echo "bench: $rt unavailable: $reason" >&2
    unavailable+=("$rt: $reason")
  fi
done
[ "${#names[@]}" -gt 0 ] || { echo "bench: no runtime could run the bundle" >&2; exit 1; }

hf_args=(-N --warmup "$warmup" --runs "$runs" --export-json "$work/hyperfine.json")
for i in "${!names[@]}"; do hf_args+=(-n "${names[$i]}" "${cmds[$i]}"); done
hyperfine "${hf_args[@]}" </dev/null

mkdir -p docs
printf '%s\n' "${unavailable[@]}" > "$work/unavailable.txt"
node - "$work/hyperfine.json" "$work/unavailable.txt" docs/perf.md "$runs" "$warmup" <<'JS'
const fs = require('node:fs');
const os = require('node:os');
const { execFileSync } = require('node:child_process');
const [jsonFile, unavailFile, out, runs, warmup] = process.argv.slice(2);
const results = JSON.parse(fs.readFileSync(jsonFile, 'utf8')).results;
const unavailable = fs.readFileSync(unavailFile, 'utf8').split('\n').filter(Boolean);
const ms = (s) => (s * 1000).toFixed(1);
const med = Object.fromEntries(results.map((r) => [r.command, r.median]));
const version = (bin, args) => { try { return execFileSync(bin, args, { encoding: 'utf8' }).split('\n')[0]; } catch { return 'unknown'; } };
const cpu = (fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) || [, 'unknown'])[1];
const lines = [];
lines.push('# Performance: `run` of /bin/true', '');
lines.push('Produced by `bench/run.sh`; do not edit by hand. Re-run with `make build && bash bench/run.sh`', `(RUNS=${runs}, WARMUP=${warmup}; one hyperfine invocation, \`-N\`, same busybox rootfs, each runtime with its own --root and cgroupsPath under /planc-bench/).`, '');
lines.push(`Machine: ${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, kernel ${os.release()}, ${new Date().toISOString().slice(0, 10)}.`);
lines.push(`Versions: ${version('/usr/sbin/runc', ['--version'])}; ${version('/usr/bin/crun', ['--version'])}; ${version('bin/planc', ['--version'])}.`, '');
lines.push('| runtime | median (ms) | mean ± σ (ms) | min (ms) | max (ms) |', '|---|---|---|---|---|');
for (const r of results) lines.push(`| ${r.command} | ${ms(r.median)} | ${ms(r.mean)} ± ${ms(r.stddev ?? 0)} | ${ms(r.min)} | ${ms(r.max)} |`);
lines.push('');
const ratio = (a, b) => (med[a] && med[b] ? `${(med[a] / med[b]).toFixed(2)}×` : 'n/a (' + (med[b] ? a : b) + ' unavailable)');
lines.push(`Ratios of medians: planc/runc = ${ratio('planc', 'runc')}, planc/crun = ${ratio('planc', 'crun')}.`, '');
if (unavailable.length) {
  lines.push('Unavailable on this host (not timed):', '');
  for (const u of unavailable) lines.push(`- ${u}`);
  lines.push('');
}
fs.writeFileSync(out, lines.join('\n'));
for (const r of results) console.log(`${r.command.padEnd(6)} median ${ms(r.median)} ms`);
console.log(`planc/runc ${ratio('planc', 'runc')}   planc/crun ${ratio('planc', 'crun')}`);
JS
echo "wrote docs/perf.md"
