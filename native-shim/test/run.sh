#!/usr/bin/env bash
# Runs the shim's own tests (decoder + real containers as root) against build/planc-shim.
# Builds the shim, the native planner (and the test's pty helper) first when missing or stale; exits non-zero on any failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
make -s -C "$repo/native-shim" BUILD="$repo/build" >/dev/null
make -s -C "$repo/wasm-core" BUILD="$repo/build" native >/dev/null
helper="$repo/build/pty-helper"
if [ ! -x "$helper" ] || [ "$here/pty-helper.c" -nt "$helper" ]; then
  musl-gcc -static -O2 -Wall -Wextra -Werror -o "$helper" "$here/pty-helper.c"
fi
exec node "$here/shim-test.mjs" "$@"
