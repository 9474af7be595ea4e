/* spec_linux.c — reads and validates "linux": namespaces, devices, cgroup resources, paths,
 * propagation, plus "ociVersion" and the fields planc does not plan yet.
 * Must never emit ops or read host state. */
#include "planner.h"
#include <stdlib.h>
#include <string.h>

void spec_read_process(planner *p, const jv *root);
void spec_read_root(planner *p, const jv *root);
void spec_read_mounts(planner *p, const jv *root);

static void read_namespaces(planner *p, const jv *lx) {
    spec *s = &p->s;
    const jv *arr = get_arr(p, lx, "namespaces");
    if (!arr) return;
    s->ns = arena_alloc(&p->a, (arr->n + 1) * sizeof *s->ns);
    if (!s->ns) return;
    uint32_t seen = 0;
    for (size_t i = 0; i < arr->n; i++) {
        const jv *n = arr->items[i];
        if (n->type != JV_OBJ) { err_at(p, n, R_TYPE, arena_printf(&p->a, "expected an object, got %s", json_type_name(n->type))); continue; }
        const jv *tv = json_get(n, "type");
        const char *type, *path = "";
        if (!val_str(p, tv, &type)) {
            if (!tv || tv->type == JV_NULL) err_missing(p, n, "type", R_NAMESPACE_TYPE, "namespace type is required");
            continue;
        }
        bool known;
        uint32_t flag = ns_lookup(type, &known);
        if (!known) { err_at(p, tv, R_NAMESPACE_TYPE, arena_printf(&p->a, "unknown namespace type \"%s\"", type)); continue; }
        if (seen & flag) { err_at(p, tv, R_NAMESPACE_DUPLICATE, arena_printf(&p->a, "duplicate namespace type \"%s\"", type)); continue; }
        seen |= flag;
        const jv *pv = json_get(n, "path");
        if (val_str(p, pv, &path) && *path && !is_abs(path)) {
            err_at(p, pv, R_NAMESPACE_PATH, arena_printf(&p->a, "namespace path \"%s\" is not an absolute path", path));
            continue;
        }
        /* clone makes the other new namespaces owned by the new user namespace; a joined
         * one would need every namespace made after the setns, which no op expresses */
        if (flag == F_CLONE_NEWUSER && *path && p->ctx.act == ACT_CREATE) {
            err_at(p, pv, R_USER_NAMESPACE, "joining a user namespace by path is not planned yet");
            continue;
        }
        if (flag == F_CLONE_NEWUSER && !*path) s->userns = true;
        ns_spec *x = &s->ns[s->nns++];
        x->flag = flag; x->path = path; x->why = ptr_of(p, n);
    }
}

static bool has_ns(planner *p, uint32_t flag) {
    for (uint32_t i = 0; i < p->s.nns; i++) if (p->s.ns[i].flag == flag) return true;
    return false;
}

static void read_paths(planner *p, const jv *lx, const char *key, int rule, const char ***out,
                       const char ***why, uint32_t *n) {
    const jv *arr = get_arr(p, lx, key);
    if (!arr) return;
    *out = arena_alloc(&p->a, (arr->n + 1) * sizeof **out);
    *why = arena_alloc(&p->a, (arr->n + 1) * sizeof **why);
    if (!*out || !*why) return;
    for (size_t i = 0; i < arr->n; i++) {
        const char *path;
        if (!val_str(p, arr->items[i], &path)) continue;
        if (!is_abs(path)) { err_at(p, arr->items[i], rule, arena_printf(&p->a, "path \"%s\" is not an absolute path", path)); continue; }
        (*out)[*n] = clean_path(p, path);
        (*why)[(*n)++] = ptr_of(p, arr->items[i]);
    }
}

