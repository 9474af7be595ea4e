/* sys.h — the few kernel interfaces musl does not wrap, as raw syscalls and local structs.
 * Only definitions live here; no logic, no policy. */
#ifndef PLANC_SYS_H
#define PLANC_SYS_H
#include <stdint.h>
#include <unistd.h>
#include <sys/syscall.h>

struct open_how {            /* openat2(2) */
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;
};
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS   0x04
#define RESOLVE_IN_ROOT       0x10

struct cap_header { uint32_t version; int pid; };
struct cap_data { uint32_t effective, permitted, inheritable; };
#define CAP_VERSION_3 0x20080522

struct clone_args {          /* clone3(2), up to the cgroup field (Linux 5.7) */
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};
#define CLONE_INTO_CGROUP 0x200000000ULL

struct prlimit_val { uint64_t cur, max; };

struct sock_fprog_raw { unsigned short len; const void *filter; };
#define SECCOMP_SET_MODE_FILTER 1
#define SECCOMP_FILTER_FLAG_NEW_LISTENER 8   /* seccomp(2) returns the listener fd */

struct sched_attr_v1 {       /* sched_setattr(2), SCHED_ATTR_SIZE_VER1 (with the util clamps) */
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
	uint32_t util_min, util_max;
};
#define ID_MASK_WORDS 16     /* a CPU or node mask of 1024 bits, the planner's largest id + 1 */

#define PROC_SUPER_MAGIC 0x9fa0
#define CGROUP_SUPER_MAGIC 0x27e0eb
#define CGROUP2_SUPER_MAGIC 0x63677270
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#endif

static inline int sys_openat2(int dirfd, const char *path, uint64_t flags, uint64_t resolve)
{
	struct open_how how = { .flags = flags, .mode = 0, .resolve = resolve };
	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}
#endif
