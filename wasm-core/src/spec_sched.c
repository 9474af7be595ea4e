/* spec_sched.c — reads and validates the process attributes: process.scheduler, ioPriority,
 * execCPUAffinity and linux.personality, memoryPolicy, timeOffsets (runc's validation, with the
 * kernel's own rules where a value could only fail later). Must never emit ops or read host state. */
#include "planner.h"
#include <string.h>

/* the largest CPU or NUMA node id a list may name: one 1024-bit mask (the kernel's largest
 * MAX_NUMNODES, and runc 1.3's CPU set) */
#define ID_LIST_MAX 1023u
/* sched_setattr(2): a deadline runtime below 2^DL_SCALE ns, or a value with bit 63, is EINVAL */
#define DL_MIN_RUNTIME 1024u
#define DL_BIT63 (1ULL << 63)
/* proc_timens_set_offset(): an offset that puts the clock past KTIME_SEC_MAX / 2 is ERANGE */
#define TIMENS_SECS_MAX 4611686018LL

/* spec names are flags.def names (sched_policy, sched_flags, ioprio_class, mpol_mode,
 * mpol_flags tables); the personality domains are the one exception */
static bool lookup(const char *table, const char *name, uint32_t *out) {
    int v = flag_value(table, name);
    if (v < 0) return false;
    *out = (uint32_t)v;
    return true;
}

/* a string field: false when absent or null (Go's ""), with a type error when not a string */
static const char *str_field(planner *p, const jv *obj, const char *key) {
    const char *s;
    return get_str(p, obj, key, &s) ? s : "";
}

/* an integer field that must fit an int32 (Go's int32) */
static bool get_i32(planner *p, const jv *obj, const char *key, int32_t *out) {
    int64_t v;
    if (!get_i64(p, obj, key, &v)) return false;
    if (v < INT32_MIN || v > INT32_MAX) { err_at(p, json_get(obj, key), R_TYPE, "expected a 32-bit signed integer"); return false; }
    *out = (int32_t)v;
    return true;
}

/* Each name of a string array through one table, ORed; false when one is not in it. */
static bool read_names(planner *p, const jv *obj, const char *key, const char *table, int rule,
                       const char *what, uint32_t *out) {
    const jv *arr = get_arr(p, obj, key);
    bool ok = true;
    for (size_t i = 0; arr && i < arr->n; i++) {
        const char *name; uint32_t v;
        if (!val_str(p, arr->items[i], &name)) { ok = false; continue; }
        if (lookup(table, name, &v)) *out |= v;
        else { err_at(p, arr->items[i], rule, arena_printf(&p->a, "invalid %s \"%s\"", what, name)); ok = false; }
    }
    return ok;
}

/* "0-3,5,7-8" as runc reads a CPU list: spaces around an element and empty elements are
 * allowed; the result is the sorted ids. Returns false (with an error at v) when malformed,
 * past ID_LIST_MAX, or when it names no id at all. An empty string leaves *out empty. */
static bool read_id_list(planner *p, const jv *v, int rule, const char *what, u32vec *out) {
    out->n = 0;
    const char *s;
    if (!v || v->type == JV_NULL) return true;
    if (!val_str(p, v, &s)) return false;   /* a type error, already reported */
    if (!*s) return true;
    uint64_t bits[(ID_LIST_MAX + 1) / 64] = { 0 };
    uint32_t count = 0;
    for (const char *c = s; *c;) {
        while (*c == ' ' || *c == '\t') c++;
        if (*c == ',' || !*c) { if (*c) c++; continue; }
        uint64_t lo = 0, hi;
        int digits = 0;
        /* digits past ID_LIST_MAX saturate: the value is refused below either way */
        for (; *c >= '0' && *c <= '9'; c++, digits++) if (lo <= ID_LIST_MAX) lo = lo * 10 + (uint64_t)(*c - '0');
        hi = lo;
        if (digits && *c == '-') {
            c++; digits = 0; hi = 0;
            for (; *c >= '0' && *c <= '9'; c++, digits++) if (hi <= ID_LIST_MAX) hi = hi * 10 + (uint64_t)(*c - '0');
        }
        while (*c == ' ' || *c == '\t') c++;
        if (!digits || (*c && *c != ',')) {
            err_at(p, v, rule, arena_printf(&p->a, "%s \"%s\" is not a list such as \"0-3,5\"", what, s));
            return false;
        }
        if (lo > ID_LIST_MAX || hi > ID_LIST_MAX) {
            err_at(p, v, rule, arena_printf(&p->a, "%s \"%s\": values larger than %u are not supported", what, s, ID_LIST_MAX));
            return false;
        }
        if (lo > hi) {
            err_at(p, v, rule, arena_printf(&p->a, "%s \"%s\": invalid range %llu-%llu", what, s, (unsigned long long)lo, (unsigned long long)hi));
            return false;
        }
        for (uint64_t i = lo; i <= hi; i++)
            if (!(bits[i / 64] >> (i % 64) & 1)) { bits[i / 64] |= 1ULL << (i % 64); count++; }
    }
    if (!count) { err_at(p, v, rule, arena_printf(&p->a, "no members found in %s \"%s\"", what, s)); return false; }
    out->v = arena_alloc(&p->a, count * sizeof *out->v);
    if (!out->v) return false;
    for (uint32_t i = 0; i <= ID_LIST_MAX; i++)
        if (bits[i / 64] >> (i % 64) & 1) out->v[out->n++] = i;
    return true;
}

