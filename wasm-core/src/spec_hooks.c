/* spec_hooks.c — reads and validates "hooks" (every kind) and the "annotations" the hooks'
 * state JSON carries. Must never emit ops or read host state. */
#include "planner.h"
#include <stdlib.h>
#include <string.h>

static const char *const kinds[HOOK__COUNT] = {
    "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

/* the longest timeout whose milliseconds fit the op's u32 */
#define HOOK_TIMEOUT_MAX 4294967

static void read_strs(planner *p, const jv *obj, const char *key, strvec *out) {
    const jv *arr = get_arr(p, obj, key);
    if (!arr) return;
    out->v = arena_alloc(&p->a, (arr->n + 1) * sizeof *out->v);
    for (size_t i = 0; out->v && i < arr->n; i++) {
        const char *s;
        if (val_str(p, arr->items[i], &s)) out->v[out->n++] = s;
    }
}

static void read_hook(planner *p, const jv *h, hook_spec *out, bool *ok) {
    *ok = false;
    if (h->type != JV_OBJ) { err_at(p, h, R_TYPE, arena_printf(&p->a, "expected an object, got %s", json_type_name(h->type))); return; }
    const jv *pv = json_get(h, "path");
    const char *path;
    bool good = true;
    if (!val_str(p, pv, &path)) {
        if (!pv || pv->type == JV_NULL) err_missing(p, h, "path", R_HOOK_PATH, "hook path is required");
        good = false;
    } else if (!is_abs(path)) {
        err_at(p, pv, R_HOOK_PATH, arena_printf(&p->a, "hook path \"%s\" is not an absolute path", path));
        good = false;
    }
    read_strs(p, h, "args", &out->args);
    read_strs(p, h, "env", &out->env);
    const jv *ev = json_get(h, "env");
    out->has_env = ev && ev->type != JV_NULL;
    const jv *tv = json_get(h, "timeout");
    int64_t t;
    if (get_i64(p, h, "timeout", &t)) {
        if (t <= 0) { err_at(p, tv, R_HOOK_TIMEOUT, arena_printf(&p->a, "hook timeout %lld must be greater than zero", (long long)t)); good = false; }
        else if (t > HOOK_TIMEOUT_MAX) { err_at(p, tv, R_HOOK_TIMEOUT, arena_printf(&p->a, "hook timeout %lld is too large (at most %d seconds)", (long long)t, HOOK_TIMEOUT_MAX)); good = false; }
        else out->timeout_ms = (uint32_t)t * 1000;
    } else if (tv && tv->type != JV_NULL) good = false;
    if (!good) return;
    out->path = path;
    out->why = ptr_of(p, h);
    /* an empty argv runs the hook with argv[0] = path, as Go's exec.Cmd does */
    if (!out->args.n) {
        out->args.v = arena_alloc(&p->a, 2 * sizeof *out->args.v);
        if (out->args.v) { out->args.v[0] = path; out->args.n = 1; }
    }
    *ok = true;
}

/* runtime-spec "annotations": string values; kept sorted (Go marshals map keys in order) */
void spec_read_annotations(planner *p, const jv *root) {
    spec *s = &p->s;
    const jv *o = get_obj(p, root, "annotations");
    const jv **m = sorted_members(p, o);
    if (!m) return;
    s->annot_keys = arena_alloc(&p->a, o->n * sizeof *s->annot_keys);
    s->annot_vals = arena_alloc(&p->a, o->n * sizeof *s->annot_vals);
    if (!s->annot_keys || !s->annot_vals) return;
    for (size_t i = 0; i < o->n; i++) {
        const jv *x = m[i];
        const char *v;
        /* SECURITY: a NUL in a key would cut it short here and in the state JSON */
        if (strlen(x->key) != x->key_len) { err_at(p, x, R_STRING_NUL, "annotation name contains a NUL character"); continue; }
        if (val_str(p, x, &v)) { s->annot_keys[s->nannot] = x->key; s->annot_vals[s->nannot++] = v; }
    }
}

void spec_read_hooks(planner *p, const jv *root) {
    spec *s = &p->s;
    spec_read_annotations(p, root);
    const jv *hooks = get_obj(p, root, "hooks");
    if (!hooks) return;
    for (int k = 0; k < HOOK__COUNT; k++) {
        const jv *arr = get_arr(p, hooks, kinds[k]);
        if (!arr || !arr->n) continue;
        hook_list *l = &s->hooks[k];
        l->why = ptr_of(p, arr);
        l->v = arena_alloc(&p->a, arr->n * sizeof *l->v);
        for (size_t i = 0; l->v && i < arr->n; i++) {
            bool ok;
            read_hook(p, arr->items[i], &l->v[l->n], &ok);
            if (ok) l->n++;
        }
    }
    /* SECURITY: a hook that nobody would run must not be dropped silently */
    const context *c = &p->ctx;
    for (int k = HOOK_PRESTART; k <= HOOK_CREATE_RUNTIME; k++)
        if (s->hooks[k].n && !c->hooks_caller)
            err_at(p, json_get(hooks, kinds[k]), R_UNSUPPORTED,
                   arena_printf(&p->a, "%s hooks are run by the caller, and this caller does not run them (context hooks_caller is false)", kinds[k]));
}