static void read_devices(planner *p, const jv *lx) {
    spec *s = &p->s;
    const jv *arr = get_arr(p, lx, "devices");
    if (!arr) return;
    s->devices = arena_alloc(&p->a, (arr->n + 1) * sizeof *s->devices);
    if (!s->devices) return;
    for (size_t i = 0; i < arr->n; i++) {
        const jv *d = arr->items[i];
        if (d->type != JV_OBJ) { err_at(p, d, R_TYPE, arena_printf(&p->a, "expected an object, got %s", json_type_name(d->type))); continue; }
        device_spec x = { .mode = 0666, .why = ptr_of(p, d) };
        bool ok = true;
        const char *type, *path;
        const jv *tv = json_get(d, "type"), *pv = json_get(d, "path");
        if (!val_str(p, tv, &type)) {
            if (!tv || tv->type == JV_NULL) err_missing(p, d, "type", R_DEVICE_TYPE, "device type is required");
            ok = false;
        } else if (strlen(type) != 1 || !strchr("cbup", type[0])) {
            err_at(p, tv, R_DEVICE_TYPE, arena_printf(&p->a, "device type \"%s\" is not one of c, b, u, p", type));
            ok = false;
        } else x.type = type[0] == 'u' ? 'c' : type[0];
        if (!val_str(p, pv, &path)) {
            if (!pv || pv->type == JV_NULL) err_missing(p, d, "path", R_DEVICE_PATH, "device path is required");
            ok = false;
        } else if (!is_abs(path) || !strcmp(clean_path(p, path), "/")) {
            err_at(p, pv, R_DEVICE_PATH, arena_printf(&p->a, "device path \"%s\" is not an absolute file path", path));
            ok = false;
        } else x.path = clean_path(p, path);
        int64_t major = 0, minor = 0;
        bool hmaj = get_i64(p, d, "major", &major), hmin = get_i64(p, d, "minor", &minor);
        if (json_get(d, "major") && !hmaj && json_get(d, "major")->type != JV_NULL) ok = false;
        if (json_get(d, "minor") && !hmin && json_get(d, "minor")->type != JV_NULL) ok = false;
        if (ok && x.type != 'p' && (!hmaj || !hmin)) {
            err_at(p, d, R_DEVICE_NUMBER, "device major and minor are required for c, b and u devices");
            ok = false;
        }
        /* the kernel's dev_t holds a 12-bit major and a 20-bit minor */
        if (hmaj && (major < 0 || major > 0xfff)) { err_at(p, json_get(d, "major"), R_DEVICE_NUMBER, arena_printf(&p->a, "device major %lld is out of range (0..4095)", (long long)major)); ok = false; }
        if (hmin && (minor < 0 || minor > 0xfffff)) { err_at(p, json_get(d, "minor"), R_DEVICE_NUMBER, arena_printf(&p->a, "device minor %lld is out of range (0..1048575)", (long long)minor)); ok = false; }
        uint64_t v;
        if (get_u64(p, d, "fileMode", UINT32_MAX, &v)) x.mode = (uint32_t)v & 07777;
        if (get_u64(p, d, "uid", ID_MAX, &v)) x.uid = (uint32_t)v;
        if (get_u64(p, d, "gid", ID_MAX, &v)) x.gid = (uint32_t)v;
        if (!ok) continue;
        x.major = (uint32_t)major; x.minor = (uint32_t)minor;
        s->devices[s->ndevices++] = x;
    }
}

static void read_devrules(planner *p, const jv *res) {
    spec *s = &p->s;
    const jv *arr = get_arr(p, res, "devices");
    if (!arr) return;
    s->devrules = arena_alloc(&p->a, (arr->n + 1) * sizeof *s->devrules);
    if (!s->devrules) return;
    for (size_t i = 0; i < arr->n; i++) {
        const jv *d = arr->items[i];
        if (d->type != JV_OBJ) { err_at(p, d, R_TYPE, arena_printf(&p->a, "expected an object, got %s", json_type_name(d->type))); continue; }
        devrule_spec x = { .type = 'a', .major = -1, .minor = -1, .access = "rwm", .why = ptr_of(p, d) };
        bool ok = true;
        if (!get_bool(p, d, "allow", &x.allow)) {
            if (!json_get(d, "allow") || json_get(d, "allow")->type == JV_NULL) { err_missing(p, d, "allow", R_DEVICE_RULE, "device rule needs \"allow\""); }
            ok = false;
        }
        const char *str;
        const jv *tv = json_get(d, "type");
        if (val_str(p, tv, &str)) {
            if (!*str) x.type = 'a';
            else if (strlen(str) != 1 || !strchr("acb", str[0])) { err_at(p, tv, R_DEVICE_RULE, arena_printf(&p->a, "device rule type \"%s\" is not one of a, c, b", str)); ok = false; }
            else x.type = str[0];
        } else if (tv && tv->type != JV_NULL) ok = false;
        const jv *av = json_get(d, "access");
        if (val_str(p, av, &str)) {
            bool bad = !*str;
            for (const char *c = str; *c; c++)
                if (!strchr("rwm", *c) || strchr(c + 1, *c)) bad = true;
            if (bad && *str) { err_at(p, av, R_DEVICE_RULE, arena_printf(&p->a, "device access \"%s\" is not a combination of r, w, m", str)); ok = false; }
            else if (*str) x.access = str;
        } else if (av && av->type != JV_NULL) ok = false;
        int64_t n;
        if (get_i64(p, d, "major", &n)) {
            if (n < -1 || n > 0xfff) { err_at(p, json_get(d, "major"), R_DEVICE_RULE, "device rule major is out of range (-1..4095)"); ok = false; }
            x.major = n;
        } else if (json_get(d, "major") && json_get(d, "major")->type != JV_NULL) ok = false;
        if (get_i64(p, d, "minor", &n)) {
            if (n < -1 || n > 0xfffff) { err_at(p, json_get(d, "minor"), R_DEVICE_RULE, "device rule minor is out of range (-1..1048575)"); ok = false; }
            x.minor = n;
        } else if (json_get(d, "minor") && json_get(d, "minor")->type != JV_NULL) ok = false;
        if (ok) s->devrules[s->ndevrules++] = x;
    }
}

