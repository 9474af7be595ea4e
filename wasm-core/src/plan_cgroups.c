/* plan_cgroups.c — host-lane cgroup steps: create the container's cgroup in every hierarchy
 * the host facts list, apply the limits, move the child in, and remove it on teardown.
 * Only the limits and the directories are written by P; C moves itself in.
 * Must never plan a write below a hierarchy other than those in the context record. */
#include "ops.h"
#include <string.h>

static const char *cg_path(planner *p) {
    return p->s.cgroups_path ? p->s.cgroups_path : arena_printf(&p->a, "/%s", p->ctx.id);
}
static const char *cg_why(planner *p) {
    return p->s.why_cgroups_path ? p->s.why_cgroups_path : "default:cgroups-path";
}
static bool has_ctl(const cg_hier *h, const char *name) {
    for (uint32_t i = 0; i < h->controllers.n; i++) if (!strcmp(h->controllers.v[i], name)) return true;
    return false;
}
static bool v2_only(planner *p) { return p->ctx.nv1 == 0 && p->ctx.unified; }
static const char *in_dir(planner *p, const char *dir, const char *file) { return arena_printf(&p->a, "%s/%s", dir, file); }
static const char *i64s(planner *p, int64_t v) { return arena_printf(&p->a, "%lld", (long long)v); }
static const char *u64s(planner *p, uint64_t v) { return arena_printf(&p->a, "%llu", (unsigned long long)v); }

/* The rules runc adds after the spec's own (specconv AllowedDevices): mknod of anything,
 * the six standard character devices, every pts, /dev/ptmx and /dev/net/tun; with the node's
 * path for those that have one. */
const default_devrule runc_default_allow[] = {
    { 'c', -1, -1, "m", NULL }, { 'b', -1, -1, "m", NULL },
    { 'c', 1, 3, "rwm", "/dev/null" }, { 'c', 1, 8, "rwm", "/dev/random" }, { 'c', 1, 7, "rwm", "/dev/full" },
    { 'c', 5, 0, "rwm", "/dev/tty" }, { 'c', 1, 5, "rwm", "/dev/zero" }, { 'c', 1, 9, "rwm", "/dev/urandom" },
    { 'c', 136, -1, "rwm", NULL }, { 'c', 5, 2, "rwm", NULL }, { 'c', 10, 200, "rwm", NULL },
};
const size_t runc_default_allow_n = sizeof runc_default_allow / sizeof runc_default_allow[0];

static const char *dev_rule(planner *p, char type, int64_t major, int64_t minor, const char *access) {
    if (type == 'a') return "a";
    const char *ma = major < 0 ? "*" : i64s(p, major), *mi = minor < 0 ? "*" : i64s(p, minor);
    return arena_printf(&p->a, "%c %s:%s %s", type, ma, mi, access);
}

bool device_overridden(planner *p, const char *path) {
    for (uint32_t i = 0; i < p->s.ndevices; i++) if (!strcmp(p->s.devices[i].path, path)) return true;
    return false;
}

/* The rules in the order they apply: the spec's, then runc's defaults whose node the spec does
 * not replace (runc drops a default when linux.devices has its path) */
const devrule_spec *device_rules(planner *p, uint32_t *n) {
    const spec *s = &p->s;
    devrule_spec *v = arena_alloc(&p->a, (s->ndevrules + runc_default_allow_n) * sizeof *v);
    if (!v) return NULL;
    *n = 0;
    for (uint32_t i = 0; i < s->ndevrules; i++) v[(*n)++] = s->devrules[i];
    for (size_t i = 0; i < runc_default_allow_n; i++) {
        const default_devrule *d = &runc_default_allow[i];
        if (d->path && device_overridden(p, d->path)) continue;
        v[(*n)++] = (devrule_spec){ .allow = true, .type = d->type, .major = d->major, .minor = d->minor,
                                    .access = d->access, .why = "default:device-cgroup-allow" };
    }
    return v;
}

static void plan_devices_v1(planner *p, const char *dir) {
    uint32_t n;
    const devrule_spec *rules = device_rules(p, &n);
    if (!rules) return;
    /* SECURITY: start from deny-all, then allow only what the spec and runc's list allow */
    op_write_file(p, "default:device-cgroup-reset", in_dir(p, dir, "devices.deny"), "a");
    for (uint32_t i = 0; i < n; i++)
        op_write_file(p, rules[i].why, in_dir(p, dir, rules[i].allow ? "devices.allow" : "devices.deny"),
                      dev_rule(p, rules[i].type, rules[i].major, rules[i].minor, rules[i].access));
}

