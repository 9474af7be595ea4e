/* spec_resources.c — reads and validates the cgroup resources that take lists or maps:
 * blockIO per-device weights and throttles, hugepageLimits and the cgroup v2 "unified" map.
 * Checked against the host facts (which hierarchies and page sizes exist) as runc's writes
 * would fail there. Must never emit ops. */
#include "planner.h"
#include <stdlib.h>
#include <string.h>

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
    bool v2_only = !c->nv1 && c->unified, have = false;
    for (size_t i = 0; i < c->nv1; i++)
        for (uint32_t k = 0; k < c->v1[i].controllers.n; k++) have |= !strcmp(c->v1[i].controllers.v[k], "hugetlb");
    for (uint32_t k = 0; v2_only && k < c->unified_controllers.n; k++) have |= !strcmp(c->unified_controllers.v[k], "hugetlb");
    /* runc's text when the hugetlb hierarchy is not mounted (its v1 manager on a hybrid host) */
    if (!have) { err_at(p, arr, R_RESOURCE_HUGETLB, "cannot set hugetlb limit: container could not join or create cgroup"); return; }
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

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* unified: file name → value, written last (after every other limit) as runc does; each line
 * of a value is its own write */
void spec_read_unified(planner *p, const jv *uni) {
    spec *s = &p->s;
    const context *c = &p->ctx;
    if (uni->type != JV_OBJ) { err_at(p, uni, R_TYPE, arena_printf(&p->a, "expected an object, got %s", json_type_name(uni->type))); return; }
    if (!uni->n) return;
    s->unified_keys = arena_alloc(&p->a, uni->n * sizeof *s->unified_keys);
    s->unified_vals = arena_alloc(&p->a, uni->n * sizeof *s->unified_vals);
    s->unified_why = arena_alloc(&p->a, uni->n * sizeof *s->unified_why);
    if (!s->unified_keys || !s->unified_vals || !s->unified_why) return;
    for (size_t i = 0; i < uni->n; i++) {
        const jv *v = uni->items[i];
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
        s->unified_keys[s->nunified++] = key;
    }
    /* ORDER: by name, so key order in config.json never changes the plan */
    qsort(s->unified_keys, s->nunified, sizeof *s->unified_keys, cmp_str);
    for (uint32_t i = 0; i < s->nunified; i++) {
        const jv *v = json_get(uni, s->unified_keys[i]);
        s->unified_vals[i] = v->s;
        s->unified_why[i] = ptr_of(p, v);
    }
}
