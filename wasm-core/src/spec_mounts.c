/* spec_mounts.c — reads and validates "root", "hostname"/"domainname" and "mounts".
 * Mount options are translated as runc's specconv does; unknown words become mount data.
 * Must never emit ops or read host state. */
#include "planner.h"
#include <string.h>

void spec_read_root(planner *p, const jv *root) {
    spec *s = &p->s;
    const jv *r = get_obj(p, root, "root");
    if (!r) {
        if (!json_get(root, "root") || json_get(root, "root")->type == JV_NULL)
            err_missing(p, root, "root", R_ROOT_PATH, "root.path is required");
        return;
    }
    const jv *path = json_get(r, "path");
    const char *str;
    if (val_str(p, path, &str)) {
        if (!*str) err_at(p, path, R_ROOT_PATH, "root.path must not be empty");
        else {
            s->why_root_path = ptr_of(p, path);
            /* relative to the bundle, as runc resolves it from the bundle directory */
            s->root_path = is_abs(str) ? clean_path(p, str)
                         : clean_path(p, arena_printf(&p->a, "%s/%s", p->ctx.bundle ? p->ctx.bundle : "", str));
        }
    } else if (!path || path->type == JV_NULL) {
        err_missing(p, r, "path", R_ROOT_PATH, "root.path is required");
    }
    if (get_bool(p, r, "readonly", &s->root_readonly)) s->why_root_ro = ptr_of(p, json_get(r, "readonly"));

    const jv *h = json_get(root, "hostname");
    if (val_str(p, h, &s->hostname)) {
        s->why_hostname = ptr_of(p, h);
        if (strlen(s->hostname) > 64) err_at(p, h, R_TYPE, "hostname is longer than 64 bytes");
    }
    h = json_get(root, "domainname");
    if (val_str(p, h, &s->domainname)) {
        s->why_domainname = ptr_of(p, h);
        if (strlen(s->domainname) > 64) err_at(p, h, R_TYPE, "domainname is longer than 64 bytes");
    }
}

/* The only entries runc lets a mount cover below /proc: the files lxcfs emulates. */
static const char *const proc_ok[] = {
    "/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat", "/proc/swaps",
    "/proc/uptime", "/proc/loadavg", "/proc/slabinfo", "/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
};

static void check_proc_mount(planner *p, const jv *m, const mount_spec *ms) {
    if (!path_has_prefix(ms->destination, "/proc")) return;
    /* procfs on /proc itself is the normal case; proc/sysfs/mqueue/tmpfs/cgroup are not checked by runc */
    if (!ms->bind && ms->type && (!strcmp(ms->type, "proc") || !strcmp(ms->type, "sysfs") ||
        !strcmp(ms->type, "mqueue") || !strcmp(ms->type, "tmpfs") || !strcmp(ms->type, "cgroup"))) return;
    if (!strcmp(ms->destination, "/proc")) {
        err_at(p, json_get(m, "destination"), R_MOUNT_PROC,
               arena_printf(&p->a, "\"%s\" cannot be mounted because it is not of type proc", ms->destination));
        return;
    }
    for (size_t i = 0; i < sizeof proc_ok / sizeof proc_ok[0]; i++)
        if (!strcmp(ms->destination, proc_ok[i])) return;
    err_at(p, json_get(m, "destination"), R_MOUNT_PROC,
           arena_printf(&p->a, "\"%s\" cannot be mounted because it is inside /proc", ms->destination));
}

static void read_mount(planner *p, const jv *m, mount_spec *ms, bool *ok) {
    *ok = false;
    if (m->type != JV_OBJ) { err_at(p, m, R_TYPE, arena_printf(&p->a, "expected an object, got %s", json_type_name(m->type))); return; }
    ms->why = ptr_of(p, m);
    const jv *dv = json_get(m, "destination");
    const char *dest = NULL;
    bool good = true;
    if (val_str(p, dv, &dest)) {
        if (!is_abs(dest)) { err_at(p, dv, R_MOUNT_DESTINATION, arena_printf(&p->a, "mount destination \"%s\" is not an absolute path", dest)); good = false; }
        else if (!strcmp(clean_path(p, dest), "/")) {
            /* SECURITY: a mount on the container's root would hide the rootfs the plan checked */
            err_at(p, dv, R_MOUNT_DESTINATION, arena_printf(&p->a, "mount destination \"%s\" is the container's root; nothing may be mounted over it", dest));
            good = false;
        } else ms->destination = clean_path(p, dest);
    } else {
        if (!dv || dv->type == JV_NULL) err_missing(p, m, "destination", R_MOUNT_DESTINATION, "mount destination is required");
        good = false;
    }
    ms->source = ""; ms->type = "";
    if (!get_str(p, m, "source", &ms->source) && json_get(m, "source") && json_get(m, "source")->type != JV_NULL) good = false;
    if (!get_str(p, m, "type", &ms->type) && json_get(m, "type") && json_get(m, "type")->type != JV_NULL) good = false;

    /* ORDER: options apply left to right, later words override earlier ones (specconv) */
    const jv *opts = get_arr(p, m, "options");
    buf data; buf_init(&data, &p->a);
    for (size_t i = 0; opts && i < opts->n; i++) {
        const char *o;
        if (!val_str(p, opts->items[i], &o)) { good = false; continue; }
        uint64_t f;
        /* runc's extension: copy the rootfs's files at the destination into a new tmpfs */
        if (!strcmp(o, "tmpcopyup")) { ms->copy_up = true; continue; }
        switch (mount_option_lookup(o, &f)) {
        case 1: ms->flags |= f; break;
        case 2: ms->flags &= ~f; break;
        case 3: if (ms->npflags < 8) ms->pflags[ms->npflags++] = f; break;
        case 4: err_at(p, opts->items[i], R_MOUNT_OPTION, arena_printf(&p->a, "mount option \"%s\" is not planned yet", o)); good = false; break;
        default:
            if (data.len) buf_put(&data, ",", 1);
            buf_put(&data, o, strlen(o));
        }
    }
    ms->data = buf_cstr(&data);
    /* type "bind" is a bind mount even without a bind option (as runc and crun read it) */
    if (!strcmp(ms->type, "bind")) ms->flags |= F_MS_BIND;
    ms->bind = (ms->flags & F_MS_BIND) != 0;
    if (ms->bind) {
        if (!*ms->source) { err_at(p, m, R_MOUNT_SOURCE, "bind mount needs a source"); good = false; }
        else if (!is_abs(ms->source))
            ms->source = clean_path(p, arena_printf(&p->a, "%s/%s", p->ctx.bundle ? p->ctx.bundle : "", ms->source));
    } else if (!*ms->type && good) {
        err_at(p, m, R_MOUNT_TYPE, "mount type is required unless the options contain bind or rbind");
        good = false;
    }
    if (good) check_proc_mount(p, m, ms);
    *ok = good;
}

void spec_read_mounts(planner *p, const jv *root) {
    spec *s = &p->s;
    const jv *arr = get_arr(p, root, "mounts");
    if (!arr) return;
    s->mounts = arena_alloc(&p->a, (arr->n + 1) * sizeof *s->mounts);
    if (!s->mounts) return;
    for (size_t i = 0; i < arr->n; i++) {
        bool ok;
        read_mount(p, arr->items[i], &s->mounts[s->nmounts], &ok);
        if (ok) s->nmounts++;
        else memset(&s->mounts[s->nmounts], 0, sizeof s->mounts[0]);
    }
}
