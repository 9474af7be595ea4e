/* planner.h — the planner's shared types: the validated spec, the context record, the error
 * list and the op encoder. Must never hold state that outlives one planc_plan() call. */
#ifndef PLANC_PLANNER_H
#define PLANC_PLANNER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "arena.h"
#include "json.h"

enum {
#define OP(E, code, name, sig, args) OP_##E = code,
#include "../ops.def"
#undef OP
};
enum {
#define FLAG(table, NAME, value) F_##NAME = value,
#include "../flags.def"
#undef FLAG
};
enum {
#define RULE(E, id, desc) R_##E,
#include "../rules.def"
#undef RULE
    R__COUNT
};
extern const char *const rule_ids[];

/* the largest uid/gid a config may name: (uid_t)-1 means "unchanged" to the kernel */
#define ID_MAX 4294967294ULL

typedef struct { const char **v; uint32_t n; } strvec;
typedef struct { uint32_t *v; uint32_t n; } u32vec;

/* ---- errors ---- */
typedef struct {
    size_t offset; size_t seq;          /* sort keys: document order, then discovery order */
    const char *pointer, *rule, *message;
} spec_error;

/* ---- context record ---- */
typedef struct {
    const char *mount, *name;           /* name: "systemd" for name=systemd, else NULL */
    strvec controllers;
} cg_hier;

/* what is planned (context "action"); see docs/plan-format.md §5 */
typedef enum { ACT_CREATE, ACT_EXEC, ACT_PAUSE, ACT_RESUME, ACT_UPDATE } action;

typedef struct {
    const char *id, *bundle, *state_dir, *user_home;
    action act;
    bool no_pivot, hooks_caller;
    uint32_t preserve_fds;
    const char *console_socket, *console_proxy;   /* NULL when not given (or "") */
    /* exec --cgroup: sub-cgroup per controller ("" for every hierarchy), relative, cleaned */
    strvec sub_cgroup_keys, sub_cgroup_paths;
    /* exec and update: the running container (context "container") */
    uint32_t container_pid;
    const jv *container_config;
    cg_hier *v1; size_t nv1;
    const char *unified;                /* NULL when there is no cgroup2 mount */
    strvec unified_controllers;
    const char *cpuset_cpus, *cpuset_mems;
    bool proc_kcore;
    bool clone_into_cgroup;             /* clone3(CLONE_INTO_CGROUP) works (Linux >= 5.7) */
    const char *blkio_weight_file;      /* v1: "blkio.weight" (default) or "blkio.bfq.weight" */
} context;

/* ---- validated spec ---- */
typedef struct {
    const char *why;
    const char *destination;            /* cleaned */
    const char *source, *type, *data;
    uint64_t flags;
    uint64_t pflags[8]; uint32_t npflags;
    bool bind, copy_up;                 /* copy_up: "tmpcopyup" */
} mount_spec;

typedef struct { uint32_t flag; const char *path, *why; } ns_spec;
typedef struct { uint32_t resource; uint64_t soft, hard; const char *why; } rlimit_spec;
typedef struct {
    char type; const char *path; uint32_t major, minor, mode, uid, gid; const char *why;
} device_spec;
typedef struct {
    bool allow; char type; int64_t major, minor;  /* -1: wildcard */
    const char *access, *why;
} devrule_spec;

/* one entry of linux.netDevices: the host's device and its name in the container */
typedef struct { const char *host, *name, *why; } netdev_spec;

/* one entry of hooks.<kind> */
typedef struct { const char *path, *why; strvec args, env; uint32_t timeout_ms;
                 bool has_env; /* "env" given (even []): else the hook inherits, as Go's exec.Cmd does */ } hook_spec;
enum { HOOK_PRESTART, HOOK_CREATE_RUNTIME, HOOK_CREATE_CONTAINER, HOOK_START_CONTAINER, HOOK_POSTSTART, HOOK_POSTSTOP, HOOK__COUNT };
typedef struct { hook_spec *v; uint32_t n; const char *why; } hook_list;

