#!/usr/bin/env bash
# Builds a minimal busybox-static rootfs at <dir> for demos, tests and benches.
# Idempotent; never touches anything outside <dir> and never needs the network.
set -euo pipefail

dir=${1:?usage: mkrootfs.sh <dir>}
busybox=${BUSYBOX:-/bin/busybox}
[ -x "$busybox" ] || { echo "mkrootfs: $busybox missing (apt-get install busybox-static)" >&2; exit 1; }
# a dynamically linked busybox would not run inside a rootfs with no libc
if ! file -b "$busybox" 2>/dev/null | grep -q static && ldd "$busybox" >/dev/null 2>&1; then
  echo "mkrootfs: $busybox is not static" >&2; exit 1
fi

mkdir -p "$dir"
cd "$dir"
mkdir -p bin proc sys dev tmp root etc
chmod 1777 tmp
chmod 0700 root

# copy only when changed, so a second run is a no-op (and cmp keeps it fast)
if ! cmp -s "$busybox" bin/busybox; then
  cp -f "$busybox" bin/busybox.new && chmod 0755 bin/busybox.new && mv -f bin/busybox.new bin/busybox
fi

# one symlink per applet, all in /bin so a PATH of /bin finds every one
for applet in $("$busybox" --list); do
  [ "$applet" = busybox ] && continue
  [ -L "bin/$applet" ] || ln -sf busybox "bin/$applet"
done

cat > etc/passwd.new <<'PW'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PW
cat > etc/group.new <<'GR'
root:x:0:
nogroup:x:65534:
GR
for f in passwd group; do
  if cmp -s "etc/$f.new" "etc/$f"; then rm -f "etc/$f.new"; else mv -f "etc/$f.new" "etc/$f"; fi
done