/* cgroup v2 has no devices files: the folded rules become an eBPF program on the cgroup.
 * SECURITY: attached right after the cgroup is made, before C exists: C is cloned into it
 * (CLONE_INTO_CGROUP) or joins it once it may run, so it never runs there unfiltered */
static void plan_devices_v2(planner *p, const char *dir) {
    const spec *s = &p->s;
    size_t len;
    const uint8_t *insns = dev_policy_bpf(p, &s->devpol, &len);
    const char *why = s->why_devrules
        ? arena_printf(&p->a, "default:device-cgroup-reset %s default:device-cgroup-allow", s->why_devrules)
        : "default:device-cgroup-reset default:device-cgroup-allow";
    /* runc's license string: no GPL-only helper is called */
    op_bpf_device_filter(p, why, dir, "Apache", insns, len);
}

static void plan_memory_v1(planner *p, const char *dir, bool update) {
    const spec *s = &p->s;
    /* ORDER: the kernel refuses memsw below the memory limit, so an unlimited swap goes
     * first and a finite one after the limit (runc's setMemoryAndSwap) */
    bool swap_first = s->has_mem_swap && s->mem_swap == -1;
    if (swap_first) op_write_file(p, s->why_mem_swap, in_dir(p, dir, "memory.memsw.limit_in_bytes"), "-1");
    /* ORDER: update changes limits that are already set, and which of limit and memsw must
     * move first depends on the current limit, which a plan cannot read (runc reads it).
     * Lifting memsw first makes both later writes valid whatever the old values were. */
    else if (update && s->has_mem_swap && s->has_mem_limit)
        op_write_file(p, s->why_mem_swap, in_dir(p, dir, "memory.memsw.limit_in_bytes"), "-1");
    if (s->has_mem_limit) op_write_file(p, s->why_mem_limit, in_dir(p, dir, "memory.limit_in_bytes"), i64s(p, s->mem_limit));
    if (s->has_mem_swap && !swap_first) op_write_file(p, s->why_mem_swap, in_dir(p, dir, "memory.memsw.limit_in_bytes"), i64s(p, s->mem_swap));
    if (s->has_mem_res) op_write_file(p, s->why_mem_res, in_dir(p, dir, "memory.soft_limit_in_bytes"), i64s(p, s->mem_res));
    if (s->has_kmem_tcp) op_write_file(p, s->why_kmem_tcp, in_dir(p, dir, "memory.kmem.tcp.limit_in_bytes"), i64s(p, s->kmem_tcp));
    if (s->oom_kill_disable) op_write_file(p, s->why_oom_kill_disable, in_dir(p, dir, "memory.oom_control"), "1");
    if (s->has_swappiness) op_write_file(p, s->why_swappiness, in_dir(p, dir, "memory.swappiness"), u64s(p, s->swappiness));
}

static void plan_cpu_v1(planner *p, const char *dir) {
    const spec *s = &p->s;
    if (s->has_shares) op_write_file(p, s->why_shares, in_dir(p, dir, "cpu.shares"), u64s(p, s->shares));
    /* ORDER: period, burst, quota, idle, then the real-time period and runtime, as runc writes them */
    if (s->has_period) op_write_file(p, s->why_period, in_dir(p, dir, "cpu.cfs_period_us"), u64s(p, s->period));
    /* runc skips the burst where the kernel has no cpu.cfs_burst_us (before 5.14): a host fact */
    if (s->has_cpu_burst && p->ctx.cpu_burst) op_write_file(p, s->why_cpu_burst, in_dir(p, dir, "cpu.cfs_burst_us"), u64s(p, s->cpu_burst));
    if (s->has_quota) op_write_file(p, s->why_quota, in_dir(p, dir, "cpu.cfs_quota_us"), i64s(p, s->quota));
    if (s->has_cpu_idle) op_write_file(p, s->why_cpu_idle, in_dir(p, dir, "cpu.idle"), i64s(p, s->cpu_idle));
    if (s->has_rt_period) op_write_file(p, s->why_rt_period, in_dir(p, dir, "cpu.rt_period_us"), u64s(p, s->rt_period));
    if (s->has_rt_runtime) op_write_file(p, s->why_rt_runtime, in_dir(p, dir, "cpu.rt_runtime_us"), i64s(p, s->rt_runtime));
}

static void plan_lines(planner *p, const char *dir, const char *file, const char **lines, const char **why, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) op_write_file(p, why[i], in_dir(p, dir, file), lines[i]);
}

