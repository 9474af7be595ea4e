/* plan_systemd.c — the systemd cgroup driver's caller-lane steps: the transient unit that holds
 * P (StartTransientUnit), its resource properties (SetUnitProperties) and its stop, with the
 * properties runc sends. The caller carries them out; the shim writes the cgroup files after.
 * Must never plan a property from anything but the spec and the context. */
#include "ops.h"
#include <string.h>

#define U64_MAX_S "18446744073709551615"   /* systemd's "infinity" */

typedef struct { const char **v; uint32_t n, cap; } props;

static void add(planner *p, props *l, const char *prop) {
    if (l->n == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 16;
        const char **v = arena_alloc(&p->a, cap * sizeof *v);
        if (!v) return;
        if (l->n) memcpy(v, l->v, l->n * sizeof *v);
        l->v = v; l->cap = cap;
    }
    l->v[l->n++] = prop;
}
static void add_u64(planner *p, props *l, const char *name, uint64_t v) {
    add(p, l, arena_printf(&p->a, "%s=t:%llu", name, (unsigned long long)v));
}
/* a limit where -1 is "unlimited" */
static void add_limit(planner *p, props *l, const char *name, int64_t v) {
    if (v < 0) add(p, l, arena_printf(&p->a, "%s=t:" U64_MAX_S, name));
    else add_u64(p, l, name, (uint64_t)v);
}

/* AllowedCPUs / AllowedMemoryNodes: the list ("0-3,8") as a bitmask, byte 0 holding 0-7,
 * no trailing zero bytes (runc's RangeToBits), written as hex */
static void add_bits(planner *p, props *l, const char *name, const char *list) {
    uint8_t bits[128] = { 0 };
    size_t top = 0;
    for (const char *q = list; *q;) {
        unsigned a = 0, b;
        while (*q >= '0' && *q <= '9') a = a * 10 + (unsigned)(*q++ - '0');
        b = a;
        if (*q == '-') { q++; b = 0; while (*q >= '0' && *q <= '9') b = b * 10 + (unsigned)(*q++ - '0'); }
        for (unsigned i = a; i <= b && i < sizeof bits * 8; i++) { bits[i / 8] |= (uint8_t)(1u << (i % 8)); if (i / 8 + 1 > top) top = i / 8 + 1; }
        if (*q == ',') q++;
        else if (*q) break;
    }
    static const char hex[] = "0123456789abcdef";
    buf b; buf_init(&b, &p->a);
    for (size_t i = 0; i < top; i++) { char x[2] = { hex[bits[i] >> 4], hex[bits[i] & 15] }; buf_put(&b, x, 2); }
    add(p, l, arena_printf(&p->a, "%s=ay:%s", name, buf_cstr(&b)));
}

/* ---- devices: the spec's rules and runc's defaults folded into systemd's allow list ---- */
typedef struct { char type; int64_t major, minor; char access[4]; } allow_rule;

static void access_norm(char out[4], const char *a, const char *plus, const char *minus) {
    int n = 0;
    for (const char *c = "rwm"; *c; c++)
        if ((strchr(a, *c) || (plus && strchr(plus, *c))) && !(minus && strchr(minus, *c))) out[n++] = *c;
    out[n] = 0;
}

static int rule_cmp(const allow_rule *a, const allow_rule *b) {
    if (a->type != b->type) return a->type < b->type ? -1 : 1;
    if (a->major != b->major) return a->major < b->major ? -1 : 1;
    if (a->minor != b->minor) return a->minor < b->minor ? -1 : 1;
    return 0;
}

/* Rules are applied in order, as the kernel's v1 device cgroup would: "a" resets to deny-all
 * (or allow-all), an allow adds access, a deny takes it away from the same device. systemd
 * has no deny list: allow-all becomes DevicePolicy=auto, a deny list after it deny-all. */
