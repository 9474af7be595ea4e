/* seccomp-agent.c — test-only seccomp agent: accepts one runtime's connection on a unix socket,
 * saves the container process state it sends, and answers every notified mkdir/mkdirat with
 * success (without making the directory), letting any other notified syscall continue.
 * usage: seccomp-agent <socket> <state-out> ; never used outside the test suite. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	int ls = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof a.sun_path, "%s", argv[1]);
	unlink(argv[1]);
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 1) < 0)
		return perror("listen"), 1;
	printf("ready\n");
	fflush(stdout);
	int conn = accept(ls, NULL, NULL);
	if (conn < 0)
		return perror("accept"), 1;
	static char state[65536];
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { state, sizeof state - 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
	ssize_t n = recvmsg(conn, &m, 0);
	struct cmsghdr *h = n > 0 ? CMSG_FIRSTHDR(&m) : NULL;
	if (!h || h->cmsg_type != SCM_RIGHTS)
		return fprintf(stderr, "no fd\n"), 1;
	int fd;
	memcpy(&fd, CMSG_DATA(h), sizeof fd);
	/* written whole, then renamed: the test reads it as soon as it exists, while this agent
	 * may still be answering, so it must never see half a file */
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.part", argv[2]);
	FILE *out = fopen(tmp, "w");
	fwrite(state, 1, (size_t)n, out);
	fclose(out);
	rename(tmp, argv[2]);
	struct seccomp_notif_sizes sz;
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) < 0)
		return perror("sizes"), 1;
	struct seccomp_notif *req = calloc(1, sz.seccomp_notif);
	struct seccomp_notif_resp *resp = calloc(1, sz.seccomp_notif_resp);
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 30000) <= 0 || (p.revents & (POLLHUP | POLLERR)))
			return 0;   /* every task under the filter is gone */
		memset(req, 0, sz.seccomp_notif);
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			return 0;
		}
		memset(resp, 0, sz.seccomp_notif_resp);
		resp->id = req->id;
		if (req->data.nr == SYS_mkdir || req->data.nr == SYS_mkdirat)
			resp->val = 0;   /* pretend it worked */
		else
			resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, resp);
	}
}