static const char *dev_line(planner *p, const blkdev_spec *d, uint64_t v) {
    return arena_printf(&p->a, "%lld:%lld %llu", (long long)d->major, (long long)d->minor, (unsigned long long)v);
}

/* blkio as runc's v1 manager writes it; update takes only the weight (runc update's flags) */
static void plan_blkio_v1(planner *p, const char *dir, bool update) {
    const spec *s = &p->s;
    /* runc writes blkio.bfq.weight where there is no blkio.weight (BFQ): a host fact */
    const char *wfile = p->ctx.blkio_weight_file;
    if (s->has_blkio_weight) op_write_file(p, s->why_blkio_weight, in_dir(p, dir, wfile), u64s(p, s->blkio_weight));
    if (update) return;
    if (s->has_blkio_leaf_weight) op_write_file(p, s->why_blkio_leaf_weight, in_dir(p, dir, "blkio.leaf_weight"), u64s(p, s->blkio_leaf_weight));
    const char *wdev = arena_printf(&p->a, "%s_device", wfile);
    for (uint32_t i = 0; i < s->nblkdev[BLK_WEIGHT]; i++) {
        const blkdev_spec *d = &s->blkdev[BLK_WEIGHT][i];
        if (d->why) op_write_file(p, d->why, in_dir(p, dir, wdev), dev_line(p, d, d->value));
        if (d->why_leaf) op_write_file(p, d->why_leaf, in_dir(p, dir, "blkio.leaf_weight_device"), dev_line(p, d, d->leaf));
    }
    static const char *const files[BLK__COUNT] = { NULL, "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
        "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device" };
    for (int k = BLK_READ_BPS; k < BLK__COUNT; k++)
        for (uint32_t i = 0; i < s->nblkdev[k]; i++)
            op_write_file(p, s->blkdev[k][i].why, in_dir(p, dir, files[k]), dev_line(p, &s->blkdev[k][i], s->blkdev[k][i].value));
}

/* hugetlb.<size>.limit_in_bytes (v1) or .max (v2), and the reservation limit beside it where
 * the kernel has one (runc writes both and skips rsvd when its file is missing) */
static void plan_hugetlb(planner *p, const char *dir, const hugetlb_spec *h, const char *suffix) {
    const char *v = u64s(p, h->limit);
    op_write_file(p, h->why, in_dir(p, dir, arena_printf(&p->a, "hugetlb.%s%s", h->pagesize, suffix)), v);
    if (p->ctx.hugetlb_rsvd) op_write_file(p, h->why, in_dir(p, dir, arena_printf(&p->a, "hugetlb.%s.rsvd%s", h->pagesize, suffix)), v);
}

/* The limit writes of one v1 hierarchy, shared by create and update (update leaves the
 * device rules alone: runc update does not take them). */
static void plan_limits_v1(planner *p, const cg_hier *h, const char *dir, bool update) {
    const spec *s = &p->s;
    if (has_ctl(h, "cpuset") && s->cpus) op_write_file(p, s->why_cpus, in_dir(p, dir, "cpuset.cpus"), s->cpus);
    if (has_ctl(h, "cpuset") && s->mems) op_write_file(p, s->why_mems, in_dir(p, dir, "cpuset.mems"), s->mems);
    if (has_ctl(h, "devices") && !update) plan_devices_v1(p, dir);
    if (has_ctl(h, "memory")) plan_memory_v1(p, dir, update);
    if (has_ctl(h, "cpu")) plan_cpu_v1(p, dir);
    if (has_ctl(h, "pids") && s->has_pids)
        op_write_file(p, s->why_pids, in_dir(p, dir, "pids.max"), s->pids < 0 ? "max" : i64s(p, s->pids));
    if (has_ctl(h, "blkio")) plan_blkio_v1(p, dir, update);
    if (has_ctl(h, "hugetlb") && !update)
        for (uint32_t i = 0; i < s->nhugetlb; i++) plan_hugetlb(p, dir, &s->hugetlb[i], ".limit_in_bytes");
    if (update) return;
    if (has_ctl(h, "net_cls") && s->has_classid) op_write_file(p, s->why_classid, in_dir(p, dir, "net_cls.classid"), u64s(p, s->classid));
    if (has_ctl(h, "net_prio")) plan_lines(p, dir, "net_prio.ifpriomap", s->prio_lines, s->prio_why, s->nprio);
    if (has_ctl(h, "rdma")) plan_lines(p, dir, "rdma.max", s->rdma_lines, s->rdma_why, s->nrdma);
}

