/* main.c — planc-shim: reads a plan, re-executes sealed, then applies the plan's lanes in
 * order (docs/plan-format.md §2–§3). Knows nothing of OCI; it never decides, only does. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "shim.h"
#include "sys.h"

extern char **environ;

#define ALL_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* SECURITY: run only from a sealed memfd copy of ourselves, so nothing a container does to
 * /proc/<pid>/exe can reach the binary on disk (CVE-2019-5736). "Already sealed" is read from
 * the kernel (the seals of /proc/self/exe), never from an environment variable. */
static int ensure_sealed(char **argv, struct err *e)
{
	struct stat st;
	int r = proc_verify(e);
	if (r < 0)
		return r;
	int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return fail_errno(e, "/proc/self/exe");
	int seals = fcntl(self, F_GET_SEALS);
	if (seals >= 0 && (seals & ALL_SEALS) == ALL_SEALS)
		return close(self), 0;
	int mfd = (int)syscall(SYS_memfd_create, "planc-shim", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return fail_errno(e, "memfd_create");
	if (fstat(self, &st) < 0)
		return fail_errno(e, "/proc/self/exe");
	for (off_t left = st.st_size; left > 0;) {
		ssize_t n = sendfile(mfd, self, NULL, (size_t)left);
		if (n <= 0)
			return n < 0 ? fail_errno(e, "sendfile") : fail(e, EIO, "sendfile: short copy");
		left -= n;
	}
	if (fcntl(mfd, F_ADD_SEALS, ALL_SEALS) < 0)
		return fail_errno(e, "F_ADD_SEALS");
	syscall(SYS_execveat, mfd, "", argv, environ, AT_EMPTY_PATH);
	return fail_errno(e, "execveat memfd");
}

static int parse_fd(const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > 65535)
		return -1;
	return (int)v;
}

/* teardown lane: every op, past failures; the count of failures is returned */
int apply_teardown(struct ctx *c, const struct plan *p, int report)
{
	int failed = 0;
	for (uint32_t i = 0; i < p->count; i++) {
		const struct op *op = &p->ops[i];
		struct err e = { 0 };
		if (op->lane != LANE_TEARDOWN || op->def->fn(c, op, &e) == 0)
			continue;
		failed++;
		if (report)
			report_error(c->report_fd, op->index, op, &e);
	}
	return failed;
}

/* C failed: its record on the shared page first (no syscall needed), then on the report fd and
 * a word to P when the filter allows; and out, even if it does not */
static _Noreturn void child_failed(struct ctx *c, long step, const struct op *op, struct err *e)
{
	uint32_t v = SYNC_PEER_FAILED;
	struct progress *g = c->pg;
	e->filter_step = (int)g->filter_step;
	report_format(g->record, sizeof g->record, step, op, e);
	__atomic_store_n(&g->failed, 1, __ATOMIC_SEQ_CST);
	if (c->detached)
		report_text(2, "", op, e);   /* as runc: the bare "exec /run.sh: ..." */
	else if (e->reported || report_line(c->report_fd, g->record) == 0)
		__atomic_store_n(&g->reported, 1, __ATOMIC_SEQ_CST);
	send(c->sync_fd, &v, sizeof v, MSG_NOSIGNAL);
	die(1);
}

/* P failed before "created": nothing may be left behind */
static int create_failed(struct ctx *c, const struct plan *p, const struct op *op, struct err *e)
{
	uint32_t v;
	int status = 0;
	/* C may have failed first (and so caused ours): then its record is the first failure */
	while (c->child > 0 && !e->reported && recv(c->sync_fd, &v, sizeof v, MSG_DONTWAIT) == sizeof v)
		e->reported = v == SYNC_PEER_FAILED;
	if (c->child > 0) {
		kill(c->child, SIGKILL);
		while (waitpid(c->child, &status, 0) < 0 && errno == EINTR)
			;
		/* ORDER: C is reaped, so its page is final: its record, or the signal that ended it */
		if (child_report(c, p, status, e->peer_gone && !e->reported))
			e->reported = 1;
	}
	if (!e->reported)
		report_error(c->report_fd, op->index, op, e);
	apply_teardown(c, p, 0);
	return 1;
}

/* the script: P walks the host lane, C (after clone) the container lane, each op in order */
static int apply(struct ctx *c, const struct plan *p)
{
	struct err e = { 0 };
	char line[64];
	for (uint32_t i = 0; i < p->count; i++) {
		const struct op *op = &p->ops[i];
		if (op->lane != (c->is_child ? LANE_CONTAINER : LANE_HOST))
			continue;
		if (c->is_child)
			__atomic_store_n(&c->pg->step, op->index, __ATOMIC_SEQ_CST);
		if (op->def->fn(c, op, &e) < 0) {
			if (c->is_child)
				child_failed(c, op->index, op, &e);
			return create_failed(c, p, op, &e);
		}
	}
	if (c->is_child) {
		fail(&e, ENOEXEC, "%s", "container lane ended without execve");
		e.bare = 1;
		child_failed(c, p->count, NULL, &e);
	}
	if (c->mode == MODE_HOST)
		return 0;
	snprintf(line, sizeof line, "{\"type\":\"created\",\"pid\":%d}\n", (int)c->child);
	report_line(c->report_fd, line);
	return c->mode == MODE_CREATE ? 0 : run_wait(c, p);
}

