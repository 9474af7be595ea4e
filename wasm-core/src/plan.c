/* plan.c — the whole plan in lane order: host set-up up to clone, the host's side of the
 * handshake, the container's steps to execve, then teardown.
 * Must never plan anything the spec and context did not determine. */
#include "ops.h"
#include <string.h>

/* every known capability: the bounding set drops all of these that are not kept */
#define ALL_CAPS ((1ULL << (F_CAP_CHECKPOINT_RESTORE + 1)) - 1)

static const char *join_whys(planner *p, uint32_t skip_flag_mask, bool with_path) {
    buf b; buf_init(&b, &p->a);
    for (uint32_t i = 0; i < p->s.nns; i++) {
        const ns_spec *n = &p->s.ns[i];
        if ((n->flag & skip_flag_mask) || ((*n->path != 0) != with_path)) continue;
        if (b.len) buf_put(&b, " ", 1);
        buf_put(&b, n->why, strlen(n->why));
    }
    return buf_cstr(&b);
}

/* Namespaces C unshares itself rather than getting from clone (see plan_container) */
static uint32_t late_ns(const spec *s) {
    return F_CLONE_NEWCGROUP | F_CLONE_NEWTIME | (s->userns ? F_CLONE_NEWIPC : 0);
}

static void plan_host(planner *p) {
    const spec *s = &p->s;
    op_mkfifo(p, "default:exec-fifo", arena_printf(&p->a, "%s/exec.fifo", p->ctx.state_dir), 0622);
    /* ORDER: systemd makes the container's cgroup (and moves P into it) before P writes it */
    if (p->ctx.systemd_cgroup) plan_systemd_unit(p);
    plan_cgroups_host(p);
    /* ORDER: set on the shim's first process before clone, so the child inherits it (runc's
     * nsexec does the same); the container may only raise it with CAP_SYS_RESOURCE */
    if (s->has_oom)
        op_write_file(p, s->why_oom, "/proc/self/oom_score_adj", arena_printf(&p->a, "%lld", (long long)s->oom));
    /* ORDER: a pid namespace is entered by the parent; only children created afterwards
     * are in it, so this setns comes right before clone */
    for (uint32_t i = 0; i < s->nns; i++)
        if (s->ns[i].flag == F_CLONE_NEWPID && *s->ns[i].path)
            op_setns(p, F_LANE_HOST, s->ns[i].why, s->ns[i].path, F_NS_NEWPID);
    /* ORDER: a new cgroup namespace is not made by clone: its root would be the caller's
     * cgroup. The child unshares it once it has moved itself into its own cgroups
     * (plan_container). Nor is a new time namespace: clone(2) cannot make one (plan_timens). With a new
     * user namespace, a new ipc namespace is unshared later too (late_ns). */
    const uint32_t late = late_ns(s);
    uint64_t flags = 0;
    for (uint32_t i = 0; i < s->nns; i++)
        if (!*s->ns[i].path && !(s->ns[i].flag & late)) flags |= s->ns[i].flag;
    /* ORDER: P listens before clone, so the socket exists before C connects to it */
    if (s->terminal && p->ctx.console_proxy)
        op_console_listen(p, arena_printf(&p->a, "%s option:console-proxy", s->why_terminal), p->ctx.console_proxy);
    const char *why = join_whys(p, late, false);
    plan_clone(p, *why ? why : "default:clone", flags);
    /* ORDER: the id maps are written once C exists and before it may run: until then it has
     * no uid in its namespace. setgroups stays "allow": P is root on the host, so the map
     * is written with CAP_SETGID (runc writes "deny" only when rootless) */
    if (s->userns) {
        op_write_child_proc(p, s->why_uid_map, "uid_map", s->uid_map);
        op_write_child_proc(p, s->why_gid_map, "gid_map", s->gid_map);
    }
    /* ORDER: the devices move once C's namespace exists and before C may run (runc moves them
     * from the parent before init is configured) */
    plan_net_host(p);
    /* C moves itself into its cgroups once it may run (plan_cgroups_join): P writes no pid */
    op_sync_signal(p, F_LANE_HOST, "default:sync", F_SYNC_CHILD_MAY_RUN);
    /* ORDER: the caller runs prestart and createRuntime hooks when the child has made its
     * mounts and /dev and not yet switched its root (runc's syncParentHooks in
     * prepareRootfs); the child goes on only once they have succeeded */
    const char *hooks = plan_caller_hooks(p);
    if (hooks) {
        op_sync_wait(p, F_LANE_HOST, hooks, F_SYNC_CHILD_HOOKS);
        op_sync_caller(p, hooks, F_CALLER_CREATE_RUNTIME);
        op_sync_signal(p, F_LANE_HOST, hooks, F_SYNC_HOOKS_DONE);
    }
    op_sync_wait(p, F_LANE_HOST, "default:sync", F_SYNC_CHILD_READY);
    plan_seccomp_host(p, false);
}

