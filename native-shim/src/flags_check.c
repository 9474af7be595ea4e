/* flags_check.c — compile-time proof that flags.def equals the libc/kernel values wherever
 * musl's headers define the name. Emits no code; must never be relaxed to make a build pass. */
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <termios.h>
#include "shim.h"

#undef FLAG_mount_flags
#undef FLAG_clone_flags
#undef FLAG_rlimit
#undef FLAG_signal
#undef FLAG_lane
#undef FLAG_sync
#undef FLAG_caller_sync
#undef FLAG_src_kind
#undef FLAG_path_flags
#undef FLAG_nstype
#undef FLAG_sched_policy
#undef FLAG_personality
#undef FLAG_oflag_flags
#define SAME(n, v) _Static_assert((long long)(n) == (long long)(v), "flags.def disagrees with libc: " #v);
#define FLAG_mount_flags(n, v) SAME(n, v)
#define FLAG_clone_flags(n, v) SAME(n, v)
#define FLAG_rlimit(n, v) SAME(n, v)
#define FLAG_signal(n, v) SAME(n, v)
#define FLAG_oflag_flags(n, v) SAME(n, v)
#define FLAG_lane(n, v)
#define FLAG_sync(n, v)
#define FLAG_caller_sync(n, v)
#define FLAG_src_kind(n, v)
#define FLAG_path_flags(n, v)
#define FLAG_sched_policy(n, v) SAME(n, v)
#define FLAG_personality(n, v) SAME(n, v)
/* nstype names are planc's; each must equal the clone flag of the same namespace */
#define FLAG_nstype(n, v) SAME(n##_is, v)
enum {
	NS_NEWTIME_is = CLONE_NEWTIME, NS_NEWNS_is = CLONE_NEWNS, NS_NEWCGROUP_is = CLONE_NEWCGROUP,
	NS_NEWUTS_is = CLONE_NEWUTS, NS_NEWIPC_is = CLONE_NEWIPC, NS_NEWUSER_is = CLONE_NEWUSER,
	NS_NEWPID_is = CLONE_NEWPID, NS_NEWNET_is = CLONE_NEWNET,
};
#include "../../wasm-core/flags.def"

/* the shim's own constants that ride on the same numbers */
_Static_assert(SYNC_CHILD_MAY_RUN != SYNC_CHILD_READY, "sync points must differ");
