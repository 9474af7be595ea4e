/* report.c — the one error convention and the JSON records written on the report fd.
 * Never allocates and never fails loudly: a record that cannot be written is dropped. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "shim.h"

static int vfail(struct err *e, int errnum, const char *fmt, va_list ap)
{
	e->errnum = errnum;
	e->reported = 0;
	e->bare = 0;
	e->peer_gone = 0;
	vsnprintf(e->what, sizeof e->what, fmt, ap);
	return -errnum;
}

/* fail: record an error whose errno the caller knows; returns -errnum */
int fail(struct err *e, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vfail(e, errnum, fmt, ap);
	va_end(ap);
	return r;
}

/* fail_errno: record the failure of the syscall just made; returns -errno */
int fail_errno(struct err *e, const char *fmt, ...)
{
	int errnum = errno ? errno : EIO;
	va_list ap;
	va_start(ap, fmt);
	int r = vfail(e, errnum, fmt, ap);
	va_end(ap);
	return r;
}

/* each errno's name, and its text as Go prints it (glibc's strerror, lowercased): engines match
 * on that text ("no such file or directory", "permission denied"); musl's differs (EBUSY) */
static const struct { int n; const char *name, *text; } errnames[] = {
	{ EPERM, "EPERM", "operation not permitted" }, { ENOENT, "ENOENT", "no such file or directory" },
	{ ESRCH, "ESRCH", "no such process" }, { EINTR, "EINTR", "interrupted system call" },
	{ EIO, "EIO", "input/output error" }, { ENXIO, "ENXIO", "no such device or address" },
	{ E2BIG, "E2BIG", "argument list too long" }, { ENOEXEC, "ENOEXEC", "exec format error" },
	{ EBADF, "EBADF", "bad file descriptor" }, { ECHILD, "ECHILD", "no child processes" },
	{ EAGAIN, "EAGAIN", "resource temporarily unavailable" }, { ENOMEM, "ENOMEM", "cannot allocate memory" },
	{ EACCES, "EACCES", "permission denied" }, { EFAULT, "EFAULT", "bad address" },
	{ EBUSY, "EBUSY", "device or resource busy" }, { EEXIST, "EEXIST", "file exists" },
	{ EXDEV, "EXDEV", "invalid cross-device link" }, { ENODEV, "ENODEV", "no such device" },
	{ ENOTDIR, "ENOTDIR", "not a directory" }, { EISDIR, "EISDIR", "is a directory" },
	{ EINVAL, "EINVAL", "invalid argument" }, { ENFILE, "ENFILE", "too many open files in system" },
	{ EMFILE, "EMFILE", "too many open files" }, { ENOTTY, "ENOTTY", "inappropriate ioctl for device" },
	{ ETXTBSY, "ETXTBSY", "text file busy" }, { EFBIG, "EFBIG", "file too large" },
	{ ENOSPC, "ENOSPC", "no space left on device" }, { ESPIPE, "ESPIPE", "illegal seek" },
	{ EROFS, "EROFS", "read-only file system" }, { EMLINK, "EMLINK", "too many links" },
	{ EPIPE, "EPIPE", "broken pipe" }, { ERANGE, "ERANGE", "numerical result out of range" },
	{ ENAMETOOLONG, "ENAMETOOLONG", "file name too long" }, { ENOSYS, "ENOSYS", "function not implemented" },
	{ ENOTEMPTY, "ENOTEMPTY", "directory not empty" }, { ELOOP, "ELOOP", "too many levels of symbolic links" },
	{ EOPNOTSUPP, "EOPNOTSUPP", "operation not supported" }, { ECONNRESET, "ECONNRESET", "connection reset by peer" },
	{ ENOTBLK, "ENOTBLK", "block device required" }, { EUSERS, "EUSERS", "too many users" },
	{ EPROTO, "EPROTO", "protocol error" }, { ECANCELED, "ECANCELED", "operation canceled" },
	{ ETIMEDOUT, "ETIMEDOUT", "connection timed out" }, { ECONNREFUSED, "ECONNREFUSED", "connection refused" },
};

