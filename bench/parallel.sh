#!/usr/bin/env bash
# Runs <workers>×<each> containers of /bin/true under one runtime, <workers> at a time, for bench/run.sh.
# usage: parallel.sh <runtime> <root> <bundles-dir> <workers> <each>; bundle k is <bundles-dir>/par<k>
set -eu
rt=$1 root=$2 dir=$3 workers=$4 each=$5
pids=()
for k in $(seq 1 "$workers"); do
  (
    for j in $(seq 1 "$each"); do
      "$rt" --root "$root" run --bundle "$dir/par$k" "par-$k-$j" </dev/null >/dev/null
    done
  ) &
  pids+=($!)
done
fail=0
for p in "${pids[@]}"; do wait "$p" || fail=1; done
exit $fail