/* process.scheduler → sched_setattr(2): runc's validator, then the kernel's own checks */
static void read_scheduler(planner *p, const jv *proc) {
    proc_attrs *a = &p->s.pa;
    const jv *sc = get_obj(p, proc, "scheduler");
    if (!sc) return;
    const jv *pv = json_get(sc, "policy");
    const char *policy = str_field(p, sc, "policy");
    uint32_t pol = 0, flags = 0;
    int32_t nice = 0, prio = 0;
    uint64_t rt = 0, dl = 0, per = 0;
    bool ok = true;
    if (pv && pv->type != JV_STR && pv->type != JV_NULL) ok = false;   /* get_str reported it */
    else if (!*policy) {
        if (pv) err_at(p, pv, R_SCHEDULER, "scheduler policy is required");
        else err_missing(p, sc, "policy", R_SCHEDULER, "scheduler policy is required");
        ok = false;
    } else if (!lookup("sched_policy", policy, &pol)) {
        err_at(p, pv, R_SCHEDULER, !strcmp(policy, "SCHED_ISO") ? "scheduler policy SCHED_ISO is reserved and not implemented by Linux"
                                                                 : arena_printf(&p->a, "invalid scheduler policy \"%s\"", policy));
        ok = false;
    }
    ok = read_names(p, sc, "flags", "sched_flags", R_SCHEDULER, "scheduler flag", &flags) && ok;
    bool hn = get_i32(p, sc, "nice", &nice), hp = get_i32(p, sc, "priority", &prio);
    if ((json_get(sc, "nice") && !hn && json_get(sc, "nice")->type != JV_NULL) ||
        (json_get(sc, "priority") && !hp && json_get(sc, "priority")->type != JV_NULL)) ok = false;
    static const char *const dlkeys[3] = { "runtime", "deadline", "period" };
    uint64_t *dlv[3] = { &rt, &dl, &per };
    for (int i = 0; i < 3; i++) {
        const jv *x = json_get(sc, dlkeys[i]);
        if (x && !val_u64(p, x, UINT64_MAX, dlv[i]) && x->type != JV_NULL) ok = false;
    }
    if (!ok) return;
    bool fair = pol == F_SCHED_OTHER || pol == F_SCHED_BATCH, rtpol = pol == F_SCHED_FIFO || pol == F_SCHED_RR;
    if (fair && (nice < -20 || nice > 19)) {
        err_at(p, json_get(sc, "nice"), R_SCHEDULER, arena_printf(&p->a, "invalid scheduler.nice: %d when scheduler.policy is %s", nice, policy));
        ok = false;
    }
    if (prio && !rtpol) {
        err_at(p, json_get(sc, "priority"), R_SCHEDULER, "scheduler.priority can only be specified for SchedFIFO or SchedRR policy");
        ok = false;
    } else if (rtpol && (prio < 1 || prio > 99)) {
        const jv *x = json_get(sc, "priority");
        const char *msg = arena_printf(&p->a, "scheduler.priority %d is out of range for %s (1..99)", prio, policy);
        if (x) err_at(p, x, R_SCHEDULER, msg); else err_missing(p, sc, "priority", R_SCHEDULER, msg);
        ok = false;
    }
    if (pol != F_SCHED_DEADLINE && (rt || dl || per)) {
        err_at(p, json_get(sc, rt ? "runtime" : dl ? "deadline" : "period"), R_SCHEDULER,
               "scheduler runtime/deadline/period can only be specified for SchedDeadline policy");
        ok = false;
    }
    if (pol == F_SCHED_DEADLINE) {
        /* the kernel's __checkparam_dl(): a period of 0 means "the deadline" */
        const char *bad = NULL, *key = NULL;
        if (!dl) { key = "deadline"; bad = "scheduler.deadline is required for SCHED_DEADLINE"; }
        else if ((dl | per) & DL_BIT63) { key = dl & DL_BIT63 ? "deadline" : "period"; bad = "scheduler deadline and period must be below 2^63 ns"; }
        else if (rt < DL_MIN_RUNTIME) { key = "runtime"; bad = "scheduler.runtime must be at least 1024 ns for SCHED_DEADLINE"; }
        else if (rt > dl) { key = "runtime"; bad = "scheduler.runtime must not exceed scheduler.deadline"; }
        else if (per && dl > per) { key = "deadline"; bad = "scheduler.deadline must not exceed scheduler.period"; }
        if (bad) {
            if (json_get(sc, key)) err_at(p, json_get(sc, key), R_SCHEDULER, bad); else err_missing(p, sc, key, R_SCHEDULER, bad);
            ok = false;
        }
    }
    if (!ok) return;
    a->has_sched = true; a->sched_policy = pol; a->sched_flags = flags; a->sched_nice = nice;
    a->sched_priority = (uint32_t)prio; a->sched_runtime = rt; a->sched_deadline = dl; a->sched_period = per;
    a->why_sched = ptr_of(p, sc);
}

