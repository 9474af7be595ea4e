/* run.c — `run` mode once C is "created": P forwards signals to C, proxies the console when
 * the plan listened for one, reaps C, applies the teardown lane and reports `exited`.
 * P never enters the container here; it only relays bytes and signals. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include "shim.h"

#define DRAIN_MS 100   /* after C exits: the master is done once it is silent this long */

void run_signals(sigset_t *set)
{
	static const int forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH };
	sigemptyset(set);
	for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
		sigaddset(set, forwarded[i]);
	sigaddset(set, SIGCHLD);
}

struct proxy {
	int master, in;          /* -1 when closed */
	struct termios saved;    /* stdin's mode before raw, when it is a tty */
	int raw;
	size_t off, len;         /* stdin bytes read but not yet written to the master */
	char buf[4096];
};

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;   /* a closed stdout drops output; it never stops the container */
		p += w, n -= (size_t)w;
	}
}

static void copy_winsize(struct proxy *x)
{
	struct winsize ws;
	if (x->raw && ioctl(0, TIOCGWINSZ, &ws) == 0)
		ioctl(x->master, TIOCSWINSZ, &ws);
}

/* the connection from C's console_setup: one message whose only fd is the pty master */
static int receive_master(struct ctx *c, struct proxy *x, struct err *e)
{
	char data[64], cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { data, sizeof data };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
	int conn = accept4(c->console_fd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		return fail_errno(e, "%s: accept", c->console_op->a[0].s);
	ssize_t r = recvmsg(conn, &m, MSG_CMSG_CLOEXEC);
	int saved = errno;
	close(conn);
	struct cmsghdr *h = r > 0 ? CMSG_FIRSTHDR(&m) : NULL;
	if (!h || (m.msg_flags & MSG_CTRUNC) || h->cmsg_level != SOL_SOCKET ||
	    h->cmsg_type != SCM_RIGHTS || h->cmsg_len != CMSG_LEN(sizeof(int)))
		return fail(e, r < 0 ? saved : EPROTO, "%s: no pty master received", c->console_op->a[0].s);
	memcpy(&x->master, CMSG_DATA(h), sizeof(int));
	fcntl(x->master, F_SETFL, O_NONBLOCK);
	x->in = 0;
	if (isatty(0) && tcgetattr(0, &x->saved) == 0) {
		struct termios t = x->saved;
		cfmakeraw(&t);
		/* the terminal still turns NL into CR NL, as runc's raw mode leaves it: the pty's
		 * ONLCR is off (tty_clear_oflag), so a pipe on stdout gets the process's own bytes */
		t.c_oflag |= OPOST;
		x->raw = tcsetattr(0, TCSANOW, &t) == 0;
	}
	copy_winsize(x);
	return 0;
}

/* master → stdout; stdin → master through buf, so a full pty never blocks P's output side */
static void pump(struct proxy *x, short mrev, short irev)
{
	char out[4096];
	if (mrev & POLLOUT) {
		ssize_t w = write(x->master, x->buf + x->off, x->len - x->off);
		if (w > 0 && (x->off += (size_t)w) == x->len)
			x->off = x->len = 0;
	}
	if (mrev & (POLLIN | POLLHUP | POLLERR)) {
		ssize_t r = read(x->master, out, sizeof out);
		if (r > 0)
			write_all(1, out, (size_t)r);
		else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {   /* EIO: no peer left */
			close(x->master);
			x->master = x->in = -1;
		}
	}
	if (irev && x->in >= 0) {
		ssize_t r = read(x->in, x->buf, sizeof x->buf);
		if (r > 0)
			x->len = (size_t)r;
		else if (r == 0 || errno != EINTR)
			x->in = -1;   /* stdin ended: the container keeps its tty, nothing is sent */
	}
}

/* C's status is ours; the order is: C exits, the master drains, teardown, `exited` */
int run_wait(struct ctx *c, const struct plan *p)
{
	struct proxy x = { .master = -1, .in = -1 };
	struct signalfd_siginfo si;
	struct err e = { 0 };
	sigset_t set;
	int status = 0, exited = 0;
	char line[64];

	run_signals(&set);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	/* a closed stdout must not kill P with the terminal left raw */
	signal(SIGPIPE, SIG_IGN);
	while (sfd >= 0 && (!exited || x.master >= 0)) {
		struct pollfd f[4] = {
			{ sfd, POLLIN, 0 },
			{ exited ? -1 : c->console_fd, POLLIN, 0 },
			{ x.master, (short)(POLLIN | (x.len ? POLLOUT : 0)), 0 },
			{ exited || x.len ? -1 : x.in, POLLIN, 0 },
		};
		int n = poll(f, 4, exited ? DRAIN_MS : -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		/* ORDER: signals first, so a SIGWINCH is applied before input that followed it */
		if ((f[0].revents & POLLIN) && read(sfd, &si, sizeof si) == sizeof si) {
			if (si.ssi_signo == SIGCHLD) {
				c->in_shim = child_in_shim(c->child);
				exited = waitpid(c->child, &status, WNOHANG) == c->child;
			}
			else if (si.ssi_signo == SIGWINCH && x.raw)
				copy_winsize(&x);
			else
				kill(c->child, (int)si.ssi_signo);
		}
		if (f[1].revents) {
			if (receive_master(c, &x, &e) < 0)
				report_error(c->report_fd, c->console_op->index, c->console_op, &e);
			close(c->console_fd);
			c->console_fd = -1;
		}
		if (x.master >= 0)
			pump(&x, f[2].revents, f[3].revents);
	}
	if (x.master >= 0)
		close(x.master);
	if (sfd >= 0)
		close(sfd);
	if (x.raw)
		tcsetattr(0, TCSANOW, &x.saved);
	while (!exited && waitpid(c->child, &status, 0) < 0 && errno == EINTR)
		;
	/* C may have failed after "created" without a word on the report fd (its filter denied it) */
	child_report(c, p, status, 1);
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	/* ORDER: C (and with it its mount namespace) is gone, so its cgroups are empty now */
	apply_teardown(c, p, 1);
	snprintf(line, sizeof line, "{\"type\":\"exited\",\"status\":%d}\n", code);
	report_line(c->report_fd, line);
	return code;
}
