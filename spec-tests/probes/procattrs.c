/* procattrs.c — a static probe run inside test containers: prints what the kernel reports for
 * the calling process's scheduling, I/O priority, personality, CPU affinity, memory policy and
 * time namespace offsets, one "key value" line each. Reads only; never changes anything. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

struct sched_attr_v1 {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
	uint32_t util_min, util_max;
};

static void print_mask(const char *key, const unsigned long *m, size_t bits)
{
	printf("%s ", key);
	int first = 1;
	for (size_t i = 0; i < bits; i++) {
		if (!(m[i / (8 * sizeof *m)] >> (i % (8 * sizeof *m)) & 1))
			continue;
		size_t j = i;
		while (j + 1 < bits && (m[(j + 1) / (8 * sizeof *m)] >> ((j + 1) % (8 * sizeof *m)) & 1))
			j++;
		printf(first ? "%zu" : ",%zu", i);
		if (j > i)
			printf("-%zu", j);
		first = 0;
		i = j;
	}
	printf("%s\n", first ? "none" : "");
}

int main(void)
{
	struct sched_attr_v1 a = { 0 };
	if (syscall(SYS_sched_getattr, 0, &a, sizeof a, 0) == 0)
		printf("sched policy=%u flags=%llu nice=%d priority=%u runtime=%llu deadline=%llu period=%llu\n",
		       a.policy, (unsigned long long)a.flags, a.nice, a.priority, (unsigned long long)a.runtime,
		       (unsigned long long)a.deadline, (unsigned long long)a.period);
	else
		perror("sched_getattr");
	long io = syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
	printf("ioprio class=%ld data=%ld\n", io >> 13, io & 0x1fff);
	printf("personality 0x%x\n", (unsigned)personality(0xffffffff));
	struct utsname u;
	uname(&u);
	printf("machine %s\n", u.machine);
	unsigned long cpus[1024 / (8 * sizeof(unsigned long))] = { 0 };
	if (syscall(SYS_sched_getaffinity, 0, sizeof cpus, cpus) > 0)
		print_mask("cpus", cpus, 1024);
	int mode = -1;
	unsigned long nodes[1024 / (8 * sizeof(unsigned long))] = { 0 };
	if (syscall(SYS_get_mempolicy, &mode, nodes, 1025UL, 0UL, 0UL) == 0) {
		printf("mempolicy mode=%d flags=0x%x\n", mode & 0xff, mode & ~0xff);
		print_mask("mempolicy-nodes", nodes, 1024);
	} else
		perror("get_mempolicy");
	char buf[256];
	int fd = open("/proc/self/timens_offsets", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	if (n >= 0) {
		buf[n] = 0;
		for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
			char clk[32];
			long long s, ns;
			if (sscanf(line, "%31s %lld %lld", clk, &s, &ns) == 3)
				printf("timens %s %lld %lld\n", clk, s, ns);
		}
	}
	struct timespec b, m;
	clock_gettime(CLOCK_BOOTTIME, &b);
	clock_gettime(CLOCK_MONOTONIC, &m);
	printf("clock boottime=%lld monotonic=%lld\n", (long long)b.tv_sec, (long long)m.tv_sec);
	return 0;
}
