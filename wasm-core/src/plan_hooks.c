/* plan_hooks.c — run_hook ops for the hooks that run inside the container's namespaces
 * (createContainer, startContainer), with the runtime-spec state JSON split around the pid.
 * Must never plan prestart/createRuntime/poststart/poststop hooks: the caller runs those. */
#include "ops.h"
#include <string.h>

/* a JSON string literal, escaped as JSON.stringify does */
static void json_str(buf *b, const char *s) {
    static const char hex[] = "0123456789abcdef";
    buf_put(b, "\"", 1);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        switch (*c) {
        case '"': buf_put(b, "\\\"", 2); break;
        case '\\': buf_put(b, "\\\\", 2); break;
        case '\b': buf_put(b, "\\b", 2); break;
        case '\f': buf_put(b, "\\f", 2); break;
        case '\n': buf_put(b, "\\n", 2); break;
        case '\r': buf_put(b, "\\r", 2); break;
        case '\t': buf_put(b, "\\t", 2); break;
        default:
            if (*c < 0x20) {
                char u[6] = { '\\', 'u', '0', '0', hex[*c >> 4], hex[*c & 15] };
                buf_put(b, u, 6);
            } else buf_put(b, c, 1);
        }
    }
    buf_put(b, "\"", 1);
}

/* {"ociVersion":…,"id":…,"status":…,"pid":  and  ,"bundle":…,"annotations":{…}} — the
 * shim puts the pid between them; keys in runtime-spec's (and runc's) order */
static void state_parts(planner *p, const char *status, const char **prefix, const char **suffix) {
    const spec *s = &p->s;
    buf a; buf_init(&a, &p->a);
    buf_put(&a, "{\"ociVersion\":", 14); json_str(&a, s->oci_version ? s->oci_version : "");
    buf_put(&a, ",\"id\":", 6); json_str(&a, p->ctx.id);
    buf_put(&a, ",\"status\":", 10); json_str(&a, status);
    buf_put(&a, ",\"pid\":", 7);
    buf z; buf_init(&z, &p->a);
    buf_put(&z, ",\"bundle\":", 10); json_str(&z, p->ctx.bundle);
    buf_put(&z, ",\"annotations\":{", 16);
    for (uint32_t i = 0; i < s->nannot; i++) {
        if (i) buf_put(&z, ",", 1);
        json_str(&z, s->annot_keys[i]);
        buf_put(&z, ":", 1);
        json_str(&z, s->annot_vals[i]);
    }
    buf_put(&z, "}}", 2);
    *prefix = buf_cstr(&a);
    *suffix = buf_cstr(&z);
}

/* The environment a hook without "env" of its own inherits from runc's init: process.env, and
 * for startContainer (after the user is set up) HOME too, as execve gets it (plan_execve) */
static strvec inherited_env(planner *p, int kind) {
    const strvec *env = &p->s.env;
    if (kind != HOOK_START_CONTAINER) return *env;
    size_t at = env->n;
    for (uint32_t i = 0; i < env->n; i++) {
        if (!strncmp(env->v[i], "HOME=", 5) && env->v[i][5]) return *env;
        if (!strcmp(env->v[i], "HOME=")) at = i;
    }
    strvec out = { arena_alloc(&p->a, (env->n + 1) * sizeof(char *)), env->n };
    if (!out.v) return *env;
    if (env->n) memcpy(out.v, env->v, env->n * sizeof(char *));
    out.v[at] = arena_printf(&p->a, "HOME=%s", p->ctx.user_home);
    if (at == env->n) out.n++;
    return out;
}

void plan_hooks(planner *p, int kind, const char *status) {
    const hook_list *l = &p->s.hooks[kind];
    if (!l->n) return;
    const char *prefix, *suffix;
    state_parts(p, status, &prefix, &suffix);
    /* a hook process is forked by C, so it starts in the container's cgroups (C joined them
     * first thing, plan_cgroups_join), as with runc */
    /* ORDER: in the order the config lists them; the first failure stops the create */
    /* ORDER: runc's init is in the rootfs (prepareRoot chdirs there) when it runs createContainer
     * hooks: their relative paths resolve in it; pivot_root later moves through the root fd */
    if (kind == HOOK_CREATE_CONTAINER)
        op_chdir(p, p->s.why_root_path ? p->s.why_root_path : "/root/path", p->s.root_path);
    strvec inherited = inherited_env(p, kind);
    const char *why_env = p->s.why_env ? p->s.why_env : "default:hook-env";
    for (uint32_t i = 0; i < l->n; i++) {
        const hook_spec *h = &l->v[i];
        if (h->has_env) op_run_hook(p, h->why, h->path, &h->args, &h->env, prefix, suffix, h->timeout_ms);
        else op_run_hook(p, arena_printf(&p->a, "%s %s", h->why, why_env), h->path, &h->args, &inherited, prefix, suffix, h->timeout_ms);
    }
}
