/* plan_seccomp.c — where the seccomp filter and its neighbours go at the end of the container
 * lane (create and exec, with and without no_new_privs), and the seccomp listener's hand-over.
 * Must never plan a runtime step after the filter that could come before it. */
#include "ops.h"
#include <string.h>

#define FLAG_NEW_LISTENER 8u       /* SECCOMP_FILTER_FLAG_NEW_LISTENER: seccomp(2) returns the listener fd */
#define RET_USER_NOTIF 0x7fc00000u
#define SPEC_VERSION "1.0.2-dev"   /* the runtime-spec version of the state planc reports, as runc 1.1 */

static void put_lit(buf *b, const char *s) { buf_put(b, s, strlen(s)); }

/* a JSON string as Go's encoding/json writes it for these values (< > & escaped too) */
static void put_json(buf *b, const char *s) {
    static const char hex[] = "0123456789abcdef";
    put_lit(b, "\"");
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\') { put_lit(b, "\\"); buf_put(b, c, 1); }
        else if (*c == '\n') put_lit(b, "\\n");
        else if (*c == '\r') put_lit(b, "\\r");
        else if (*c == '\t') put_lit(b, "\\t");
        else if (*c < 0x20 || *c == '<' || *c == '>' || *c == '&') {
            char u[6] = { '\\', 'u', '0', '0', hex[*c >> 4], hex[*c & 15] };
            buf_put(b, u, 6);
        } else buf_put(b, c, 1);
    }
    put_lit(b, "\"");
}

/* runtime-spec's "container process state", cut where the shim puts the pid of the process
 * the filter belongs to (C, as P sees it). create: that pid is also the state's pid and the
 * status is "creating"; exec: the state is the running container's, with its init's pid */
static const strvec *listener_state(planner *p, bool exec) {
    const spec *s = &p->s;
    strvec *v = arena_alloc(&p->a, sizeof *v);
    const char **parts = arena_alloc(&p->a, 3 * sizeof *parts);
    if (!v || !parts) return NULL;
    buf a; buf_init(&a, &p->a);
    put_lit(&a, "{\"ociVersion\":\"" SPEC_VERSION "\",\"fds\":[\"seccompFd\"],\"pid\":");
    parts[0] = buf_cstr(&a);
    buf m; buf_init(&m, &p->a);
    if (s->seccomp.listener_metadata) { put_lit(&m, ",\"metadata\":"); put_json(&m, s->seccomp.listener_metadata); }
    put_lit(&m, ",\"state\":{\"ociVersion\":\"" SPEC_VERSION "\",\"id\":");
    put_json(&m, p->ctx.id);
    put_lit(&m, exec ? ",\"status\":\"running\",\"pid\":" : ",\"status\":\"creating\",\"pid\":");
    buf z, *tail = &m;
    if (exec) {
        const char *pid = arena_printf(&p->a, "%u", p->ctx.container_pid);
        buf_put(&m, pid, strlen(pid));
    } else {
        parts[1] = buf_cstr(&m);
        buf_init(&z, &p->a);
        tail = &z;
    }
    put_lit(tail, ",\"bundle\":"); put_json(tail, p->ctx.bundle);
    if (s->nannot) {   /* omitted when empty, as Go's omitempty does; keys sorted, as Go's maps */
        put_lit(tail, ",\"annotations\":{");
        for (uint32_t i = 0; i < s->nannot; i++) {
            if (i) put_lit(tail, ",");
            put_json(tail, s->annot_keys[i]);
            put_lit(tail, ":");
            put_json(tail, s->annot_vals[i]);
        }
        put_lit(tail, "}");
    }
    put_lit(tail, "}}");
    parts[exec ? 1 : 2] = buf_cstr(tail);
    v->v = parts;
    v->n = exec ? 2 : 3;
    return v;
}

/* P's side, right after CHILD_READY: the listener goes to the agent, then P waits for C to
 * close its end of the sync socket, which it does once everything under the filter before the
 * exec fifo is done (runc's parent reads the init pipe to EOF the same way) */
void plan_seccomp_host(planner *p, bool exec) {
    const seccomp_spec *sc = &p->s.seccomp;
    if (!sc->present) return;
    /* seccomp.c has refused what would block C forever (NOTIFY as default, on write or sendmsg,
     * or without listenerPath) */
    if (sc->notify) {
        const strvec *st = listener_state(p, exec);
        if (st) op_seccomp_listener_forward(p, sc->why_listener, sc->listener_path, st);
    }
    op_sync_wait(p, F_LANE_HOST, sc->why, F_SYNC_CHILD_DONE);
}

