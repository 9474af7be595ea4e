#!/usr/bin/env bash
# run.sh — golden checks of the native planner: rendered plans for fixed configs and
# contexts, and the full error list of a bad config. UPDATE=1 rewrites the goldens.
# Never touches anything outside test/golden and a temp dir.
set -euo pipefail
build=${1:?usage: run.sh <build-dir>}
here=$(cd "$(dirname "$0")" && pwd)
tool="$build/planc-plan-native"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0

check() {  # name, command...
  local name=$1; shift
  "$@" >"$tmp/$name" 2>&1 || true
  if [ "${UPDATE:-}" = 1 ]; then cp "$tmp/$name" "$here/golden/$name"; return; fi
  if ! diff -u "$here/golden/$name" "$tmp/$name"; then echo "golden $name differs"; fail=1; fi
}

check default-hybrid.txt "$tool" --text "$here/fixtures/default.json" "$here/fixtures/context-hybrid.json"
check full-hybrid.txt    "$tool" --text "$here/fixtures/full.json"    "$here/fixtures/context-hybrid.json"
check full-v2.txt        "$tool" --text "$here/fixtures/full.json"    "$here/fixtures/context-v2.json"
# a user namespace without a cgroup namespace: cgroup2 cannot be mounted there, it is bound
check userns-v2.txt      "$tool" --text "$here/fixtures/userns.json"  "$here/fixtures/context-v2.json"
check errors.txt         "$tool"        "$here/fixtures/errors.json"  "$here/fixtures/context-hybrid.json"
# the lifecycle: console, hooks, preserved fds, exec, pause/resume, update (context "action")
fx=$here/fixtures
check terminal-socket.txt "$tool" --text "$fx/terminal.json"     "$fx/context-console-socket.json"
check terminal-proxy.txt  "$tool" --text "$fx/terminal.json"     "$fx/context-console-proxy.json"
check hooks.txt           "$tool" --text "$fx/hooks.json"        "$fx/context-hooks.json"
check preserve-fds.txt    "$tool" --text "$fx/default.json"      "$fx/context-preserve-fds.json"
check exec-tty.txt        "$tool" --text "$fx/exec-process.json" "$fx/context-exec.json"
check exec-v2.txt         "$tool" --text "$fx/exec-plain.json"   "$fx/context-exec-v2.json"
check exec-attrs.txt      "$tool" --text "$fx/exec-attrs.json"   "$fx/context-exec-attrs.json"
check pause-hybrid.txt    "$tool" --text "$fx/default.json"      "$fx/context-pause-hybrid.json"
check pause-v2.txt        "$tool" --text "$fx/default.json"      "$fx/context-pause-v2.json"
check resume-hybrid.txt   "$tool" --text "$fx/default.json"      "$fx/context-resume-hybrid.json"
check resume-v2.txt       "$tool" --text "$fx/default.json"      "$fx/context-resume-v2.json"
check update-hybrid.txt   "$tool" --text "$fx/update.json"       "$fx/context-update-hybrid.json"
check update-v2.txt       "$tool" --text "$fx/update.json"       "$fx/context-update-v2.json"
# resources with lists and maps: blockIO devices, hugepageLimits, unified (v2 only)
check resources-v1.txt     "$tool" --text "$fx/resources.json"        "$fx/context-v1-hugetlb.json"
check resources-v2.txt     "$tool" --text "$fx/resources-v2.json"     "$fx/context-v2-all.json"
check resources-errors.txt "$tool"        "$fx/resources-errors.json" "$fx/context-v2-all.json"
# the systemd cgroup driver: the unit in the caller lane, bound to sync_caller CALLER_CGROUP_UNIT
check systemd-v2.txt      "$tool" --text "$fx/systemd.json"      "$fx/context-systemd-v2.json"
check systemd-hybrid.txt  "$tool" --text "$fx/systemd-default.json" "$fx/context-systemd-hybrid.json"
check systemd-update-v2.txt "$tool" --text "$fx/update.json"     "$fx/context-update-systemd-v2.json"
systemd_errors() {  # cgroupsPath values and annotations runc refuses, each with its error
  local p
  for p in 'a:b' 'a:b:c:d' 'system:x:y' 'system.slice/x.slice:p:n' '-system.slice:p:n' 'a--b.slice:p:n' 'a-.slice:p:n' \
           '.slice:p:n' 'system.slice:p/q:n' 'system.slice:p:..' 'system.slice::n' '-.slice:p:n' ':p:n' 'machine-a-b.slice:p:n.slice'; do
    echo "== $p"
    sed "s|\"cgroupsPath\": \"[^\"]*\"|\"cgroupsPath\": \"$p\"|" "$fx/default.json" >"$tmp/sd.json"
    grep -q '"cgroupsPath"' "$tmp/sd.json" || sed -i 's|"linux": {|"linux": {"cgroupsPath": "'"$p"'",|' "$tmp/sd.json"
    "$tool" --text "$tmp/sd.json" "$fx/context-systemd-hybrid.json" 2>&1 | grep -E 'cgroups-path|systemd_start_unit|/sys/fs/cgroup/memory[^"]*"' | head -2 || true
  done
  for a in '"org.systemd.property.X": "1"' '"org.systemd.property.Foo1": "1"' '"org.systemd.property.TimeoutStopSec": "-1"' \
           '"org.systemd.property.CollectMode": "unquoted"' '"org.systemd.property.After": "[\\"a\\" \\"b\\"]"'; do
    echo "== $a"
    sed 's|"ociVersion"|"annotations": {'"$a"'}, "ociVersion"|; s|"/planc-test/probe1"|"system.slice:p:n"|' "$fx/default.json" >"$tmp/sd.json"
    "$tool" --text "$tmp/sd.json" "$fx/context-systemd-hybrid.json" 2>&1 | grep -E '\[' | head -2 || true
  done
}
check systemd-errors.txt systemd_errors

