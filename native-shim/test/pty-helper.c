/* pty-helper.c — test-only stand-ins for a console-socket server and a terminal, so the shim's
 * console ops are tested without script(1) or python. Never used outside native-shim/test.
 *   pty-helper serve <socket> <input>      accept one fd (SCM_RIGHTS), write input, copy it out
 *   pty-helper pty R C R2 C2 <cmd> [args]  run cmd on a new pty of R×C; SIGUSR1 resizes to R2×C2 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static void out(int fd, const char *p, ssize_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, (size_t)n);
		if (w <= 0)
			return;
		p += w, n -= w;
	}
}

static void drain(int master)
{
	char buf[4096];
	ssize_t r;
	while ((r = read(master, buf, sizeof buf)) > 0 || (r < 0 && errno == EINTR))
		out(1, buf, r);
}

static int serve(const char *path, const char *input)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char data[64] = "", cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { data, sizeof data - 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
	int fd, l = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	if (bind(l, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(l, 1) < 0)
		return perror("bind"), 1;
	out(1, "listening\n", 10);
	int conn = accept(l, NULL, NULL);
	if (conn < 0 || recvmsg(conn, &m, 0) <= 0 || !CMSG_FIRSTHDR(&m))
		return perror("recvmsg"), 1;
	memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof fd);
	dprintf(1, "name=%s\n", data);
	close(conn);
	close(l);
	unlink(path);
	out(fd, input, (ssize_t)strlen(input));
	drain(fd);
	return 0;
}

static int pty(char **argv)
{
	struct winsize ws = { .ws_row = (unsigned short)atoi(argv[0]), .ws_col = (unsigned short)atoi(argv[1]) };
	struct winsize ws2 = { .ws_row = (unsigned short)atoi(argv[2]), .ws_col = (unsigned short)atoi(argv[3]) };
	struct termios t;
	sigset_t set;
	int status = 0, master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) || unlockpt(master) || ioctl(master, TIOCSWINSZ, &ws))
		return perror("pty"), 1;
	char *slave = ptsname(master);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	pid_t pid = fork();
	if (pid == 0) {
		int s;
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		if (setsid() < 0 || (s = open(slave, O_RDWR)) < 0 || ioctl(s, TIOCSCTTY, 0) < 0)
			_exit(126);
		dup2(s, 0), dup2(s, 1), dup2(s, 2);
		execv(argv[4], argv + 4);
		_exit(127);
	}
	int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	char buf[4096];
	for (int in = 0;;) {
		struct pollfd f[3] = { { sfd, POLLIN, 0 }, { master, POLLIN, 0 }, { in, POLLIN, 0 } };
		poll(f, 3, -1);
		if (f[0].revents) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof si) == sizeof si && si.ssi_signo == SIGUSR1) {
				ioctl(master, TIOCSWINSZ, &ws2);
				out(1, "[resized]\n", 10);
			} else if (waitpid(pid, &status, WNOHANG) == pid) {
				break;
			}
		}
		ssize_t r;
		if (f[1].revents && (r = read(master, buf, sizeof buf)) > 0)
			out(1, buf, r);
		if (f[2].revents && (r = read(0, buf, sizeof buf)) > 0)
			out(master, buf, r);
		else if (f[2].revents)
			in = -1;
	}
	drain(master);   /* the shim and the container are gone: it ends in EIO */
	int s = open(slave, O_RDWR | O_NOCTTY);
	if (s >= 0 && tcgetattr(s, &t) == 0)
		dprintf(1, "[icanon=%d]\n", !!(t.c_lflag & ICANON));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "serve"))
		return serve(argv[2], argv[3]);
	if (argc >= 7 && !strcmp(argv[1], "pty"))
		return pty(argv + 2);
	fputs("usage: pty-helper serve <socket> <input> | pty R C R2 C2 <cmd> [args]\n", stderr);
	return 2;
}