static void add_devices(planner *p, props *l) {
    const spec *s = &p->s;
    size_t max = s->ndevrules + runc_default_allow_n;
    allow_rule *r = arena_alloc(&p->a, (max + 1) * sizeof *r);
    if (!r) return;
    size_t n = 0;
    bool allow_all = false, denies = false;
    for (size_t i = 0; i < max; i++) {
        allow_rule x; bool allow; const char *acc;
        if (i < s->ndevrules) {
            const devrule_spec *d = &s->devrules[i];
            x.type = d->type; x.major = d->major; x.minor = d->minor; allow = d->allow; acc = d->access;
        } else {
            const default_devrule *d = &runc_default_allow[i - s->ndevrules];
            if (d->path && device_overridden(p, d->path)) continue;
            x.type = d->type; x.major = d->major; x.minor = d->minor; allow = true; acc = d->access;
        }
        if (x.type == 'a') { allow_all = allow; denies = false; n = 0; continue; }
        if (allow_all) { if (!allow) denies = true; continue; }
        size_t k = 0;
        while (k < n && rule_cmp(&r[k], &x)) k++;
        if (k == n && !allow) continue;
        if (k == n) { x.access[0] = 0; r[n++] = x; }
        access_norm(r[k].access, r[k].access, allow ? acc : NULL, allow ? NULL : acc);
    }
    if (allow_all && !denies) { add(p, l, "DevicePolicy=s:auto"); add(p, l, "DeviceAllow=a(ss):[]"); return; }
    add(p, l, "DeviceAllow=a(ss):[]");
    add(p, l, "DevicePolicy=s:strict");
    if (allow_all) return;
    /* ORDER: by type, major, minor, so the list does not depend on the spec's order */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && rule_cmp(&r[j - 1], &r[j]) > 0; j--) { allow_rule t = r[j]; r[j] = r[j - 1]; r[j - 1] = t; }
    buf b; buf_init(&b, &p->a);
    buf_put(&b, "DeviceAllow=a(ss):[", 19);
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        const allow_rule *x = &r[i];
        const char *kind = x->type == 'b' ? "block" : "char", *path;
        if (!x->access[0]) continue;
        if (x->major < 0 && x->minor >= 0) continue;   /* "*:n" has no systemd form; runc skips it too */
        if (x->major < 0) path = arena_printf(&p->a, "%s-*", kind);
        else if (x->minor < 0) path = arena_printf(&p->a, "%s-%lld", kind, (long long)x->major);
        else path = arena_printf(&p->a, "/dev/%s/%lld:%lld", kind, (long long)x->major, (long long)x->minor);
        const char *e = arena_printf(&p->a, "%s[\"%s\",\"%s\"]", first ? "" : ",", path, x->access);
        buf_put(&b, e, strlen(e));
        first = false;
    }
    buf_put(&b, "]", 1);
    add(p, l, buf_cstr(&b));
}

/* runc's CPUQuotaPerSecUSec: quota per second of CPU time, rounded up to 10 ms (1%) */
static void add_cpu_quota(planner *p, props *l) {
    const spec *s = &p->s;
    if (s->has_period) add_u64(p, l, "CPUQuotaPeriodUSec", s->period);
    if (!s->has_quota && !s->has_period) return;
    if (!s->has_quota || s->quota < 0) { add(p, l, "CPUQuotaPerSecUSec=t:" U64_MAX_S); return; }
    uint64_t per_sec = (uint64_t)s->quota * 1000000 / (s->has_period ? s->period : 100000);
    if (per_sec % 10000) per_sec = (per_sec / 10000 + 1) * 10000;
    add_u64(p, l, "CPUQuotaPerSecUSec", per_sec);
}

/* the resources as unit properties: runc's genV2ResourcesProperties (pure cgroup v2) or
 * genV1ResourcesProperties (v1 hierarchies); update leaves the devices alone */
