/* sysprobe.c — a container process for spec-tests/seccomp/kernel.test.ts: makes a fixed list of
 * syscalls through the x86_64, x32 and i386 entry points, each in its own child, and prints what
 * the kernel's seccomp filter made of it (return value, errno or the signal that killed it).
 * Every probe is harmless when allowed: bad fds, bad pointers, queries, numbers with no syscall. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static long sys64(long nr, long a, long b, long c, long d, long e, long f) {
    long ret;
    register long r10 __asm__("r10") = d, r8 __asm__("r8") = e, r9 __asm__("r9") = f;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9) : "rcx", "r11", "memory");
    return ret;
}
static long sys32(long nr, long a, long b, long c) {
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
    return ret;
}

struct probe { const char *what; int abi; long nr, a, b, c, d; };   /* abi: 64, 32 (x32: 64 with the bit) */
static const struct probe probes[] = {
    { "x86_64 getpid", 64, 39 },
    { "x86_64 mkdir(/nonexistent/x)", 64, 83, (long)"/nonexistent/x", 0755 },
    { "x86_64 personality(query)", 64, 135, 0xffffffffL },
    { "x86_64 personality(query, high word set)", 64, 135, 0x1ffffffffL },
    { "x86_64 socket(AF_VSOCK)", 64, 41, 40, 1, 0 },
    { "x86_64 ioctl(-1, TIOCGWINSZ)", 64, 16, -1, 0x5413, 0 },
    { "x86_64 kill(0, 0)", 64, 62, 0, 0 },
    { "x86_64 set_mempolicy_home_node(bad)", 64, 450, 0, 0, -1, 99 },
    { "x86_64 nr 451", 64, 451 },
    { "x86_64 nr 600", 64, 600 },
    { "x86_64 nr 0x3fffffff", 64, 0x3fffffff },
    { "x86_64 nr -1", 64, -1 },
    { "x86_64 nr 0x80000000", 64, 0x80000000L },
    { "x32 getpid", 64, 0x40000000 | 39 },
    { "x32 rt_sigaction(bad)", 64, 0x40000000 | 512, 99, 0, 0, 8 },
    { "x32 nr 600", 64, 0x40000000 | 600 },
    { "x32 nr 1000", 64, 0x40000000 | 1000 },
    { "i386 getpid", 32, 20 },
    { "i386 mkdir(NULL)", 32, 39, 0, 0755 },
    { "i386 socketcall(SYS_SOCKET, NULL)", 32, 102, 1, 0 },
    { "i386 socketcall(SYS_CONNECT, NULL)", 32, 102, 3, 0 },
    { "i386 socket(AF_VSOCK) direct", 32, 359, 40, 1, 0 },
    { "i386 nr 451", 32, 451 },
    { "i386 nr 500", 32, 500 },
};

int main(void) {
    char line[256];
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof line, f)) if (!strncmp(line, "Seccomp:", 8)) fputs(line, stdout);
    if (f) fclose(f);
    fflush(stdout);
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        const struct probe *p = &probes[i];
        pid_t pid = fork();
        if (pid == 0) {
            long r = p->abi == 32 ? sys32(p->nr, p->a, p->b, p->c) : sys64(p->nr, p->a, p->b, p->c, p->d, 0, 0);
            char out[160];
            int n = r < 0 && r > -4096 ? snprintf(out, sizeof out, "%s: errno %ld\n", p->what, -r)
                                       : snprintf(out, sizeof out, "%s: ok\n", p->what);
            sys64(1, 1, (long)out, n, 0, 0, 0);
            sys64(231, 0, 0, 0, 0, 0, 0);
        }
        int st = 0;
        if (pid < 0 || waitpid(pid, &st, 0) < 0) { printf("%s: no child\n", p->what); continue; }
        if (WIFSIGNALED(st)) printf("%s: killed by signal %d\n", p->what, WTERMSIG(st));
        fflush(stdout);
    }
    printf("== end\n");
    return 0;
}
