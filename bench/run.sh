#!/usr/bin/env bash
# Lifecycle latency, memory and throughput of planc vs runc vs crun (one hyperfine run per scenario,
# same busybox rootfs), plus the in-process planner cost; rewrites docs/perf.md. Usage: bash bench/run.sh
# Cgroups only under /planc-bench/, all removed; host cgroup mounts untouched unless BENCH_MOVE_HUGETLB=1 (see below).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
runs=${RUNS:-40}            # timed runs per command in the latency scenarios
warmup=${WARMUP:-3}
mem_runs=${MEM_RUNS:-15}    # /usr/bin/time samples per runtime
par_workers=${PAR_WORKERS:-8}
par_each=${PAR_EACH:-6}     # containers per worker in one parallel sample
par_runs=${PAR_RUNS:-5}
move_hugetlb=${BENCH_MOVE_HUGETLB:-0}  # 1: let crun run by moving hugetlb for the run (see below)
bun=$repo/node_modules/bun/bin/bun.exe
planc=$repo/bin/planc
declare -A bins=([planc]=$planc [runc]=/usr/sbin/runc [crun]=/usr/bin/crun)
order=(planc runc crun)
tag=$$
work=$(mktemp -d /tmp/planc-bench.XXXXXX)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- crun 1.8 and hybrid hosts ----------------------------------------------------------------
# crun refuses a host whose cgroup2 mount owns a controller (here: hugetlb, which no v1 hierarchy
# has). Binding hugetlb to its own v1 hierarchy for the bench is undone exactly: the hierarchy is
# created here, so its cgroups are ours to remove; once only its root is left, umount destroys it
# and the kernel gives hugetlb back to cgroup2. Done only when cgroup2 has no child using it, and
# only on request: a container that someone else starts meanwhile binds the hierarchy into its own
# mount namespace, and then hugetlb returns to cgroup2 only when that container exits.
hug=/sys/fs/cgroup/hugetlb
hugetlb_moved=0
hugetlb_field() { awk -v f="$1" '$1 == "hugetlb" { print $f }' /proc/cgroups; }
hug_reason=''
detach_hugetlb() { hug_reason=$(hugetlb_refusal) || return 1
  mkdir "$hug" || { hug_reason="mkdir $hug failed"; return 1; }
  if ! mount -t cgroup -o hugetlb cgroup "$hug"; then rmdir "$hug"; hug_reason="mount failed"; return 1; fi
  hugetlb_moved=1
}
# prints why hugetlb must stay where it is, and fails; succeeds silently when moving it is safe
hugetlb_refusal() {
  [ "$move_hugetlb" = 1 ] || { echo "not moved without BENCH_MOVE_HUGETLB=1"; return 1; }
  local uni=/sys/fs/cgroup/unified
  [ -f "$uni/cgroup.controllers" ] || { echo "no cgroup2 mount at $uni"; return 1; }
  grep -qw hugetlb "$uni/cgroup.controllers" || { echo "cgroup2 does not own hugetlb"; return 1; }
  [ "$(hugetlb_field 2)" = 0 ] || { echo "hugetlb is already on a v1 hierarchy"; return 1; }
  if find "$uni" -name cgroup.subtree_control -exec grep -lw hugetlb {} + | grep -q .; then
    echo "a cgroup2 subtree enables hugetlb"; return 1
  fi
  [ ! -e "$hug" ] || { echo "$hug exists"; return 1; }
}
restore_hugetlb() {
  [ "$hugetlb_moved" = 1 ] || return 0
  local i
  for i in $(seq 1 240); do
    if [ "$(hugetlb_field 2)" = 0 ]; then
      if mountpoint -q "$hug"; then umount "$hug"; fi
      rmdir "$hug" 2>/dev/null || true
      grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.controllers && { hugetlb_moved=0; echo "bench: hugetlb given back to cgroup2" >&2; return 0; }
    elif mountpoint -q "$hug"; then
      if [ "$i" -gt 80 ]; then
        # containers started by others during the window still hold cgroups of this hierarchy: move
        # their tasks to its root (their membership elsewhere is untouched; a later rmdir of the
        # vanished path is ENOENT, which teardown treats as done)
        find "$hug" -mindepth 2 -name cgroup.procs -exec cat {} + 2>/dev/null | while read -r pid; do
          echo "$pid" > "$hug/cgroup.procs" 2>/dev/null || true
        done
      fi
      find "$hug" -mindepth 1 -depth -type d -exec rmdir {} \; 2>/dev/null || true
      # removed cgroups linger until their last reference drops; only a bare root dies on umount
      [ "$(hugetlb_field 3)" = 1 ] && umount "$hug"
    elif [ $((i % 10)) = 0 ] && ! grep -qs " cgroup [^ ]*hugetlb" /proc/[0-9]*/mountinfo; then
      # unmounted but alive (a lingering child): mount it again to finish the job
      mkdir -p "$hug" && mount -t cgroup -o hugetlb cgroup "$hug" || true
    fi
    sleep 0.25
  done
  if mountpoint -q "$hug"; then umount "$hug"; fi
  rmdir "$hug" 2>/dev/null || true
  local holders
  holders=$(grep -l " cgroup [^ ]*hugetlb" /proc/[0-9]*/mountinfo 2>/dev/null | cut -d/ -f3 | tr '\n' ' ')
  echo "bench: WARNING: hugetlb is still on its own v1 hierarchy; mounted in the mount namespaces of pids: ${holders:-none} (containers started meanwhile). The kernel gives it back to cgroup2 when they exit; check /proc/cgroups, or retry: bash bench/run.sh --restore-hugetlb" >&2
  return 1
}