/* linux.seccomp, validated; compiled to BPF by seccomp.c */
typedef struct { uint32_t index; uint64_t value, value2; int op; } sc_arg;
/* one (name, rule) pair in config order; redundant: its action is the default (not compiled,
 * but still counted by the -ENOSYS stub, as runc does) */
typedef struct { const char *name; const jv *at; uint32_t action; const sc_arg *args; uint32_t nargs; bool or_args, redundant; } sc_rule;
typedef struct {
    bool present; const char *why;
    uint32_t default_action, flags;
    uint32_t abis;                        /* seccomp.c's ABI_* bits listed in architectures */
    bool stub;                            /* runc's -ENOSYS stub applies (default not ALLOW/LOG/TRACE) */
    sc_rule *rules; uint32_t nrules;
    bool notify;                          /* some rule (or the default) is SCMP_ACT_NOTIFY */
    const char *listener_path, *listener_metadata, *why_listener;   /* NULL when not given */
    const uint8_t *bpf; size_t bpf_len;   /* compiled once validation passed */
} seccomp_spec;

/* process.scheduler, ioPriority, execCPUAffinity; linux.personality, memoryPolicy, timeOffsets
 * (spec_sched.c). For exec, the container's values unless process.json gives its own. */
typedef struct {
    bool has_sched; uint32_t sched_policy; uint64_t sched_flags; int32_t sched_nice;
    uint32_t sched_priority; uint64_t sched_runtime, sched_deadline, sched_period; const char *why_sched;
    bool has_ioprio; uint32_t ioprio_class, ioprio_data; const char *why_ioprio;
    u32vec cpus_initial, cpus_final; const char *why_cpus_initial, *why_cpus_final;   /* n == 0: not given */
    bool has_persona; uint32_t persona; const char *why_persona;
    bool has_mpol; uint32_t mpol_mode, mpol_flags; u32vec mpol_nodes; const char *why_mpol;
    const char *timens_offsets, *why_timens_offsets;   /* "<clock> <secs> <nanosecs>\n"…, NULL: none */
} proc_attrs;

typedef struct {
    /* process */
    strvec args, env; const char *cwd;
    uint32_t uid, gid; u32vec gids;
    bool has_umask; uint32_t umask;
    uint64_t cap[5];                    /* bounding effective inheritable permitted ambient */
    const char *cap_why[5];
    bool no_new_privs;
    bool has_oom; int64_t oom; const char *why_oom;
    rlimit_spec *rlimits; uint32_t nrlimits;
    const char *why_process, *why_args, *why_env, *why_cwd, *why_user, *why_nnp, *why_umask;
    bool terminal; const char *why_terminal;
    uint32_t console_rows, console_cols; const char *why_console_size;
    /* hooks, and what the runtime-spec state JSON they read needs */
    hook_list hooks[HOOK__COUNT];
    const char *oci_version;
    const char **annot_keys, **annot_vals; uint32_t nannot;   /* sorted by key */
    /* root */
    const char *root_path; bool root_readonly; const char *why_root_path, *why_root_ro;
    const char *hostname, *domainname, *why_hostname, *why_domainname;
    mount_spec *mounts; uint32_t nmounts;
    /* linux */
    ns_spec *ns; uint32_t nns;
    bool userns;                        /* a new user namespace (made by clone) */
    const char *uid_map, *gid_map, *why_uid_map, *why_gid_map;   /* /proc/<pid>/uid_map lines */
    const char **masked, **masked_why; uint32_t nmasked;
    const char **ro_paths, **ro_why; uint32_t nro;
    device_spec *devices; uint32_t ndevices;
    devrule_spec *devrules; uint32_t ndevrules;
    const char *cgroups_path, *why_cgroups_path;   /* cleaned, absolute */
    bool has_root_prop; uint64_t root_prop; const char *why_root_prop;
    /* resources */
    bool has_mem_limit, has_mem_res, has_mem_swap, has_pids, has_shares, has_quota, has_period;
    int64_t mem_limit, mem_res, mem_swap, pids; uint64_t shares, period; int64_t quota;
    const char *cpus, *mems;
    bool has_kmem_tcp, has_swappiness, oom_kill_disable;
    int64_t kmem_tcp; uint64_t swappiness;
    const char *why_kmem_tcp, *why_swappiness, *why_oom_kill_disable;
    seccomp_spec seccomp;
    const char **sysctl_keys, **sysctl_vals, **sysctl_why; uint32_t nsysctl;   /* sorted by key */
    const char *why_mem_limit, *why_mem_res, *why_mem_swap, *why_pids, *why_shares, *why_quota,
               *why_period, *why_cpus, *why_mems;
    bool has_blkio_weight; uint64_t blkio_weight; const char *why_blkio_weight;
    const char **hp_sizes, **hp_why; uint64_t *hp_limits; uint32_t nhp;        /* hugepageLimits */
    const char **uni_keys, **uni_vals, **uni_why; uint32_t nuni;              /* unified, sorted by key */
    proc_attrs pa;
    netdev_spec *netdevs; uint32_t nnetdevs;   /* sorted by host name */
} spec;

