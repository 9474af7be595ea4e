/* plan_mounts.c — container-lane filesystem steps in runc's order: root propagation, rootfs
 * self-bind, spec mounts, /dev, the caller's hooks, pivot_root (or move_root), then read-only
 * and masked paths.
 * Must never plan a mount that targets a string path inside the rootfs (only *_in_root ops). */
#include "ops.h"
#include <string.h>

void plan_device_nodes(planner *p);

static bool is_dev(const mount_spec *m) { return !strcmp(m->destination, "/dev"); }
static bool is_type(const mount_spec *m, const char *t) { return !m->bind && !strcmp(m->type, t); }

/* runc sets up /dev itself unless the spec bind-mounts something over /dev */
static bool needs_setup_dev(planner *p) {
    for (uint32_t i = 0; i < p->s.nmounts; i++)
        if (p->s.mounts[i].bind && is_dev(&p->s.mounts[i])) return false;
    return true;
}

static void plan_propagation(planner *p, const mount_spec *m, const char *target) {
    for (uint32_t k = 0; k < m->npflags; k++)
        op_mount_in_root(p, m->why, "", F_SRC_NONE, target, "", m->pflags[k], "", 0);
}

static bool new_ns(planner *p, uint32_t flag) {
    for (uint32_t i = 0; i < p->s.nns; i++) if (p->s.ns[i].flag == flag && !*p->s.ns[i].path) return true;
    return false;
}

static void plan_one_mount(planner *p, const mount_spec *m) {
    if (is_type(m, "cgroup")) { plan_cgroup_mount(p, m); return; }
    /* a user namespace may mount sysfs only with a network namespace it owns: otherwise
     * the host's /sys is bind-mounted, recursively, with the spec's flags (runc's fallback) */
    mount_spec sys;
    if (is_type(m, "sysfs") && p->s.userns && !new_ns(p, F_CLONE_NEWNET)) {
        sys = *m;
        sys.source = "/sys"; sys.type = "bind"; sys.data = ""; sys.bind = true;
        sys.flags |= F_MS_BIND | F_MS_REC;
        m = &sys;
    }
    if (m->bind) {
        /* SECURITY: the source is opened in the caller's namespace and mounted through its
         * fd; the target is resolved inside the root (CVE-2021-30465) */
        op_mount_in_root(p, m->why, m->source, F_SRC_HOST_PATH, m->destination, "bind", m->flags, m->data, F_PATH_CREATE);
        /* a bind mount ignores every flag but MS_REC: remount to apply ro/nosuid/... */
        if (m->flags & ~(uint64_t)(F_MS_REC | F_MS_REMOUNT | F_MS_BIND))
            op_mount_in_root(p, m->why, "", F_SRC_NONE, m->destination, "", m->flags | F_MS_REMOUNT, "", 0);
        plan_propagation(p, m, m->destination);
        return;
    }
    uint64_t flags = m->flags;
    /* ORDER: tmpfs and /dev are mounted writable and made read-only after /dev is populated
     * and pivot_root is done (runc's finalizeRootfs) */
    if (is_type(m, "tmpfs") || is_dev(m)) flags &= ~(uint64_t)F_MS_RDONLY;
    /* tmpcopyup counts for tmpfs only, as in runc; a tmpfs over a directory that was there
     * takes that directory's mode, one made for it keeps the mount's (runc's tmpfs rule), so
     * the target is made by the mount op itself */
    uint32_t pf = is_type(m, "tmpfs") ? F_PATH_CREATE | F_PATH_KEEP_MODE | (m->copy_up ? F_PATH_COPY_UP : 0) : 0;
    if (!is_type(m, "tmpfs")) op_mkdir_in_root(p, m->why, m->destination, 0755);
    /* SECURITY: procfs and sysfs never through a symlink in the rootfs, as runc refuses it */
    if (is_type(m, "proc") || is_type(m, "sysfs")) pf |= F_PATH_NO_SYMLINK;
    /* SECURITY: the copied files are tmpfs pages charged to the writer's memory cgroup for
     * as long as they live: C's, which C joined first thing (plan_cgroups_join) */
    op_mount_in_root(p, m->why, m->source, *m->source ? F_SRC_STRING : F_SRC_NONE, m->destination, m->type, flags, m->data, pf);
    plan_propagation(p, m, m->destination);
}

