/* spec_process.c — reads and validates config.json's "process" into the spec struct.
 * Must never emit ops or read host state; every error carries the pointer of its value. */
#include "planner.h"
#include <string.h>

static const char *const cap_sets[5] = { "bounding", "effective", "inheritable", "permitted", "ambient" };

static void read_strings(planner *p, const jv *arr, strvec *out) {
    out->v = arena_alloc(&p->a, (arr->n + 1) * sizeof *out->v);
    out->n = 0;
    if (!out->v) return;
    for (size_t i = 0; i < arr->n; i++) {
        const char *s;
        if (val_str(p, arr->items[i], &s)) out->v[out->n++] = s;
    }
}

static void read_user(planner *p, const jv *proc) {
    spec *s = &p->s;
    const jv *user = get_obj(p, proc, "user");
    if (!user) return;
    s->why_user = ptr_of(p, user);
    uint64_t v;
    /* SECURITY: (uid_t)-1 tells setresuid/setresgid "leave unchanged": the process would
     * keep root. The largest usable id is one less. */
    if (get_u64(p, user, "uid", ID_MAX, &v)) s->uid = (uint32_t)v;
    if (get_u64(p, user, "gid", ID_MAX, &v)) s->gid = (uint32_t)v;
    const jv *um = json_get(user, "umask");
    if (val_u64(p, um, UINT32_MAX, &v)) {
        if (v > 0777) err_at(p, um, R_UMASK_RANGE, arena_printf(&p->a, "umask 0%o is out of range (at most 0777)", (unsigned)v));
        else { s->has_umask = true; s->umask = (uint32_t)v; s->why_umask = ptr_of(p, um); }
    }
    const jv *gids = get_arr(p, user, "additionalGids");
    if (gids) {
        s->gids.v = arena_alloc(&p->a, (gids->n + 1) * sizeof *s->gids.v);
        for (size_t i = 0; s->gids.v && i < gids->n; i++)
            if (val_u64(p, gids->items[i], ID_MAX, &v)) s->gids.v[s->gids.n++] = (uint32_t)v;
    }
    const char *name;
    if (get_str(p, user, "username", &name) && *name)
        err_at(p, json_get(user, "username"), R_UNSUPPORTED, "user.username is a Windows field and is not planned");
}

static void read_caps(planner *p, const jv *proc) {
    spec *s = &p->s;
    const jv *caps = get_obj(p, proc, "capabilities");
    for (int set = 0; set < 5; set++) {
        s->cap_why[set] = caps ? arena_printf(&p->a, "%s/%s", ptr_of(p, caps), cap_sets[set]) : "default:capabilities";
        const jv *arr = caps ? get_arr(p, caps, cap_sets[set]) : NULL;
        if (!arr) continue;
        for (size_t i = 0; i < arr->n; i++) {
            const char *name;
            if (!val_str(p, arr->items[i], &name)) continue;
            int bit = cap_lookup(name);
            if (bit < 0) err_at(p, arr->items[i], R_CAPABILITY_NAME, arena_printf(&p->a, "unknown capability \"%s\"", name));
            else s->cap[set] |= 1ULL << bit;
        }
    }
}

static void read_rlimits(planner *p, const jv *proc) {
    spec *s = &p->s;
    const jv *arr = get_arr(p, proc, "rlimits");
    if (!arr) return;
    s->rlimits = arena_alloc(&p->a, (arr->n + 1) * sizeof *s->rlimits);
    if (!s->rlimits) return;
    uint32_t seen = 0;
    for (size_t i = 0; i < arr->n; i++) {
        const jv *rl = arr->items[i];
        if (rl->type != JV_OBJ) { err_at(p, rl, R_TYPE, arena_printf(&p->a, "expected an object, got %s", json_type_name(rl->type))); continue; }
        const char *type; uint64_t soft = 0, hard = 0;
        bool ok = true;
        if (!get_str(p, rl, "type", &type)) {
            if (is_null(json_get(rl, "type"))) err_missing(p, rl, "type", R_RLIMIT_TYPE, "missing rlimit type");
            ok = false;
        }
        bool has_soft = get_u64(p, rl, "soft", UINT64_MAX, &soft);
        bool has_hard = get_u64(p, rl, "hard", UINT64_MAX, &hard);
        if (!has_soft && is_null(json_get(rl, "soft"))) { err_missing(p, rl, "soft", R_TYPE, "missing rlimit soft value"); ok = false; }
        if (!has_hard && is_null(json_get(rl, "hard"))) { err_missing(p, rl, "hard", R_TYPE, "missing rlimit hard value"); ok = false; }
        if (!ok || !has_soft || !has_hard) continue;
        int res = rlimit_lookup(type);
        const jv *tv = json_get(rl, "type");
        if (res < 0) { err_at(p, tv, R_RLIMIT_TYPE, arena_printf(&p->a, "unknown rlimit \"%s\"", type)); continue; }
        if (seen & (1u << res)) { err_at(p, tv, R_RLIMIT_DUPLICATE, arena_printf(&p->a, "duplicate rlimit \"%s\"", type)); continue; }
        seen |= 1u << res;
        if (soft > hard) {
            err_at(p, json_get(rl, "soft"), R_RLIMIT_RANGE,
                   arena_printf(&p->a, "soft limit %llu is above hard limit %llu for %s",
                                (unsigned long long)soft, (unsigned long long)hard, type));
            continue;
        }
        rlimit_spec *r = &s->rlimits[s->nrlimits++];
        r->resource = (uint32_t)res; r->soft = soft; r->hard = hard; r->why = ptr_of(p, rl);
    }
}

