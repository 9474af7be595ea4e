/* spec_resources.c — reads and validates the cgroup resources that take lists or maps:
 * blockIO per-device weights and throttles, hugepageLimits and the cgroup v2 "unified" map.
 * Checked against the host facts (which hierarchies and page sizes exist) as runc's writes
 * would fail there. Must never emit ops. */
#include "planner.h"
#include <stdlib.h>
#include <string.h>

/* runc's v1 manager refuses a limit whose hierarchy is not mounted (a hybrid host keeps some
 * controllers on cgroup2, where it does not look); on v2 a missing controller fails the write */
static bool have_controller(planner *p, const jv *v, const char *ctl) {
    const context *c = &p->ctx;
    if (!c->nv1) return true;
    for (size_t i = 0; i < c->nv1; i++)
        for (uint32_t k = 0; k < c->v1[i].controllers.n; k++) if (!strcmp(c->v1[i].controllers.v[k], ctl)) return true;
    err_at(p, v, R_RESOURCE_CONTROLLER, arena_printf(&p->a, "cannot set %s limit: container could not join or create cgroup", ctl));
    return false;
}

static const char *const blk_keys[BLK__COUNT] = {
    "weightDevice", "throttleReadBpsDevice", "throttleWriteBpsDevice",
    "throttleReadIOPSDevice", "throttleWriteIOPSDevice",
};

static bool dev_number(planner *p, const jv *d, const char *key, int64_t *out) {
    const jv *v = json_get(d, key);
    if (!get_i64(p, d, key, out)) {
        if (!v || v->type == JV_NULL) err_missing(p, d, key, R_RESOURCE_BLKIO, arena_printf(&p->a, "blockIO device %s is required", key));
        return false;
    }
    if (*out < 0) { err_at(p, v, R_RESOURCE_BLKIO, arena_printf(&p->a, "blockIO device %s %lld is negative", key, (long long)*out)); return false; }
    return true;
}

/* weightDevice entries give a weight, a leaf weight or both; a zero one is not written (runc) */
static bool weight_of(planner *p, const jv *d, const char *key, uint64_t *w) {
    const jv *v = json_get(d, key);
    if (!v || v->type == JV_NULL || !val_u64(p, v, UINT16_MAX, w) || !*w) return false;
    if (*w < 10 || *w > 1000) {
        err_at(p, v, R_RESOURCE_BLKIO, arena_printf(&p->a, "blockIO device %s %llu is out of range (10..1000)", key, (unsigned long long)*w));
        return false;
    }
    return true;
}

void spec_read_blkio_devices(planner *p, const jv *bio) {
    spec *s = &p->s;
    for (int kind = BLK_WEIGHT; kind < BLK__COUNT; kind++) {
        const jv *arr = get_arr(p, bio, blk_keys[kind]);
        if (!arr) continue;
        s->blkdev[kind] = arena_alloc(&p->a, (arr->n + 1) * sizeof *s->blkdev[kind]);
        if (!s->blkdev[kind]) continue;
        for (size_t i = 0; i < arr->n; i++) {
            const jv *d = arr->items[i];
            if (d->type != JV_OBJ) { err_at(p, d, R_TYPE, arena_printf(&p->a, "expected an object, got %s", json_type_name(d->type))); continue; }
            int64_t major, minor;
            bool ok = dev_number(p, d, "major", &major);
            if (!dev_number(p, d, "minor", &minor) || !ok) continue;
            blkdev_spec e = { major, minor, 0, 0, NULL, NULL };
            if (kind == BLK_WEIGHT) {
                if (weight_of(p, d, "weight", &e.value)) e.why = ptr_of(p, json_get(d, "weight"));
                if (weight_of(p, d, "leafWeight", &e.leaf)) e.why_leaf = ptr_of(p, json_get(d, "leafWeight"));
                if (e.why || e.why_leaf) s->blkdev[kind][s->nblkdev[kind]++] = e;
                continue;
            }
            const jv *rate = json_get(d, "rate");
            if (!rate || rate->type == JV_NULL) { err_missing(p, d, "rate", R_RESOURCE_BLKIO, "blockIO throttle rate is required"); continue; }
            if (!val_u64(p, rate, UINT64_MAX, &e.value)) continue;
            e.why = ptr_of(p, rate);
            s->blkdev[kind][s->nblkdev[kind]++] = e;
        }
    }
}

/* "2MB", "1GB", "64KB": the names the kernel gives hugetlb files */
static bool pagesize_ok(const char *s) {
    size_t n = strspn(s, "0123456789");
    return n > 0 && s[0] != '0' && strchr("KMG", s[n]) && s[n] && s[n + 1] == 'B' && !s[n + 2];
}