# after an interrupted restore: give hugetlb back if a v1 hierarchy of its own still holds it
if [ "${1:-}" = --restore-hugetlb ]; then
  rm -rf "$work"
  [ "$(hugetlb_field 2)" != 0 ] && [ "$(awk '$1 != "hugetlb" && $2 == h' h="$(hugetlb_field 2)" /proc/cgroups)" = "" ] || { echo "hugetlb is not on a v1 hierarchy of its own; nothing to do"; exit 0; }
  hugetlb_moved=1
  restore_hugetlb
  exit $?
fi

cleanup() {
  set +e
  for rt in "${order[@]}"; do
    for st in "$work/$rt/state"/*/; do
      [ -d "$st" ] && "${bins[$rt]}" --root "$work/$rt/state" delete --force "$(basename "$st")" >/dev/null 2>&1
    done
  done
  for st in "$work/profile-state"/*/; do
    [ -d "$st" ] && "$planc" --root "$work/profile-state" delete --force "$(basename "$st")" >/dev/null 2>&1
  done
  for h in /sys/fs/cgroup/*/planc-bench; do
    [ -d "$h" ] || continue
    find "$h" -mindepth 1 -depth -type d -name "*-$tag*" -exec rmdir {} \; 2>/dev/null
    rmdir "$h" 2>/dev/null
  done
  restore_hugetlb
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -x "$planc" ] || { echo "bench: $planc missing; run 'make build'" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "bench: hyperfine missing (apt-get install hyperfine)" >&2; exit 1; }
bash scripts/mkrootfs.sh "$work/rootfs" >/dev/null

# ---- bundles: identical but for args and cgroupsPath, all on the one rootfs ---------------------
mkbundle() { # <dir> <cgroupsPath> <args...>
  mkdir -p "$1"
  node - "$repo/spec-tests/fixtures/default.json" "$1/config.json" "$work/rootfs" "$2" "${@:3}" <<'JS'
const fs = require('node:fs');
const [base, file, rootfs, cgroupsPath, ...args] = process.argv.slice(2);
const c = JSON.parse(fs.readFileSync(base, 'utf8'));
c.process.terminal = false;
c.process.args = args;
c.root.path = rootfs;
c.linux.cgroupsPath = cgroupsPath;
fs.writeFileSync(file, JSON.stringify(c, null, 2) + '\n');
JS
}
for rt in "${order[@]}"; do
  mkdir -p "$work/$rt/state"
  mkbundle "$work/$rt/true" "/planc-bench/$rt-$tag" /bin/true
  mkbundle "$work/$rt/sleep-st" "/planc-bench/$rt-$tag-st" /bin/sleep 1000
  mkbundle "$work/$rt/sleep-kl" "/planc-bench/$rt-$tag-kl" /bin/sleep 1000
  for k in $(seq 1 "$par_workers"); do mkbundle "$work/$rt/par$k" "/planc-bench/$rt-$tag-p$k" /bin/true; done
done

crun_note=''
if detach_hugetlb; then
  crun_note="hugetlb was bound to its own v1 hierarchy at $hug for the duration of the bench (crun 1.8 refuses hybrid hosts whose cgroup2 mount owns a controller) and given back to cgroup2 afterwards; all three runtimes ran with the same host layout."
else
  echo "bench: hugetlb left where it is: $hug_reason" >&2
  owned=$(tr ' ' ',' < /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null || true)
  crun_note="hugetlb not moved ($hug_reason); cgroup2 owned the controllers [${owned}], hugetlb's hierarchy id in /proc/cgroups was $(hugetlb_field 2) (0 = cgroup2)."
fi

lc=$repo/bench/lifecycle.sh
rt_cmd() { echo "${bins[$1]} --root $work/$1/state $2"; }

# a runtime that cannot run the bundle once is reported, not timed
avail=() unavailable=()
for rt in "${order[@]}"; do
  if out=$($(rt_cmd "$rt" "run --bundle $work/$rt/true probe-$tag") </dev/null 2>&1); then
    avail+=("$rt")
  else
    reason=$(printf '%s' "$out" | tail -n 1 | cut -c1-200)
    echo "bench: $rt unavailable: $reason" >&2
    unavailable+=("$rt: $reason")
  fi
done
[ "${#avail[@]}" -gt 0 ] || { echo "bench: no runtime could run the bundle" >&2; exit 1; }

# <scenario> <runs> <per-runtime command template> [<per-runtime prepare template>]; templates use @RT@, @ROOT@, @W@
scenario() {
  local name=$1 tmpl=$3 prep=${4:-} args=(-N --warmup "$warmup" --runs "$2" --export-json "$work/hf-$1.json") rt c p
  for rt in "${avail[@]}"; do
    c=${tmpl//@RT@/${bins[$rt]}}; c=${c//@ROOT@/$work/$rt/state}; c=${c//@W@/$work/$rt}
    if [ -n "$prep" ]; then
      p=${prep//@RT@/${bins[$rt]}}; p=${p//@ROOT@/$work/$rt/state}; p=${p//@W@/$work/$rt}
      args+=(--prepare "$p")
    fi
    args+=(-n "$rt" "$c")
  done
  echo "== $name" >&2
  hyperfine "${args[@]}" </dev/null >&2
}

scenario run "$runs" "@RT@ --root @ROOT@ run --bundle @W@/true run-$tag"
scenario lifecycle "$runs" "bash $lc cycle @RT@ @ROOT@ @W@/true cyc-$tag"
scenario state "$runs" "@RT@ --root @ROOT@ state st-$tag" "bash $lc ensure-running @RT@ @ROOT@ @W@/sleep-st st-$tag"
scenario kill "$runs" "@RT@ --root @ROOT@ kill kl-$tag KILL" "bash $lc running @RT@ @ROOT@ @W@/sleep-kl kl-$tag"
scenario delete "$runs" "@RT@ --root @ROOT@ delete dl-$tag" "bash $lc stopped @RT@ @ROOT@ @W@/true dl-$tag"
scenario parallel "$par_runs" "bash $repo/bench/parallel.sh @RT@ @ROOT@ @W@ $par_workers $par_each"
for rt in "${avail[@]}"; do
  for id in st kl dl; do bash "$lc" remove "${bins[$rt]}" "$work/$rt/state" - "$id-$tag"; done
done

# peak RSS of the runtime's processes (ru_maxrss of the largest one, the container aside) during `run`
echo "== memory" >&2
for i in $(seq 1 "$mem_runs"); do
  for rt in "${avail[@]}"; do
    /usr/bin/time -f "$rt %M" -a -o "$work/maxrss.txt" $(rt_cmd "$rt" "run --bundle $work/$rt/true mem-$tag") </dev/null
  done
done

# where planc's time goes, as separately timed pieces
echo "== components" >&2
comp=(-N --warmup "$warmup" --runs "$runs" --export-json "$work/hf-components.json")
comp+=(-n "bun: empty script" "$bun -e 0")
comp+=(-n "node: empty script" "node -e 0")
# the floor of bin/planc, an executable compiled by bun with bytecode: nothing, and node:fs plus one read
echo '' > "$work/empty.js"
echo 'import { readFileSync } from "node:fs"; readFileSync("/proc/self/stat");' > "$work/fsread.js"
for f in empty fsread; do
  "$bun" build --compile --bytecode --format=esm --no-compile-autoload-dotenv --no-compile-autoload-bunfig \
    "$work/$f.js" --outfile "$work/$f-exe" >/dev/null 2>&1 || true
done
[ -x "$work/empty-exe" ] && comp+=(-n "bun compiled: empty script" "$work/empty-exe")
[ -x "$work/fsread-exe" ] && comp+=(-n "bun compiled: node:fs, read one file" "$work/fsread-exe")
comp+=(-n "planc --version (bun)" "$planc --version")
comp+=(-n "planc state (bun)" "$(rt_cmd planc "state no-such-$tag")")
comp+=(-n "planc plan -b (bun)" "$planc plan -b $work/planc/true --id comp-$tag")
comp+=(-n "planc run (node 20)" "node $repo/build/planc.js --root $work/planc/state run --bundle $work/planc/true comp-$tag")
comp+=(-n "planc run (bun)" "$(rt_cmd planc "run --bundle $work/planc/true comp-$tag")")
hyperfine -i "${comp[@]}" </dev/null >&2

echo "== planner (in-process)" >&2
"$bun" bench/planner.ts --json "$work/planner.json" >&2

echo "== phases (strace)" >&2
if command -v strace >/dev/null; then
  node bench/profile.mjs "$work" "$work/planc/true" "${PROFILE_RUNS:-15}" --json "$work/profile.json" >&2
else
  echo "bench: strace missing (apt-get install strace); phases skipped" >&2
fi

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
printf '%s\n' "${unavailable[@]}" > "$work/unavailable.txt"
node bench/report.mjs "$work" docs/perf.md "runs=$runs warmup=$warmup mem_runs=$mem_runs par=${par_workers}x$par_each par_runs=$par_runs" \
  "$load_before" "$load_after" "$crun_note" "$((par_workers * par_each))"
echo "wrote docs/perf.md" >&2