/* "0-3,5,7-8": what the kernel's cpulist parser accepts, without spaces */
static bool cpu_list_ok(const char *s) {
    if (!*s) return true;
    for (;;) {
        if (*s < '0' || *s > '9') return false;
        unsigned long a = 0;
        while (*s >= '0' && *s <= '9') { a = a * 10 + (unsigned long)(*s++ - '0'); if (a > 1000000) return false; }
        if (*s == '-') {
            s++;
            if (*s < '0' || *s > '9') return false;
            unsigned long b = 0;
            while (*s >= '0' && *s <= '9') { b = b * 10 + (unsigned long)(*s++ - '0'); if (b > 1000000) return false; }
            if (b < a) return false;
        }
        if (!*s) return true;
        if (*s++ != ',') return false;
    }
}

/* Go decodes a zero value the same as an absent one, and runc acts on neither: false, 0,
 * "", null, and arrays/objects holding only such values ask for nothing. */
static bool zeroish(const jv *v) {
    switch (v->type) {
    case JV_NULL: return true;
    case JV_BOOL: return !v->b;
    case JV_NUM: return v->num_int && v->num_mag == 0;
    case JV_STR: return v->len == 0;
    default:
        for (size_t i = 0; i < v->n; i++) if (!zeroish(v->items[i])) return false;
        return true;
    }
}

static void unsupported_if_present(planner *p, const jv *obj, const char *key, const char *what) {
    const jv *v = json_get(obj, key);
    if (!v || zeroish(v)) return;
    err_at(p, v, R_UNSUPPORTED, arena_printf(&p->a, "%s is not planned yet", what));
}

static void read_resources(planner *p, const jv *lx) {
    const jv *res = get_obj(p, lx, "resources");
    if (res) spec_read_resources_obj(p, res, false);
}