const char *errname(int errnum)
{
	for (size_t i = 0; i < sizeof errnames / sizeof errnames[0]; i++)
		if (errnames[i].n == errnum)
			return errnames[i].name;
	return "EUNKNOWN";
}

/* errtext: Go's text for errnum; another errno gets musl's text, lowercased */
static const char *errtext(int errnum, char *buf, size_t cap)
{
	for (size_t i = 0; i < sizeof errnames / sizeof errnames[0]; i++)
		if (errnames[i].n == errnum)
			return errnames[i].text;
	snprintf(buf, cap, "%s", strerror(errnum));
	for (char *c = buf; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	return buf;
}

/* json_str: writes s[0..n) as a quoted JSON string into out; returns bytes written (≤ cap-1) */
size_t json_str(char *out, size_t cap, const char *s, size_t n)
{
	size_t o = 0;
	if (cap < 3)
		return 0;
	out[o++] = '"';
	for (size_t i = 0; i < n && o + 8 < cap; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\') {
			out[o++] = '\\';
			out[o++] = (char)ch;
		} else if (ch < 0x20 || ch == 0x7f) {
			o += (size_t)snprintf(out + o, cap - o, "\\u%04x", ch);
		} else {
			out[o++] = (char)ch;
		}
	}
	out[o++] = '"';
	out[o] = 0;
	return o;
}

/* report_line: one record, one write, so records of P and C never interleave; -1 if lost */
int report_line(int fd, const char *line)
{
	size_t n = strlen(line);
	while (n > 0) {
		ssize_t w = write(fd, line, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		line += w;
		n -= (size_t)w;
	}
	return 0;
}

/* the message of a failure: "mount_in_root proc -> /proc: operation not permitted" */
static void message(char *msg, size_t cap, const struct op *op, const struct err *e)
{
	/* a failed execve reads as runc's (Go's) "exec /run.sh: no such file or directory" */
	const char *name = !op ? "planc-shim" : op->def->fn == do_EXECVE ? "exec" : op->def->name;
	char text[64];
	const char *errstr = errtext(e->errnum, text, sizeof text);
	if (e->bare && !op)   /* a plan-level failure: the rule alone, e.g. "bad magic" */
		snprintf(msg, cap, "%s", e->what);
	else if (e->bare)
		snprintf(msg, cap, "%s %s", name, e->what);
	else if (e->what[0])
		snprintf(msg, cap, "%s %s: %s", name, e->what, errstr);
	else
		snprintf(msg, cap, "%s: %s", name, errstr);
	size_t n = strlen(msg);
	if (e->filter_step && n < cap)
		snprintf(msg + n, cap - n, " (under the seccomp filter of step %d)", e->filter_step - 1);
}

/* report_text: the failure as one plain line, for a reader that is a terminal or a log */
void report_text(int fd, const char *prefix, const struct op *op, const struct err *e)
{
	char msg[700], line[760];
	message(msg, sizeof msg, op, e);
	snprintf(line, sizeof line, "%s%s\n", prefix, msg);
	report_line(fd, line);
}

/* report_format: the error record as one JSON line; no syscall (C formats it under the filter) */
size_t report_format(char *line, size_t cap, long step, const struct op *op, const struct err *e)
{
	char msg[700], qmsg[1400];
	message(msg, sizeof msg, op, e);
	json_str(qmsg, sizeof qmsg, msg, strlen(msg));
	int n = snprintf(line, cap,
		 "{\"type\":\"error\",\"step\":%ld,\"lane\":\"%s\",\"op\":\"%s\",\"errno\":%d,"
		 "\"errname\":\"%s\",\"message\":%s}\n",
		 step, op ? lane_name(op->lane) : "", op ? op->def->name : "", e->errnum,
		 errname(e->errnum), qmsg);
	return n < 0 ? 0 : (size_t)n;
}

void report_error(int fd, long step, const struct op *op, const struct err *e)
{
	char line[1700];
	report_format(line, sizeof line, step, op, e);
	report_line(fd, line);
}
