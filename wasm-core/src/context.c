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
    const jv *opts = get_obj(p, root, "options");
    if (opts) get_bool(p, opts, "no_pivot", &c->no_pivot);
    if (c->no_pivot) err_at(p, json_get(opts, "no_pivot"), R_UNSUPPORTED, "--no-pivot is not planned yet");

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
}