typedef struct planner {
    arena a;
    spec_error *errs; size_t nerrs, caperrs;
    buf out; uint32_t nops; int sig_mismatch;
    const jv *config_root;
    const char *err_prefix;             /* "" for config.json, "context: " for the context record */
    context ctx;
    spec s;
} planner;

/* check.c: error reporting and typed field access. Getters return false when the field is
 * absent or null (null means absent, as in the Go structs runc decodes into) and report a
 * "type" error when it has the wrong type. */
void err_at(planner *p, const jv *v, int rule, const char *msg);
const char *ptr_of(planner *p, const jv *v);
const jv *get_obj(planner *p, const jv *obj, const char *key);
const jv *get_arr(planner *p, const jv *obj, const char *key);
bool get_str(planner *p, const jv *obj, const char *key, const char **out);
bool val_str(planner *p, const jv *v, const char **out);
bool get_bool(planner *p, const jv *obj, const char *key, bool *out);
bool get_u64(planner *p, const jv *obj, const char *key, uint64_t max, uint64_t *out);
bool val_u64(planner *p, const jv *v, uint64_t max, uint64_t *out);
bool get_i64(planner *p, const jv *obj, const char *key, int64_t *out);
void err_missing(planner *p, const jv *parent, const char *key, int rule, const char *msg);
const char *clean_path(planner *p, const char *path);   /* lexical, like Go's filepath.Clean */
bool is_abs(const char *path);
const char *path_dir(planner *p, const char *path);
bool path_has_prefix(const char *path, const char *prefix);  /* component-wise */

/* tables.c */
int cap_lookup(const char *name);                       /* bit, or -1 */
int rlimit_lookup(const char *name);                    /* resource, or -1 */
int flag_value(const char *table, const char *name);    /* NAME's value in a flags.def table, or -1 */
uint32_t ns_lookup(const char *name, bool *known);      /* clone flag */
const char *ns_name(uint32_t flag);
/* mount option: 1 set flags, 2 clear flags, 3 propagation, 4 unsupported, 0 unknown (data) */
int mount_option_lookup(const char *name, uint64_t *flag);

/* spec_*.c / context.c */
void spec_read(planner *p, const jv *root);                 /* create: config.json */
void spec_read_exec(planner *p, const jv *root);            /* exec: process.json */
void spec_read_cgroup_only(planner *p, const jv *root);     /* pause/resume: config.json, linux.cgroupsPath only */
void spec_read_update(planner *p, const jv *root);          /* update: a linux.resources object */
void spec_read_container(planner *p, const jv *cfg, bool for_exec);  /* context "container.config" */
void spec_read_process_obj(planner *p, const jv *proc);
void spec_read_resources_obj(planner *p, const jv *res, bool for_update);
void spec_read_hooks(planner *p, const jv *root);
void spec_read_annotations(planner *p, const jv *root);    /* spec_hooks.c: sorted, for state JSON */
void context_read(planner *p, const jv *root);