/* the prestart and createRuntime hooks the caller runs: their pointers, or NULL for none */
const char *plan_caller_hooks(planner *p) {
    const spec *s = &p->s;
    if (!p->ctx.hooks_caller || (!s->hooks[HOOK_PRESTART].n && !s->hooks[HOOK_CREATE_RUNTIME].n)) return NULL;
    const char *a = s->hooks[HOOK_PRESTART].why, *b = s->hooks[HOOK_CREATE_RUNTIME].why;
    return a && b ? arena_printf(&p->a, "%s %s", a, b) : a ? a : b;
}

static const char *env_get(const strvec *env, const char *name) {
    size_t n = strlen(name);
    for (uint32_t i = 0; i < env->n; i++)
        if (!strncmp(env->v[i], name, n) && env->v[i][n] == '=') return env->v[i] + n + 1;
    return NULL;
}

/* PATH split as Go's exec.LookPath does: an empty element means the current directory */
static strvec search_path(planner *p, const char *path) {
    strvec v = { 0, 0 };
    if (!path || !*path) return v;
    size_t n = 1;
    for (const char *c = path; *c; c++) n += *c == ':';
    v.v = arena_alloc(&p->a, n * sizeof *v.v);
    if (!v.v) return v;
    for (const char *q = path;;) {
        const char *e = strchr(q, ':');
        size_t len = e ? (size_t)(e - q) : strlen(q);
        v.v[v.n++] = len ? arena_strndup(&p->a, q, len) : ".";
        if (!e) break;
        q = e + 1;
    }
    return v;
}

/* the socket the pty master is sent over: the caller's --console-socket, or P's own proxy */
static const char *console_path(planner *p) {
    if (!p->s.terminal) return NULL;
    return p->ctx.console_socket ? p->ctx.console_socket : p->ctx.console_proxy;
}

/* SECURITY: connected by its host path before any mount namespace is joined and before
 * pivot_root: a path resolved later would resolve inside the container */
void plan_console_connect(planner *p) {
    const char *path = console_path(p);
    if (!path) return;
    op_console_connect(p, arena_printf(&p->a, "%s %s", p->s.why_terminal,
                                       p->ctx.console_socket ? "option:console-socket" : "option:console-proxy"), path);
}

void plan_console_setup(planner *p) {
    const spec *s = &p->s;
    if (!console_path(p)) return;
    const char *why = s->why_console_size ? arena_printf(&p->a, "%s %s", s->why_terminal, s->why_console_size) : s->why_terminal;
    op_console_setup(p, why, "/dev/ptmx", s->console_rows, s->console_cols);
    /* the pty planc serves itself passes bytes as written (runc's recvtty clears ONLCR); a
     * caller's --console-socket gets the pty as the kernel makes it, as runc leaves it */
    if (!p->ctx.console_socket)
        op_tty_clear_oflag(p, arena_printf(&p->a, "%s option:console-proxy", s->why_terminal), 0, F_ONLCR);
}

