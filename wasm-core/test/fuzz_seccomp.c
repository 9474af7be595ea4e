/* fuzz_seccomp.c — libFuzzer target for the seccomp reader and compiler: the input is the
 * linux.seccomp value of an otherwise fixed config (seed it with real profiles), so mutations
 * stay profile-shaped. A plan must hold one seccomp_set_filter op whose program is whole
 * instructions ending in a return; errors must be complete. Never shipped. */
#include "../src/ops.h"
#include "fuzz_check.h"
#include <stdlib.h>
#include <string.h>

static const char CTX[] =
    "{\"id\":\"f\",\"bundle\":\"/b\",\"state_dir\":\"/run/planc/f\",\"user_home\":\"/root\","
    "\"host\":{\"cgroup\":{\"v1\":[],\"unified\":\"/sys/fs/cgroup\",\"unified_controllers\":[\"cpu\",\"memory\",\"pids\"]},"
    "\"cpuset\":{\"cpus\":\"0-1\",\"mems\":\"0\"},\"proc_kcore\":true,\"clone_into_cgroup\":true}}";
static const char HEAD[] =
    "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0},"
    "\"capabilities\":{\"bounding\":[\"CAP_KILL\"]}},\"root\":{\"path\":\"rootfs\"},"
    "\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"pid\"}],\"seccomp\":";
static const char TAIL[] = "}}";

/* body: why (u32 length + bytes), flags (u32), program (u32 length + bytes): whole
 * instructions, at most the kernel's 4096, the last a BPF_RET */
static void check_filter(uint16_t code, const uint8_t *body, uint32_t n) {
    if (code != OP_SECCOMP_SET_FILTER) return;
    uint32_t wl, pl;
    memcpy(&wl, body, 4);
    if ((size_t)wl + 12 > n) __builtin_trap();
    memcpy(&pl, body + 4 + wl + 4, 4);
    if (pl == 0 || pl % 8 || pl / 8 > 4096 || (size_t)wl + 12 + pl != n) __builtin_trap();
    uint16_t last; memcpy(&last, body + 12 + wl + pl - 8, 2);
    if ((last & 0x07) != 0x06) __builtin_trap();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
    static planner p;
    memset(&p, 0, sizeof p);
    size_t n = sizeof HEAD - 1 + size + sizeof TAIL - 1;
    unsigned char *doc = malloc(n);
    if (!doc) return 0;
    memcpy(doc, HEAD, sizeof HEAD - 1);
    memcpy(doc + sizeof HEAD - 1, data, size);
    memcpy(doc + sizeof HEAD - 1 + size, TAIL, sizeof TAIL - 1);
    const uint8_t *out; size_t len;
    bool planned = planc_plan(&p, doc, n, (const uint8_t *)CTX, sizeof CTX - 1, &out, &len);
    check_result(&p, planned, out, len, check_filter);
    arena_free_all(&p.a);
    free(doc);
    return 0;
}