/* process.ioPriority → ioprio_set(2) */
static void read_ioprio(planner *p, const jv *proc) {
    proc_attrs *a = &p->s.pa;
    const jv *io = get_obj(p, proc, "ioPriority");
    if (!io) return;
    const jv *cv = json_get(io, "class");
    const char *cls = str_field(p, io, "class");
    uint32_t c = 0;
    bool ok = true;
    if (cv && cv->type != JV_STR && cv->type != JV_NULL) ok = false;
    else if (!lookup("ioprio_class", cls, &c)) {
        if (cv) err_at(p, cv, R_IO_PRIORITY, arena_printf(&p->a, "invalid ioPriority.Class: \"%s\"", cls));
        else err_missing(p, io, "class", R_IO_PRIORITY, "ioPriority.class is required (IOPRIO_CLASS_RT, IOPRIO_CLASS_BE or IOPRIO_CLASS_IDLE)");
        ok = false;
    }
    int64_t prio = 0;
    const jv *pv = json_get(io, "priority");
    if (get_i64(p, io, "priority", &prio)) {
        if (prio < 0 || prio > 7) { err_at(p, pv, R_IO_PRIORITY, arena_printf(&p->a, "invalid ioPriority.Priority: %lld", (long long)prio)); ok = false; }
    } else if (pv && pv->type != JV_NULL) ok = false;
    if (!ok) return;
    a->has_ioprio = true; a->ioprio_class = c; a->ioprio_data = (uint32_t)prio; a->why_ioprio = ptr_of(p, io);
}

/* process.execCPUAffinity: for processes `exec` starts; the runtime spec does not apply it to init */
static void read_affinity(planner *p, const jv *proc) {
    proc_attrs *a = &p->s.pa;
    const jv *af = get_obj(p, proc, "execCPUAffinity");
    if (!af) return;
    u32vec ini = { 0, 0 }, fin = { 0, 0 };
    const jv *iv = json_get(af, "initial"), *fv = json_get(af, "final");
    bool ok = read_id_list(p, iv, R_CPU_AFFINITY, "execCPUAffinity.initial", &ini);
    ok = read_id_list(p, fv, R_CPU_AFFINITY, "execCPUAffinity.final", &fin) && ok;
    if (!ok || (!ini.n && !fin.n)) return;
    /* ORDER: process.json's value replaces the container's as a whole, as runc's does */
    a->cpus_initial = ini; a->cpus_final = fin;
    a->why_cpus_initial = ini.n ? ptr_of(p, iv) : NULL;
    a->why_cpus_final = fin.n ? ptr_of(p, fv) : NULL;
}

void spec_read_proc_attrs(planner *p, const jv *proc) {
    read_scheduler(p, proc);
    read_ioprio(p, proc);
    read_affinity(p, proc);
}