static void resource_props(planner *p, props *l, bool update) {
    const spec *s = &p->s;
    bool v2 = !p->ctx.nv1;
    if (!update) add_devices(p, l);
    if (s->has_mem_limit) add_limit(p, l, v2 ? "MemoryMax" : "MemoryLimit", s->mem_limit);
    if (v2) {
        if (s->has_mem_res) add_limit(p, l, "MemoryLow", s->mem_res);
        /* v2 swap is swap alone: memory+swap less memory; unlimited memory without a swap
         * value lifts swap too (runc's ConvertMemorySwapToCgroupV2Value) */
        if (s->has_mem_swap && (s->mem_swap < 0 || !s->has_mem_limit || s->mem_limit < 0)) add_limit(p, l, "MemorySwapMax", s->mem_swap);
        else if (s->has_mem_swap) add_u64(p, l, "MemorySwapMax", (uint64_t)(s->mem_swap - s->mem_limit));
        else if (s->has_mem_limit && s->mem_limit < 0) add_limit(p, l, "MemorySwapMax", -1);
        if (s->has_shares) add_u64(p, l, "CPUWeight", 1 + ((s->shares - 2) * 9999) / 262142);
    } else if (s->has_shares) add_u64(p, l, "CPUShares", s->shares);
    add_cpu_quota(p, l);
    if (!v2 && s->has_blkio_weight) add_u64(p, l, "BlockIOWeight", s->blkio_weight);
    if (s->has_pids) add_limit(p, l, "TasksMax", s->pids);
    if (s->cpus) add_bits(p, l, "AllowedCPUs", s->cpus);
    if (s->mems) add_bits(p, l, "AllowedMemoryNodes", s->mems);
}

static strvec vec(props *l) { strvec v = { l->v, l->n }; return v; }

/* ORDER: systemd makes the unit's cgroup and moves P into it; only then may P write the
 * limits and clone C into it. runc's Apply (StartTransientUnit, waiting for its job), then its
 * Set (SetUnitProperties, then the cgroup files) */
void plan_systemd_unit(planner *p) {
    const spec *s = &p->s;
    const char *why = s->why_cgroups_path;
    bool slice_unit = strlen(s->sd_unit) > 6 && !strcmp(s->sd_unit + strlen(s->sd_unit) - 6, ".slice");
    props l = { 0 };
    add(p, &l, arena_printf(&p->a, "Description=s:libcontainer container %s", s->sd_name));
    if (slice_unit) add(p, &l, arena_printf(&p->a, "Wants=as:[\"%s\"]", s->sd_slice));
    else {
        add(p, &l, arena_printf(&p->a, "Slice=s:%s", s->sd_slice));
        add(p, &l, "Delegate=b:true");
    }
    /* systemd refuses a scope without a process: P, which the caller names when it starts it */
    add(p, &l, "PIDs=au:$pid");
    add(p, &l, "MemoryAccounting=b:true");
    add(p, &l, "CPUAccounting=b:true");
    add(p, &l, "IOAccounting=b:true");
    add(p, &l, "TasksAccounting=b:true");
    add(p, &l, "DefaultDependencies=b:false");
    for (uint32_t i = 0; i < s->sd_props.n; i++) add(p, &l, s->sd_props.v[i]);
    strvec v = vec(&l);
    const char *w = arena_printf(&p->a, "%s option:systemd-cgroup", why);
    op_systemd_start_unit(p, w, F_CALLER_CGROUP_UNIT, s->sd_unit, "replace", &v);
    props r = { 0 };
    resource_props(p, &r, false);
    strvec rv = vec(&r);
    op_systemd_set_unit_properties(p, w, F_CALLER_CGROUP_UNIT, s->sd_unit, 1, &rv);
    op_sync_caller(p, w, F_CALLER_CGROUP_UNIT);
}

void plan_systemd_update(planner *p) {
    props r = { 0 };
    resource_props(p, &r, true);
    strvec rv = vec(&r);
    op_systemd_set_unit_properties(p, "option:systemd-cgroup", F_CALLER_BEFORE_SHIM, p->s.sd_unit, 1, &rv);
}

/* runc's Destroy: StopUnit, waiting for its job; systemd removes the unit's cgroup */
void plan_systemd_teardown(planner *p) {
    op_systemd_stop_unit(p, arena_printf(&p->a, "%s option:systemd-cgroup", p->s.why_cgroups_path), p->s.sd_unit, "replace");
}
