#!/usr/bin/env bash
# Drives one runtime (planc, runc or crun) through containerd's lifecycle steps for bench/run.sh.
# usage: lifecycle.sh cycle|stopped|running|ensure-running|remove <runtime> <root> <bundle> <id>
set -eu
mode=$1 rt=$2 root=$3 bundle=$4 id=$5
pidfile=$root/$id.bench-pid

# init's exit, seen from outside: its /proc entry gone or a zombie (nobody here is its parent)
wait_exit() {
  local pid=$1 st t=''
  while read -r st 2>/dev/null < "/proc/$pid/stat"; do
    st=${st##*) }
    [ "${st:0:1}" = Z ] && break
    # a pipe nobody writes to: read -t is a sleep without forking
    [ -n "$t" ] || exec {t}<> <(:)
    read -r -t 0.0005 -u "$t" || true
  done
}

remove() {
  if [ -e "$root/$id" ]; then "$rt" --root "$root" delete --force "$id" >/dev/null 2>&1 || true; fi
  rm -f "$pidfile"
}

create_start() {
  "$rt" --root "$root" create --bundle "$bundle" --pid-file "$pidfile" "$id" </dev/null
  "$rt" --root "$root" start "$id"
}

case $mode in
  cycle)
    create_start
    wait_exit "$(<"$pidfile")"
    "$rt" --root "$root" delete "$id"
    rm -f "$pidfile" ;;
  stopped) remove; create_start; wait_exit "$(<"$pidfile")" ;;
  running) remove; create_start ;;
  ensure-running) [ -e "$root/$id" ] || create_start ;;
  remove) remove ;;
  *) echo "lifecycle.sh: unknown mode $mode" >&2; exit 2 ;;
esac
