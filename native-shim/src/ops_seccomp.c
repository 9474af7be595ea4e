/* ops_seccomp.c — the seccomp filter, its listener's way from C through P to the agent, the
 * sync_close that ends C's steps under the filter, and what P learns of C from their shared page
 * when the filter leaves C no syscall to tell it. Never chooses what is sent, or where. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "shim.h"
#include "sys.h"

#define SEQ __ATOMIC_SEQ_CST

/* C's end, even when the filter denies exit itself (musl's _exit would spin): the trap needs no
 * syscall, and a forced SIGILL at its default action kills even a pid namespace's init */
_Noreturn void die(int code)
{
	syscall(SYS_exit_group, code);
	syscall(SYS_exit, code);
	for (;;)
		__builtin_trap();
}

int do_SECCOMP_SET_FILTER(struct ctx *c, const struct op *op, struct err *e)
{
	const struct arg *f = &op->a[1];
	unsigned flags = (unsigned)op->a[0].u;
	if (f->n % 8 || f->n / 8 > 0xffff)
		return fail(e, EINVAL, "%u filter bytes", f->n);
	struct sock_fprog_raw prog = { (unsigned short)(f->n / 8), f->b };
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	if (r < 0)
		return fail_errno(e, "0x%x", flags);
	if (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)
		c->listener_fd = (int)r;   /* O_CLOEXEC from the kernel */
	__atomic_store_n(&c->pg->filter_step, op->index + 1, SEQ);   /* C's ops: the page exists */
	return 0;
}

union rights { char b[CMSG_SPACE(sizeof(int))]; struct cmsghdr h; };

/* C: the listener to P on the sync socket; the message holds it, so C's copy goes now */
int do_SECCOMP_LISTENER_SEND(struct ctx *c, const struct op *op, struct err *e)
{
	uint32_t v = 0;
	if (c->listener_fd < 0)
		return fail(e, EBADF, "%s", "no listener from seccomp_set_filter");
	ssize_t n = send_with_fd(c->sync_fd, &v, sizeof v, c->listener_fd);
	int saved = errno;
	close(c->listener_fd);
	c->listener_fd = -1;
	return n == (ssize_t)sizeof v ? 0 : fail(e, n < 0 ? saved : EPROTO, "%s", "sync socket");
}

/* P: C's listener, then to the agent: the state (the parts joined by C's pid) and the fd in one
 * message, as runc and crun send it; P keeps no copy */
int do_SECCOMP_LISTENER_FORWARD(struct ctx *c, const struct op *op, struct err *e)
{
	const char *path = op->a[0].s;
	uint32_t v = 0;
	int fd = -1, sk = -1, r;
	union rights rb;
	struct iovec iov = { &v, sizeof v };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = rb.b, .msg_controllen = sizeof rb.b };
	ssize_t n;
	do
		n = recvmsg(c->sync_fd, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n > 0 && m.msg_controllen >= CMSG_LEN(sizeof(int)) && rb.h.cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(&rb.h), sizeof fd);
	if (fd < 0) {   /* C failed (its word, or EOF: it died) or sent something else */
		int failed = n == (ssize_t)sizeof v && v == SYNC_PEER_FAILED;
		r = n < 0 ? fail_errno(e, "%s", "recvmsg") : fail(e, n && !failed ? EPROTO : EPIPE, "%s",
			n ? "no listener fd from the container init" : "container init exited before it sent the listener");
		e->reported = failed;
		e->peer_gone = n == 0;
		return r;
	}
	size_t len = 1, o = 0;
	for (uint32_t i = 0; i < op->a[1].n; i++)
		len += strlen(op->a[1].sv[i]) + 12;
	char *state = malloc(len);
	struct sockaddr_un a;
	if (!state) {
		r = fail(e, ENOMEM, "%s", path);
		goto out;
	}
	char pid[16];
	snprintf(pid, sizeof pid, "%d", (int)c->child);
	for (uint32_t i = 0; i < op->a[1].n; i++)   /* part, pid, part, …, part */
		o += (size_t)snprintf(state + o, len - o, "%s%s", i ? pid : "", op->a[1].sv[i]);
	if ((sk = unix_socket(&a, path, e)) < 0) {
		r = sk;
		goto out;
	}
	if (connect(sk, (struct sockaddr *)&a, sizeof a) < 0) {
		r = fail_errno(e, "%s: connect", path);
		goto out;
	}
	n = send_with_fd(sk, state, o, fd);
	r = n == (ssize_t)o ? 0 : n < 0 ? fail_errno(e, "%s: sendmsg", path) : fail(e, EIO, "%s: short sendmsg", path);
out:
	free(state);
	if (sk >= 0)
		close(sk);
	close(fd);
	return r;
}

/* C closes its end of the sync socket: P's EOF is the sync point (runc closes its init pipe so) */
int do_SYNC_CLOSE(struct ctx *c, const struct op *op, struct err *e)
{
	if (close(c->sync_fd) < 0)
		return fail_errno(e, "%s", "sync socket");
	c->sync_fd = -1;
	__atomic_store_n(&c->pg->closed, 1, SEQ);
	detach(c);
	return 0;
}

/* P, at EOF where C's sync_close was due: C closed it (its page says so at once), or C died */
int child_closed(struct ctx *c, struct err *e)
{
	for (int i = 0; i < 10000; i++) {   /* C stores `closed` right after close returns */
		siginfo_t si = { 0 };
		if (__atomic_load_n(&c->pg->closed, SEQ))
			return 0;
		if (waitid(P_PID, (id_t)c->child, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == c->child)
			break;
		usleep(100);
	}
	fail(e, EPIPE, "%s", "CHILD_DONE: container init exited before it was done");
	e->bare = e->peer_gone = 1;
	return -EPIPE;
}

/* P, before reaping C: a zombie keeps its last name, and a successful execve changed it */
int child_in_shim(pid_t pid)
{
	char path[32], comm[32] = { 0 };
	snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, comm, sizeof comm - 1);
	if (fd >= 0)
		close(fd);
	return n > 0 && !strcmp(comm, INIT_COMM "\n");
}

/* P, once C is reaped with status: the record C failed with, written for it if it could not,
 * or (signals) its death by a signal before execve. 1 when C's failure is on the report fd */
int child_report(struct ctx *c, const struct plan *p, int status, int signals)
{
	struct progress *g = c->pg;
	g->record[sizeof g->record - 1] = 0;
	if (__atomic_load_n(&g->failed, SEQ))
		return g->reported || report_line(c->report_fd, g->record) == 0;
	uint32_t step = __atomic_load_n(&g->step, SEQ);
	if (!signals || !WIFSIGNALED(status) || step >= p->count || (p->ops[step].def->code == OP_EXECVE && !c->in_shim))
		return 0;   /* after execve: the container process's own death */
	struct err e = { 0 };
	fail(&e, ECANCELED, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	e.bare = 1;
	e.filter_step = (int)g->filter_step;
	report_error(c->report_fd, step, &p->ops[step], &e);
	return 1;
}
