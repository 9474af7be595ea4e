/* shim.h — the shim's shared types: decoded plan, apply context, error convention.
 * Holds no OCI knowledge; every op's meaning is in docs/plan-format.md, its shape in ops.def. */
#ifndef PLANC_SHIM_H
#define PLANC_SHIM_H
#include <stdint.h>
#include <stddef.h>
#include <signal.h>
#include <sys/types.h>

/* the non-libc tables of flags.def become plain enums (libc ones are checked in flags_check.c) */
#define FLAG(table, name, value) FLAG_##table(name, value)
#define FLAG_lane(n, v) n = v,
#define FLAG_sync(n, v) n = v,
#define FLAG_caller_sync(n, v) n = v,
#define FLAG_src_kind(n, v) n = v,
#define FLAG_path_flags(n, v) n = v,
#define FLAG_mount_flags(n, v)
#define FLAG_clone_flags(n, v)
#define FLAG_nstype(n, v)
#define FLAG_caps(n, v)
#define FLAG_rlimit(n, v)
#define FLAG_signal(n, v)
#define FLAG_sched_policy(n, v)
#define FLAG_sched_flags(n, v)
#define FLAG_ioprio_which(n, v)
#define FLAG_ioprio_class(n, v)
#define FLAG_personality(n, v)
#define FLAG_mpol_mode(n, v)
#define FLAG_mpol_flags(n, v)
#define FLAG_oflag_flags(n, v)
enum planc_flag {
#include "../../wasm-core/flags.def"
};

enum op_code {
#define OP(E, code, name, sig, names) OP_##E = code,
#include "../../wasm-core/ops.def"
#undef OP
};

#define MAX_ARGS 8
#define INIT_COMM "planc-init"   /* C's name until its execve */
/* private sync value: "my error record is already on the report fd" (never a plan point) */
#define SYNC_PEER_FAILED 0xffffffffu

/* one decoded argument; which fields are set follows the signature char */
struct arg {
	uint64_t u;          /* u U i */
	const char *s;       /* s: NUL-terminated copy */
	char **sv;           /* S: NULL-terminated array (usable as argv) */
	uint32_t *l;         /* L */
	const uint8_t *b;    /* b: points into the plan buffer */
	uint32_t n;          /* count of S/L, length of s/b */
};

struct ctx;
struct err;
struct op;
typedef int (*op_fn)(struct ctx *, const struct op *, struct err *);

struct op_def {
	uint16_t code;
	const char *name;
	const char *sig;
	op_fn fn;
};

struct op {
	const struct op_def *def;
	uint32_t index;
	uint8_t lane;
	const char *why;
	struct arg a[MAX_ARGS];
};

struct plan {
	uint32_t count;
	struct op *ops;
};

/* Error convention: a failing function returns -errno and fills struct err with the key
 * arguments ("proc -> /proc"); the dispatcher prefixes the op name and appends strerror. */
struct err {
	int errnum;
	int reported;        /* the record is already on the report fd (written by C) */
	int bare;            /* the message is complete: no strerror appended */
	int peer_gone;       /* P: C closed the sync socket (it died) before the point */
	int filter_step;     /* C: the op that loaded the seccomp filter, plus one; 0: none yet */
	char what[480];
};

/* the page P and C share (MAP_SHARED, made before clone): C notes each step and its failure
 * in memory, so P can report them even when the seccomp filter lets C make no syscall */
struct progress {
	uint32_t step;          /* the op C is applying */
	uint32_t filter_step;   /* the op that loaded the filter, plus one; 0: none yet */
	uint32_t closed;        /* sync_close returned: C's end of the sync socket is closed */
	uint32_t failed;        /* C failed: its record is in `record` */
	uint32_t reported;      /* ... and C wrote it to the report fd itself */
	char record[2040];
};

enum mode { MODE_CREATE, MODE_RUN, MODE_TEARDOWN, MODE_HOST };

struct ctx {
	enum mode mode;
	int report_fd;
	int sync_fd;         /* P: its end of the socketpair; C: the other end */
	int sync_peer;       /* the end handed to C, closed in P after clone */
	int is_child;
	pid_t child;
	int root_fd;         /* from open_root */
	int fifo_fd;         /* from exec_fifo_open */
	int fifo_dir;        /* ... and its /proc/self/fd, to reopen it through */
	int control_fd;      /* P: the caller's pipe that sync_caller reads, or -1 */
	int console_fd;      /* P: the console_listen socket; C: the console_connect socket */
	const struct op *console_op;   /* P: the console_listen op, named if the proxy fails */
	pid_t host_pid;      /* C: its pid in P's pid namespace, sent with CHILD_MAY_RUN */
	int detached;        /* C in create mode after CHILD_READY: failures go to stderr as text */
	int detach_late;     /* ... after sync_close instead: the plan has one */
	sigset_t child_mask; /* the signal mask C restores right after clone */
	int chdir_denied;    /* C: chdir_try met EPERM/EACCES, so chdir_retry changes directory */
	struct progress *pg; /* shared with C; NULL in the modes without a clone */
	int in_shim;         /* P: C's name was still INIT_COMM when it exited */
	int listener_fd;     /* C: the seccomp listener, from seccomp_set_filter */
};

/* every handler, named after its op: do_MKFIFO, do_MOUNT_IN_ROOT, ...; the caller lane's ops
 * are the caller's to carry out, and their one handler refuses them */
#define do_SYSTEMD_START_UNIT do_CALLER_OP
#define do_SYSTEMD_STOP_UNIT do_CALLER_OP
#define do_SYSTEMD_SET_UNIT_PROPERTIES do_CALLER_OP
#define OP(E, code, name, sig, names) int do_##E(struct ctx *, const struct op *, struct err *);
#include "../../wasm-core/ops.def"
#undef OP

void detach(struct ctx *c);   /* ops_host.c */

/* plan.c */
int plan_read(int fd, uint8_t **buf, size_t *len, struct err *e);
int plan_decode(const uint8_t *buf, size_t len, struct plan *p, struct err *e);
int plan_check_lanes(const struct plan *p, int clones_wanted, struct err *e);
void plan_print(int fd, const struct plan *p);
const char *lane_name(unsigned lane);

/* report.c */
int fail(struct err *e, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int fail_errno(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void report_error(int fd, long step, const struct op *op, const struct err *e);
void report_text(int fd, const char *prefix, const struct op *op, const struct err *e);
int report_line(int fd, const char *line);
size_t report_format(char *line, size_t cap, long step, const struct op *op, const struct err *e);
size_t json_str(char *out, size_t cap, const char *s, size_t n);
const char *errname(int errnum);

/* ops_seccomp.c: C's progress and its end, as P reads them */
_Noreturn void die(int code);
int child_closed(struct ctx *c, struct err *e);
int child_in_shim(pid_t pid);
int child_report(struct ctx *c, const struct plan *p, int status, int signals);

/* run.c: run mode after "created" */
void run_signals(sigset_t *set);
int run_wait(struct ctx *c, const struct plan *p);
int apply_teardown(struct ctx *c, const struct plan *p, int report);

/* ops_console.c: unix sockets, shared with the seccomp listener's hand-over */
struct sockaddr_un;
int unix_socket(struct sockaddr_un *sa, const char *path, struct err *e);
ssize_t send_with_fd(int sock, const void *data, size_t len, int fd);

/* ops_root.c: the in-root resolver, shared with the ops that need it */
int resolve_in_root(struct ctx *c, const char *path, int flags, struct err *e);
int proc_verify(struct err *e);
int proc_fd_path(char *buf, size_t cap, int fd, struct err *e);
#endif