/* blockIO: the weight is planned; per-device weights and throttles are not yet */
static void read_blkio(planner *p, const jv *res) {
    spec *s = &p->s;
    const jv *bio = json_get(res, "blockIO");
    if (!bio || zeroish(bio)) return;
    if (!(bio = get_obj(p, res, "blockIO"))) return;
    uint64_t w;
    const jv *x = json_get(bio, "weight");
    if (val_u64(p, x, UINT16_MAX, &w) && w) {
        if (w < 10 || w > 1000) err_at(p, x, R_RESOURCE_BLKIO, arena_printf(&p->a, "blockIO weight %llu is out of range (10..1000)", (unsigned long long)w));
        else { s->has_blkio_weight = true; s->blkio_weight = w; s->why_blkio_weight = ptr_of(p, x); }
    }
    static const char *const later[] = { "leafWeight", "weightDevice", "throttleReadBpsDevice", "throttleWriteBpsDevice",
                                         "throttleReadIOPSDevice", "throttleWriteIOPSDevice" };
    for (size_t i = 0; i < sizeof later / sizeof later[0]; i++)
        unsupported_if_present(p, bio, later[i], arena_printf(&p->a, "linux.resources.blockIO.%s", later[i]));
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* hugepageLimits: hugetlb.<pageSize>.max on v2, .limit_in_bytes on v1 */
static void read_hugepages(planner *p, const jv *res) {
    spec *s = &p->s;
    const jv *arr = get_arr(p, res, "hugepageLimits");
    if (!arr || !arr->n) return;
    s->hp_sizes = arena_alloc(&p->a, arr->n * sizeof *s->hp_sizes);
    s->hp_why = arena_alloc(&p->a, arr->n * sizeof *s->hp_why);
    s->hp_limits = arena_alloc(&p->a, arr->n * sizeof *s->hp_limits);
    if (!s->hp_sizes || !s->hp_why || !s->hp_limits) return;
    for (size_t i = 0; i < arr->n; i++) {
        const jv *e = arr->items[i];
        const char *size; uint64_t limit;
        if (e->type != JV_OBJ) { err_at(p, e, R_TYPE, arena_printf(&p->a, "expected an object, got %s", json_type_name(e->type))); continue; }
        bool has_size = get_str(p, e, "pageSize", &size), has_limit = get_u64(p, e, "limit", UINT64_MAX, &limit);
        /* SECURITY: the size becomes part of a file name in the container's cgroup */
        size_t n = has_size ? strspn(size, "0123456789") : 0;
        if (!has_size || !n || (strcmp(size + n, "KB") && strcmp(size + n, "MB") && strcmp(size + n, "GB"))) {
            err_at(p, has_size ? json_get(e, "pageSize") : e, R_RESOURCE_CGROUP2, "hugepageLimits pageSize must be a size like 2MB or 1GB");
            continue;
        }
        if (!has_limit) { err_missing(p, e, "limit", R_RESOURCE_CGROUP2, "hugepageLimits entries need a limit"); continue; }
        s->hp_sizes[s->nhp] = size; s->hp_limits[s->nhp] = limit; s->hp_why[s->nhp++] = ptr_of(p, e);
    }
}

/* unified: file name -> value, written as given, last (cgroup v2 only, as runc) */
static void read_unified(planner *p, const jv *res) {
    spec *s = &p->s;
    const jv *o = get_obj(p, res, "unified");
    if (!o || !o->n) return;
    if (p->ctx.nv1) { err_at(p, o, R_UNSUPPORTED, "invalid configuration: cannot use unified on cgroup v1"); return; }
    s->uni_keys = arena_alloc(&p->a, o->n * sizeof *s->uni_keys);
    s->uni_vals = arena_alloc(&p->a, o->n * sizeof *s->uni_vals);
    s->uni_why = arena_alloc(&p->a, o->n * sizeof *s->uni_why);
    if (!s->uni_keys || !s->uni_vals || !s->uni_why) return;
    for (size_t i = 0; i < o->n; i++) {
        const jv *v = o->items[i];
        const char *key = v->key, *val, *dot = strchr(key, '.');
        if (!val_str(p, v, &val)) continue;
        /* SECURITY: the key becomes a file name in the container's cgroup and nothing else */
        if (strlen(key) != v->key_len || !dot || dot == key || !dot[1] || strchr(key, '/')) {
            err_at(p, v, R_RESOURCE_CGROUP2, arena_printf(&p->a, "unified key \"%s\" must be a file name CONTROLLER.PARAMETER", key));
            continue;
        }
        const char *ctl = arena_strndup(&p->a, key, (size_t)(dot - key));
        bool known = !strcmp(ctl, "cgroup");
        for (uint32_t k = 0; k < p->ctx.unified_controllers.n && !known; k++) known = !strcmp(p->ctx.unified_controllers.v[k], ctl);
        if (!known) {
            err_at(p, v, R_RESOURCE_CGROUP2, arena_printf(&p->a, "unified key \"%s\": controller \"%s\" is not available on this host", key, ctl));
            continue;
        }
        s->uni_keys[s->nuni++] = key;
    }
    /* ORDER: by name, so key order in config.json never changes the plan */
    qsort(s->uni_keys, s->nuni, sizeof *s->uni_keys, cmp_str);
    for (uint32_t i = 0; i < s->nuni; i++) {
        const jv *v = json_get(o, s->uni_keys[i]);
        s->uni_vals[i] = v->s;
        s->uni_why[i] = ptr_of(p, v);
    }
}

void spec_read_resources_obj(planner *p, const jv *res, bool for_update) {
    spec *s = &p->s;
    if (res->type != JV_OBJ) { err_at(p, res, R_TYPE, arena_printf(&p->a, "expected an object, got %s", json_type_name(res->type))); return; }
    if (!for_update) read_devrules(p, res);
    else unsupported_if_present(p, res, "devices", "changing linux.resources.devices with update");
    read_blkio(p, res);
    const jv *mem = get_obj(p, res, "memory");
    if (mem) {
        struct { const char *key; bool *has; int64_t *val; const char **why; } f[] = {
            { "limit", &s->has_mem_limit, &s->mem_limit, &s->why_mem_limit },
            { "reservation", &s->has_mem_res, &s->mem_res, &s->why_mem_res },
            { "swap", &s->has_mem_swap, &s->mem_swap, &s->why_mem_swap },
        };
        for (size_t i = 0; i < 3; i++) {
            int64_t v;
            if (!get_i64(p, mem, f[i].key, &v)) continue;
            const jv *x = json_get(mem, f[i].key);
            if (v < -1) { err_at(p, x, R_RESOURCE_MEMORY, arena_printf(&p->a, "memory %s %lld is invalid (use -1 for unlimited)", f[i].key, (long long)v)); continue; }
            if (v == 0) continue;   /* 0 means "not set", as in runc */
            *f[i].has = true; *f[i].val = v; *f[i].why = ptr_of(p, x);
        }
        if (s->has_mem_limit && s->has_mem_swap && s->mem_swap != -1 && (s->mem_limit == -1 || s->mem_swap < s->mem_limit))
            err_at(p, json_get(mem, "swap"), R_RESOURCE_MEMORY, "memory+swap limit must not be below the memory limit");
        /* memory.kernel is ignored, as runc 1.1 ignores it (the kernel dropped kmem limits) */
        int64_t v;
        if (get_i64(p, mem, "kernelTCP", &v) && v) {
            const jv *x = json_get(mem, "kernelTCP");
            if (v < -1) err_at(p, x, R_RESOURCE_MEMORY, arena_printf(&p->a, "memory kernelTCP %lld is invalid (use -1 for unlimited)", (long long)v));
            else { s->has_kmem_tcp = true; s->kmem_tcp = v; s->why_kmem_tcp = ptr_of(p, x); }
        }
        uint64_t u;
        const jv *sw = json_get(mem, "swappiness");
        /* a uint64 in the spec; runc reads -1 (all ones) as "unset" */
        if (sw && sw->type == JV_NUM && sw->num_int && !sw->num_overflow &&
            ((sw->num_neg && sw->num_mag == 1) || (!sw->num_neg && sw->num_mag == UINT64_MAX))) sw = NULL;
        if (sw && val_u64(p, sw, UINT64_MAX, &u)) {
            if (u > 100) err_at(p, sw, R_RESOURCE_MEMORY, arena_printf(&p->a, "memory swappiness %llu is out of range (0..100)", (unsigned long long)u));
            else { s->has_swappiness = true; s->swappiness = u; s->why_swappiness = ptr_of(p, sw); }
        }
        bool b;
        if (get_bool(p, mem, "disableOOMKiller", &b) && b) { s->oom_kill_disable = true; s->why_oom_kill_disable = ptr_of(p, json_get(mem, "disableOOMKiller")); }
        /* cgroup v2 has no file for these */
        if (!p->ctx.nv1 && p->ctx.unified) {
            if (s->has_kmem_tcp) err_at(p, json_get(mem, "kernelTCP"), R_UNSUPPORTED, "memory kernelTCP has no cgroup v2 equivalent");
            if (s->has_swappiness) err_at(p, sw, R_UNSUPPORTED, "memory swappiness has no cgroup v2 equivalent");
            if (s->oom_kill_disable) err_at(p, json_get(mem, "disableOOMKiller"), R_UNSUPPORTED, "disableOOMKiller has no cgroup v2 equivalent");
        }
    }
    const jv *pids = get_obj(p, res, "pids");
    if (pids) {
        int64_t v;
        if (get_i64(p, pids, "limit", &v)) {
            const jv *x = json_get(pids, "limit");
            if (v < -1) err_at(p, x, R_RESOURCE_PIDS, arena_printf(&p->a, "pids limit %lld is invalid (use -1 for unlimited)", (long long)v));
            else if (v != 0) { s->has_pids = true; s->pids = v; s->why_pids = ptr_of(p, x); }
        }
    }
    const jv *cpu = get_obj(p, res, "cpu");
    if (cpu) {
        uint64_t u; int64_t i;
        if (get_u64(p, cpu, "shares", UINT64_MAX, &u) && u) {
            const jv *x = json_get(cpu, "shares");
            if (u < 2 || u > 262144) err_at(p, x, R_RESOURCE_CPU, arena_printf(&p->a, "cpu shares %llu is out of range (2..262144)", (unsigned long long)u));
            else { s->has_shares = true; s->shares = u; s->why_shares = ptr_of(p, x); }
        }
        if (get_u64(p, cpu, "period", UINT64_MAX, &u) && u) {
            const jv *x = json_get(cpu, "period");
            if (u < 1000 || u > 1000000) err_at(p, x, R_RESOURCE_CPU, arena_printf(&p->a, "cpu period %llu is out of range (1000..1000000)", (unsigned long long)u));
            else { s->has_period = true; s->period = u; s->why_period = ptr_of(p, x); }
        }
        if (get_i64(p, cpu, "quota", &i) && i) {
            const jv *x = json_get(cpu, "quota");
            if (i != -1 && i < 1000) err_at(p, x, R_RESOURCE_CPU, arena_printf(&p->a, "cpu quota %lld is invalid (-1, or at least 1000)", (long long)i));
            else { s->has_quota = true; s->quota = i; s->why_quota = ptr_of(p, x); }
        }
        const char *str;
        const jv *x = json_get(cpu, "cpus");
        if (val_str(p, x, &str) && *str) {
            if (!cpu_list_ok(str)) err_at(p, x, R_RESOURCE_CPU, arena_printf(&p->a, "cpus \"%s\" is not a CPU list like 0-3,5", str));
            else { s->cpus = str; s->why_cpus = ptr_of(p, x); }
        }
        x = json_get(cpu, "mems");
        if (val_str(p, x, &str) && *str) {
            if (!cpu_list_ok(str)) err_at(p, x, R_RESOURCE_CPU, arena_printf(&p->a, "mems \"%s\" is not a node list like 0-1", str));
            else { s->mems = str; s->why_mems = ptr_of(p, x); }
        }
        unsupported_if_present(p, cpu, "realtimeRuntime", "linux.resources.cpu.realtimeRuntime");
        unsupported_if_present(p, cpu, "realtimePeriod", "linux.resources.cpu.realtimePeriod");
        unsupported_if_present(p, cpu, "idle", "linux.resources.cpu.idle");
    }
    read_hugepages(p, res);
    unsupported_if_present(p, res, "network", "linux.resources.network");
    unsupported_if_present(p, res, "rdma", "linux.resources.rdma");
    /* runc's validator text on a host with v1 hierarchies (hybrid included) */
    read_unified(p, res);
}

/* The sysctls runc accepts: those of a namespace the container owns (validator.go). */
static const char *const ipc_sysctls[] = {
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall",
    "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};

static bool has_ns_flag(planner *p, uint32_t flag, bool *by_path) {
    for (uint32_t i = 0; i < p->s.nns; i++)
        if (p->s.ns[i].flag == flag) { if (by_path) *by_path = *p->s.ns[i].path != 0; return true; }
    return false;
}


static void read_sysctl(planner *p, const jv *lx) {
    spec *s = &p->s;
    const jv *o = get_obj(p, lx, "sysctl");
    if (!o || !o->n) return;
    s->sysctl_keys = arena_alloc(&p->a, o->n * sizeof *s->sysctl_keys);
    s->sysctl_vals = arena_alloc(&p->a, o->n * sizeof *s->sysctl_vals);
    s->sysctl_why = arena_alloc(&p->a, o->n * sizeof *s->sysctl_why);
    if (!s->sysctl_keys || !s->sysctl_vals || !s->sysctl_why) return;
    for (size_t i = 0; i < o->n; i++) {
        const jv *v = o->items[i];
        const char *key = v->key, *val;
        if (!val_str(p, v, &val)) continue;
        /* SECURITY: the key becomes a path below /proc/sys; it must stay there */
        bool bad = strlen(key) != v->key_len || !*key || key[0] == '.' || key[v->key_len - 1] == '.' ||
                   strstr(key, "..") || strchr(key, '/');
        if (bad) { err_at(p, v, R_SYSCTL, arena_printf(&p->a, "sysctl \"%s\" is not a sysctl name", key)); continue; }
        bool ipc = !strncmp(key, "fs.mqueue.", 10), by_path = false;
        for (size_t k = 0; k < sizeof ipc_sysctls / sizeof ipc_sysctls[0]; k++) if (!strcmp(key, ipc_sysctls[k])) ipc = true;
        const char *why_not = NULL;
        if (ipc) { if (!has_ns_flag(p, F_CLONE_NEWIPC, NULL)) why_not = "is not allowed in the host's ipc namespace"; }
        else if (!strncmp(key, "net.", 4)) {
            /* a joined network namespace is taken to be the container's own */
            if (!has_ns_flag(p, F_CLONE_NEWNET, &by_path)) why_not = "is not allowed in the host's network namespace";
        } else if (has_ns_flag(p, F_CLONE_NEWUTS, NULL) && !strcmp(key, "kernel.domainname")) {
        } else if (has_ns_flag(p, F_CLONE_NEWUTS, NULL) && !strcmp(key, "kernel.hostname")) {
            why_not = "conflicts with the OCI \"hostname\" field";
        } else why_not = "is not in a separate kernel namespace";
        if (why_not) { err_at(p, v, R_SYSCTL, arena_printf(&p->a, "sysctl \"%s\" %s", key, why_not)); continue; }
        s->sysctl_keys[s->nsysctl++] = key;
    }
    /* ORDER: by name, so key order in config.json never changes the plan */
    qsort(s->sysctl_keys, s->nsysctl, sizeof *s->sysctl_keys, cmp_str);
    for (uint32_t i = 0; i < s->nsysctl; i++) {
        const jv *v = json_get(o, s->sysctl_keys[i]);
        s->sysctl_vals[i] = v->s;
        s->sysctl_why[i] = ptr_of(p, v);
    }
}

static void read_cgroups_path(planner *p, const jv *lx) {
    spec *s = &p->s;
    const jv *v = json_get(lx, "cgroupsPath");
    const char *str;
    if (!val_str(p, v, &str) || !*str) return;
    if (strchr(str, ':')) {
        err_at(p, v, R_CGROUPS_PATH, arena_printf(&p->a, "cgroupsPath \"%s\" is in systemd slice form; planc manages cgroupfs paths only", str));
        return;
    }
    const char *clean = clean_path(p, is_abs(str) ? str : arena_printf(&p->a, "/%s", str));
    if (!strcmp(clean, "/")) { err_at(p, v, R_CGROUPS_PATH, arena_printf(&p->a, "cgroupsPath \"%s\" names the root cgroup", str)); return; }
    s->cgroups_path = clean;
    s->why_cgroups_path = ptr_of(p, v);
}

/* linux.uidMappings / gidMappings → the lines written to /proc/<pid>/uid_map (or NULL).
 * Whether container root is mapped is checked here too (runc's HostRootUID). */
static const char *read_idmap(planner *p, const jv *lx, const char *key, const char **why) {
    const jv *arr = get_arr(p, lx, key);
    if (!arr || !arr->n) return NULL;
    buf b; buf_init(&b, &p->a);
    bool root = false;
    for (size_t i = 0; i < arr->n; i++) {
        const jv *m = arr->items[i];
        if (m->type != JV_OBJ) { err_at(p, m, R_TYPE, arena_printf(&p->a, "expected an object, got %s", json_type_name(m->type))); continue; }
        static const char *const f[3] = { "containerID", "hostID", "size" };
        uint64_t v[3];
        bool ok = true;
        for (int k = 0; k < 3; k++)
            if (!get_u64(p, m, f[k], UINT32_MAX, &v[k])) {
                if (!json_get(m, f[k]) || json_get(m, f[k])->type == JV_NULL)
                    err_missing(p, m, f[k], R_ID_MAPPING, arena_printf(&p->a, "%s is required", f[k]));
                ok = false;
            }
        if (!ok) continue;
        if (!v[2]) { err_at(p, json_get(m, "size"), R_ID_MAPPING, "mapping size must be greater than zero"); continue; }
        if (v[0] + v[2] - 1 > UINT32_MAX - 1 || v[1] + v[2] - 1 > UINT32_MAX - 1) {
            err_at(p, json_get(m, "size"), R_ID_MAPPING, "mapping range goes past 4294967294");
            continue;
        }
        if (v[0] == 0) root = true;
        char *line = arena_printf(&p->a, "%llu %llu %llu\n", (unsigned long long)v[0], (unsigned long long)v[1], (unsigned long long)v[2]);
        buf_put(&b, line, strlen(line));
    }
    if (!b.len) return NULL;
    if (!root) err_at(p, arr, R_USER_NAMESPACE, arena_printf(&p->a, "%s has no mapping for container id 0", key));
    *why = ptr_of(p, arr);
    return buf_cstr(&b);
}

static const struct { const char *name; uint64_t flag; } propagation[] = {
    { "private", F_MS_PRIVATE }, { "rprivate", F_MS_PRIVATE | F_MS_REC },
    { "slave", F_MS_SLAVE }, { "rslave", F_MS_SLAVE | F_MS_REC },
    { "shared", F_MS_SHARED }, { "rshared", F_MS_SHARED | F_MS_REC },
    { "unbindable", F_MS_UNBINDABLE }, { "runbindable", F_MS_UNBINDABLE | F_MS_REC },
};

static void read_linux(planner *p, const jv *root) {
    spec *s = &p->s;
    const jv *lx = get_obj(p, root, "linux");
    if (!lx) return;
    read_namespaces(p, lx);
    read_devices(p, lx);
    read_resources(p, lx);
    read_cgroups_path(p, lx);
    read_paths(p, lx, "maskedPaths", R_MASKED_PATH, &s->masked, &s->masked_why, &s->nmasked);
    read_paths(p, lx, "readonlyPaths", R_READONLY_PATH, &s->ro_paths, &s->ro_why, &s->nro);
    const jv *rp = json_get(lx, "rootfsPropagation");
    const char *str;
    if (val_str(p, rp, &str) && *str) {
        size_t i;
        for (i = 0; i < sizeof propagation / sizeof propagation[0]; i++)
            if (!strcmp(propagation[i].name, str)) break;
        if (i == sizeof propagation / sizeof propagation[0])
            err_at(p, rp, R_TYPE, arena_printf(&p->a, "rootfsPropagation \"%s\" is not a propagation type", str));
        else { s->has_root_prop = true; s->root_prop = propagation[i].flag; s->why_root_prop = ptr_of(p, rp); }
    }
    s->uid_map = read_idmap(p, lx, "uidMappings", &s->why_uid_map);
    s->gid_map = read_idmap(p, lx, "gidMappings", &s->why_gid_map);
    read_sysctl(p, lx);
    spec_read_netdevices(p, lx);
    spec_read_seccomp(p, lx);
    unsupported_if_present(p, lx, "intelRdt", "linux.intelRdt");
    spec_read_linux_attrs(p, lx);
}

void spec_read(planner *p, const jv *root) {
    spec *s = &p->s;
    if (root->type != JV_OBJ) { err_at(p, root, R_TYPE, arena_printf(&p->a, "expected an object, got %s", json_type_name(root->type))); return; }
    const jv *ver = json_get(root, "ociVersion");
    const char *v;
    if (val_str(p, ver, &v)) {
        if (strncmp(v, "1.", 2) || v[2] < '0' || v[2] > '9')
            err_at(p, ver, R_OCI_VERSION, arena_printf(&p->a, "unsupported ociVersion \"%s\" (want 1.x)", v));
        s->oci_version = v;
    } else if (!ver || ver->type == JV_NULL) {
        err_missing(p, root, "ociVersion", R_OCI_VERSION, "ociVersion is required");
    }
    spec_read_process(p, root);
    spec_read_root(p, root);
    spec_read_mounts(p, root);
    read_linux(p, root);
    spec_read_hooks(p, root);

    /* cross-field rules, checked after every field is read */
    const jv *lx = json_get(root, "linux");
    bool has_mnt = has_ns(p, F_CLONE_NEWNS), has_uts = has_ns(p, F_CLONE_NEWUTS);
    if (!has_mnt) {
        const jv *where = lx && lx->type == JV_OBJ && json_get(lx, "namespaces") ? json_get(lx, "namespaces") : root;
        if (where == root) err_missing(p, root, "linux", R_MOUNT_NAMESPACE, "a mount namespace is required: planc never mounts in the caller's namespace");
        else err_at(p, where, R_MOUNT_NAMESPACE, "a mount namespace is required: planc never mounts in the caller's namespace");
    }
    if (s->hostname && *s->hostname && !has_uts)
        err_at(p, json_get(root, "hostname"), R_HOSTNAME_UTS, "unable to set hostname without a private UTS namespace");
    if (s->domainname && *s->domainname && !has_uts)
        err_at(p, json_get(root, "domainname"), R_HOSTNAME_UTS, "unable to set domainname without a private UTS namespace");
    /* runc's validator: mappings without a user namespace, or a new one without mappings */
    const jv *um = lx && lx->type == JV_OBJ ? json_get(lx, "uidMappings") : NULL;
    const jv *gm = lx && lx->type == JV_OBJ ? json_get(lx, "gidMappings") : NULL;
    bool hu = um && um->type == JV_ARR && um->n, hg = gm && gm->type == JV_ARR && gm->n;
    if ((hu || hg) && !s->userns && !has_ns(p, F_CLONE_NEWUSER))
        err_at(p, hu ? um : gm, R_USER_NAMESPACE, "user namespace mappings specified, but no user namespace in linux.namespaces");
    if (s->userns && (!hu || !hg))
        err_at(p, lx, R_USER_NAMESPACE, arena_printf(&p->a, "a new user namespace needs linux.%s", hu ? "gidMappings" : "uidMappings"));
}

/* pause/resume: only where the container's cgroup is */
void spec_read_cgroup_only(planner *p, const jv *root) {
    if (root->type != JV_OBJ) { err_at(p, root, R_TYPE, arena_printf(&p->a, "expected an object, got %s", json_type_name(root->type))); return; }
    const jv *lx = get_obj(p, root, "linux");
    if (lx) read_cgroups_path(p, lx);
}

/* update: the config bytes are a linux.resources object; pointers are relative to it */
void spec_read_update(planner *p, const jv *root) { spec_read_resources_obj(p, root, true); }

/* a pointer into the context's container.config, as a pointer into that config.json */
static const char *rebase(planner *p, const char *why) {
    static const char pre[] = "/container/config";
    if (!why || strncmp(why, pre, sizeof pre - 1)) return why;
    return arena_printf(&p->a, "container:%s", why + sizeof pre - 1);
}

/* The running container's config.json (context "container.config"), already validated at
 * create: exec needs its namespaces, cgroup, seccomp filter and oomScoreAdj; update its cgroup.
 * Errors here are the orchestrator's (they carry the context prefix). */
void spec_read_container(planner *p, const jv *cfg, bool for_exec) {
    spec *s = &p->s;
    const jv *lx = get_obj(p, cfg, "linux");
    if (lx) read_cgroups_path(p, lx);
    s->why_cgroups_path = rebase(p, s->why_cgroups_path);
    if (!for_exec) return;
    if (lx) {
        read_namespaces(p, lx);
        /* SECURITY: an exec'd process is confined by the container's seccomp filter too */
        spec_read_seccomp(p, lx);
    }
    const jv *proc = get_obj(p, cfg, "process");
    int64_t oom;
    if (proc && get_i64(p, proc, "oomScoreAdj", &oom) && oom >= -1000 && oom <= 1000) {
        s->has_oom = true; s->oom = oom; s->why_oom = rebase(p, ptr_of(p, json_get(proc, "oomScoreAdj")));
    }
    spec_read_container_attrs(p, cfg);
    /* SECURITY: without the container's mount namespace the process would run on the host's files */
    if (!has_ns(p, F_CLONE_NEWNS))
        err_at(p, lx ? lx : cfg, R_CONTEXT, "the container's config has no mount namespace to join");
    for (uint32_t i = 0; i < s->nns; i++) s->ns[i].why = rebase(p, s->ns[i].why);
    s->seccomp.why = rebase(p, s->seccomp.why);
    /* the listener's state names the running container as runc does: its annotations too */
    if (s->seccomp.notify) spec_read_annotations(p, cfg);
    if (s->seccomp.why_listener) s->seccomp.why_listener = rebase(p, s->seccomp.why_listener);
}