static int usage(void)
{
	static const char msg[] = "usage: planc-shim create|run|host <plan-fd> <report-fd> [<control-fd>]\n"
				  "       planc-shim teardown <plan-fd> <report-fd>\n"
				  "       planc-shim decode <plan-fd>\n";
	report_line(2, msg);
	return 2;
}

static int decode_only(int plan_fd)
{
	struct err e = { 0 };
	struct plan p = { 0 };
	uint8_t *buf;
	size_t len;
	if (plan_fd < 0)
		return usage();
	if (plan_read(plan_fd, &buf, &len, &e) < 0 || plan_decode(buf, len, &p, &e) < 0) {
		report_error(1, -1, NULL, &e);
		return 1;
	}
	plan_print(1, &p);
	return 0;
}

int main(int argc, char **argv)
{
	struct ctx c = { .sync_fd = -1, .sync_peer = -1, .root_fd = -1, .fifo_fd = -1, .fifo_dir = -1,
			 .control_fd = -1, .console_fd = -1, .listener_fd = -1 };
	struct plan p = { 0 };
	struct err e = { 0 };
	uint8_t *buf;
	size_t len;
	int plan_fd, sv[2];

	if (argc == 3 && !strcmp(argv[1], "decode"))
		return decode_only(parse_fd(argv[2]));
	if (argc != 4 && argc != 5)
		return usage();
	if (!strcmp(argv[1], "create"))
		c.mode = MODE_CREATE;
	else if (!strcmp(argv[1], "run"))
		c.mode = MODE_RUN;
	else if (!strcmp(argv[1], "host"))
		c.mode = MODE_HOST;
	else if (!strcmp(argv[1], "teardown") && argc == 4)
		c.mode = MODE_TEARDOWN;
	else
		return usage();
	plan_fd = parse_fd(argv[2]);
	c.report_fd = parse_fd(argv[3]);
	if (plan_fd < 0 || c.report_fd < 0 || fcntl(c.report_fd, F_GETFD) < 0)
		return usage();
	if (argc == 5 && ((c.control_fd = parse_fd(argv[4])) < 0 || fcntl(c.control_fd, F_GETFD) < 0))
		return usage();

	if (ensure_sealed(argv, &e) < 0) {
		report_error(c.report_fd, -1, NULL, &e);
		return 1;
	}
	/* SECURITY: no ptrace or /proc/<pid>/mem access to a privileged shim from the container */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* SECURITY: the shim's own fds must not survive into the container process (stdio
	 * passed as plan or report fd stays the container's stdio) */
	if (c.report_fd > 2)
		fcntl(c.report_fd, F_SETFD, FD_CLOEXEC);
	if (plan_fd > 2)
		fcntl(plan_fd, F_SETFD, FD_CLOEXEC);
	if (c.control_fd > 2)
		fcntl(c.control_fd, F_SETFD, FD_CLOEXEC);

	/* ORDER: the whole plan is read and validated before the first op is applied */
	if (plan_read(plan_fd, &buf, &len, &e) < 0 || plan_decode(buf, len, &p, &e) < 0) {
		report_error(c.report_fd, -1, NULL, &e);
		return 1;
	}
	if (plan_fd > 2)
		close(plan_fd);
	if (c.mode == MODE_TEARDOWN)
		return apply_teardown(&c, &p, 1) ? 1 : 0;

	if (plan_check_lanes(&p, c.mode != MODE_HOST, &e) < 0) {
		e.bare = 1;
		report_error(c.report_fd, -1, NULL, &e);
		return 1;
	}
	if (c.mode == MODE_HOST)
		return apply(&c, &p);
	c.pg = mmap(NULL, sizeof *c.pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c.pg == MAP_FAILED || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		fail_errno(&e, c.pg == MAP_FAILED ? "mmap" : "socketpair");
		report_error(c.report_fd, -1, NULL, &e);
		return 1;
	}
	for (uint32_t i = 0; i < p.count; i++)
		c.detach_late |= p.ops[i].def->code == OP_SYNC_CLOSE;
	c.sync_fd = sv[0];
	c.sync_peer = sv[1];
	sigprocmask(SIG_SETMASK, NULL, &c.child_mask);
	if (c.mode == MODE_RUN) {
		/* ORDER: blocked before clone so no signal or child exit is missed; C unblocks */
		sigset_t set;
		run_signals(&set);
		sigprocmask(SIG_BLOCK, &set, NULL);
	}
	return apply(&c, &p);
}