static void read_env(planner *p, const jv *proc) {
    spec *s = &p->s;
    const jv *env = get_arr(p, proc, "env");
    if (!env) return;
    s->why_env = ptr_of(p, env);
    s->env.v = arena_alloc(&p->a, (env->n + 2) * sizeof *s->env.v);
    uint32_t mask = 15;
    while (mask < 2 * env->n) mask = mask * 2 + 1;
    uint32_t *slot = arena_alloc(&p->a, (mask + 1) * sizeof *slot);   /* index + 1 into env.v; 0: free */
    if (!s->env.v || !slot) return;
    for (size_t i = 0; i < env->n; i++) {
        const char *e;
        if (!val_str(p, env->items[i], &e)) continue;
        const char *eq = strchr(e, '=');
        if (!eq) { err_at(p, env->items[i], R_PROCESS_ENV, arena_printf(&p->a, "invalid environment variable \"%s\": missing '='", e)); continue; }
        if (eq == e) { err_at(p, env->items[i], R_PROCESS_ENV, arena_printf(&p->a, "invalid environment variable \"%s\": name cannot be empty", e)); continue; }
        /* ORDER: a later duplicate replaces the earlier value in place, as Go's os.Setenv does;
         * found through a hash of the name, so 100,000 entries take linear time */
        size_t nl = (size_t)(eq - e) + 1;
        uint32_t h = 2166136261u;
        for (size_t k = 0; k < nl; k++) h = (h ^ (uint8_t)e[k]) * 16777619u;
        for (uint32_t at = h & mask;; at = (at + 1) & mask) {
            if (!slot[at]) { slot[at] = s->env.n + 1; s->env.v[s->env.n++] = e; break; }
            if (!strncmp(s->env.v[slot[at] - 1], e, nl)) { s->env.v[slot[at] - 1] = e; break; }
        }
    }
}

void spec_read_process(planner *p, const jv *root) {
    const jv *proc = get_obj(p, root, "process");
    if (!proc) {
        if (!json_get(root, "process") || json_get(root, "process")->type == JV_NULL)
            err_missing(p, root, "process", R_PROCESS_REQUIRED, "process is required to create a container");
        return;
    }
    spec_read_process_obj(p, proc);
}

/* exec: process.json is the Process object itself, so its pointers are "/args/0", "/cwd" */
void spec_read_exec(planner *p, const jv *root) {
    spec *s = &p->s;
    if (root->type != JV_OBJ) { err_at(p, root, R_TYPE, arena_printf(&p->a, "expected an object, got %s", json_type_name(root->type))); return; }
    /* ORDER: runc gives an exec'd process the container's oomScoreAdj (read from the context's
     * container config); process.json's own value is checked but not applied */
    bool has_oom = s->has_oom; int64_t oom = s->oom; const char *why_oom = s->why_oom;
    spec_read_process_obj(p, root);
    s->has_oom = has_oom; s->oom = oom; s->why_oom = why_oom;
}