static void plan_v1(planner *p) {
    const context *c = &p->ctx;
    const char *path = cg_path(p), *why = cg_why(p);
    for (size_t i = 0; i < c->nv1; i++) {
        const cg_hier *h = &c->v1[i];
        bool cpuset = has_ctl(h, "cpuset");
        /* ORDER: one level at a time; a new cpuset cgroup is empty and must be given the
         * parent's cpus and mems before anything can join it or a child be made below it */
        for (const char *q = path + 1;; q++) {
            if (*q == '/' || !*q) {
                const char *level = arena_printf(&p->a, "%s%s", h->mount, arena_strndup(&p->a, path, (size_t)(q - path)));
                op_mkdir(p, why, level, 0755);
                if (cpuset && c->cpuset_cpus && c->cpuset_mems) {
                    op_write_file(p, "default:cpuset-inherit", in_dir(p, level, "cpuset.cpus"), c->cpuset_cpus);
                    op_write_file(p, "default:cpuset-inherit", in_dir(p, level, "cpuset.mems"), c->cpuset_mems);
                }
            }
            if (!*q) break;
        }
        plan_limits_v1(p, h, arena_printf(&p->a, "%s%s", h->mount, path), false);
    }
}

static bool unified_has(planner *p, const char *ctl) {
    for (uint32_t i = 0; i < p->ctx.unified_controllers.n; i++)
        if (!strcmp(p->ctx.unified_controllers.v[i], ctl)) return true;
    return false;
}

static void plan_limits_v2(planner *p, const char *dir, bool update);

/* Pure cgroup v2: every controller the host offers is enabled in each ancestor's
 * subtree_control (runc's CreateCgroupPath), so the leaf has all their files. */
static const char *enable_all(planner *p) {
    buf en; buf_init(&en, &p->a);
    for (uint32_t i = 0; i < p->ctx.unified_controllers.n; i++) {
        const char *c = p->ctx.unified_controllers.v[i];
        if (en.len) buf_put(&en, " ", 1);
        buf_put(&en, "+", 1);
        buf_put(&en, c, strlen(c));
    }
    return buf_cstr(&en);
}

/* the leaf's limits, then its device rules: an eBPF program attached to it */
static void plan_v2(planner *p) {
    const char *path = cg_path(p), *why = cg_why(p), *root = p->ctx.unified;
    const char *enable = enable_all(p);
    const char *parent = root;
    for (const char *q = path + 1;; q++) {
        if (*q == '/' || !*q) {
            if (*enable) op_write_file(p, "default:cgroup2-subtree-control", in_dir(p, parent, "cgroup.subtree_control"), enable);
            const char *level = arena_printf(&p->a, "%s%s", root, arena_strndup(&p->a, path, (size_t)(q - path)));
            op_mkdir(p, why, level, 0755);
            parent = level;
        }
        if (!*q) break;
    }
    plan_limits_v2(p, parent, false);
    plan_devices_v2(p, parent);
}

static void plan_memory_v2(planner *p, const char *dir) {
    const spec *s = &p->s;
    /* ORDER: swap.max, memory.max, memory.low (runc's setMemory). v1's memsw is memory+swap,
     * v2's swap.max is swap alone; an unlimited memory with no swap given lifts swap too */
    const char *swap = NULL;
    if (s->has_mem_swap) swap = s->mem_swap < 0 ? "max" : i64s(p, s->mem_swap - s->mem_limit);
    else if (s->has_mem_limit && s->mem_limit < 0) swap = "max";
    if (swap) op_write_file(p, s->has_mem_swap ? s->why_mem_swap : s->why_mem_limit, in_dir(p, dir, "memory.swap.max"), swap);
    if (s->has_mem_limit) op_write_file(p, s->why_mem_limit, in_dir(p, dir, "memory.max"), s->mem_limit < 0 ? "max" : i64s(p, s->mem_limit));
    if (s->has_mem_res) op_write_file(p, s->why_mem_res, in_dir(p, dir, "memory.low"), i64s(p, s->mem_res));
}

