/* ops_host.c — ops run by P in the caller's namespaces (host and teardown lanes), plus the
 * clone and sync ops that join P and C, and the caller's sync point. Paths here are host
 * paths, used as given; nothing here looks inside the container's root. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/bpf.h>
#include "shim.h"
#include "sys.h"

int do_MKFIFO(struct ctx *c, const struct op *op, struct err *e)
{
	mode_t mode = (mode_t)(op->a[1].u & 07777);
	if (mknod(op->a[0].s, S_IFIFO | mode, 0) < 0)
		return fail_errno(e, "%s", op->a[0].s);
	/* the caller's umask does not apply: the plan's mode is the mode */
	if (chmod(op->a[0].s, mode) < 0)
		return fail_errno(e, "%s: chmod", op->a[0].s);
	return 0;
}

int do_MKDIR(struct ctx *c, const struct op *op, struct err *e)
{
	if (mkdir(op->a[0].s, (mode_t)op->a[1].u) < 0 && errno != EEXIST)
		return fail_errno(e, "%s", op->a[0].s);
	return 0;
}

static int write_whole(const char *path, const char *data, size_t len, struct err *e)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return fail_errno(e, "%s", path);
	ssize_t w = write(fd, data, len);
	int saved = errno;
	close(fd);
	if (w < 0)
		return fail(e, saved, "%s", path);
	if ((size_t)w != len)
		return fail(e, EIO, "%s: short write %zd of %zu", path, w, len);
	return 0;
}

int do_WRITE_FILE(struct ctx *c, const struct op *op, struct err *e)
{
	return write_whole(op->a[0].s, op->a[1].s, op->a[1].n, e);
}

/* C moves itself: "0" names the writer (on a v1 `tasks` file, its one thread) */
int do_CGROUP_JOIN_SELF(struct ctx *c, const struct op *op, struct err *e)
{
	return write_whole(op->a[0].s, "0", 1, e);
}

int do_SETNS(struct ctx *c, const struct op *op, struct err *e)
{
	int fd = open(op->a[0].s, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail_errno(e, "%s", op->a[0].s);
	int r = setns(fd, (int)op->a[1].u);
	int saved = errno;
	close(fd);
	if (r < 0)
		return fail(e, saved, "%s", op->a[0].s);
	return 0;
}

int do_UNSHARE(struct ctx *c, const struct op *op, struct err *e)
{
	if (unshare((int)op->a[0].u) < 0)
		return fail_errno(e, "0x%llx", (unsigned long long)op->a[0].u);
	return 0;
}

/* both clones are fork-like; the return tells the main loop which lane this process now walks */
static int cloned(struct ctx *c, long pid)
{
	if (pid == 0) {
		c->is_child = 1;
		close(c->sync_fd);
		c->sync_fd = c->sync_peer;
		c->sync_peer = -1;
		/* P's own fds (the caller's control pipe, a console listener) are not C's business */
		if (c->control_fd > 2)
			close(c->control_fd);
		if (c->console_fd >= 0)
			close(c->console_fd);
		c->control_fd = c->console_fd = -1;
		/* ORDER: C drops the signal mask P holds for forwarding before anything else */
		sigprocmask(SIG_SETMASK, &c->child_mask, NULL);
		/* execve renames it: P tells C's death at execve from the container's (child_report) */
		prctl(PR_SET_NAME, INIT_COMM, 0, 0, 0);
		return 0;
	}
	c->child = (pid_t)pid;
	close(c->sync_peer);
	c->sync_peer = -1;
	return 0;
}

int do_CLONE(struct ctx *c, const struct op *op, struct err *e)
{
	/* SECURITY: raw clone, not fork(): no atfork handlers, namespaces created in one step */
	long pid = syscall(SYS_clone, (unsigned long)(op->a[0].u | SIGCHLD), 0, 0, 0, 0);
	if (pid < 0)
		return fail_errno(e, "0x%llx", (unsigned long long)op->a[0].u);
	return cloned(c, pid);
}

/* clone3 into a cgroup2 directory: C starts there, nobody migrates it */
int do_CLONE_INTO_CGROUP(struct ctx *c, const struct op *op, struct err *e)
{
	int fd = open(op->a[1].s, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fail_errno(e, "%s", op->a[1].s);
	struct clone_args a = { .flags = op->a[0].u | CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)fd };
	long pid = syscall(SYS_clone3, &a, sizeof a);
	int saved = errno;
	close(fd);
	if (pid < 0)
		return fail(e, saved, "%s", op->a[1].s);
	return cloned(c, pid);
}

/* cgroup v2's device allowlist: load the program, attach it to the cgroup directory (beside
 * any others: all must allow), and let both fds go; the cgroup holds the program until rmdir */
int do_BPF_DEVICE_FILTER(struct ctx *c, const struct op *op, struct err *e)
{
	int cg = open(op->a[0].s, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0)
		return fail_errno(e, "%s", op->a[0].s);
	union bpf_attr a = { .prog_type = BPF_PROG_TYPE_CGROUP_DEVICE, .insn_cnt = op->a[2].n / 8,
			     .insns = (uintptr_t)op->a[2].b, .license = (uintptr_t)op->a[1].s };
	/* kernels before 5.11 charge a program to RLIMIT_MEMLOCK: lifted for the load only (runc
	 * lifts it too), so C, cloned later, keeps the caller's limit */
	struct prlimit_val inf = { ~0ULL, ~0ULL }, old;
	int lifted = syscall(SYS_prlimit64, 0, RLIMIT_MEMLOCK, &inf, &old) == 0;
	int prog = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof a), saved = errno;
	const char *step = prog < 0 ? "BPF_PROG_LOAD" : NULL;
	if (lifted)
		syscall(SYS_prlimit64, 0, RLIMIT_MEMLOCK, &old, NULL);
	if (prog >= 0) {
		a = (union bpf_attr){ .target_fd = (uint32_t)cg, .attach_bpf_fd = (uint32_t)prog,
				       .attach_type = BPF_CGROUP_DEVICE, .attach_flags = BPF_F_ALLOW_MULTI };
		if (syscall(SYS_bpf, BPF_PROG_ATTACH, &a, sizeof a) < 0)
			step = "BPF_PROG_ATTACH", saved = errno;
		close(prog);
	}
	close(cg);
	return step ? fail(e, saved, "%s: %s", op->a[0].s, step) : 0;
}