static void read_terminal(planner *p, const jv *proc) {
    spec *s = &p->s;
    if (get_bool(p, proc, "terminal", &s->terminal)) s->why_terminal = ptr_of(p, json_get(proc, "terminal"));
    const jv *cs = get_obj(p, proc, "consoleSize");
    if (!cs) return;
    uint64_t h = 0, w = 0;
    /* struct winsize holds unsigned shorts */
    bool ok = get_u64(p, cs, "height", UINT16_MAX, &h);
    ok = get_u64(p, cs, "width", UINT16_MAX, &w) && ok;
    if (!ok) {
        if (is_null(json_get(cs, "height"))) err_missing(p, cs, "height", R_TYPE, "consoleSize.height is required");
        if (is_null(json_get(cs, "width"))) err_missing(p, cs, "width", R_TYPE, "consoleSize.width is required");
        return;
    }
    s->console_rows = (uint32_t)h; s->console_cols = (uint32_t)w; s->why_console_size = ptr_of(p, cs);
}

/* runc's two console rules (utils_linux.go), with the orchestrator's options in place of its flags */
static void check_console(planner *p, const jv *proc) {
    const spec *s = &p->s;
    const context *c = &p->ctx;
    if (s->terminal && !c->console_socket && !c->console_proxy)
        err_at(p, json_get(proc, "terminal"), R_TERMINAL_NEEDS_SOCKET,
               "cannot allocate tty if planc will detach without setting console socket");
    if (!s->terminal && c->console_socket) {
        const jv *t = json_get(proc, "terminal");
        const char *msg = "cannot use console socket if planc will not detach or allocate tty";
        if (t) err_at(p, t, R_SOCKET_NEEDS_TERMINAL, msg);
        else err_missing(p, proc, "terminal", R_SOCKET_NEEDS_TERMINAL, msg);
    }
}

void spec_read_process_obj(planner *p, const jv *proc) {
    spec *s = &p->s;
    s->why_process = ptr_of(p, proc);

    const jv *args = get_arr(p, proc, "args");
    if (args) {
        s->why_args = ptr_of(p, args);
        read_strings(p, args, &s->args);
        if (args->n == 0) err_at(p, args, R_PROCESS_ARGS, "args must not be empty");
        else if (s->args.n && args->items[0]->type == JV_STR && !*s->args.v[0])
            err_at(p, args->items[0], R_PROCESS_ARGS, "args[0] must not be empty");
    } else if (!json_get(proc, "args") || json_get(proc, "args")->type == JV_NULL) {
        err_missing(p, proc, "args", R_PROCESS_ARGS, "args must not be empty");
    }

    read_env(p, proc);

    const jv *cwd = json_get(proc, "cwd");
    if (val_str(p, cwd, &s->cwd)) {
        s->why_cwd = ptr_of(p, cwd);
        if (!is_abs(s->cwd)) { err_at(p, cwd, R_PROCESS_CWD, arena_printf(&p->a, "cwd \"%s\" is not an absolute path", s->cwd)); s->cwd = NULL; }
        else s->cwd = clean_path(p, s->cwd);
    } else if (!cwd || cwd->type == JV_NULL) {
        err_missing(p, proc, "cwd", R_PROCESS_CWD, "cwd is required and must be an absolute path");
    }

    read_user(p, proc);
    read_caps(p, proc);
    read_rlimits(p, proc);

    const jv *nnp = json_get(proc, "noNewPrivileges");
    if (get_bool(p, proc, "noNewPrivileges", &s->no_new_privs)) s->why_nnp = ptr_of(p, nnp);
    read_terminal(p, proc);
    check_console(p, proc);

    const char *str;
    if (get_str(p, proc, "apparmorProfile", &str) && *str)
        err_at(p, json_get(proc, "apparmorProfile"), R_UNSUPPORTED, "apparmorProfile is not planned yet");
    if (get_str(p, proc, "selinuxLabel", &str) && *str)
        err_at(p, json_get(proc, "selinuxLabel"), R_UNSUPPORTED, "selinux label is specified in config, but selinux is disabled or not supported");
    int64_t oom;
    const jv *ov = json_get(proc, "oomScoreAdj");
    if (get_i64(p, proc, "oomScoreAdj", &oom)) {
        if (oom < -1000 || oom > 1000) err_at(p, ov, R_OOM_SCORE_ADJ, arena_printf(&p->a, "oomScoreAdj %lld is out of range (-1000..1000)", (long long)oom));
        else { s->has_oom = true; s->oom = oom; s->why_oom = ptr_of(p, ov); }
    }
    spec_read_proc_attrs(p, proc);
}
