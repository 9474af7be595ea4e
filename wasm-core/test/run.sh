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
check errors.txt         "$tool"        "$here/fixtures/errors.json"  "$here/fixtures/context-hybrid.json"

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
fi
# one fixture per rule: it fails with exactly that rule (rules/<rule-id>.json)
for f in "$here"/rules/*.json; do
  r=$(basename "$f" .json)
  if "$tool" "$f" "$here/fixtures/context-hybrid.json" >/dev/null 2>"$tmp/err"; then
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
for d in $(grep -oh 'default:[a-z][a-z0-9-]*' "$here"/../src/*.c | sort -u); do
  grep -q "| \`$d\` |" "$here/../README.md" || { echo "$d missing from README.md"; fail=1; }
done

[ $fail = 0 ] && echo "golden: all checks passed"
exit $fail
