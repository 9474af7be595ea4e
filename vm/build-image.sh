#!/usr/bin/env bash
# Builds the pure cgroup v2 + systemd guest (Debian 12's kernel, an mmdebstrap root file system,
# a small initramfs) from Debian packages only, and caches it under $PLANC_VM_CACHE (default
# build/vm/) in a directory named by a hash of every input. Prints that directory. Never installs
# anything on the host but the tools it needs (qemu, mmdebstrap, e2fsprogs, kmod).
#   vm/build-image.sh [--print-key]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
checkout=$(dirname "$here")
cache=${PLANC_VM_CACHE:-$checkout/build/vm}
# images are also kept machine-wide, so a fresh clone (CI) finds one built here before ('' = off)
shared=${PLANC_VM_SHARED_CACHE-/var/cache/planc-vm}
suite=bookworm
rootfs_size=8G
# modules the kernel needs before it can read the root file system (their dependencies follow)
initramfs_modules="virtio_pci virtio_blk crc32c_generic ext4"

log() { echo "vm-image: $*" >&2; }
# the mirror is reached over the network: a passing failure (DNS, a reset) is tried twice more
retry() {
  local i
  for i in 1 2 3; do
    "$@" && return 0
    log "attempt $i of: $* failed"; sleep $((i * 5))
  done
  return 1
}

