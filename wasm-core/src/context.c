/* context.c — reads the context record the orchestrator builds (id, bundle, state dir, host
 * facts). Must never guess a missing fact: a missing required field is an error. */
#include "planner.h"
#include <string.h>

static const char *req_str(planner *p, const jv *obj, const char *key) {
    const char *s = NULL;
    if (!get_str(p, obj, key, &s)) {
        const jv *v = json_get(obj, key);
        if (!v || v->type == JV_NULL) err_missing(p, obj, key, R_CONTEXT, arena_printf(&p->a, "\"%s\" is required", key));
        return NULL;
    }
    return s;
}

static const char *req_abs(planner *p, const jv *obj, const char *key) {
    const char *s = req_str(p, obj, key);
    if (s && !is_abs(s)) { err_at(p, json_get(obj, key), R_CONTEXT, arena_printf(&p->a, "\"%s\" must be an absolute path", key)); return NULL; }
    return s ? clean_path(p, s) : NULL;
}

static void read_strvec(planner *p, const jv *arr, strvec *out) {
    out->v = arena_alloc(&p->a, (arr->n + 1) * sizeof *out->v);
    for (size_t i = 0; out->v && i < arr->n; i++) {
        const char *s;
        if (val_str(p, arr->items[i], &s)) out->v[out->n++] = s;
    }
}

static const char *const action_names[] = { "create", "exec", "pause", "resume", "update" };

static void read_action(planner *p, const jv *root) {
    const char *a;
    if (!get_str(p, root, "action", &a)) return;   /* absent: create */
    for (size_t i = 0; i < sizeof action_names / sizeof action_names[0]; i++)
        if (!strcmp(a, action_names[i])) { p->ctx.act = (action)i; return; }
    err_at(p, json_get(root, "action"), R_CONTEXT, arena_printf(&p->a, "unknown action \"%s\" (want create, exec, pause, resume or update)", a));
}

/* a unix socket address holds at most 107 bytes of path and its NUL */
#define SUN_PATH_MAX 107

static const char *socket_path(planner *p, const jv *opts, const char *key) {
    const char *s;
    if (!get_str(p, opts, key, &s) || !*s) return NULL;
    const jv *v = json_get(opts, key);
    if (!is_abs(s)) { err_at(p, v, R_CONTEXT, arena_printf(&p->a, "\"%s\" must be an absolute path", key)); return NULL; }
    if (strlen(s) > SUN_PATH_MAX) { err_at(p, v, R_CONTEXT, arena_printf(&p->a, "\"%s\" is longer than a unix socket path may be (%d bytes)", key, SUN_PATH_MAX)); return NULL; }
    return s;
}

/* exec --cgroup: {"controller": "sub/path"} or {"": "sub/path"}; each path stays below the container's */
static void read_sub_cgroups(planner *p, const jv *opts) {
    context *c = &p->ctx;
    const jv *o = get_obj(p, opts, "sub_cgroups");
    if (!o) return;
    if (c->act != ACT_EXEC) { err_at(p, o, R_CONTEXT, "\"sub_cgroups\" is for exec only"); return; }
    c->sub_cgroup_keys.v = arena_alloc(&p->a, (o->n + 1) * sizeof(char *));
    c->sub_cgroup_paths.v = arena_alloc(&p->a, (o->n + 1) * sizeof(char *));
    for (size_t i = 0; c->sub_cgroup_keys.v && c->sub_cgroup_paths.v && i < o->n; i++) {
        const char *v;
        if (!val_str(p, o->items[i], &v)) continue;
        while (*v == '/') v++;                 /* joined below the container's cgroup, as runc's path.Join */
        const char *clean = clean_path(p, v);
        if (!strcmp(clean, "..") || !strncmp(clean, "../", 3))
            { err_at(p, o->items[i], R_CONTEXT, arena_printf(&p->a, "%s is not a sub cgroup path", o->items[i]->s)); continue; }
        c->sub_cgroup_keys.v[c->sub_cgroup_keys.n++] = o->items[i]->key;
        c->sub_cgroup_paths.v[c->sub_cgroup_paths.n++] = clean;
    }
}

static void read_options(planner *p, const jv *opts) {
    context *c = &p->ctx;
    get_bool(p, opts, "no_pivot", &c->no_pivot);
    get_bool(p, opts, "systemd_cgroup", &c->systemd_cgroup);
    bool b;
    get_bool(p, opts, "no_new_keyring", &b);   /* no op joins a session keyring: nothing to plan either way */
    uint64_t n;
    /* the fds 3..3+N-1 stay open; more than the kernel's nr_open ceiling cannot exist */
    if (get_u64(p, opts, "preserve_fds", 1048576 - 3, &n)) c->preserve_fds = (uint32_t)n;
    c->console_socket = socket_path(p, opts, "console_socket");
    c->console_proxy = socket_path(p, opts, "console_proxy");
    if (c->console_socket && c->console_proxy)
        err_at(p, json_get(opts, "console_proxy"), R_CONTEXT, "\"console_socket\" and \"console_proxy\" are exclusive");
    read_sub_cgroups(p, opts);
}