void spec_read_hugetlb(planner *p, const jv *res) {
    spec *s = &p->s;
    const context *c = &p->ctx;
    const jv *arr = get_arr(p, res, "hugepageLimits");
    if (!arr || !arr->n) return;
    if (!have_controller(p, arr, "hugetlb")) return;
    s->hugetlb = arena_alloc(&p->a, arr->n * sizeof *s->hugetlb);
    if (!s->hugetlb) return;
    for (size_t i = 0; i < arr->n; i++) {
        const jv *h = arr->items[i];
        if (h->type != JV_OBJ) { err_at(p, h, R_TYPE, arena_printf(&p->a, "expected an object, got %s", json_type_name(h->type))); continue; }
        const char *ps;
        const jv *pv = json_get(h, "pageSize");
        if (!get_str(p, h, "pageSize", &ps)) {
            if (!pv || pv->type == JV_NULL) err_missing(p, h, "pageSize", R_RESOURCE_HUGETLB, "hugepage pageSize is required");
            continue;
        }
        if (!pagesize_ok(ps)) { err_at(p, pv, R_RESOURCE_HUGETLB, arena_printf(&p->a, "hugepage pageSize \"%s\" is not a size like 2MB or 1GB", ps)); continue; }
        bool known = !c->hugepage_sizes.n;
        for (uint32_t k = 0; k < c->hugepage_sizes.n; k++) known |= !strcmp(c->hugepage_sizes.v[k], ps);
        if (!known) { err_at(p, pv, R_RESOURCE_HUGETLB, arena_printf(&p->a, "hugepage pageSize %s is not a page size of this host", ps)); continue; }
        uint64_t limit;
        const jv *lv = json_get(h, "limit");
        if (!lv || lv->type == JV_NULL) { err_missing(p, h, "limit", R_RESOURCE_HUGETLB, "hugepage limit is required"); continue; }
        if (val_u64(p, lv, UINT64_MAX, &limit)) s->hugetlb[s->nhugetlb++] = (hugetlb_spec){ ps, limit, ptr_of(p, lv) };
    }
}

/* unified: file name → value, written last (after every other limit) as runc does; each line
 * of a value is its own write */
void spec_read_unified(planner *p, const jv *uni) {
    spec *s = &p->s;
    const context *c = &p->ctx;
    if (uni->type != JV_OBJ) { err_at(p, uni, R_TYPE, arena_printf(&p->a, "expected an object, got %s", json_type_name(uni->type))); return; }
    /* ORDER: by name, so key order in config.json never changes the plan */
    const jv **m = sorted_members(p, uni);
    if (!m) return;
    s->unified_keys = arena_alloc(&p->a, uni->n * sizeof *s->unified_keys);
    s->unified_vals = arena_alloc(&p->a, uni->n * sizeof *s->unified_vals);
    s->unified_why = arena_alloc(&p->a, uni->n * sizeof *s->unified_why);
    if (!s->unified_keys || !s->unified_vals || !s->unified_why) return;
    for (size_t i = 0; i < uni->n; i++) {
        const jv *v = m[i];
        const char *key = v->key, *val, *dot = strchr(key, '.');
        if (!val_str(p, v, &val)) continue;
        /* SECURITY: the key becomes a file name in the container's cgroup; it must stay there */
        if (strlen(key) != v->key_len || strchr(key, '/')) {
            err_at(p, v, R_RESOURCE_UNIFIED, arena_printf(&p->a, "unified resource \"%s\" must be a file name (no slashes)", key));
            continue;
        }
        if (!dot || dot == key || !dot[1]) {
            err_at(p, v, R_RESOURCE_UNIFIED, arena_printf(&p->a, "unified resource \"%s\" must be in the form CONTROLLER.PARAMETER", key));
            continue;
        }
        const char *ctl = arena_strndup(&p->a, key, (size_t)(dot - key));
        bool known = !strcmp(ctl, "cgroup");
        for (uint32_t k = 0; k < c->unified_controllers.n; k++) known |= !strcmp(c->unified_controllers.v[k], ctl);
        if (!known) {
            err_at(p, v, R_RESOURCE_UNIFIED, arena_printf(&p->a, "unified resource \"%s\" can't be set: controller \"%s\" not available", key, ctl));
            continue;
        }
        s->unified_keys[s->nunified] = key;
        s->unified_vals[s->nunified] = val;
        s->unified_why[s->nunified++] = ptr_of(p, v);
    }
}

/* cpu.idle and cpu.burst are pointers in the spec (0 is a value); the real-time fields are
 * unset at 0, as runc reads them */
