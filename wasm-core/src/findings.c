/* findings.c — security findings over a config.json the planner has parsed: privileged
 * capabilities, shared namespaces, sensitive mounts, missing confinement. Reads the JSON
 * document only (so it also runs on configs with errors); never emits or changes a plan. */
#include "findings.h"
#include <string.h>

static const char *const fd_ids[] = {
#define FINDING(E, id, sev, desc) id,
#include "../findings.def"
#undef FINDING
};
static const char *const fd_sev[] = {
#define FINDING(E, id, sev, desc) sev,
#include "../findings.def"
#undef FINDING
};
static const char *const fd_desc[] = {
#define FINDING(E, id, sev, desc) desc,
#include "../findings.def"
#undef FINDING
};
static const char *const rule_desc[] = {
#define RULE(E, id, desc) desc,
#include "../rules.def"
#undef RULE
};

typedef struct { planner *p; finding *v; size_t n, cap; } flist;

/* pointer: the value's own, or parent's plus "/key" when the member is absent */
static void add(flist *l, const jv *v, const jv *parent, const char *key, int f, const char *msg) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        finding *n = arena_alloc(&l->p->a, cap * sizeof *n);
        if (!n) return;
        if (l->n) memcpy(n, l->v, l->n * sizeof *n);
        l->v = n; l->cap = cap;
    }
    finding *x = &l->v[l->n];
    x->seq = l->n++;
    if (v) {
        x->offset = v->offset;
        x->pointer = ptr_of(l->p, v);
    } else {
        x->offset = parent ? parent->offset : 0;
        const char *base = parent ? ptr_of(l->p, parent) : "";
        x->pointer = key ? arena_printf(&l->p->a, "%s/%s", base, key) : base;
    }
    x->rule = fd_ids[f];
    x->severity = fd_sev[f];
    x->message = msg;
}

static const jv *member(const jv *o, const char *key, jv_type t) {
    const jv *v = o ? json_get(o, key) : NULL;
    return v && v->type == t ? v : NULL;
}
static bool is_true(const jv *o, const char *key) {
    const jv *v = member(o, key, JV_BOOL);
    return v && v->b;
}
static const char *str_of(const jv *v) { return v && v->type == JV_STR ? v->s : NULL; }

/* ---- process ---- */

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

/* CAP_SYS_ADMIN -> the finding "cap-sys-admin", or -1 */
static int cap_finding(const char *name) {
    if (strncmp(name, "CAP_", 4)) return -1;
    for (int f = 0; f < FD__COUNT; f++) {
        const char *id = fd_ids[f];
        if (strncmp(id, "cap-", 4)) continue;
        const char *a = id + 4, *b = name + 4;
        while (*a && *b && (*a == '-' ? *b == '_' : *a == lower(*b))) { a++; b++; }
        if (!*a && !*b) return f;
    }
    return -1;
}

static void check_process(flist *l, const jv *root) {
    planner *p = l->p;
    const jv *proc = member(root, "process", JV_OBJ);
    if (!proc) return;
    static const char *const sets[] = { "bounding", "effective", "inheritable", "permitted", "ambient" };
    const jv *caps = member(proc, "capabilities", JV_OBJ);
    for (size_t s = 0; caps && s < 5; s++) {
        const jv *arr = member(caps, sets[s], JV_ARR);
        for (size_t i = 0; arr && i < arr->n; i++) {
            const char *name = str_of(arr->items[i]);
            int f = name ? cap_finding(name) : -1;
            if (f >= 0) add(l, arr->items[i], NULL, NULL, f, arena_printf(&p->a, "%s in the %s set", name, sets[s]));
        }
    }
    const jv *nnp = json_get(proc, "noNewPrivileges");
    if (!is_true(proc, "noNewPrivileges"))
        add(l, nnp, proc, "noNewPrivileges", FD_NO_NEW_PRIVS_OFF, "noNewPrivileges is not set: execve can gain privileges through setuid binaries and file capabilities");
    const jv *user = member(proc, "user", JV_OBJ);
    const jv *uid = member(user, "uid", JV_NUM);
    if (!uid || (uid->num_int && uid->num_mag == 0))
        add(l, uid, user ? user : proc, user ? "uid" : "user", FD_RUN_AS_ROOT, "the process runs as uid 0 (root)");
}

