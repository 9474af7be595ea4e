/* hunter.c — test-only: runs inside a container and attacks every process of the runtime that
 * shows up in its pid namespace (the shim or runc's init entering for an exec).
 *   hunter <ms> <dev:ino>...   for <ms> milliseconds, for each new pid (not itself, not 1):
 *     ptrace-attach it (from a child that exits at once, so the tracee is detached again),
 *     open /proc/<pid>/mem, open /proc/<pid>/exe with O_PATH and, unless that file is one of the
 *     given host binaries (dev:ino, from the host's stat), reopen it for writing and write one byte.
 * One line per pid, with its name before and after the attempts (an exec in between makes it
 * the container's process): "<pid> <comm> <comm-after> ptrace=<ok|eN> mem=<ok|eN> exe=<dev:ino|eN> wr=<ok|eN|host>" (eN: errno N).
 * A reopen of a host binary is reported as wr=host and never written. Never used outside tests. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* an errno as "e<n>" (one word) */
static const char *err(int r)
{
	static char b[4][16];
	static int i;
	if (r == 0)
		return "ok";
	i = (i + 1) % 4;
	snprintf(b[i], sizeof b[i], "e%d", errno);
	return b[i];
}

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void comm_of(int pid, char *out, size_t n)
{
	char p[64];
	snprintf(p, sizeof p, "/proc/%d/comm", pid);
	int fd = open(p, O_RDONLY);
	ssize_t r = fd < 0 ? -1 : read(fd, out, n - 1);
	out[r > 0 ? r - 1 : 0] = 0;
	if (!*out)
		strcpy(out, "-");
	if (fd >= 0)
		close(fd);
	for (char *c = out; *c; c++)
		if (*c == ' ')
			*c = '_';
}

static void attack(int pid, int nforbid, char **forbid)
{
	char p[64], comm[32], after[32], res[160] = "", exe[48], wr[48] = "-";
	comm_of(pid, comm, sizeof comm);
	pid_t c = fork();
	if (c == 0)
		_exit(ptrace(PTRACE_SEIZE, pid, 0, 0) == 0 ? 0 : errno);
	int st = 0;
	waitpid(c, &st, 0);
	errno = WEXITSTATUS(st);
	snprintf(res, sizeof res, "ptrace=%s", err(WEXITSTATUS(st) ? -1 : 0));
	snprintf(p, sizeof p, "/proc/%d/mem", pid);
	int m = open(p, O_RDONLY);
	snprintf(res + strlen(res), sizeof res - strlen(res), " mem=%s", err(m < 0 ? -1 : 0));
	snprintf(p, sizeof p, "/proc/%d/exe", pid);
	int x = open(p, O_PATH);
	struct stat s;
	if (x < 0 || fstat(x, &s) < 0) {
		snprintf(exe, sizeof exe, "%s", err(-1));
	} else {
		snprintf(exe, sizeof exe, "%u:%lu", (unsigned)s.st_dev, (unsigned long)s.st_ino);
		int host = 0;
		for (int i = 0; i < nforbid; i++)
			host |= strcmp(forbid[i], exe) == 0;
		if (host) {
			snprintf(wr, sizeof wr, "host");
		} else {
			snprintf(p, sizeof p, "/proc/self/fd/%d", x);
			int w = open(p, O_WRONLY);
			snprintf(wr, sizeof wr, "%s", err(w < 0 ? -1 : write(w, "x", 1) == 1 ? 0 : -1));
		}
	}
	comm_of(pid, after, sizeof after);
	printf("%d %s %s %s exe=%s wr=%s\n", pid, comm, after, res, exe, wr);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	long until = now_ms() + (argc > 1 ? atol(argv[1]) : 1000);
	static char seen[1 << 16];
	int self = getpid();
	printf("hunting\n");
	fflush(stdout);
	while (now_ms() < until) {
		DIR *d = opendir("/proc");
		struct dirent *e;
		while (d && (e = readdir(d))) {
			int pid = atoi(e->d_name);
			if (pid <= 1 || pid == self || pid >= (int)sizeof seen || seen[pid])
				continue;
			seen[pid] = 1;
			/* the hunter's own children (ptrace probes) are not targets */
			char p[64], buf[256];
			snprintf(p, sizeof p, "/proc/%d/stat", pid);
			int fd = open(p, O_RDONLY);
			ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
			if (fd >= 0)
				close(fd);
			if (n > 0) {
				buf[n] = 0;
				char *r = strrchr(buf, ')');
				if (r && atoi(r + 4) == self)
					continue;
			}
			attack(pid, argc - 2, argv + 2);
		}
		if (d)
			closedir(d);
	}
	return 0;
}