need_tools() {
  local missing=()
  command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
  command -v qemu-img >/dev/null || missing+=(qemu-utils)
  command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
  command -v mke2fs >/dev/null || missing+=(e2fsprogs)
  [ -x /usr/sbin/depmod ] || missing+=(kmod)
  command -v busybox >/dev/null || missing+=(busybox-static)
  [ ${#missing[@]} = 0 ] && return
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# the kernel package linux-image-amd64 points at, and its version
kernel_package() {
  local pkg
  pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n1)
  if [ -z "$pkg" ]; then
    apt-get update -qq
    pkg=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n1)
  fi
  [ -n "$pkg" ] || { log "cannot find the kernel package linux-image-amd64 depends on"; exit 1; }
  echo "$pkg $(apt-cache show --no-all-versions "$pkg" | sed -n 's/^Version: //p' | head -n1)"
}

node_bin=$(command -v node)
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")

cache_key() {
  {
    echo "suite $suite size $rootfs_size modules $initramfs_modules"
    echo "kernel $1"
    grep -v '^#' "$here/packages.txt"
    sha256sum "$here/build-image.sh" "$here"/guest/* | cut -d' ' -f1
    sha256sum "$node_bin" | cut -d' ' -f1
    sed -n 's/^ *"version": "\(.*\)",$/npm \1/p' "$npm_dir/package.json" | head -n1
  } | sha256sum | cut -c1-16
}

need_tools
read -r kpkg kver < <(kernel_package)
key=$(cache_key "$kpkg $kver")
if [ "${1:-}" = --print-key ]; then echo "$key"; exit 0; fi
out=$cache/$key
mkdir -p "$cache"
# one image build at a time on the machine (they share the machine-wide cache)
exec 9>/tmp/planc-vm-build.lock
flock 9
if [ -e "$out/ready" ]; then echo "$out"; exit 0; fi

# keep the newest two images in a cache dir
prune() { ls -1dt "$1"/*/ 2>/dev/null | tail -n +3 | while read -r old; do rm -rf "$old"; done; }
# a copy of an image dir: hard links where the file system allows (base.raw is never written)
copy_image() { rm -rf "$2.tmp" && { cp -al "$1" "$2.tmp" 2>/dev/null || cp -a --sparse=always "$1" "$2.tmp"; } && mv "$2.tmp" "$2"; }

start=$(date +%s)
tmp=$cache/$key.tmp
rm -rf "$tmp"
if [ -n "$shared" ] && [ -e "$shared/$key/ready" ]; then
  copy_image "$shared/$key" "$out"
  log "found $key in $shared"
  echo "$out"
  exit 0
fi
mkdir -p "$tmp/deb" "$tmp/kernel" "$tmp/initramfs"
trap 'rm -rf "$tmp"' EXIT

log "kernel: $kpkg $kver"
chmod 777 "$tmp/deb"
retry bash -c 'cd "$1" && apt-get download -q "$2" 2>&1 | grep -v "^W: Download is performed unsandboxed" >&2; [ "${PIPESTATUS[0]}" = 0 ]' - "$tmp/deb" "$kpkg=$kver"
dpkg-deb -x "$tmp"/deb/"$kpkg"_*.deb "$tmp/kernel"
kdir=$(cd "$tmp/kernel/lib/modules" && echo *)
/usr/sbin/depmod -b "$tmp/kernel" "$kdir"
cp "$tmp/kernel/boot/vmlinuz-$kdir" "$tmp/vmlinuz"

log "root file system: mmdebstrap $suite"
packages=$(grep -v '^#' "$here/packages.txt" | grep . | paste -sd, -)
root=$tmp/root
debstrap() {
  rm -rf "$root"
  mmdebstrap --quiet --variant=apt --aptopt='APT::Install-Recommends "false"' \
    --include="$packages" --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    "$suite" "$root" >&2
}
retry debstrap
# the kernel's modules, so modprobe finds 9p, overlay, netfilter, ... in the guest
mkdir -p "$root/lib/modules"
cp -a "$tmp/kernel/lib/modules/$kdir" "$root/lib/modules/"
# Node 20 and npm (npx) from the host: Debian 12's nodejs is too old for vitest 4
install -m 755 "$node_bin" "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/lib/node_modules"
cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
# the job runner, started once the system is up
install -m 755 "$here/guest/planc-vm-runner" "$root/usr/local/sbin/planc-vm-runner"
install -m 644 "$here/guest/planc-vm-runner.service" "$root/etc/systemd/system/planc-vm-runner.service"
ln -sf /etc/systemd/system/planc-vm-runner.service "$root/etc/systemd/system/multi-user.target.wants/"
echo planc-vm >"$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 planc-vm\n' >"$root/etc/hosts"
echo '/dev/vda / ext4 rw,noatime 0 1' >"$root/etc/fstab"
: >"$root/etc/machine-id"
# no login prompt, no timers at boot; the engines' daemons are installed but not started
# (a test that needs one runs `systemctl start containerd`)
for unit in serial-getty@ttyS0.service getty@tty1.service apt-daily.timer apt-daily-upgrade.timer \
            e2scrub_all.timer e2scrub_reap.service fstrim.timer systemd-timesyncd.service \
            systemd-networkd-wait-online.service; do
  ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
find "$root/etc/systemd/system" -path '*.wants/*' \( -name 'containerd.service' -o -name 'podman*' \) -delete

log "initramfs: busybox + $initramfs_modules"
ird=$tmp/initramfs
mkdir -p "$ird/bin" "$ird/proc" "$ird/sys" "$ird/dev" "$ird/root"
cp "$root/bin/busybox" "$ird/bin/busybox"
install -m 755 "$here/guest/init" "$ird/init"
moddir=$tmp/kernel/lib/modules/$kdir
: >"$ird/modules.order"
add_module() { # $1: path relative to $moddir; dependencies first, each once
  local dep
  grep -qxF "$1" "$ird/modules.order" && return
  for dep in $(sed -n "s|^$1: *||p" "$moddir/modules.dep"); do add_module "$dep"; done
  mkdir -p "$ird/$(dirname "$1")"
  cp "$moddir/$1" "$ird/$1"
  echo "$1" >>"$ird/modules.order"
}
for m in $initramfs_modules; do
  rel=$(grep -E "(^|/)$m\.ko:" "$moddir/modules.dep" | cut -d: -f1)
  [ -n "$rel" ] || { log "module $m not found"; exit 1; }
  add_module "$rel"
done
(cd "$ird" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$tmp/initrd.img"

log "disk image: ext4 $rootfs_size"
mke2fs -q -t ext4 -L planc-vm -E lazy_itable_init=1 -d "$root" "$tmp/base.raw" "$rootfs_size"
rm -rf "$root" "$tmp/kernel" "$tmp/deb" "$ird"
echo "$kpkg $kver ($kdir)" >"$tmp/kernel-version"
echo "$(( $(date +%s) - start ))" >"$tmp/build-seconds"
touch "$tmp/ready"
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
# older images are only disk space
prune "$cache"
if [ -n "$shared" ] && mkdir -p "$shared" 2>/dev/null; then
  copy_image "$out" "$shared/$key" || log "could not keep a copy in $shared"
  prune "$shared"
fi
log "built $out in $(cat "$out/build-seconds") s"
echo "$out"
