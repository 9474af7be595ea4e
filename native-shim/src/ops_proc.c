/* ops_proc.c — C's process-attribute ops: identity, limits, credentials, capabilities,
 * seccomp, fds and the final execve. Each is one syscall (or one per bit) with the plan's
 * arguments; nothing here chooses a value. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "shim.h"
#include "sys.h"

int do_SETHOSTNAME(struct ctx *c, const struct op *op, struct err *e)
{
	(void)c;
	if (syscall(SYS_sethostname, op->a[0].s, (size_t)op->a[0].n) < 0)
		return fail_errno(e, "%s", op->a[0].s);
	return 0;
}

int do_SETDOMAINNAME(struct ctx *c, const struct op *op, struct err *e)
{
	(void)c;
	if (syscall(SYS_setdomainname, op->a[0].s, (size_t)op->a[0].n) < 0)
		return fail_errno(e, "%s", op->a[0].s);
	return 0;
}

int do_SETRLIMIT(struct ctx *c, const struct op *op, struct err *e)
{
	(void)c;
	struct prlimit_val rl = { op->a[1].u, op->a[2].u };
	if (syscall(SYS_prlimit64, 0, (int)op->a[0].u, &rl, NULL) < 0)
		return fail_errno(e, "%llu", (unsigned long long)op->a[0].u);
	return 0;
}

int do_SET_NO_NEW_PRIVS(struct ctx *c, const struct op *op, struct err *e)
{
	(void)c, (void)op;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return fail_errno(e, "%s", "");
	return 0;
}

int do_SET_KEEPCAPS(struct ctx *c, const struct op *op, struct err *e)
{
	(void)c;
	if (prctl(PR_SET_KEEPCAPS, (unsigned long)op->a[0].u, 0, 0, 0) < 0)
		return fail_errno(e, "%llu", (unsigned long long)op->a[0].u);
	return 0;
}

int do_CAPBSET_DROP(struct ctx *c, const struct op *op, struct err *e)
{
	(void)c;
	for (unsigned bit = 0; bit < 64; bit++)
		if ((op->a[0].u >> bit & 1) && prctl(PR_CAPBSET_DROP, bit, 0, 0, 0) < 0)
			return fail_errno(e, "cap %u", bit);
	return 0;
}

int do_CAP_AMBIENT_RAISE(struct ctx *c, const struct op *op, struct err *e)
{
	(void)c;
	for (unsigned bit = 0; bit < 64; bit++)
		if ((op->a[0].u >> bit & 1) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, bit, 0, 0) < 0)
			return fail_errno(e, "cap %u", bit);
	return 0;
}

/* credentials go through raw syscalls: one process, one thread, no libc broadcast */
int do_SETGROUPS(struct ctx *c, const struct op *op, struct err *e)
{
	(void)c;
	if (syscall(SYS_setgroups, (size_t)op->a[0].n, op->a[0].l) < 0)
		return fail_errno(e, "%u groups", op->a[0].n);
	return 0;
}

int do_SETRESGID(struct ctx *c, const struct op *op, struct err *e)
{
	(void)c;
	const struct arg *a = op->a;
	if (syscall(SYS_setresgid, (gid_t)a[0].u, (gid_t)a[1].u, (gid_t)a[2].u) < 0)
		return fail_errno(e, "%llu %llu %llu", (unsigned long long)a[0].u,
				  (unsigned long long)a[1].u, (unsigned long long)a[2].u);
	return 0;
}

int do_SETRESUID(struct ctx *c, const struct op *op, struct err *e)
{
	(void)c;
	const struct arg *a = op->a;
	if (syscall(SYS_setresuid, (uid_t)a[0].u, (uid_t)a[1].u, (uid_t)a[2].u) < 0)
		return fail_errno(e, "%llu %llu %llu", (unsigned long long)a[0].u,
				  (unsigned long long)a[1].u, (unsigned long long)a[2].u);
	return 0;
}

int do_CAPSET(struct ctx *c, const struct op *op, struct err *e)
{
	(void)c;
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
	(void)c, (void)e;
	umask((mode_t)(op->a[0].u & 0777));
	return 0;
}

int do_CHDIR(struct ctx *c, const struct op *op, struct err *e)
{
	(void)c;
	if (chdir(op->a[0].s) < 0)
		return fail_errno(e, "%s", op->a[0].s);
	return 0;
}

/* close_fds: every fd ≥ first goes, except the shim's own (all O_CLOEXEC, gone at execve) */
int do_CLOSE_FDS(struct ctx *c, const struct op *op, struct err *e)
{
	int keep[4] = { c->report_fd, c->sync_fd, c->root_fd, c->fifo_fd }, n = 4;
	unsigned lo = (unsigned)op->a[0].u;
	for (int i = 1; i < n; i++)   /* insertion sort of four */
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

int do_SECCOMP_SET_FILTER(struct ctx *c, const struct op *op, struct err *e)
{
	(void)c;
	const struct arg *f = &op->a[1];
	if (f->n % 8 || f->n / 8 > 0xffff)
		return fail(e, EINVAL, "%u filter bytes", f->n);
	struct sock_fprog_raw prog = { (unsigned short)(f->n / 8), f->b };
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned)op->a[0].u, &prog) < 0)
		return fail_errno(e, "0x%llx", (unsigned long long)op->a[0].u);
	return 0;
}

int do_EXECVE(struct ctx *c, const struct op *op, struct err *e)
{
	(void)c;
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