static void plan_io_v2(planner *p, const char *dir, bool update) {
    const spec *s = &p->s;
    const char *wfile = p->ctx.io_weight_file;
    /* BFQ takes the weight as it is; io.weight takes runc's blkio → io conversion */
    if (s->has_blkio_weight)
        op_write_file(p, s->why_blkio_weight, in_dir(p, dir, wfile),
                      u64s(p, strcmp(wfile, "io.weight") ? s->blkio_weight : 1 + ((s->blkio_weight - 10) * 9999) / 990));
    if (update) return;
    /* per-device weights exist only as BFQ's "major:minor weight" lines; runc skips them otherwise */
    for (uint32_t i = 0; p->ctx.io_bfq_device_weight && i < s->nblkdev[BLK_WEIGHT]; i++) {
        const blkdev_spec *d = &s->blkdev[BLK_WEIGHT][i];
        if (d->why) op_write_file(p, d->why, in_dir(p, dir, "io.bfq.weight"), dev_line(p, d, d->value));
    }
    static const char *const keys[BLK__COUNT] = { NULL, "rbps", "wbps", "riops", "wiops" };
    for (int k = BLK_READ_BPS; k < BLK__COUNT; k++)
        for (uint32_t i = 0; i < s->nblkdev[k]; i++) {
            const blkdev_spec *d = &s->blkdev[k][i];
            op_write_file(p, d->why, in_dir(p, dir, "io.max"), arena_printf(&p->a, "%lld:%lld %s=%llu",
                          (long long)d->major, (long long)d->minor, keys[k], (unsigned long long)d->value));
        }
}

/* The v2 limit writes in runc's order (fs2 Set: pids, memory, io, cpu, cpuset, hugetlb, rdma,
 * then the unified map), each only where the host offers the controller. cgroup v2 has no
 * real-time bandwidth, net_cls or net_prio: runc's v2 manager ignores those fields. */
static void plan_limits_v2(planner *p, const char *dir, bool update) {
    const spec *s = &p->s;
    if (unified_has(p, "pids") && s->has_pids)
        op_write_file(p, s->why_pids, in_dir(p, dir, "pids.max"), s->pids < 0 ? "max" : i64s(p, s->pids));
    if (unified_has(p, "memory")) plan_memory_v2(p, dir);
    if (unified_has(p, "io")) plan_io_v2(p, dir, update);
    if (unified_has(p, "cpu")) {
        /* ORDER: idle, weight, burst, max (runc's setCPU) */
        if (s->has_cpu_idle) op_write_file(p, s->why_cpu_idle, in_dir(p, dir, "cpu.idle"), i64s(p, s->cpu_idle));
        if (s->has_shares)   /* runc's shares → weight conversion */
            op_write_file(p, s->why_shares, in_dir(p, dir, "cpu.weight"), u64s(p, 1 + ((s->shares - 2) * 9999) / 262142));
        if (s->has_cpu_burst) op_write_file(p, s->why_cpu_burst, in_dir(p, dir, "cpu.max.burst"), u64s(p, s->cpu_burst));
        if (s->has_quota || s->has_period) {
            const char *q = s->has_quota && s->quota > 0 ? i64s(p, s->quota) : "max";
            const char *why2 = s->has_quota ? s->why_quota : s->why_period;
            /* update without a period keeps the current one (runc writes the quota alone);
             * a new cgroup's period is the kernel's default, 100000 */
            const char *v = update && !s->has_period ? q
                          : arena_printf(&p->a, "%s %llu", q, (unsigned long long)(s->has_period ? s->period : 100000));
            op_write_file(p, why2, in_dir(p, dir, "cpu.max"), v);
        }
    }
    if (s->cpus && unified_has(p, "cpuset")) op_write_file(p, s->why_cpus, in_dir(p, dir, "cpuset.cpus"), s->cpus);
    if (s->mems && unified_has(p, "cpuset")) op_write_file(p, s->why_mems, in_dir(p, dir, "cpuset.mems"), s->mems);
    if (unified_has(p, "hugetlb") && !update)
        for (uint32_t i = 0; i < s->nhugetlb; i++) plan_hugetlb(p, dir, &s->hugetlb[i], ".max");
    /* rdma is written whether or not the controller is enabled: without it the write fails, as runc's */
    if (!update) plan_lines(p, dir, "rdma.max", s->rdma_lines, s->rdma_why, s->nrdma);
    /* ORDER: last, so a unified key overrides what the fields above wrote (runc's setUnified);
     * each line of a value is its own write (runc's WriteFileByLine) */
    for (uint32_t i = 0; i < s->nunified; i++) {
        for (const char *v = s->unified_vals[i];;) {
            const char *nl = strchr(v, '\n');
            size_t n = nl ? (size_t)(nl - v + 1) : strlen(v);
            if (n || !nl) op_write_file(p, s->unified_why[i], in_dir(p, dir, s->unified_keys[i]), arena_strndup(&p->a, v, n));
            if (!nl || !nl[1]) break;
            v = nl + 1;
        }
    }
}