/* linux.personality → personality(2) */
static void read_personality(planner *p, const jv *lx) {
    proc_attrs *a = &p->s.pa;
    const jv *pe = get_obj(p, lx, "personality");
    if (!pe) return;
    const jv *dv = json_get(pe, "domain");
    const char *dom = str_field(p, pe, "domain");
    uint32_t v;
    bool ok = true;
    if (dv && dv->type != JV_STR && dv->type != JV_NULL) ok = false;
    else if (!lookup("personality", arena_printf(&p->a, "PER_%s", dom), &v)) {
        if (dv) err_at(p, dv, R_PERSONALITY, arena_printf(&p->a, "invalid personality domain \"%s\" (LINUX or LINUX32)", dom));
        else err_missing(p, pe, "domain", R_PERSONALITY, "personality.domain is required (LINUX or LINUX32)");
        ok = false;
    }
    /* runc warns and ignores flags; a plan never silently drops a field, so they are refused */
    const jv *fl = get_arr(p, pe, "flags");
    if (fl && fl->n) { err_at(p, fl, R_PERSONALITY, "personality flags are not supported (the runtime spec defines none)"); ok = false; }
    if (!ok) return;
    a->has_persona = true; a->persona = v; a->why_persona = ptr_of(p, pe);
}

/* linux.memoryPolicy → set_mempolicy(2): runc's specconv and validator, and the kernel's flag rule */
static void read_mempolicy(planner *p, const jv *lx) {
    proc_attrs *a = &p->s.pa;
    const jv *mp = get_obj(p, lx, "memoryPolicy");
    if (!mp) return;
    const jv *mv = json_get(mp, "mode"), *nv = json_get(mp, "nodes");
    const char *mode = str_field(p, mp, "mode");
    uint32_t m = 0, flags = 0;
    bool ok = true;
    if (mv && mv->type != JV_STR && mv->type != JV_NULL) ok = false;
    else if (!lookup("mpol_mode", mode, &m)) {
        if (mv) err_at(p, mv, R_MEMORY_POLICY, arena_printf(&p->a, "invalid memory policy mode \"%s\"", mode));
        else err_missing(p, mp, "mode", R_MEMORY_POLICY, "memoryPolicy.mode is required");
        ok = false;
    }
    u32vec nodes = { 0, 0 };
    ok = read_id_list(p, nv, R_MEMORY_POLICY, "memory policy nodes", &nodes) && ok;
    ok = read_names(p, mp, "flags", "mpol_flags", R_MEMORY_POLICY, "memory policy flag", &flags) && ok;
    if (!ok) return;
    const char *bad = NULL;
    const jv *at = nv;
    if ((m == F_MPOL_DEFAULT || m == F_MPOL_LOCAL) && nodes.n)
        bad = arena_printf(&p->a, "memory policy mode requires 0 nodes but got %u", nodes.n);
    else if ((m == F_MPOL_BIND || m == F_MPOL_INTERLEAVE || m == F_MPOL_PREFERRED_MANY || m == F_MPOL_WEIGHTED_INTERLEAVE) && !nodes.n)
        bad = "memory policy mode requires at least one node but got 0";
    else if ((flags & F_MPOL_F_STATIC_NODES) && (flags & F_MPOL_F_RELATIVE_NODES))
        at = json_get(mp, "flags"), bad = "MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES cannot be combined";
    else if ((flags & F_MPOL_F_NUMA_BALANCING) && m != F_MPOL_BIND && m != F_MPOL_PREFERRED_MANY)
        at = json_get(mp, "flags"), bad = "MPOL_F_NUMA_BALANCING needs mode MPOL_BIND or MPOL_PREFERRED_MANY";
    if (bad) {
        if (at) err_at(p, at, R_MEMORY_POLICY, bad); else err_missing(p, mp, "nodes", R_MEMORY_POLICY, bad);
        return;
    }
    a->has_mpol = true; a->mpol_mode = m; a->mpol_flags = flags; a->mpol_nodes = nodes; a->why_mpol = ptr_of(p, mp);
}

static const ns_spec *find_ns(planner *p, uint32_t flag) {
    for (uint32_t i = 0; i < p->s.nns; i++) if (p->s.ns[i].flag == flag) return &p->s.ns[i];
    return NULL;
}

