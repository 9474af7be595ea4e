#!/bin/sh
# Runs inside a container (busybox sh) and prints what the container sees, in a fixed order,
# so the same bundle under planc and runc can be diffed. Leaves no trace: the only things it
# creates (/planc-probe-root, /tmp/planc-probe-dir) it removes at once.
echo "== hostname"; hostname
echo "== id"; id
echo "== status"; grep -E '^(Cap|NoNewPrivs|Seccomp)' /proc/self/status
echo "== limits"; cat /proc/self/limits
echo "== oom"; cat /proc/self/oom_score_adj
echo "== mounts"
# mount point, fstype, per-mount flags, super options; ids and device numbers are dropped
awk '{ for (i = 7; $i != "-"; i++) ; print $5, $(i+1), $6, $(i+3) }' /proc/self/mountinfo
echo "== masked"
for p in ${PROBE_MASKED:-/proc/acpi /proc/asound /proc/kcore /proc/keys /proc/latency_stats /proc/timer_list /proc/timer_stats /proc/sched_debug /sys/firmware /proc/scsi}; do
  if [ -d "$p" ]; then
    echo "$p dir entries=$(ls -A "$p" 2>/dev/null | wc -l)"
  elif [ -e "$p" ]; then
    echo "$p file bytes=$(head -c 64 "$p" 2>/dev/null | wc -c)"
  else
    echo "$p absent"
  fi
done
echo "== readonly"
# touch on an existing path only sets times, so it writes nothing even when the path is writable
for p in ${PROBE_READONLY:-/proc/bus /proc/fs /proc/irq /proc/sys /proc/sysrq-trigger}; do
  if [ -e "$p" ]; then
    msg=$(touch "$p" 2>&1) && echo "$p writable" || echo "$p ${msg##*: }"
  else
    echo "$p absent"
  fi
done
echo "== rootfs"
msg=$(touch /planc-probe-root 2>&1) && echo "/ writable" || echo "/ ${msg##*: }"
rm -f /planc-probe-root
echo "== cgroup"
# the container's own cgroup as mounted inside it: the limits the runtime wrote
cgline() { if [ -r "$1/$2" ]; then sed "s|^|$2: |" "$1/$2"; else echo "$2: unreadable"; fi; }
if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
  # cgroup v2: the mount's root is the container's cgroup in a cgroup namespace, the host's
  # root without one (then /proc/self/cgroup names the path below it)
  dir=/sys/fs/cgroup$(sed -n 's|^0::||p' /proc/self/cgroup); dir=${dir%/}
  for f in cgroup.controllers memory.max memory.swap.max memory.low memory.high cpu.max cpu.weight \
           cpuset.cpus cpuset.mems pids.max io.weight $(cd "$dir" && ls -d hugetlb.*.max 2>/dev/null) \
           ${PROBE_CGROUP_FILES:-}; do
    cgline "$dir" "$f"
  done
else
  for f in memory/memory.limit_in_bytes memory/memory.soft_limit_in_bytes pids/pids.max cpu/cpu.shares \
           cpu/cpu.cfs_quota_us cpu/cpu.cfs_period_us cpuset/cpuset.cpus cpuset/cpuset.mems; do
    cgline /sys/fs/cgroup "$f"
  done
  # devices.list is sorted: the kernel keeps insertion order, but access depends only on the set
  cgline /sys/fs/cgroup devices/devices.list | sort
fi
echo "== syscalls"
# a seccomp rule shows up as EPERM here, where an unfiltered mkdir gets EROFS or succeeds
msg=$(mkdir /tmp/planc-probe-dir 2>&1) && { echo "mkdir ok"; rmdir /tmp/planc-probe-dir; } || echo "mkdir ${msg##*: }"
echo "== net"; ls /sys/class/net 2>&1 | sort
echo "== env"; env | grep -v '^_=' | sort
echo "== cwd"; pwd
echo "== umask"; umask
echo "== dev"
for f in /dev/* /dev/pts/*; do
  [ -e "$f" ] || [ -L "$f" ] || continue
  stat -c '%A %u %g %t:%T %N' "$f"
done
echo "== end"
exit "${PROBE_EXIT:-0}"