/* Hybrid hosts (v1 controllers plus a cgroup2 mount): runc 1.1 also creates and joins the
 * path in the cgroup2 tree, without enabling controllers there. */
static bool hybrid(planner *p) { return p->ctx.nv1 && p->ctx.unified; }

static void plan_hybrid(planner *p) {
    const char *path = cg_path(p), *why = cg_why(p);
    for (const char *q = path + 1;; q++) {
        if (*q == '/' || !*q)
            op_mkdir(p, why, arena_printf(&p->a, "%s%s", p->ctx.unified, arena_strndup(&p->a, path, (size_t)(q - path))), 0755);
        if (!*q) break;
    }
}

void plan_cgroups_host(planner *p) {
    if (p->ctx.nv1) plan_v1(p);
    else if (v2_only(p)) plan_v2(p);
    if (hybrid(p)) plan_hybrid(p);
}

/* update: the same limit writes as create, into the existing cgroup; nothing is created */
void plan_cgroups_update(planner *p) {
    const context *c = &p->ctx;
    const char *path = cg_path(p);
    for (size_t i = 0; i < c->nv1; i++)
        plan_limits_v1(p, &c->v1[i], arena_printf(&p->a, "%s%s", c->v1[i].mount, path), true);
    if (v2_only(p)) plan_limits_v2(p, arena_printf(&p->a, "%s%s", c->unified, path), true);
}

/* pause/resume: the freezer of v1, or cgroup.freeze of v2. The kernel may take a moment to
 * reach the state; waiting for it is the caller's (runc polls freezer.state / cgroup.events). */
void plan_cgroups_freeze(planner *p, bool frozen) {
    const context *c = &p->ctx;
    const char *path = cg_path(p);
    for (size_t i = 0; i < c->nv1; i++)
        if (has_ctl(&c->v1[i], "freezer"))
            op_write_file(p, "default:freezer", arena_printf(&p->a, "%s%s/freezer.state", c->v1[i].mount, path), frozen ? "FROZEN" : "THAWED");
    if (v2_only(p))
        op_write_file(p, "default:freezer", arena_printf(&p->a, "%s%s/cgroup.freeze", c->unified, path), frozen ? "1" : "0");
}

/* P's clone. On a cgroup2 hierarchy C is born in the container's cgroup (clone3 with
 * CLONE_INTO_CGROUP): no migration, so no wait for the global threadgroup lock */
void plan_clone(planner *p, const char *why, uint64_t flags) {
    if (p->ctx.unified && p->ctx.clone_into_cgroup)
        op_clone_into_cgroup(p, arena_printf(&p->a, "%s default:cgroup-join", why), flags, arena_printf(&p->a, "%s%s", p->ctx.unified, cg_path(p)));
    else
        op_clone(p, why, flags);
}

/* C moves itself into the container's cgroups, first thing after CHILD_MAY_RUN. PERF: on v1
 * it writes "0" to `tasks`: the kernel moves the writing thread (all of single-threaded C)
 * without taking the global threadgroup lock, whose first writer waits an RCU grace period
 * (5-15 ms); a pid written to cgroup.procs always takes it. cgroup2 has no such file for a
 * domain cgroup: C is born there (plan_clone), or on kernels without CLONE_INTO_CGROUP
 * writes "0" to cgroup.procs and pays the wait */
/* exec --cgroup: the sub-cgroup of hierarchy h (NULL: the unified one) below the container's,
 * "" for none; a controller given that no hierarchy has is an error, as with runc */
static const char *sub_cgroup(planner *p, const cg_hier *h) {
    const context *c = &p->ctx;
    for (uint32_t k = 0; k < c->sub_cgroup_keys.n; k++) {
        const char *key = c->sub_cgroup_keys.v[k];
        bool named = h && h->name && !strncmp(key, "name=", 5) && !strcmp(key + 5, h->name);
        if (!*key || named || (h && has_ctl(h, key)))
            return strcmp(c->sub_cgroup_paths.v[k], ".") ? arena_printf(&p->a, "/%s", c->sub_cgroup_paths.v[k]) : "";
    }
    return "";
}