static void read_container(planner *p, const jv *root) {
    context *c = &p->ctx;
    const jv *ct = get_obj(p, root, "container");
    if (!ct) { err_missing(p, root, "container", R_CONTEXT, arena_printf(&p->a, "\"container\" is required for %s", action_names[c->act])); return; }
    if (c->act == ACT_EXEC) {
        uint64_t pid = 0;
        const jv *pv = json_get(ct, "pid");
        bool ok = get_u64(p, ct, "pid", INT32_MAX, &pid);
        if (ok && pid > 0) c->container_pid = (uint32_t)pid;
        else if (ok) err_at(p, pv, R_CONTEXT, "\"pid\" must be the container init's pid (> 0)");
        else if (!pv || pv->type == JV_NULL) err_missing(p, ct, "pid", R_CONTEXT, "\"pid\" (the container init's pid) is required");
    }
    const jv *cfg = get_obj(p, ct, "config");
    if (!cfg) { err_missing(p, ct, "config", R_CONTEXT, "\"config\" (the container's config.json) is required"); return; }
    c->container_config = cfg;
}

void context_read(planner *p, const jv *root) {
    context *c = &p->ctx;
    if (root->type != JV_OBJ) { err_at(p, root, R_CONTEXT, "expected an object"); return; }
    c->id = req_str(p, root, "id");
    if (c->id && (!*c->id || strchr(c->id, '/') || !strcmp(c->id, ".") || !strcmp(c->id, "..")))
        { err_at(p, json_get(root, "id"), R_CONTEXT, "id must be a non-empty name without '/'"); c->id = NULL; }
    c->bundle = req_abs(p, root, "bundle");
    c->state_dir = req_abs(p, root, "state_dir");
    c->user_home = "/";
    const char *home;
    if (get_str(p, root, "user_home", &home) && *home) c->user_home = home;
    read_action(p, root);
    const jv *opts = get_obj(p, root, "options");
    if (opts) read_options(p, opts);
    get_bool(p, root, "hooks_caller", &c->hooks_caller);
    if (c->act == ACT_EXEC || c->act == ACT_UPDATE) read_container(p, root);

    const jv *host = get_obj(p, root, "host");
    if (!host) { err_missing(p, root, "host", R_CONTEXT, "\"host\" is required"); return; }
    const jv *cg = get_obj(p, host, "cgroup");
    if (!cg) { err_missing(p, host, "cgroup", R_CONTEXT, "\"cgroup\" is required"); }
    else {
        const jv *v1 = get_arr(p, cg, "v1");
        if (v1) {
            c->v1 = arena_alloc(&p->a, (v1->n + 1) * sizeof *c->v1);
            for (size_t i = 0; c->v1 && i < v1->n; i++) {
                const jv *h = v1->items[i];
                if (h->type != JV_OBJ) { err_at(p, h, R_CONTEXT, "expected an object"); continue; }
                cg_hier *x = &c->v1[c->nv1];
                x->mount = req_abs(p, h, "mount");
                const jv *ctl = get_arr(p, h, "controllers");
                if (ctl) read_strvec(p, ctl, &x->controllers);
                else x->controllers.v = arena_alloc(&p->a, sizeof *x->controllers.v);
                const char *name;
                if (get_str(p, h, "name", &name) && *name) x->name = name;
                if (x->mount) c->nv1++;
            }
        }
        const char *u;
        if (get_str(p, cg, "unified", &u) && *u) {
            if (!is_abs(u)) err_at(p, json_get(cg, "unified"), R_CONTEXT, "\"unified\" must be an absolute path");
            else c->unified = clean_path(p, u);
        }
        const jv *uc = get_arr(p, cg, "unified_controllers");
        if (uc) read_strvec(p, uc, &c->unified_controllers);
    }
    const jv *cs = get_obj(p, host, "cpuset");
    if (cs) {
        get_str(p, cs, "cpus", &c->cpuset_cpus);
        get_str(p, cs, "mems", &c->cpuset_mems);
    }
    get_bool(p, host, "proc_kcore", &c->proc_kcore);
    get_bool(p, host, "clone_into_cgroup", &c->clone_into_cgroup);
    c->blkio_weight_file = "blkio.weight";
    const char *bw;
    if (get_str(p, host, "blkio_weight_file", &bw) && *bw) {
        if (strcmp(bw, "blkio.weight") && strcmp(bw, "blkio.bfq.weight"))
            err_at(p, json_get(host, "blkio_weight_file"), R_CONTEXT, "\"blkio_weight_file\" must be blkio.weight or blkio.bfq.weight");
        else c->blkio_weight_file = bw;
    }
    c->io_weight_file = "io.weight";
    if (get_str(p, host, "io_weight_file", &bw) && *bw) {
        if (strcmp(bw, "io.weight") && strcmp(bw, "io.bfq.weight"))
            err_at(p, json_get(host, "io_weight_file"), R_CONTEXT, "\"io_weight_file\" must be io.weight or io.bfq.weight");
        else c->io_weight_file = bw;
    }
    get_bool(p, host, "io_bfq_device_weight", &c->io_bfq_device_weight);
    get_bool(p, host, "hugetlb_rsvd", &c->hugetlb_rsvd);
    get_bool(p, host, "cpu_burst", &c->cpu_burst);
    const jv *hs = get_arr(p, host, "hugepage_sizes");
    if (hs) read_strvec(p, hs, &c->hugepage_sizes);
    /* ORDER: the container's config after the host facts: reading it checks resources against them */
    if (c->container_config) spec_read_container(p, c->container_config, c->act == ACT_EXEC);
}
