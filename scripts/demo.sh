#!/usr/bin/env bash
# Runs one real busybox container under planc from build/demo/, then shows how to audit its
# plan offline. Leaves nothing behind: no state, no cgroups, no mounts, no processes.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
planc=$repo/bin/planc
bundle=$repo/build/demo
id=demo-$$

[ -x "$planc" ] || { echo "demo: $planc is missing; run 'make build' first" >&2; exit 1; }

bash scripts/mkrootfs.sh "$bundle/rootfs"
rm -f "$bundle/config.json"
"$planc" spec -b "$bundle"

# the stock spec wants a terminal and an interactive shell; the demo prints and exits
node - "$bundle/config.json" "$id" <<'JS'
const fs = require('node:fs');
const [file, id] = process.argv.slice(2);
const c = JSON.parse(fs.readFileSync(file, 'utf8'));
c.process.terminal = false;
c.process.args = ['sh', '-c',
  'echo "hello from planc"; hostname; id; grep -E "^(Cap|NoNew)" /proc/1/status; ls /'];
c.linux.cgroupsPath = `/planc-demo/${id}`;
fs.writeFileSync(file, JSON.stringify(c, null, 2) + '\n');
JS

# the planc-demo parents are ours; remove them once empty whatever the outcome
cleanup() {
  for h in /sys/fs/cgroup/*/planc-demo /sys/fs/cgroup/unified/planc-demo; do
    [ -d "$h" ] || continue
    rmdir "$h/$id" 2>/dev/null || true
    rmdir "$h" 2>/dev/null || true
  done
}
trap cleanup EXIT

echo "== planc run -b build/demo $id"
rc=0
"$planc" run -b "$bundle" "$id" </dev/null || rc=$?
echo "== container exited with $rc"
echo
echo "To see every privileged step it took, without root and without running anything:"
echo "  bin/planc plan -b build/demo              # text: one line per op, with its why"
echo "  bin/planc plan -b build/demo --format json"
exit "$rc"