static void check_sub_cgroups(planner *p) {
    const context *c = &p->ctx;
    for (uint32_t k = 0; k < c->sub_cgroup_keys.n; k++) {
        const char *key = c->sub_cgroup_keys.v[k];
        bool known = !*key;
        for (size_t i = 0; i < c->nv1 && !known; i++)
            known = has_ctl(&c->v1[i], key) || (c->v1[i].name && !strncmp(key, "name=", 5) && !strcmp(key + 5, c->v1[i].name));
        /* runc names the first unknown controller only */
        if (!known) { err_at(p, NULL, R_CONTEXT, arena_printf(&p->a, "unknown controller %s in SubCgroupPaths", key)); return; }
    }
}

void plan_cgroups_join(planner *p) {
    const char *path = cg_path(p);
    check_sub_cgroups(p);
    for (size_t i = 0; i < p->ctx.nv1; i++)
        op_cgroup_join_self(p, "default:cgroup-join", arena_printf(&p->a, "%s%s%s/tasks", p->ctx.v1[i].mount, path, sub_cgroup(p, &p->ctx.v1[i])));
    if (p->ctx.unified && !p->ctx.clone_into_cgroup)
        op_cgroup_join_self(p, "default:cgroup-join", arena_printf(&p->a, "%s%s%s/cgroup.procs", p->ctx.unified, path, sub_cgroup(p, NULL)));
}

void plan_cgroups_teardown(planner *p) {
    const char *path = cg_path(p);
    /* ORDER: reverse of creation; only the leaf is ours to remove, parents may be shared. A
     * systemd unit's cgroup2 directory is systemd's: it goes with the unit's stop (and P, which
     * the unit holds, may still be in it when the shim tears down after `run`) */
    if (p->ctx.unified && !p->ctx.systemd_cgroup) op_rmdir(p, "default:cgroup-cleanup", arena_printf(&p->a, "%s%s", p->ctx.unified, path));
    for (size_t i = p->ctx.nv1; i-- > 0;)
        op_rmdir(p, "default:cgroup-cleanup", arena_printf(&p->a, "%s%s", p->ctx.v1[i].mount, path));
}