static const char *point_name(uint32_t p)
{
	static const char *const names[] = { "?", "CHILD_MAY_RUN", "CHILD_READY", "CHILD_HOOKS", "HOOKS_DONE", "?", "CHILD_DONE" };
	return p < sizeof names / sizeof *names ? names[p] : "?";
}

/* P's message carries C's pid as P sees it (C may be pid 1 of its own namespace) */
int do_SYNC_SIGNAL(struct ctx *c, const struct op *op, struct err *e)
{
	uint32_t m[2] = { (uint32_t)op->a[0].u, (uint32_t)c->child }, v = m[0];
	size_t n = c->is_child ? sizeof m[0] : sizeof m;
	if (send(c->sync_fd, m, n, MSG_NOSIGNAL) != (ssize_t)n)
		return fail_errno(e, "%s", point_name(v));
	/* ORDER: in create mode nobody reads the report pipe once P has said "created", and a
	 * reader waiting for its EOF must not wait for `start`: C lets go of it here (or at
	 * sync_close) and sends any later failure to its stderr as a plain line */
	if (c->is_child && v == SYNC_CHILD_READY && !c->detach_late)
		detach(c);
	return 0;
}

/* C in create mode lets go of the report pipe at its last sync point (CHILD_READY, or
 * sync_close when the plan has one) */
void detach(struct ctx *c)
{
	if (c->mode != MODE_CREATE)
		return;
	if (c->report_fd > 2)
		close(c->report_fd);
	c->report_fd = 2;
	c->detached = 1;
}

