/* fuzz_plan.c — libFuzzer target for the whole planner: arbitrary config bytes with a fixed
 * context must give either errors or a plan whose records exactly fill it. Never shipped. */
#include "../src/planner.h"
#include <string.h>

static const char CTX[] =
    "{\"id\":\"f\",\"bundle\":\"/b\",\"state_dir\":\"/run/planc/f\",\"user_home\":\"/root\","
    "\"host\":{\"cgroup\":{\"v1\":[{\"mount\":\"/sys/fs/cgroup/cpu,cpuacct\",\"controllers\":[\"cpu\",\"cpuacct\"]},"
    "{\"mount\":\"/sys/fs/cgroup/cpuset\",\"controllers\":[\"cpuset\"]},{\"mount\":\"/sys/fs/cgroup/devices\",\"controllers\":[\"devices\"]},"
    "{\"mount\":\"/sys/fs/cgroup/systemd\",\"controllers\":[],\"name\":\"systemd\"}],\"unified\":\"/sys/fs/cgroup/unified\"},"
    "\"cpuset\":{\"cpus\":\"0-1\",\"mems\":\"0\"},\"proc_kcore\":true}}";

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
    static planner p;
    memset(&p, 0, sizeof p);
    const uint8_t *out; size_t len;
    if (planc_plan(&p, data, size, (const uint8_t *)CTX, sizeof CTX - 1, &out, &len)) {
        uint32_t count; memcpy(&count, out + 8, 4);
        size_t at = 12;
        for (uint32_t i = 0; i < count; i++) {
            if (at + 8 > len) __builtin_trap();
            uint32_t body; memcpy(&body, out + at + 4, 4);
            at += 8 + body;
        }
        if (at != len) __builtin_trap();
    } else {
        for (size_t i = 0; i < p.nerrs; i++)
            if (!p.errs[i].pointer || !p.errs[i].rule || !p.errs[i].message) __builtin_trap();
    }
    arena_free_all(&p.a);
    return 0;
}
