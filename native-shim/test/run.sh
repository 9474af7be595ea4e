#!/usr/bin/env bash
# Runs the shim's own tests (decoder + real containers as root) against build/planc-shim.
# Builds the shim first when it is missing or stale; exits non-zero on any failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
make -s -C "$repo/native-shim" BUILD="$repo/build" >/dev/null
exec node "$here/shim-test.mjs" "$@"
