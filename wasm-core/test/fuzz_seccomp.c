/* fuzz_seccomp.c — libFuzzer target for the seccomp reader and compiler: the input is the
 * linux.seccomp value of an otherwise fixed config (seed it with real profiles), so mutations
 * stay profile-shaped. A plan must hold one seccomp_set_filter op whose program is whole
 * instructions ending in a return; errors must be complete. Never shipped. */
#include "../src/ops.h"
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
    if (planc_plan(&p, doc, n, (const uint8_t *)CTX, sizeof CTX - 1, &out, &len)) {
        uint32_t count; memcpy(&count, out + 8, 4);
        size_t at = 12;
        for (uint32_t i = 0; i < count; i++) {
            if (at + 8 > len) __builtin_trap();
            uint32_t w0, body; memcpy(&w0, out + at, 4); memcpy(&body, out + at + 4, 4);
            if ((w0 & 0xffff) == OP_SECCOMP_SET_FILTER) {
                /* body: why (u32 length + bytes), flags (u32), program (u32 length + bytes) */
                uint32_t wl; memcpy(&wl, out + at + 8, 4);
                uint32_t pl; memcpy(&pl, out + at + 8 + 4 + wl + 4, 4);
                if (pl == 0 || pl % 8 || pl / 8 > 4096) __builtin_trap();
                uint16_t last; memcpy(&last, out + at + 8 + 4 + wl + 8 + pl - 8, 2);
                if ((last & 0x07) != 0x06) __builtin_trap();   /* BPF_RET */
            }
            at += 8 + body;
        }
        if (at != len) __builtin_trap();
    } else {
        for (size_t i = 0; i < p.nerrs; i++)
            if (!p.errs[i].pointer || !p.errs[i].rule || !p.errs[i].message || !*p.errs[i].message) __builtin_trap();
    }
    arena_free_all(&p.a);
    free(doc);
    return 0;
}