int do_SYNC_WAIT(struct ctx *c, const struct op *op, struct err *e)
{
	uint32_t want = (uint32_t)op->a[0].u, m[2] = { 0, 0 }, v;
	ssize_t r;
	do
		r = recv(c->sync_fd, m, sizeof m, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return fail_errno(e, "%s", point_name(want));
	v = m[0];
	if (r == sizeof v && v == SYNC_PEER_FAILED) {
		fail(e, EPIPE, "%s: peer failed", point_name(want));
		e->reported = 1;
		return -EPIPE;
	}
	if (r == 0 && want == SYNC_CHILD_DONE && !c->is_child)
		return child_closed(c, e);
	if (r == 0) {
		fail(e, EPIPE, "%s: %s", point_name(want),
		     c->is_child ? "planc-shim exited before the sync point"
				 : "container init exited before it was ready");
		e->bare = e->peer_gone = 1;
		return -EPIPE;
	}
	if (r != (ssize_t)(c->is_child ? sizeof m : sizeof v) || v != want)
		return fail(e, EPROTO, "%s: got %u", point_name(want), v);
	if (c->is_child)
		c->host_pid = (pid_t)m[1];
	return 0;
}

static const char *caller_point_name(uint64_t p)
{
	return p == CALLER_CREATE_RUNTIME ? "createRuntime" : p == CALLER_CGROUP_UNIT ? "cgroupUnit" : NULL;
}

/* sync_caller: tell the caller where P stands, then wait for its one-byte verdict */
int do_SYNC_CALLER(struct ctx *c, const struct op *op, struct err *e)
{
	const char *name = caller_point_name(op->a[0].u);
	char line[96], b = 0;
	ssize_t r;
	if (!name)
		return fail(e, EINVAL, "point %llu", (unsigned long long)op->a[0].u);
	if (c->control_fd < 0)
		return fail(e, EBADF, "%s: no control fd", name);
	snprintf(line, sizeof line, "{\"type\":\"sync\",\"point\":\"%s\",\"pid\":%d}\n", name, (int)c->child);
	report_line(c->report_fd, line);
	do
		r = read(c->control_fd, &b, 1);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return fail_errno(e, "%s: control fd", name);
	if (r == 1 && b == '0')
		return 0;
	fail(e, ECANCELED, "%s: the caller aborted", name);
	e->bare = 1;
	return -ECANCELED;
}

int do_CALLER_OP(struct ctx *c, const struct op *op, struct err *e)
{
	return fail(e, EINVAL, "%s: an op of the caller's lane", op->def->name);
}

/* write_child_proc: a file of C's own /proc directory, named by one component */
int do_WRITE_CHILD_PROC(struct ctx *c, const struct op *op, struct err *e)
{
	const char *file = op->a[0].s;
	char path[64];
	if (!file[0] || strchr(file, '/') || !strcmp(file, ".") || !strcmp(file, ".."))
		return fail(e, EINVAL, "%s: not a file name", file);
	if (c->child <= 0)
		return fail(e, ESRCH, "%s: no child yet", file);
	/* SECURITY: procfs writes only through a /proc proven to be procfs */
	int r = proc_verify(e);
	if (r < 0)
		return r;
	if (snprintf(path, sizeof path, "/proc/%d/%s", (int)c->child, file) >= (int)sizeof path)
		return fail(e, ENAMETOOLONG, "%s", file);
	return write_whole(path, op->a[1].s, op->a[1].n, e);
}

/* teardown: on cgroupfs, path's child cgroups first, deepest first (a container's own), then
 * path; ENOENT is success; a cgroup may report EBUSY for a moment after its last task */
static int rmdir_tree(const char *path, int depth, struct err *e)
{
	struct statfs fs;
	int cgroupfs = statfs(path, &fs) == 0 && (fs.f_type == CGROUP_SUPER_MAGIC || fs.f_type == CGROUP2_SUPER_MAGIC);
	DIR *d = depth < 32 && cgroupfs ? opendir(path) : NULL;
	char sub[4096]; /* PATH_MAX */
	for (struct dirent *de; d && (de = readdir(d));)
		if (de->d_type == DT_DIR && strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    snprintf(sub, sizeof sub, "%s/%s", path, de->d_name) < (int)sizeof sub)
			rmdir_tree(sub, depth + 1, e);
	if (d)
		closedir(d);
	for (int tries = 0; rmdir(path) < 0; tries++) {
		if (errno == ENOENT)
			return 0;
		if (errno != EBUSY || tries == 50)
			return fail_errno(e, "%s", path);
		usleep(2000);
	}
	return 0;
}

int do_RMDIR(struct ctx *c, const struct op *op, struct err *e) { return rmdir_tree(op->a[0].s, 0, e); }

int do_UNLINK(struct ctx *c, const struct op *op, struct err *e)
{
	if (unlink(op->a[0].s) < 0 && errno != ENOENT)
		return fail_errno(e, "%s", op->a[0].s);
	return 0;
}