/* ---- namespaces ---- */

static void check_namespaces(flist *l, const jv *root) {
    planner *p = l->p;
    const jv *lx = member(root, "linux", JV_OBJ);
    const jv *nss = member(lx, "namespaces", JV_ARR);
    static const struct { const char *type; int missing; const char *msg; } want[] = {
        { "pid", FD_HOST_PID_NS, "no pid namespace: host processes are visible" },
        { "ipc", FD_HOST_IPC_NS, "no ipc namespace: host IPC objects are shared" },
        { "uts", FD_HOST_UTS_NS, "no uts namespace: the host's hostname is shared" },
        { "network", FD_HOST_NET_NS, "no network namespace: the host network is shared" },
        { "cgroup", FD_HOST_CGROUP_NS, "no cgroup namespace: host cgroup paths are visible" },
        { "user", FD_NO_USER_NS, "no user namespace: root in the container is root on the host" },
        { "mount", -1, NULL },
    };
    for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
        const jv *hit = NULL;
        for (size_t i = 0; nss && i < nss->n; i++) {
            const char *t = str_of(json_get(nss->items[i], "type"));
            if (t && !strcmp(t, want[w].type)) { hit = nss->items[i]; break; }
        }
        if (!hit) {
            if (want[w].missing >= 0)
                add(l, nss, lx ? lx : root, lx ? "namespaces" : "linux", want[w].missing, want[w].msg);
            continue;
        }
        const jv *path = member(hit, "path", JV_STR);
        if (path && path->len)
            add(l, path, NULL, NULL, FD_JOINED_NS, arena_printf(&p->a, "joins the %s namespace at %s", want[w].type, path->s));
    }
}

/* ---- mounts ---- */

static bool has_option(const jv *opts, const char *name) {
    for (size_t i = 0; opts && i < opts->n; i++) {
        const char *o = str_of(opts->items[i]);
        if (o && !strcmp(o, name)) return true;
    }
    return false;
}

/* the last of ro/rw wins, as the kernel's option parser reads them */
static bool is_readonly(const jv *opts) {
    bool ro = false;
    for (size_t i = 0; opts && i < opts->n; i++) {
        const char *o = str_of(opts->items[i]);
        if (o && !strcmp(o, "ro")) ro = true;
        if (o && !strcmp(o, "rw")) ro = false;
    }
    return ro;
}

static const char *const runtime_sockets[] = {
    "/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock",
    "/var/run/containerd/containerd.sock", "/run/crio/crio.sock", "/var/run/crio/crio.sock",
    "/run/podman/podman.sock", "/var/run/podman/podman.sock", "/run/dockershim.sock",
    "/var/run/dockershim.sock", "/run/buildkit/buildkitd.sock",
};
/* the path and everything below it */
static const char *const sensitive_trees[] = {
    "/etc", "/proc", "/sys", "/dev", "/boot", "/root", "/lib/modules", "/usr/lib/modules",
};
/* the path itself: engines bind their own per-container files from below these */
static const char *const sensitive_exact[] = {
    "/", "/run", "/var/run", "/var", "/var/lib", "/var/lib/docker", "/var/lib/containerd",
    "/var/lib/containers", "/var/lib/kubelet", "/var/log", "/usr", "/lib", "/bin", "/sbin", "/home",
};

static bool in_list(const char *s, const char *const *list, size_t n, bool tree) {
    for (size_t i = 0; i < n; i++)
        if (tree ? path_has_prefix(s, list[i]) : !strcmp(s, list[i])) return true;
    return false;
}
#define IN(s, list, tree) in_list(s, list, sizeof list / sizeof list[0], tree)

static bool listed(const jv *arr, const char *path) {
    for (size_t i = 0; arr && i < arr->n; i++) {
        const char *s = str_of(arr->items[i]);
        if (s && !strcmp(s, path)) return true;
    }
    return false;
}