/* linux.timeOffsets → the lines of /proc/self/timens_offsets, by clock name so key order in
 * config.json never changes the plan. runc's rules: offsets need a new time namespace */
static void read_time_offsets(planner *p, const jv *lx) {
    proc_attrs *a = &p->s.pa;
    const jv *to = get_obj(p, lx, "timeOffsets");
    const ns_spec *tn = find_ns(p, F_CLONE_NEWTIME);
    if (!to) return;
    if (!tn) { err_at(p, to, R_TIME_OFFSETS, "time namespace offsets specified, but time namespace isn't enabled in the config"); return; }
    if (*tn->path) {
        err_at(p, to, R_TIME_OFFSETS, "time namespace enabled, but both namespace path and time offsets specified -- you may only provide one");
        return;
    }
    static const char *const clocks[2] = { "boottime", "monotonic" };
    bool ok = true;
    for (size_t i = 0; i < to->n; i++) {
        const jv *x = to->items[i];
        const char *k = x->key;
        bool known = false;
        for (int c = 0; c < 2; c++) known |= x->key_len == strlen(clocks[c]) && !memcmp(k, clocks[c], x->key_len);
        if (!known) {
            err_at(p, to->items[i], R_TIME_OFFSETS, arena_printf(&p->a, "unknown clock \"%s\" (monotonic or boottime)", k));
            ok = false;
        }
    }
    buf b; buf_init(&b, &p->a);
    for (int c = 0; c < 2; c++) {
        const jv *o = json_get(to, clocks[c]);
        if (!o || o->type == JV_NULL) continue;
        if (o->type != JV_OBJ) { err_at(p, o, R_TYPE, arena_printf(&p->a, "expected an object, got %s", json_type_name(o->type))); ok = false; continue; }
        int64_t secs = 0; uint64_t ns = 0;
        const jv *sv = json_get(o, "secs"), *nv = json_get(o, "nanosecs");
        if (!get_i64(p, o, "secs", &secs) && sv && sv->type != JV_NULL) { ok = false; continue; }
        if (!get_u64(p, o, "nanosecs", UINT32_MAX, &ns) && nv && nv->type != JV_NULL) { ok = false; continue; }
        if (secs > TIMENS_SECS_MAX || secs < -TIMENS_SECS_MAX) {
            err_at(p, sv, R_TIME_OFFSETS, arena_printf(&p->a, "time offset %lld s is out of the kernel's range", (long long)secs));
            ok = false; continue;
        }
        if (ns >= 1000000000u) {
            err_at(p, nv, R_TIME_OFFSETS, arena_printf(&p->a, "nanosecs %llu must be below 1000000000", (unsigned long long)ns));
            ok = false; continue;
        }
        char *line = arena_printf(&p->a, "%s %lld %llu\n", clocks[c], (long long)secs, (unsigned long long)ns);
        buf_put(&b, line, strlen(line));
    }
    if (!ok) return;
    a->timens_offsets = buf_cstr(&b);
    a->why_timens_offsets = ptr_of(p, to);
}

void spec_read_linux_attrs(planner *p, const jv *lx) {
    read_personality(p, lx);
    read_mempolicy(p, lx);
    read_time_offsets(p, lx);
}

/* a pointer into the context's container.config, as a pointer into that config.json */
static const char *rebase(planner *p, const char *why) {
    static const char pre[] = "/container/config";
    if (!why || strncmp(why, pre, sizeof pre - 1)) return why;
    return arena_printf(&p->a, "container:%s", why + sizeof pre - 1);
}

/* exec: runc gives an exec'd process the container's scheduler, ioPriority and execCPUAffinity
 * unless process.json has its own (read after this), and always the container's personality
 * and memory policy */
void spec_read_container_attrs(planner *p, const jv *cfg) {
    proc_attrs *a = &p->s.pa;
    const jv *proc = get_obj(p, cfg, "process"), *lx = get_obj(p, cfg, "linux");
    if (proc) spec_read_proc_attrs(p, proc);
    if (lx) { read_personality(p, lx); read_mempolicy(p, lx); }
    a->why_sched = rebase(p, a->why_sched);
    a->why_ioprio = rebase(p, a->why_ioprio);
    a->why_cpus_initial = rebase(p, a->why_cpus_initial);
    a->why_cpus_final = rebase(p, a->why_cpus_final);
    a->why_persona = rebase(p, a->why_persona);
    a->why_mpol = rebase(p, a->why_mpol);
}