static void filter(planner *p) {
    const seccomp_spec *sc = &p->s.seccomp;
    /* TSYNC never reaches flags (seccomp.c: C has one thread), so the kernel's refusal of TSYNC
     * with a new listener cannot arise */
    uint32_t flags = sc->flags | (sc->notify ? FLAG_NEW_LISTENER : 0);
    op_seccomp_set_filter(p, sc->why, flags, sc->bpf, sc->bpf_len);
    /* ORDER: first thing under the filter, so the agent has the fd before C makes any other
     * syscall the filter may notify */
    if (sc->notify) op_seccomp_listener_send(p, sc->why_listener ? sc->why_listener : sc->why);
}

/* args[0] is checked as the container's user will see it, while C is still root: runc checks
 * it after the id change, which without no_new_privs comes after the filter. The target egid,
 * groups and euid go in the effective slots only (real and saved ids stay 0, the shim's), so
 * the kernel's own permission check (faccessat AT_EACCESS: fsuid, fsgid, groups, and the
 * capabilities an euid change clears from the effective set) is the container user's. Back to
 * euid 0, the kernel copies the permitted set into the effective one again (capabilities(7),
 * "Effect of user ID changes"), so C keeps CAP_SYS_ADMIN for the filter and CAP_SET* for the
 * real id change. The egid and groups stay: the id change sets them again. */
static void exec_check_as_user(planner *p) {
    const spec *s = &p->s;
    const char *why = s->why_user ? s->why_user : "default:user";
    if (!s->uid) {
        if (s->cwd) op_chdir_retry(p, s->why_cwd, s->cwd);
        plan_exec_check(p);
        return;
    }
    op_setgroups(p, why, &s->gids);
    op_setresgid(p, why, UINT32_MAX, s->gid, UINT32_MAX);
    op_setresuid(p, why, UINT32_MAX, s->uid, UINT32_MAX);
    /* relative names resolve from the cwd, as after the id change: a cwd that root could not
     * enter is entered now, as the user (chdir_retry does nothing when chdir_try got in) */
    if (s->cwd) op_chdir_retry(p, s->why_cwd, s->cwd);
    plan_exec_check(p);
    op_setresuid(p, "default:exec-check", UINT32_MAX, 0, UINT32_MAX);
}

/* the end of the container lane up to the exec fifo, shared by create and exec: runc's
 * finalizeNamespace and the seccomp filter, in runc's two orders */
void plan_finalize(planner *p) {
    const spec *s = &p->s;
    if (s->no_new_privs) op_set_no_new_privs(p, s->why_nnp);
    plan_proc_attrs(p);
    plan_close_fds(p);
    /* ORDER: the cwd is tried first with the runtime's credentials (a directory only root may
     * enter), and on EPERM/EACCES once more as the user (one only the user may enter), as
     * runc's finalizeNamespace does */
    if (s->cwd) op_chdir_try(p, s->why_cwd, s->cwd);
    /* ORDER: stdio (the pty, the caller's pipes) is given to the user while C still has
     * CAP_CHOWN, so the process can reopen /proc/self/fd/N (runc's fixStdioPermissions); before
     * the filter, so a profile need not allow fstat and fchown */
    op_fchown_stdio(p, s->why_user ? s->why_user : "default:user", s->uid, "/dev/null");
    if (!s->seccomp.present) {
        plan_creds(p);
        plan_exec_check(p);
        op_sync_signal(p, F_LANE_CONTAINER, "default:sync", F_SYNC_CHILD_READY);
        return;
    }
    if (s->no_new_privs) {
        /* ORDER: with no_new_privs an unprivileged task may load a filter, so everything else
         * goes before it: only the hand-over to P, the exec fifo, startContainer hooks and
         * execve run under it (runc's order: after LookPath, before the init pipe closes) */
        plan_creds(p);
        plan_exec_check(p);
        op_sync_signal(p, F_LANE_CONTAINER, "default:sync", F_SYNC_CHILD_READY);
        filter(p);
    } else {
        /* ORDER: without no_new_privs loading a filter needs CAP_SYS_ADMIN, so it goes in
         * before the id change and the capability sets; only those follow it (runc's order:
         * before finalizeNamespace) */
        exec_check_as_user(p);
        op_sync_signal(p, F_LANE_CONTAINER, "default:sync", F_SYNC_CHILD_READY);
        filter(p);
        plan_creds(p);
    }
    /* ORDER: P learns that C got through every step under the filter before the exec fifo
     * (a profile that denies one of them fails create, not start) */
    op_sync_close(p, s->seccomp.why, F_SYNC_CHILD_DONE);
}