static void check_mounts(flist *l, const jv *root) {
    planner *p = l->p;
    const jv *mounts = member(root, "mounts", JV_ARR);
    const jv *ro_paths = member(member(root, "linux", JV_OBJ), "readonlyPaths", JV_ARR);
    for (size_t i = 0; mounts && i < mounts->n; i++) {
        const jv *m = mounts->items[i];
        if (m->type != JV_OBJ) continue;
        const jv *opts = member(m, "options", JV_ARR);
        const char *type = str_of(json_get(m, "type"));
        const jv *src = member(m, "source", JV_STR);
        const char *dst = str_of(json_get(m, "destination"));
        bool bind = (type && !strcmp(type, "bind")) || has_option(opts, "bind") || has_option(opts, "rbind");
        bool ro = is_readonly(opts);
        if (bind && src && is_abs(src->s)) {
            const char *s = clean_path(p, src->s);
            if (IN(s, runtime_sockets, false))
                add(l, src, NULL, NULL, FD_RUNTIME_SOCKET, arena_printf(&p->a, "the runtime socket %s is mounted at %s: whoever reaches it controls the host", s, dst ? dst : "?"));
            else if (!ro && (IN(s, sensitive_trees, true) || IN(s, sensitive_exact, false)))
                add(l, src, NULL, NULL, FD_SENSITIVE_MOUNT, arena_printf(&p->a, "host %s is bind-mounted writable at %s", s, dst ? dst : "?"));
            continue;
        }
        if (bind || !type || ro) continue;
        if (!strcmp(type, "proc") && !listed(ro_paths, "/proc/sys"))
            add(l, opts ? opts : m, NULL, NULL, FD_PROC_WRITABLE, arena_printf(&p->a, "procfs at %s is writable and /proc/sys is not in readonlyPaths", dst ? dst : "?"));
        if (!strcmp(type, "sysfs"))
            add(l, opts ? opts : m, NULL, NULL, FD_SYSFS_WRITABLE, arena_printf(&p->a, "sysfs at %s is mounted without \"ro\"", dst ? dst : "?"));
    }
}

/* ---- linux ---- */

static void check_linux(flist *l, const jv *root) {
    planner *p = l->p;
    const jv *lx = member(root, "linux", JV_OBJ);
    const jv *base = lx ? lx : root;
    const char *key = lx ? NULL : "linux";
    const jv *sc = member(lx, "seccomp", JV_OBJ);
    if (!sc) add(l, NULL, base, lx ? "seccomp" : key, FD_NO_SECCOMP, "no seccomp profile: every system call is allowed");
    const jv *da = member(sc, "defaultAction", JV_STR);
    if (da && (!strcmp(da->s, "SCMP_ACT_ALLOW") || !strcmp(da->s, "SCMP_ACT_LOG")))
        add(l, da, NULL, NULL, FD_SECCOMP_ALLOW, arena_printf(&p->a, "the seccomp default action is %s", da->s));

    const jv *nd = member(lx, "netDevices", JV_OBJ);
    for (size_t i = 0; nd && i < nd->n; i++)
        add(l, nd->items[i], NULL, NULL, FD_HOST_NET_DEVICE, arena_printf(&p->a, "moves the host's network device \"%s\" into the container", nd->items[i]->key));

    const jv *devs = member(member(lx, "resources", JV_OBJ), "devices", JV_ARR);
    for (size_t i = 0; devs && i < devs->n; i++) {
        const jv *d = devs->items[i];
        if (d->type != JV_OBJ || !is_true(d, "allow")) continue;
        const jv *major = member(d, "major", JV_NUM);
        if (major && !(major->num_int && major->num_neg && major->num_mag == 1)) continue;
        const char *type = str_of(json_get(d, "type"));
        const char *access = str_of(json_get(d, "access"));
        bool any_type = !type || !strcmp(type, "a");
        bool rw = !access || strchr(access, 'r') || strchr(access, 'w');
        if (!any_type && !rw) continue;
        add(l, d, NULL, NULL, FD_DEVICES_ALLOW_ALL, arena_printf(&p->a, "allows \"%s\" on every %sdevice", access ? access : "rwm",
                                                               any_type ? "" : (!strcmp(type, "b") ? "block " : "character ")));
    }

    static const struct { const char *key; int f; const char *msg; } lists[] = {
        { "maskedPaths", FD_MASKED_PATHS_EMPTY, "no masked paths: sensitive /proc and /sys files are visible" },
        { "readonlyPaths", FD_READONLY_PATHS_EMPTY, "no read-only paths: /proc/sys and friends are writable" },
    };
    for (size_t k = 0; k < 2; k++) {
        const jv *arr = member(lx, lists[k].key, JV_ARR);
        if (!arr || arr->n == 0) add(l, arr, base, lx ? lists[k].key : key, lists[k].f, lists[k].msg);
    }
}