static const char *base_name(const char *path) {
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* The "cgroup" mount type, as runc does it on v1: a tmpfs, then each hierarchy — bound from
 * the container's own host cgroup directory, or a fresh cgroup fs when the container has a
 * cgroup namespace — and a symlink per controller of a merged hierarchy (cpu -> cpu,cpuacct). */
void plan_cgroup_mount(planner *p, const mount_spec *m) {
    const context *c = &p->ctx;
    bool cgroupns = false;
    for (uint32_t i = 0; i < p->s.nns; i++) if (p->s.ns[i].flag == F_CLONE_NEWCGROUP) cgroupns = true;
    const uint64_t base = F_MS_NOEXEC | F_MS_NOSUID | F_MS_NODEV;
    if (!c->nv1) {
        /* cgroup2: one cgroup2 fs (runc mountCgroupV2) */
        op_mkdir_in_root(p, m->why, m->destination, 0755);
        if (p->s.userns && !cgroupns) {
            /* a user namespace whose cgroup namespace is still the host's may not mount
             * cgroup2 (EPERM): the host's unified hierarchy is bound instead, as runc falls
             * back to doing; the remount applies ro/nosuid/... */
            uint64_t flags = F_MS_BIND | m->flags;
            op_mount_in_root(p, m->why, c->unified, F_SRC_HOST_PATH, m->destination, "bind", flags, "", 0);
            if (flags & ~(uint64_t)(F_MS_REC | F_MS_REMOUNT | F_MS_BIND))
                op_mount_in_root(p, m->why, "", F_SRC_NONE, m->destination, "", flags | F_MS_REMOUNT, "", 0);
        } else {
            op_mount_in_root(p, m->why, *m->source ? m->source : "cgroup", F_SRC_STRING, m->destination, "cgroup2", m->flags, m->data, 0);
        }
        for (uint32_t k = 0; k < m->npflags; k++)
            op_mount_in_root(p, m->why, "", F_SRC_NONE, m->destination, "", m->pflags[k], "", 0);
        return;
    }
    op_mkdir_in_root(p, m->why, m->destination, 0755);
    /* the tmpfs takes the mode of the directory it covers (sysfs's 0555 /sys/fs/cgroup), as
     * runc's tmpfs mounts do: a container without CAP_DAC_OVERRIDE cannot plant files there */
    op_mount_in_root(p, m->why, "tmpfs", F_SRC_STRING, m->destination, "tmpfs", base, "mode=755", F_PATH_KEEP_MODE);
    for (uint32_t k = 0; k < m->npflags; k++)
        op_mount_in_root(p, m->why, "", F_SRC_NONE, m->destination, "", m->pflags[k], "", 0);
    const char *path = cg_path(p);
    for (size_t i = 0; i < c->nv1; i++) {
        const cg_hier *h = &c->v1[i];
        const char *sub = arena_printf(&p->a, "%s/%s", strcmp(m->destination, "/") ? m->destination : "", base_name(h->mount));
        if (cgroupns) {
            op_mkdir_in_root(p, m->why, sub, 0755);
            const char *data = h->name ? arena_printf(&p->a, "name=%s", h->name) : base_name(h->mount);
            op_mount_in_root(p, m->why, h->name ? h->name : "cgroup", F_SRC_STRING, sub, "cgroup",
                             base | (m->flags & F_MS_RDONLY), data, 0);
        } else {
            uint64_t flags = F_MS_BIND | F_MS_REC | m->flags;
            op_mount_in_root(p, m->why, arena_printf(&p->a, "%s%s", h->mount, path), F_SRC_HOST_PATH, sub, "bind", flags, "", F_PATH_CREATE);
            /* a bind mount ignores every flag but MS_REC: remount to apply ro/nosuid/... */
            if (flags & ~(uint64_t)(F_MS_REC | F_MS_REMOUNT | F_MS_BIND))
                op_mount_in_root(p, m->why, "", F_SRC_NONE, sub, "", flags | F_MS_REMOUNT, "", 0);
            for (uint32_t k = 0; k < m->npflags; k++)
                op_mount_in_root(p, m->why, "", F_SRC_NONE, sub, "", m->pflags[k], "", 0);
        }
    }
    for (size_t i = 0; i < c->nv1; i++) {
        const char *bn = base_name(c->v1[i].mount);
        if (!strchr(bn, ',')) continue;
        for (const char *q = bn; *q;) {
            const char *e = strchr(q, ',');
            size_t n = e ? (size_t)(e - q) : strlen(q);
            const char *part = arena_strndup(&p->a, q, n);
            op_symlink_in_root(p, m->why, bn, arena_printf(&p->a, "%s/%s", strcmp(m->destination, "/") ? m->destination : "", part));
            q += n + (e ? 1 : 0);
        }
    }
}

/* Device nodes: runc's default nodes not overridden by the spec, then the spec's own. */
void plan_device_nodes(planner *p) {
    const char *made[64]; size_t nmade = 0;
    for (size_t i = 0; i < runc_default_allow_n + p->s.ndevices; i++) {
        const char *path, *why; uint32_t mode, major, minor, uid = 0, gid = 0; char type;
        if (i < runc_default_allow_n) {
            if (!runc_default_allow[i].path || device_overridden(p, runc_default_allow[i].path)) continue;
            path = runc_default_allow[i].path; why = "default:devices"; type = runc_default_allow[i].type;
            major = (uint32_t)runc_default_allow[i].major; minor = (uint32_t)runc_default_allow[i].minor; mode = 0666;
        } else {
            const device_spec *d = &p->s.devices[i - runc_default_allow_n];
            path = d->path; why = d->why; type = d->type; major = d->major; minor = d->minor;
            mode = d->mode; uid = d->uid; gid = d->gid;
        }
        /* runc makes every node, then replaces /dev/ptmx with the pts/ptmx symlink planned
         * after this: the node is never made */
        if (!strcmp(path, "/dev/ptmx")) continue;
        const char *dir = path_dir(p, path);
        bool seen = false;
        for (size_t k = 0; k < nmade; k++) if (!strcmp(made[k], dir)) seen = true;
        if (!seen) {
            op_mkdir_in_root(p, why, dir, 0755);
            if (nmade < 64) made[nmade++] = dir;
        }
        /* SECURITY: mknod is refused in a user namespace: the host's node is bind-mounted onto
         * an empty file instead, so it keeps the host's owner and mode (runc does the same) */
        if (p->s.userns) {
            op_mount_in_root(p, why, path, F_SRC_HOST_PATH, path, "bind", F_MS_BIND, "", F_PATH_CREATE);
            continue;
        }
        /* SECURITY: mknod is checked against the devices cgroup of the task that makes the
         * node: C's, which C joined first thing (plan_cgroups_join) */
        uint32_t ifmt = type == 'b' ? 0060000 : type == 'p' ? 0010000 : 0020000;
        op_mknod_in_root(p, why, path, ifmt | mode, type == 'p' ? 0 : major, type == 'p' ? 0 : minor);
        op_chown_in_root(p, why, path, uid, gid);
    }
}