void spec_read_cpu_extra(planner *p, const jv *cpu) {
    spec *s = &p->s;
    const jv *x;
    if (get_i64(p, cpu, "idle", &s->cpu_idle)) {
        x = json_get(cpu, "idle");
        if (s->cpu_idle != 0 && s->cpu_idle != 1) err_at(p, x, R_RESOURCE_CPU, arena_printf(&p->a, "cpu idle %lld is invalid (0 or 1)", (long long)s->cpu_idle));
        else { s->has_cpu_idle = true; s->why_cpu_idle = ptr_of(p, x); }
    }
    if (get_u64(p, cpu, "burst", UINT64_MAX, &s->cpu_burst)) { s->has_cpu_burst = true; s->why_cpu_burst = ptr_of(p, json_get(cpu, "burst")); }
    if (get_i64(p, cpu, "realtimeRuntime", &s->rt_runtime) && s->rt_runtime) {
        x = json_get(cpu, "realtimeRuntime");
        if (s->rt_runtime < -1) err_at(p, x, R_RESOURCE_CPU, arena_printf(&p->a, "cpu realtimeRuntime %lld is invalid (-1 for unlimited)", (long long)s->rt_runtime));
        else { s->has_rt_runtime = true; s->why_rt_runtime = ptr_of(p, x); }
    }
    if (get_u64(p, cpu, "realtimePeriod", UINT64_MAX, &s->rt_period) && s->rt_period) { s->has_rt_period = true; s->why_rt_period = ptr_of(p, json_get(cpu, "realtimePeriod")); }
}

/* network: net_cls.classid (0: unset) and one net_prio.ifpriomap line per priority */
void spec_read_network(planner *p, const jv *res) {
    spec *s = &p->s;
    const jv *net = get_obj(p, res, "network");
    if (!net) return;
    /* cgroup v2 has neither: runc's v2 manager ignores both */
    bool v2_only = !p->ctx.nv1 && p->ctx.unified;
    const jv *cls = json_get(net, "classID");
    if (get_u64(p, net, "classID", UINT32_MAX, &s->classid) && s->classid && !v2_only && have_controller(p, cls, "net_cls")) { s->has_classid = true; s->why_classid = ptr_of(p, cls); }
    const jv *arr = get_arr(p, net, "priorities");
    if (!arr || !arr->n || v2_only || !have_controller(p, arr, "net_prio")) return;
    s->prio_lines = arena_alloc(&p->a, arr->n * sizeof *s->prio_lines);
    s->prio_why = arena_alloc(&p->a, arr->n * sizeof *s->prio_why);
    if (!s->prio_lines || !s->prio_why) return;
    for (size_t i = 0; i < arr->n; i++) {
        const jv *e = arr->items[i];
        if (e->type != JV_OBJ) { err_at(p, e, R_TYPE, arena_printf(&p->a, "expected an object, got %s", json_type_name(e->type))); continue; }
        const char *name; uint64_t prio;
        bool named = get_str(p, e, "name", &name);
        if (named && (!*name || strpbrk(name, " \t\n/"))) { err_at(p, json_get(e, "name"), R_RESOURCE_NETWORK, arena_printf(&p->a, "network priority interface \"%s\" is not an interface name", name)); continue; }
        if (!named) { err_missing(p, e, "name", R_RESOURCE_NETWORK, "network priority interface name is required"); continue; }
        if (!get_u64(p, e, "priority", UINT32_MAX, &prio)) prio = 0;
        s->prio_why[s->nprio] = ptr_of(p, e);
        s->prio_lines[s->nprio++] = arena_printf(&p->a, "%s %llu", name, (unsigned long long)prio);
    }
}

/* rdma: device → limits, one rdma.max line per device, by device name */
void spec_read_rdma(planner *p, const jv *res) {
    spec *s = &p->s;
    const jv *o = get_obj(p, res, "rdma");
    const jv **m = sorted_members(p, o);
    if (!m || !have_controller(p, o, "rdma")) return;
    s->rdma_lines = arena_alloc(&p->a, o->n * sizeof *s->rdma_lines);
    s->rdma_why = arena_alloc(&p->a, o->n * sizeof *s->rdma_why);
    if (!s->rdma_lines || !s->rdma_why) return;
    for (size_t i = 0; i < o->n; i++) {
        const jv *v = m[i];
        if (v->type != JV_OBJ) { err_at(p, v, R_TYPE, arena_printf(&p->a, "expected an object, got %s", json_type_name(v->type))); continue; }
        /* SECURITY: the name starts a line of rdma.max; it must be one word */
        if (strlen(v->key) != v->key_len || !*v->key || strpbrk(v->key, " \t\n")) { err_at(p, v, R_RESOURCE_NETWORK, arena_printf(&p->a, "rdma device \"%s\" is not a device name", v->key)); continue; }
        uint64_t h, ob;
        bool hh = get_u64(p, v, "hcaHandles", UINT32_MAX, &h), ho = get_u64(p, v, "hcaObjects", UINT32_MAX, &ob);
        const char *line = v->key;
        if (hh) line = arena_printf(&p->a, "%s hca_handle=%llu", line, (unsigned long long)h);
        if (ho) line = arena_printf(&p->a, "%s hca_object=%llu", line, (unsigned long long)ob);
        s->rdma_why[s->nrdma] = ptr_of(p, v);
        s->rdma_lines[s->nrdma++] = line;
    }
}
