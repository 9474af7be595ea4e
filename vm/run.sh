#!/usr/bin/env bash
# Boots the pure cgroup v2 + systemd guest (vm/build-image.sh builds it on a cache miss), runs
# one command in it as root in the checkout, prints its output and exits with its status.
#
#   vm/run.sh [--checkout DIR] [--timeout SECONDS] [--env NAME=VALUE]... [--results DIR] -- CMD...
#
# DIR (default: this checkout) is shared read-only into the guest at the same absolute path,
# with a throw-away writable layer on top. One VM runs at a time on the machine
# (flock /tmp/planc-vm.lock); the hard timeout (default 1500 s, or $PLANC_VM_TIMEOUT) counts
# from boot. Exit status: the command's, 124 on timeout, 125 when the guest never ran it.
# --results DIR keeps the guest's stdout, stderr, status and console log there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
checkout=$(dirname "$here")
timeout=${PLANC_VM_TIMEOUT:-1500}
keep=
envs=()
usage() { sed -n '2,12s/^# \{0,1\}//p' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --checkout) checkout=$(cd "$2" && pwd); shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --env) [[ $2 == [A-Za-z_]*=* ]] || usage; envs+=("$2"); shift 2 ;;
    --results) keep=$2; shift 2 ;;
    --) shift; break ;;
    *) usage ;;
  esac
done
[ $# -gt 0 ] || usage
say() { echo "vm: $*" >&2; }

[ "$(id -u)" = 0 ] || { say "must run as root (the guest's 9p shares and the image build need it)"; exit 125; }
# $PLANC_VM_IMAGE: an image directory vm/build-image.sh made earlier, used as it is
image=${PLANC_VM_IMAGE:-$("$here/build-image.sh")}
[ -e "$image/ready" ] || { say "no guest image in $image"; exit 125; }

work=$(mktemp -d /tmp/planc-vm-run.XXXXXX)
qpid=
cleanup() {
  [ -n "$qpid" ] && kill "$qpid" 2>/dev/null
  if [ -n "$keep" ]; then mkdir -p "$keep" && cp -a "$work/results/." "$work/console.log" "$keep/" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$work/results"
: >"$work/results/stdout"
: >"$work/results/stderr"
{
  for e in "${envs[@]}"; do printf 'export %q\n' "$e"; done
  printf 'cd %q || exit 125\n' "$checkout"
  printf 'exec'; printf ' %q' "$@"; printf '\n'
} >"$work/results/job"

exec 8>/tmp/planc-vm.lock
if ! flock -n 8; then
  say "waiting for another VM run on this machine (/tmp/planc-vm.lock)"
  flock 8
fi

qemu-img create -q -f qcow2 -b "$image/base.raw" -F raw "$work/disk.qcow2"
cmdline="console=ttyS0 root=/dev/vda rw quiet loglevel=3 panic=1 systemd.show_status=0"
cmdline+=" systemd.unified_cgroup_hierarchy=1 cgroup_no_v1=all planc.checkout=$checkout"
start=$(date +%s)
timeout --kill-after=10 "$timeout" qemu-system-x86_64 \
  -accel tcg -cpu max -smp 2 -m 3G -nodefaults -display none -no-reboot \
  -serial "file:$work/console.log" -monitor none -nic none \
  -kernel "$image/vmlinuz" -initrd "$image/initrd.img" -append "$cmdline" \
  -drive "file=$work/disk.qcow2,format=qcow2,if=virtio,cache=unsafe,discard=unmap" \
  -virtfs "local,path=$checkout,mount_tag=checkout,security_model=none,readonly=on,id=checkout" \
  -virtfs "local,path=$work/results,mount_tag=results,security_model=none,id=results" \
  </dev/null >"$work/qemu.log" 2>&1 &
qpid=$!
# the guest writes through the share as it goes: show its output live
tail -f -n +1 --pid="$qpid" "$work/results/stdout" &
tail -f -n +1 --pid="$qpid" "$work/results/stderr" >&2 &
set +e
wait "$qpid"
qstatus=$?
set -e
qpid=
wait
elapsed=$(( $(date +%s) - start ))

if [ -s "$work/results/status" ]; then
  status=$(cat "$work/results/status")
  say "exit $status; boot $(cut -d. -f1 "$work/results/boot-seconds" 2>/dev/null || echo ?) s, total $elapsed s (image $(basename "$image"))"
  exit "$status"
fi
if [ "$qstatus" = 124 ] || [ "$qstatus" = 137 ]; then
  say "timed out after $timeout s; the guest console's last lines:"
  status=124
else
  say "the guest did not run the command (qemu exit $qstatus); qemu said:"
  cat "$work/qemu.log" >&2
  say "the guest console's last lines:"
  status=125
fi
tail -n 40 "$work/console.log" >&2
exit "$status"
