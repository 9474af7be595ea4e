/* fuzz_plan.c — libFuzzer target for the whole planner: arbitrary config bytes with a fixed
 * context must give either errors or a plan whose records exactly fill it. Never shipped. */
#include "fuzz_check.h"

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
    bool planned = planc_plan(&p, data, size, (const uint8_t *)CTX, sizeof CTX - 1, &out, &len);
    check_result(&p, planned, out, len, NULL);
    arena_free_all(&p.a);
    return 0;
}