static void plan_container(planner *p) {
    const spec *s = &p->s;
    op_sync_wait(p, F_LANE_CONTAINER, "default:sync", F_SYNC_CHILD_MAY_RUN);
    /* ORDER: the join comes first, so every later step is limited and charged by the
     * container's cgroups: its mount structures and inodes, a tmpcopyup's pages, mknod (checked
     * against the devices cgroup of the task that makes the node), hook processes, and the
     * seccomp filter never sees the runtime's own syscalls. It also comes before any setns or
     * id change, while the host's cgroup paths still resolve and C is still root on the host */
    plan_cgroups_join(p);
    /* ORDER: the namespace's root is the cgroup C is in when it unshares: the container's */
    for (uint32_t i = 0; i < s->nns; i++)
        if (!*s->ns[i].path && s->ns[i].flag == F_CLONE_NEWCGROUP) op_unshare(p, s->ns[i].why, F_CLONE_NEWCGROUP);
    plan_timens(p);
    /* ORDER: the fifo lives in the host's state dir: it is opened while C still has the
     * caller's credentials and view, before any id change, namespace join or pivot_root */
    op_exec_fifo_open(p, "default:exec-fifo", arena_printf(&p->a, "%s/exec.fifo", p->ctx.state_dir));
    /* ORDER: in a new user namespace C has every capability but no id until it takes one: a
     * file made on a mount of the namespace (a tmpfs on /dev) by an unmapped fsuid fails with
     * EOVERFLOW. Become root of the namespace first, as runc's nsexec does after the maps */
    if (s->userns) {
        static const u32vec none = { 0, 0 };
        op_setresuid(p, "default:userns-root", 0, 0, 0);
        /* ORDER: the mqueue root of an ipc namespace is owned by the fsuid/fsgid of the task
         * that creates it. runc's nsexec unshares it after setresuid(0) and before any gid
         * change, so /dev/mqueue is owned by the namespace's root and the unmapped gid; made by
         * clone it would be owned by neither */
        for (uint32_t i = 0; i < s->nns; i++)
            if (!*s->ns[i].path && s->ns[i].flag == F_CLONE_NEWIPC) op_unshare(p, s->ns[i].why, F_CLONE_NEWIPC);
        op_setresgid(p, "default:userns-root", 0, 0, 0);
        op_setgroups(p, "default:userns-root", &none);
    }
    plan_console_connect(p);
    /* ORDER: join the namespaces given by path in spec order (the pid one was joined by the
     * parent before clone) */
    for (uint32_t i = 0; i < s->nns; i++)
        if (*s->ns[i].path && s->ns[i].flag != F_CLONE_NEWPID)
            op_setns(p, F_LANE_CONTAINER, s->ns[i].why, s->ns[i].path, s->ns[i].flag);
    /* ORDER: in the container's network namespace, before mounts (runc's setupNetwork) */
    plan_net_container(p);
    for (uint32_t i = 0; i < s->nrlimits; i++)
        op_setrlimit(p, s->rlimits[i].why, s->rlimits[i].resource, s->rlimits[i].soft, s->rlimits[i].hard);
    if (s->hostname && *s->hostname) op_sethostname(p, s->why_hostname, s->hostname);
    if (s->domainname && *s->domainname) op_setdomainname(p, s->why_domainname, s->domainname);

    plan_mounts(p);
    /* ORDER: the pty is made once the container's /dev/pts and /dev/ptmx are in place and
     * before the root is finalized (runc's setupConsole point) */
    plan_console_setup(p);
    plan_after_pivot(p);
    plan_finalize(p);
    op_exec_fifo_wait(p, "default:exec-fifo");
    plan_hooks(p, HOOK_START_CONTAINER, "created");
    plan_execve(p);
}

/* SECURITY: every fd above stdio and the preserved ones is closed before credentials change */
void plan_close_fds(planner *p) {
    uint32_t n = p->ctx.preserve_fds;
    op_close_fds(p, n ? "default:close-fds option:preserve-fds" : "default:close-fds", 3 + n);
}

/* runc's finalizeNamespace after its fd step, shared by create and exec: bounding set, user,
 * the cwd's second try, capabilities, umask (no_new_privs, close_fds, the first cwd try, stdio
 * and the filter: plan_finalize) */