static void check_root(flist *l, const jv *root) {
    const jv *r = member(root, "root", JV_OBJ);
    if (r && is_true(r, "readonly")) return;
    add(l, r ? json_get(r, "readonly") : NULL, r ? r : root, r ? "readonly" : "root", FD_ROOTFS_WRITABLE,
        "the root filesystem is writable");
}

static void sort_findings(finding *v, size_t n) {
    for (size_t i = 1; i < n; i++) {
        finding e = v[i];
        size_t j = i;
        while (j > 0 && (v[j - 1].offset > e.offset || (v[j - 1].offset == e.offset && v[j - 1].seq > e.seq))) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = e;
    }
}

void planc_validate(planner *p, const uint8_t *config, size_t config_len,
                    const uint8_t *ctx, size_t ctx_len, finding **out, size_t *n) {
    const uint8_t *plan; size_t plan_len;
    planc_plan(p, config, config_len, ctx, ctx_len, &plan, &plan_len);
    flist l = { .p = p };
    for (size_t i = 0; i < p->nerrs; i++) {
        size_t at = l.n;
        add(&l, NULL, NULL, NULL, 0, p->errs[i].message);
        if (l.n == at) break;
        finding *x = &l.v[at];
        x->offset = p->errs[i].offset;
        x->pointer = p->errs[i].pointer;
        x->rule = p->errs[i].rule;
        x->severity = "error";
    }
    size_t nerr = l.n;
    const jv *root = p->config_root;
    /* only a create config is a container; the context names what config.json is */
    if (root && root->type == JV_OBJ && p->ctx.act == ACT_CREATE) {
        check_process(&l, root);
        check_root(&l, root);
        check_mounts(&l, root);
        check_namespaces(&l, root);
        check_linux(&l, root);
    }
    if (l.v) sort_findings(l.v + nerr, l.n - nerr);
    if (p->a.failed) { l.n = 0; }
    *out = l.v;
    *n = l.v ? l.n : 0;
}

static void json_str(buf *b, const char *s) {
    buf_u8(b, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') { buf_u8(b, '\\'); buf_u8(b, c); }
        else if (c < 0x20) { static const char hex[] = "0123456789abcdef"; buf_put(b, "\\u00", 4); buf_u8(b, hex[c >> 4]); buf_u8(b, hex[c & 15]); }
        else buf_u8(b, c);
    }
    buf_u8(b, '"');
}

static void rule_entry(buf *b, bool first, const char *id, const char *sev, const char *desc) {
    if (!first) buf_u8(b, ',');
    buf_put(b, "{\"id\":", 6); json_str(b, id);
    buf_put(b, ",\"severity\":", 12); json_str(b, sev);
    buf_put(b, ",\"description\":", 15); json_str(b, desc);
    buf_u8(b, '}');
}

const char *planc_rules_json(arena *a, size_t *len) {
    buf b; buf_init(&b, a);
    buf_put(&b, "{\"rules\":[", 10);
    for (int r = 0; r < R__COUNT; r++) rule_entry(&b, r == 0, rule_ids[r], "error", rule_desc[r]);
    for (int f = 0; f < FD__COUNT; f++) rule_entry(&b, false, fd_ids[f], fd_sev[f], fd_desc[f]);
    buf_put(&b, "]}", 2);
    *len = b.len;
    return a->failed ? NULL : (const char *)b.p;
}
