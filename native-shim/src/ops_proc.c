/* ops_proc.c — C's process-attribute ops: identity, limits, credentials, capabilities,
 * fds, hooks and the final execve. Each is one syscall (or one per bit) with the plan's
 * arguments; nothing here chooses a value. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "shim.h"
#include "sys.h"

int do_SETHOSTNAME(struct ctx *c, const struct op *op, struct err *e)
{
	return syscall(SYS_sethostname, op->a[0].s, (size_t)op->a[0].n) < 0 ? fail_errno(e, "%s", op->a[0].s) : 0;
}

int do_SETDOMAINNAME(struct ctx *c, const struct op *op, struct err *e)
{
	return syscall(SYS_setdomainname, op->a[0].s, (size_t)op->a[0].n) < 0 ? fail_errno(e, "%s", op->a[0].s) : 0;
}

int do_SETRLIMIT(struct ctx *c, const struct op *op, struct err *e)
{
	struct prlimit_val rl = { op->a[1].u, op->a[2].u };
	return syscall(SYS_prlimit64, 0, (int)op->a[0].u, &rl, NULL) < 0 ? fail_errno(e, "%llu", (unsigned long long)op->a[0].u) : 0;
}

int do_SET_NO_NEW_PRIVS(struct ctx *c, const struct op *op, struct err *e)
{
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ? fail_errno(e, "%s", "") : 0;
}

int do_SET_KEEPCAPS(struct ctx *c, const struct op *op, struct err *e)
{
	return prctl(PR_SET_KEEPCAPS, (unsigned long)op->a[0].u, 0, 0, 0) < 0 ? fail_errno(e, "%llu", (unsigned long long)op->a[0].u) : 0;
}

int do_CAPBSET_DROP(struct ctx *c, const struct op *op, struct err *e)
{
	for (unsigned bit = 0; bit < 64; bit++)
		if ((op->a[0].u >> bit & 1) && prctl(PR_CAPBSET_DROP, bit, 0, 0, 0) < 0)
			return fail_errno(e, "cap %u", bit);
	return 0;
}

int do_CAP_AMBIENT_RAISE(struct ctx *c, const struct op *op, struct err *e)
{
	for (unsigned bit = 0; bit < 64; bit++)
		if ((op->a[0].u >> bit & 1) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, bit, 0, 0) < 0)
			return fail_errno(e, "cap %u", bit);
	return 0;
}

/* credentials go through raw syscalls: one process, one thread, no libc broadcast */
int do_SETGROUPS(struct ctx *c, const struct op *op, struct err *e)
{
	return syscall(SYS_setgroups, (size_t)op->a[0].n, op->a[0].l) < 0 ? fail_errno(e, "%u groups", op->a[0].n) : 0;
}

int do_SETRESGID(struct ctx *c, const struct op *op, struct err *e)
{
	const struct arg *a = op->a;
	if (syscall(SYS_setresgid, (gid_t)a[0].u, (gid_t)a[1].u, (gid_t)a[2].u) < 0)
		return fail_errno(e, "%llu %llu %llu", (unsigned long long)a[0].u,
				  (unsigned long long)a[1].u, (unsigned long long)a[2].u);
	return 0;
}

int do_SETRESUID(struct ctx *c, const struct op *op, struct err *e)
{
	const struct arg *a = op->a;
	if (syscall(SYS_setresuid, (uid_t)a[0].u, (uid_t)a[1].u, (uid_t)a[2].u) < 0)
		return fail_errno(e, "%llu %llu %llu", (unsigned long long)a[0].u,
				  (unsigned long long)a[1].u, (unsigned long long)a[2].u);
	return 0;
}

int do_SETGID(struct ctx *c, const struct op *op, struct err *e)
{
	return syscall(SYS_setgid, (gid_t)op->a[0].u) < 0 ? fail_errno(e, "%llu", (unsigned long long)op->a[0].u) : 0;
}

int do_SETUID(struct ctx *c, const struct op *op, struct err *e)
{
	return syscall(SYS_setuid, (uid_t)op->a[0].u) < 0 ? fail_errno(e, "%llu", (unsigned long long)op->a[0].u) : 0;
}