void plan_mounts(planner *p) {
    const spec *s = &p->s;
    /* ORDER: make every mount we inherit a slave first, so nothing below propagates back
     * to the host (runc's prepareRoot) */
    op_mount(p, s->has_root_prop ? s->why_root_prop : "default:propagation", "", "/", "",
             s->has_root_prop ? s->root_prop : (uint64_t)(F_MS_SLAVE | F_MS_REC), "");
    op_mount(p, "default:rootfs-bind", s->root_path, s->root_path, "bind", F_MS_BIND | F_MS_REC, "");
    op_open_root(p, s->why_root_path, s->root_path);
    for (uint32_t i = 0; i < s->nmounts; i++) plan_one_mount(p, &s->mounts[i]);
    if (needs_setup_dev(p)) {
        plan_device_nodes(p);
        op_symlink_in_root(p, "default:dev-ptmx", "pts/ptmx", "/dev/ptmx");
        op_symlink_in_root(p, "default:dev-symlinks", "/proc/self/fd", "/dev/fd");
        op_symlink_in_root(p, "default:dev-symlinks", "/proc/self/fd/0", "/dev/stdin");
        op_symlink_in_root(p, "default:dev-symlinks", "/proc/self/fd/1", "/dev/stdout");
        op_symlink_in_root(p, "default:dev-symlinks", "/proc/self/fd/2", "/dev/stderr");
        if (p->ctx.proc_kcore) op_symlink_in_root(p, "default:dev-symlinks", "/proc/kcore", "/dev/core");
    }
    /* ORDER: runc's prepareRootfs: the caller's prestart + createRuntime hooks first
     * (syncParentHooks), then createContainer hooks in the container's namespaces while the
     * host's filesystem is still reachable, then the root switch */
    const char *hooks = plan_caller_hooks(p);
    if (hooks) {
        op_sync_signal(p, F_LANE_CONTAINER, hooks, F_SYNC_CHILD_HOOKS);
        op_sync_wait(p, F_LANE_CONTAINER, hooks, F_SYNC_HOOKS_DONE);
    }
    plan_hooks(p, HOOK_CREATE_CONTAINER, "creating");
    /* SECURITY: --no-pivot keeps the old root under the new one (runc's msMoveRoot); the
     * shim detaches the host's full procfs/sysfs mounts before moving the root onto / */
    if (p->ctx.no_pivot) op_move_root(p, "option:no-pivot", s->root_path);
    else op_pivot_root(p, "default:pivot-root", s->root_path);
}

/* The nosuid/nodev/noexec a read-only remount must keep: those of the last spec mount that
 * covers the path (runc reads them with statfs; the spec tells us the same thing). */
static uint64_t locked_flags(planner *p, const char *path) {
    uint64_t f = 0;
    for (uint32_t i = 0; i < p->s.nmounts; i++)
        if (path_has_prefix(path, p->s.mounts[i].destination))
            f = p->s.mounts[i].flags & (F_MS_NOSUID | F_MS_NODEV | F_MS_NOEXEC);
    return f;
}

void plan_after_pivot(planner *p) {
    const spec *s = &p->s;
    if (s->cwd) op_mkdir_in_root(p, s->why_cwd, s->cwd, 0755);
    for (uint32_t i = 0; i < s->nmounts; i++) {
        const mount_spec *m = &s->mounts[i];
        if (!(m->flags & F_MS_RDONLY) || m->bind || !(is_type(m, "tmpfs") || is_dev(m))) continue;
        op_mount_in_root(p, m->why, "", F_SRC_NONE, m->destination, "",
                         m->flags | F_MS_REMOUNT | F_MS_BIND | F_MS_RDONLY, "", 0);
    }
    if (s->root_readonly)
        op_mount_in_root(p, s->why_root_ro, "", F_SRC_NONE, "/", "", F_MS_BIND | F_MS_REMOUNT | F_MS_RDONLY, "", 0);
    /* ORDER: sysctls go in after the root is final and before /proc/sys is made read-only
     * (runc's order); the path is the container's own procfs now that pivot_root is done */
    for (uint32_t i = 0; i < s->nsysctl; i++) {
        char *path = arena_printf(&p->a, "/proc/sys/%s", s->sysctl_keys[i]);
        for (char *c = path + 10; *c; c++) if (*c == '.') *c = '/';
        op_write_file_in_container(p, s->sysctl_why[i], path, s->sysctl_vals[i]);
    }
    for (uint32_t i = 0; i < s->nro; i++) {
        const char *path = s->ro_paths[i];
        op_mount_in_root(p, s->ro_why[i], path, F_SRC_IN_ROOT, path, "", F_MS_BIND | F_MS_REC, "", F_PATH_MISSING_OK);
        op_mount_in_root(p, s->ro_why[i], "", F_SRC_NONE, path, "",
                         locked_flags(p, path) | F_MS_BIND | F_MS_REMOUNT | F_MS_RDONLY, "", F_PATH_MISSING_OK);
    }
    for (uint32_t i = 0; i < s->nmasked; i++) op_mask_path(p, s->masked_why[i], s->masked[i]);
}