# errors point into the document the action plans from (process.json, the resources) and
# broken lifecycle contexts are the orchestrator's errors, pointing into the context
check exec-errors.txt   "$tool" "$fx/exec-errors.json"   "$fx/context-exec-v2.json"
check update-errors.txt "$tool" "$fx/update-errors.json" "$fx/context-update-hybrid.json"
context_errors() {
  local host='"host":{"cgroup":{"v1":[],"unified":"/sys/fs/cgroup","unified_controllers":[]}}'
  local base='"id":"c","bundle":"/b","state_dir":"/run/planc/c"'
  local c
  for c in \
    "{$base,\"action\":\"checkpoint\",$host}" \
    "{$base,\"action\":\"exec\",$host}" \
    "{$base,\"action\":\"exec\",\"container\":{\"pid\":0,\"config\":{\"linux\":{\"namespaces\":[{\"type\":\"pid\"}]}}},$host}" \
    "{$base,\"options\":{\"console_socket\":\"rel.sock\",\"preserve_fds\":-1},$host}" \
    "{$base,\"options\":{\"console_socket\":\"/a.sock\",\"console_proxy\":\"/b.sock\"},$host}" \
    "{$base,\"action\":\"pause\",\"host\":{\"cgroup\":{\"v1\":[{\"mount\":\"/sys/fs/cgroup/cpu\",\"controllers\":[\"cpu\"]}],\"unified\":null}}}"; do
    echo "$c" >"$tmp/ctx.json"
    echo "== $c"
    "$tool" "$fx/default.json" "$tmp/ctx.json" 2>&1 >/dev/null || true
  done
}
check context-errors.txt context_errors

# the bytes of a plan do not depend on which directory the planner ran from
a=$("$tool" "$here/fixtures/default.json" "$here/fixtures/context-hybrid.json" | sha256sum)
b=$(cd / && "$tool" "$here/fixtures/default.json" "$here/fixtures/context-hybrid.json" | sha256sum)
[ "$a" = "$b" ] || { echo "plan depends on the working directory"; fail=1; }

if [ -f "$build/planc-core.wasm" ] && command -v node >/dev/null; then
  node "$here/abi_check.mjs" "$build/planc-core.wasm" "$here/fixtures/default.json" "$here/fixtures/context-hybrid.json" >"$tmp/abi" || { cat "$tmp/abi"; fail=1; }
  # the wasm planner and the native one produce the same bytes
  w=$(head -1 "$tmp/abi" | sed 's/^ok sha256://')
  n=$("$tool" "$here/fixtures/default.json" "$here/fixtures/context-hybrid.json" | sha256sum | cut -d' ' -f1)
  [ "$w" = "$n" ] || { echo "wasm plan $w != native plan $n"; fail=1; }
  # the same for the lifecycle plans (host-only actions have no error case abi_check can use)
  for pair in "hooks context-hooks" "terminal context-console-proxy" "exec-process context-exec"; do
    set -- $pair
    w=$(node "$here/abi_check.mjs" "$build/planc-core.wasm" "$fx/$1.json" "$fx/$2.json" | head -1 | sed 's/^ok sha256://')
    n=$("$tool" "$fx/$1.json" "$fx/$2.json" | sha256sum | cut -d' ' -f1)
    [ "$w" = "$n" ] || { echo "wasm plan $w != native plan $n for $1 $2"; fail=1; }
  done
fi
# one fixture per rule: it fails with exactly that rule (rules/<rule-id>.json, planned with
# rules/<rule-id>.context when the rule needs options or an action, else context-hybrid.json)
for f in "$here"/rules/*.json; do
  r=$(basename "$f" .json)
  c="$here/fixtures/context-hybrid.json"
  [ -f "$here/rules/$r.context" ] && c="$here/rules/$r.context"
  if "$tool" "$f" "$c" >/dev/null 2>"$tmp/err"; then
    echo "rule $r: fixture was planned"; fail=1; continue
  fi
  others=$(grep -v "\[$r\]\$" "$tmp/err" || true)
  grep -q "\[$r\]\$" "$tmp/err" && [ -z "$others" ] || { echo "rule $r: got"; cat "$tmp/err"; fail=1; }
done
for r in $(sed -n 's/^RULE([A-Z_]*, *"\([a-z0-9-]*\)".*/\1/p' "$here/../rules.def"); do
  case $r in context|internal) continue;; esac
  [ -f "$here/rules/$r.json" ] || { echo "rule $r has no fixture in test/rules"; fail=1; }
done
# a broken context record is reported as such, pointer into the context
echo '{"id":"x","bundle":"rel"}' >"$tmp/ctx.json"
"$tool" "$here/fixtures/default.json" "$tmp/ctx.json" 2>"$tmp/err" >/dev/null && { echo "bad context planned"; fail=1; }
grep -q '^/bundle: context: "bundle" must be an absolute path \[context\]$' "$tmp/err" || { echo "context errors:"; cat "$tmp/err"; fail=1; }

# every rule id and every default name is documented in README.md
for r in $(sed -n 's/^RULE([A-Z_]*, *"\([a-z0-9-]*\)".*/\1/p' "$here/../rules.def"); do
  grep -q "| \`$r\` |" "$here/../README.md" || { echo "rule $r missing from README.md"; fail=1; }
done
for d in $(grep -oh '\(default\|option\):[a-z][a-z0-9-]*' "$here"/../src/*.c | sort -u); do
  grep -q "| \`$d\` |" "$here/../README.md" || { echo "$d missing from README.md"; fail=1; }
done

[ $fail = 0 ] && echo "golden: all checks passed"
exit $fail
