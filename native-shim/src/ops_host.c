/* ops_host.c — ops run by P in the caller's namespaces (host and teardown lanes), plus the
 * clone and sync ops that join P and C. Paths here are host paths, used as given. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "shim.h"
#include "sys.h"

int do_MKFIFO(struct ctx *c, const struct op *op, struct err *e)
{
	(void)c;
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
	(void)c;
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
	(void)c;
	return write_whole(op->a[0].s, op->a[1].s, op->a[1].n, e);
}

int do_WRITE_CHILD_PID(struct ctx *c, const struct op *op, struct err *e)
{
	char pid[24];
	if (c->child <= 0)
		return fail(e, ESRCH, "%s: no child yet", op->a[0].s);
	int n = snprintf(pid, sizeof pid, "%d", (int)c->child);
	return write_whole(op->a[0].s, pid, (size_t)n, e);
}

int do_SETNS(struct ctx *c, const struct op *op, struct err *e)
{
	(void)c;
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
	(void)c;
	if (unshare((int)op->a[0].u) < 0)
		return fail_errno(e, "0x%llx", (unsigned long long)op->a[0].u);
	return 0;
}

/* clone: fork-like; the return tells the main loop which lane this process now walks */
int do_CLONE(struct ctx *c, const struct op *op, struct err *e)
{
	/* SECURITY: raw clone, not fork(): no atfork handlers, namespaces created in one step */
	long pid = syscall(SYS_clone, (unsigned long)(op->a[0].u | SIGCHLD), 0, 0, 0, 0);
	if (pid < 0)
		return fail_errno(e, "0x%llx", (unsigned long long)op->a[0].u);
	if (pid == 0) {
		c->is_child = 1;
		close(c->sync_fd);
		c->sync_fd = c->sync_peer;
		c->sync_peer = -1;
		/* ORDER: C drops the signal mask P holds for forwarding before anything else */
		sigprocmask(SIG_SETMASK, &c->child_mask, NULL);
		return 0;
	}
	c->child = (pid_t)pid;
	close(c->sync_peer);
	c->sync_peer = -1;
	return 0;
}

static const char *point_name(uint32_t p)
{
	return p == SYNC_CHILD_MAY_RUN ? "CHILD_MAY_RUN" : p == SYNC_CHILD_READY ? "CHILD_READY" : "?";
}

int do_SYNC_SIGNAL(struct ctx *c, const struct op *op, struct err *e)
{
	uint32_t v = (uint32_t)op->a[0].u;
	if (send(c->sync_fd, &v, sizeof v, MSG_NOSIGNAL) != sizeof v)
		return fail_errno(e, "%s", point_name(v));
	/* ORDER: in create mode nobody reads the report pipe once P has said "created", and a
	 * reader waiting for its EOF must not wait for `start`: C lets go of it here and sends
	 * any later error record to its stderr */
	if (c->is_child && c->mode == MODE_CREATE && v == SYNC_CHILD_READY && c->report_fd > 2) {
		close(c->report_fd);
		c->report_fd = 2;
	}
	return 0;
}

int do_SYNC_WAIT(struct ctx *c, const struct op *op, struct err *e)
{
	uint32_t want = (uint32_t)op->a[0].u, v = 0;
	ssize_t r;
	do
		r = recv(c->sync_fd, &v, sizeof v, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return fail_errno(e, "%s", point_name(want));
	if (r == sizeof v && v == SYNC_PEER_FAILED) {
		fail(e, EPIPE, "%s: peer failed", point_name(want));
		e->reported = 1;
		return -EPIPE;
	}
	if (r == 0) {
		fail(e, EPIPE, "%s: %s", point_name(want),
		     c->is_child ? "planc-shim exited before the sync point"
				 : "container init exited before it was ready");
		e->bare = 1;
		return -EPIPE;
	}
	if (r != sizeof v || v != want)
		return fail(e, EPROTO, "%s: got %u", point_name(want), v);
	return 0;
}

/* teardown: ENOENT is success; a cgroup may report EBUSY for a moment after its last task */
int do_RMDIR(struct ctx *c, const struct op *op, struct err *e)
{
	(void)c;
	for (int tries = 0; rmdir(op->a[0].s) < 0; tries++) {
		if (errno == ENOENT)
			return 0;
		if (errno != EBUSY || tries == 50)
			return fail_errno(e, "%s", op->a[0].s);
		usleep(2000);
	}
	return 0;
}

int do_UNLINK(struct ctx *c, const struct op *op, struct err *e)
{
	(void)c;
	if (unlink(op->a[0].s) < 0 && errno != ENOENT)
		return fail_errno(e, "%s", op->a[0].s);
	return 0;
}