int do_CAPSET(struct ctx *c, const struct op *op, struct err *e)
{
	struct cap_header h = { CAP_VERSION_3, 0 };
	struct cap_data d[2];
	for (int i = 0; i < 2; i++) {
		d[i].effective = (uint32_t)(op->a[0].u >> (32 * i));
		d[i].permitted = (uint32_t)(op->a[1].u >> (32 * i));
		d[i].inheritable = (uint32_t)(op->a[2].u >> (32 * i));
	}
	if (syscall(SYS_capset, &h, d) < 0)
		return fail_errno(e, "0x%llx 0x%llx 0x%llx", (unsigned long long)op->a[0].u,
				  (unsigned long long)op->a[1].u, (unsigned long long)op->a[2].u);
	return 0;
}

int do_UMASK(struct ctx *c, const struct op *op, struct err *e)
{
	umask((mode_t)(op->a[0].u & 0777));
	return 0;
}

int do_CHDIR(struct ctx *c, const struct op *op, struct err *e)
{
	if (chdir(op->a[0].s) < 0)
		return fail_errno(e, "%s", op->a[0].s);
	return 0;
}

/* close_fds: every fd ≥ first goes, except the shim's own (all O_CLOEXEC, gone at execve) */
int do_CLOSE_FDS(struct ctx *c, const struct op *op, struct err *e)
{
	int keep[6] = { c->report_fd, c->sync_fd, c->root_fd, c->fifo_fd, c->fifo_dir, c->console_fd }, n = 6;
	unsigned lo = (unsigned)op->a[0].u;
	for (int i = 1; i < n; i++)   /* insertion sort of six */
		for (int j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			int t = keep[j];
			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	for (int i = 0; i <= n; i++) {
		unsigned hi = i < n ? (unsigned)keep[i] : 0u;
		if (i < n && (keep[i] < 0 || (unsigned)keep[i] < lo))
			continue;
		/* SECURITY: no host fd the plan did not name reaches the container process */
		if ((i == n || hi > lo) && syscall(SYS_close_range, lo, i < n ? hi - 1 : ~0u, 0) < 0)
			return fail_errno(e, "%u", (unsigned)op->a[0].u);
		if (i < n)
			lo = hi + 1;
	}
	return 0;
}

int do_EXECVE(struct ctx *c, const struct op *op, struct err *e)
{
	const char *file = op->a[0].s;
	char *const *argv = op->a[1].sv, *const *envp = op->a[2].sv;
	char path[PATH_MAX];
	int err = ENOENT;
	if (strchr(file, '/')) {
		execve(file, argv, envp);
		return fail_errno(e, "%s", file);
	}
	for (uint32_t i = 0; i < op->a[3].n; i++) {
		if (snprintf(path, sizeof path, "%s/%s", op->a[3].sv[i], file) >= (int)sizeof path)
			continue;
		execve(path, argv, envp);
		if (errno != ENOENT && errno != ENOTDIR && errno != EACCES)
			return fail_errno(e, "%s", path);
		if (errno == EACCES)   /* as execvp: a found but unusable file outranks "not found" */
			err = EACCES;
	}
	return fail(e, err, "%s", file);
}

/* executable: 0 when path names a regular file the current credentials may execute */
static int executable(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
		return -EACCES;
	return faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) < 0 ? -errno : 0;
}

/* strerror as Go spells it: "no such file or directory" */
static const char *go_errstr(int errnum, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s", strerror(errnum));
	if (buf[0] >= 'A' && buf[0] <= 'Z')
		buf[0] = (char)(buf[0] - 'A' + 'a');
	return buf;
}

/* resolves file as do_EXECVE will; the message is Go's exec.LookPath error, which engines
 * match on ("executable file not found in $PATH", "no such file or directory", ...) */