void plan_creds(planner *p) {
    const spec *s = &p->s;
    /* ORDER: the bounding set is cut while we still hold CAP_SETPCAP; keepcaps keeps the
     * permitted set across setresuid; the final sets are installed last (finalizeNamespace) */
    op_capbset_drop(p, s->cap_why[0], ALL_CAPS & ~s->cap[0]);
    op_set_keepcaps(p, "default:keepcaps", 1);
    op_setgroups(p, s->why_user ? s->why_user : "default:user", &s->gids);
    /* setgid/setuid as root set the real, effective and saved ids alike: what setresgid and
     * setresuid would do, by the calls runc makes here (a profile written for runc allows them) */
    op_setgid(p, s->why_user ? s->why_user : "default:user", s->gid);
    op_setuid(p, s->why_user ? s->why_user : "default:user", s->uid);
    if (s->cwd) op_chdir_retry(p, s->why_cwd, s->cwd);
    op_set_keepcaps(p, "default:keepcaps", 0);
    const char *cw = s->cap_why[1];
    if (strcmp(cw, s->cap_why[3])) cw = arena_printf(&p->a, "%s %s %s", s->cap_why[1], s->cap_why[3], s->cap_why[2]);
    op_capset(p, cw, s->cap[1], s->cap[3], s->cap[2]);
    /* the kernel refuses an ambient capability that is not both permitted and inheritable;
     * runc ignores that failure, so such capabilities are simply not raised */
    uint64_t amb = s->cap[4] & s->cap[2] & s->cap[3];
    if (amb) op_cap_ambient_raise(p, s->cap_why[4], amb);
    op_umask(p, s->has_umask ? s->why_umask : "default:umask", s->has_umask ? s->umask : 0022);
}

/* ORDER: args[0] is resolved and checked with the final credentials and cwd, before
 * CHILD_READY, so a missing or non-executable command fails create, not start (runc's
 * exec.LookPath before it signals the parent) */
void plan_exec_check(planner *p) {
    const spec *s = &p->s;
    strvec sp = search_path(p, env_get(&s->env, "PATH"));
    op_exec_check(p, s->why_args ? s->why_args : "", s->args.v[0], &sp);
}

/* execve with the spec's argv and env (HOME added as runc does), PATH searched as Go does */
void plan_execve(planner *p) {
    const spec *s = &p->s;
    strvec env = s->env;
    const char *why = arena_printf(&p->a, "%s%s%s", s->why_args ? s->why_args : "",
                                   s->why_env ? " " : "", s->why_env ? s->why_env : "");
    /* runc sets HOME when it is unset or empty; an empty entry is replaced in place */
    const char *home = env_get(&env, "HOME");
    if (!home || !*home) {
        const char **v = arena_alloc(&p->a, (env.n + 1) * sizeof *v);
        if (v) {
            if (env.n) memcpy(v, env.v, env.n * sizeof *v);
            uint32_t at = env.n;
            for (uint32_t i = 0; i < env.n; i++) if (!strcmp(v[i], "HOME=")) at = i;
            v[at] = arena_printf(&p->a, "HOME=%s", p->ctx.user_home);
            if (at == env.n) env.n++;
            env.v = v;
        }
        why = arena_printf(&p->a, "%s default:home", why);
    }
    strvec sp = search_path(p, env_get(&env, "PATH"));
    op_execve(p, why, s->args.v[0], &s->args, &env, &sp);
}

static void plan_teardown(planner *p) {
    if (p->ctx.systemd_cgroup) plan_systemd_teardown(p);
    plan_cgroups_teardown(p);
    op_unlink(p, "default:exec-fifo", arena_printf(&p->a, "%s/exec.fifo", p->ctx.state_dir));
    if (p->s.terminal && p->ctx.console_proxy) op_unlink(p, "option:console-proxy", p->ctx.console_proxy);
}

void plan_all(planner *p) {
    emit_begin(p);
    switch (p->ctx.act) {
    case ACT_CREATE:
        plan_host(p);
        plan_container(p);
        plan_teardown(p);
        break;
    case ACT_EXEC: plan_exec(p); break;
    case ACT_PAUSE: case ACT_RESUME:
        plan_cgroups_freeze(p, p->ctx.act == ACT_PAUSE);
        if (!p->nops) err_at(p, NULL, R_UNSUPPORTED, "the host facts list no freezer cgroup (v1 freezer or pure cgroup v2): nothing can pause the container");
        break;
    case ACT_UPDATE:
        if (p->ctx.systemd_cgroup) plan_systemd_update(p);
        plan_cgroups_update(p);
        break;
    }
    emit_end(p);
}