/* spec_sched.c / plan_process.c: process attributes */
void spec_read_proc_attrs(planner *p, const jv *proc);       /* process.scheduler, ioPriority, execCPUAffinity */
void spec_read_linux_attrs(planner *p, const jv *lx);        /* linux.personality, memoryPolicy, timeOffsets */
void spec_read_container_attrs(planner *p, const jv *cfg);   /* exec: the running container's values */
void plan_proc_attrs(planner *p);       /* C, after no_new_privs: sched_setattr, ioprio_set, personality, set_mempolicy */
void plan_timens(planner *p);           /* C, create: a new time namespace, its offsets, then entering it */
void plan_exec_affinity(planner *p, bool final);   /* exec: initial (P, before clone) or final (C, after its cgroup joins) */

/* emit.c: emit(p, OP_X, lane, why, args...) with args typed per the op's signature:
 * u → uint32_t, U → uint64_t, i → int32_t, s → const char *, S → const strvec *,
 * L → const u32vec *, b → const uint8_t *, size_t */
void emit_begin(planner *p);
void emit(planner *p, int op, int lane, const char *expect_sig, const char *why, ...);
void emit_end(planner *p);

/* seccomp.c */
void spec_read_seccomp(planner *p, const jv *lx);
const uint8_t *seccomp_compile(planner *p, size_t *len);   /* NULL when too large, or refused (reported) */

/* plan.c */
void plan_all(planner *p);
void plan_mounts(planner *p);            /* plan_mounts.c: spec mounts, /dev, caller's hooks, root switch */
const char *plan_caller_hooks(planner *p);   /* plan.c: the why of the caller's hook point, NULL when none */
void plan_after_pivot(planner *p);       /* plan_mounts.c: finalize rootfs, readonly and masked paths */
void plan_cgroups_host(planner *p);      /* plan_cgroups.c */
void plan_clone(planner *p, const char *why, uint64_t flags);  /* clone, into the cgroup2 cgroup when the host can */
void plan_cgroups_join(planner *p);     /* C's first steps: it moves itself into its v1 cgroups */
void plan_cgroups_update(planner *p);    /* update: limit writes only, no mkdir */
void plan_cgroups_freeze(planner *p, bool frozen);
void plan_hooks(planner *p, int kind, const char *status);   /* plan_hooks.c: run_hook ops */
void plan_exec(planner *p);              /* plan_exec.c */
void plan_console_connect(planner *p);   /* plan.c: shared by create and exec */
void plan_console_setup(planner *p);
void plan_creds(planner *p);
void plan_execve(planner *p);
void plan_exec_check(planner *p);
void plan_cgroups_teardown(planner *p);
void plan_close_fds(planner *p);         /* plan.c */
void plan_finalize(planner *p);          /* plan_seccomp.c: creds, exec check, CHILD_READY and the filter in runc's orders */
void plan_seccomp_host(planner *p, bool exec);   /* plan_seccomp.c: P's side after CHILD_READY */
void plan_cgroup_mount(planner *p, const mount_spec *m);
void spec_read_netdevices(planner *p, const jv *lx);   /* plan_net.c: linux.netDevices */
void plan_net_host(planner *p);          /* plan_net.c: P moves the devices in, before CHILD_MAY_RUN */
void plan_net_container(planner *p);     /* plan_net.c: C brings lo and the moved devices up */

/* api.c: the whole planner. On success returns true with the plan in *out; on failure
 * returns false with the sorted errors in p->errs. */
bool planc_plan(planner *p, const uint8_t *config, size_t config_len,
                const uint8_t *ctx, size_t ctx_len, const uint8_t **out, size_t *out_len);
#endif
