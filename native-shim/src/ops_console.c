/* ops_console.c — the pty ops: C makes the pty inside the container's devpts and sends the
 * master to a unix socket; P may listen on that socket for `run`. Never chooses a path or
 * a size: both come from the plan. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>
#include "shim.h"

/* a CLOEXEC unix stream socket and the address of `path`, for bind or connect */
int unix_socket(struct sockaddr_un *sa, const char *path, struct err *e)
{
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sa->sun_path)
		return fail(e, ENAMETOOLONG, "%s", path);
	strcpy(sa->sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	return fd < 0 ? fail_errno(e, "%s: socket", path) : fd;
}

static void set_console_fd(struct ctx *c, int fd)
{
	if (c->console_fd >= 0)
		close(c->console_fd);
	c->console_fd = fd;
}

/* console_listen: P's end of the proxy; the connection is accepted after "created" (run.c) */
int do_CONSOLE_LISTEN(struct ctx *c, const struct op *op, struct err *e)
{
	struct sockaddr_un sa;
	const char *path = op->a[0].s;
	int r, fd = unix_socket(&sa, path, e);
	if (fd < 0)
		return fd;
	/* SECURITY: the socket file is 0600 from its first moment: the umask is set around bind
	 * (one thread), so no one else can connect between bind and a chmod */
	mode_t old = umask(0177);
	r = bind(fd, (struct sockaddr *)&sa, sizeof sa);
	int saved = errno;
	umask(old);
	if (r < 0 || listen(fd, 1) < 0) {
		r = fail(e, r < 0 ? saved : errno, "%s", path);
		close(fd);
		return r;
	}
	set_console_fd(c, fd);
	c->console_op = op;
	return 0;
}

int do_CONSOLE_CONNECT(struct ctx *c, const struct op *op, struct err *e)
{
	struct sockaddr_un sa;
	const char *path = op->a[0].s;
	int r, fd = unix_socket(&sa, path, e);
	if (fd < 0)
		return fd;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		r = fail_errno(e, "%s", path);
		close(fd);
		return r;
	}
	set_console_fd(c, fd);
	return 0;
}

/* one message of `len` bytes carrying `fd` (SCM_RIGHTS): the pty master, the seccomp listener */
ssize_t send_with_fd(int sock, const void *data, size_t len, int fd)
{
	char cbuf[CMSG_SPACE(sizeof fd)];
	struct iovec iov = { (void *)data, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
	memset(cbuf, 0, sizeof cbuf);
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof fd);
	memcpy(CMSG_DATA(h), &fd, sizeof fd);
	return sendmsg(sock, &m, MSG_NOSIGNAL);
}

/* console_setup: pty from the container's own devpts, master out, peer becomes C's stdio */
int do_CONSOLE_SETUP(struct ctx *c, const struct op *op, struct err *e)
{
	const char *ptmx = op->a[0].s;
	struct winsize ws = { .ws_row = (unsigned short)op->a[1].u, .ws_col = (unsigned short)op->a[2].u };
	int zero = 0, peer = -1, r;
	if (c->console_fd < 0)
		return fail(e, EBADF, "%s: no console_connect before this op", ptmx);
	/* SECURITY: the ptmx is resolved in root, so the pty belongs to the container's devpts
	 * and its peer is a /dev/pts entry the container sees (not a host pty) */
	int master = resolve_in_root(c, ptmx, O_RDWR | O_NOCTTY, e);
	if (master < 0)
		return master;
	if (ioctl(master, TIOCSPTLCK, &zero) < 0) {
		r = fail_errno(e, "%s: unlock", ptmx);
		goto out;
	}
	/* SECURITY: the peer is opened from the master fd, never by a /dev/pts/N path lookup */
	if ((peer = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
		r = fail_errno(e, "%s: open peer", ptmx);
		goto out;
	}
	if (ws.ws_row && ws.ws_col && ioctl(master, TIOCSWINSZ, &ws) < 0) {
		r = fail_errno(e, "%s: window size", ptmx);
		goto out;
	}
	if (send_with_fd(c->console_fd, "/dev/ptmx", 9, master) != 9) {
		r = fail_errno(e, "%s: send master", ptmx);
		goto out;
	}
	/* ORDER: the master and the socket leave C before the peer becomes the controlling tty */
	close(master);
	master = -1;
	set_console_fd(c, -1);
	if (setsid() < 0)
		r = fail_errno(e, "%s: setsid", ptmx);
	else if (ioctl(peer, TIOCSCTTY, 0) < 0)
		r = fail_errno(e, "%s: set controlling tty", ptmx);
	else
		r = dup2(peer, 0) < 0 || dup2(peer, 1) < 0 || dup2(peer, 2) < 0 ? fail_errno(e, "%s: dup2", ptmx) : 0;
out:
	if (master >= 0)
		close(master);
	if (peer > 2)
		close(peer);
	return r;
}

/* tty_clear_oflag: output processing bits off on the terminal at fd (the pty is one termios
 * for both ends, so this is what its master's reader gets) */
int do_TTY_CLEAR_OFLAG(struct ctx *c, const struct op *op, struct err *e)
{
	struct termios t;
	int fd = (int)op->a[0].u;
	if (tcgetattr(fd, &t) < 0)
		return fail_errno(e, "fd %d", fd);
	t.c_oflag &= ~(tcflag_t)op->a[1].u;
	return tcsetattr(fd, TCSANOW, &t) < 0 ? fail_errno(e, "fd %d", fd) : 0;
}