int do_EXEC_CHECK(struct ctx *c, const struct op *op, struct err *e)
{
	const char *file = op->a[0].s;
	char path[PATH_MAX], msg[128];
	int r = -ENOENT;
	if (!strchr(file, '/')) {
		for (uint32_t i = 0; i < op->a[1].n; i++)
			if (snprintf(path, sizeof path, "%s/%s", op->a[1].sv[i], file) < (int)sizeof path &&
			    executable(path) == 0)
				return 0;
		fail(e, ENOENT, "exec: \"%s\": executable file not found in $PATH", file);
	} else if ((r = executable(file)) == -EACCES) {
		fail(e, EACCES, "exec: \"%s\": permission denied", file);
	} else if (r < 0) {
		fail(e, -r, "exec: \"%s\": stat %s: %s", file, file, go_errstr(-r, msg, sizeof msg));
	}
	e->bare = r < 0;
	return r < 0 ? r : 0;
}

/* hook_feed: the state bytes go to the hook's stdin while it runs; a hook that does not read
 * them, or exits early, must not block or kill C (EPIPE is ignored: SIGPIPE is ignored here) */
static void hook_feed(int *wfd, const char **p, size_t *left)
{
	ssize_t w = write(*wfd, *p, *left);
	if (w > 0)
		*p += w, *left -= (size_t)w;
	if ((w < 0 && errno != EAGAIN && errno != EINTR) || !*left) {
		close(*wfd);
		*wfd = -1;
	}
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

int do_RUN_HOOK(struct ctx *c, const struct op *op, struct err *e)
{
	const char *path = op->a[0].s;
	uint32_t timeout = (uint32_t)op->a[5].u;
	size_t cap = (size_t)op->a[3].n + op->a[4].n + 16;
	int pfd[2], status = 0, r = 0;
	if (c->host_pid <= 0)
		return fail(e, ESRCH, "%s: no pid from CHILD_MAY_RUN before this op", path);
	/* a missing or non-executable hook is named as such, not as "exit status 127" */
	if (access(path, X_OK) < 0)
		return fail_errno(e, "%s", path);
	char *state = malloc(cap);
	if (!state)
		return fail(e, ENOMEM, "%s: state", path);
	int n = snprintf(state, cap, "%s%d%s", op->a[3].s, (int)c->host_pid, op->a[4].s);
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		free(state);
		return fail_errno(e, "%s: pipe", path);
	}
	pid_t pid = fork();
	if (pid == 0) {
		if (dup2(pfd[0], 0) == 0)
			execve(path, op->a[1].sv, op->a[2].sv);
		die(127);
	}
	close(pfd[0]);
	if (pid < 0) {
		close(pfd[1]);
		return fail_errno(e, "%s: fork", path);
	}
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	sigaction(SIGPIPE, &ign, &old);
	fcntl(pfd[1], F_SETFL, O_NONBLOCK);
	const char *p = state;
	size_t left = (size_t)n;
	long deadline = now_ms() + timeout;
	/* ORDER: feed and wait together; the deadline covers both */
	while (pidfd >= 0) {
		struct pollfd f[2] = { { pidfd, POLLIN, 0 }, { pfd[1], POLLOUT, 0 } };
		long rest = deadline - now_ms();
		int k = poll(f, 2, timeout ? (int)(rest > 0 ? rest : 0) : -1);
		if (k == 0 || (k < 0 && errno != EINTR)) {
			r = k ? fail_errno(e, "%s: poll", path) : fail(e, ETIMEDOUT, "%s: after %u ms", path, timeout);
			kill(pid, SIGKILL);
			break;
		}
		if (k > 0 && f[1].revents)
			hook_feed(&pfd[1], &p, &left);
		if (k > 0 && f[0].revents)
			break;
	}
	if (pfd[1] >= 0)
		close(pfd[1]);
	if (pidfd >= 0) {
		close(pidfd);
	} else {
		r = fail_errno(e, "%s: pidfd_open", path);
		kill(pid, SIGKILL);
	}
	free(state);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	sigaction(SIGPIPE, &old, NULL);
	if (r < 0 || status == 0)
		return r;
	fail(e, ECANCELED, WIFEXITED(status) ? "%s: exit status %d" : "%s: killed by signal %d", path,
	     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	e->bare = 1;
	return -ECANCELED;
}
