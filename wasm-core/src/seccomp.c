/* seccomp.c — reads linux.seccomp and compiles it to the classic BPF program seccomp_set_filter
 * loads: the decisions libseccomp 2.5 makes for the config as runc 1.1.5 feeds it (x86_64 always,
 * plus the listed i386 and x32), with runc's -ENOSYS stub. Must never let a syscall of an ABI the
 * filter does not cover through: those get libseccomp's bad-arch action before any rule. */
#include "planner.h"
#include <string.h>

#define RET_KILL_PROCESS 0x80000000u
#define RET_KILL_THREAD  0x00000000u
#define RET_TRAP         0x00030000u
#define RET_ERRNO        0x00050000u
#define RET_USER_NOTIF   0x7fc00000u
#define RET_TRACE        0x7ff00000u
#define RET_LOG          0x7ffc0000u
#define RET_ALLOW        0x7fff0000u
#define RET_BADARCH      RET_KILL_THREAD          /* libseccomp's default SCMP_FLTATR_ACT_BADARCH */
#define RET_ENOSYS       (RET_ERRNO | 38u)
#define AUDIT_ARCH_X86_64 0xc000003eu
#define AUDIT_ARCH_I386  0x40000003u
#define X32_SYSCALL_BIT  0x40000000u
#define MAX_INSNS 4096
#define FLAG_WAIT_KILLABLE_RECV 32u

enum { CMP_NE, CMP_LT, CMP_LE, CMP_EQ, CMP_GE, CMP_GT, CMP_MASKED_EQ };
static const char *const cmp_names[] = { "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
                                         "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ" };
/* ABIs with syscall tables; arch_names[0..2] are them, the rest are accepted and not compiled
 * (their syscalls never reach an x86_64 kernel's filter) */
enum { ABI_X86_64, ABI_I386, ABI_X32, ABI__COUNT };
static const char *const arch_names[] = {
    "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
    "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64",
    "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390",
    "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",
};
/* TSYNC is accepted and not passed (runc: the filter applies to one thread that execs);
 * WAIT_KILLABLE_RECV is passed only with a listener (the kernel refuses it without one) */
static const struct { const char *name; uint32_t flag; } filter_flags[] = {
    { "SECCOMP_FILTER_FLAG_TSYNC", 0 }, { "SECCOMP_FILTER_FLAG_LOG", 2 }, { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", 4 },
    { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", FLAG_WAIT_KILLABLE_RECV },
};
static const struct { const char *name; int16_t nr[ABI__COUNT]; } syscalls[] = {
#define SYSCALL(name, a, b, c) { #name, { a, b, c } },
#include "syscalls.def"
#undef SYSCALL
};

/* the table entry of a name, -1 when no ABI has it */
static int syscall_index(const char *name) {
    size_t lo = 0, hi = sizeof syscalls / sizeof syscalls[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(syscalls[mid].name, name);
        if (!c) return (int)mid;
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    return -1;
}
/* the number of table entry i on an ABI (x32 with its bit), -1 when that ABI lacks it */
static int64_t syscall_nr(int i, int abi) {
    int n = i < 0 ? -1 : syscalls[i].nr[abi];
    return n < 0 ? -1 : abi == ABI_X32 ? (int64_t)(X32_SYSCALL_BIT | (uint32_t)n) : n;
}

/* i386 multiplexes these through socketcall(2)/ipc(2); libseccomp files a rule for one of them
 * under the multiplexer with argument 0 set to the call number, and under the direct syscall
 * where i386 has one. Its own resolver gives them no number (so runc's stub ignores them). */
static const struct { const char *name; uint8_t call; bool ipc; } mux_calls[] = {
    { "socket", 1, false }, { "bind", 2, false }, { "connect", 3, false }, { "listen", 4, false }, { "accept", 5, false },
    { "getsockname", 6, false }, { "getpeername", 7, false }, { "socketpair", 8, false }, { "send", 9, false }, { "recv", 10, false },
    { "sendto", 11, false }, { "recvfrom", 12, false }, { "shutdown", 13, false }, { "setsockopt", 14, false }, { "getsockopt", 15, false },
    { "sendmsg", 16, false }, { "recvmsg", 17, false }, { "accept4", 18, false }, { "recvmmsg", 19, false }, { "sendmmsg", 20, false },
    { "semop", 1, true }, { "semget", 2, true }, { "semctl", 3, true }, { "semtimedop", 4, true },
    { "msgsnd", 11, true }, { "msgrcv", 12, true }, { "msgget", 13, true }, { "msgctl", 14, true },
    { "shmat", 21, true }, { "shmdt", 22, true }, { "shmget", 23, true }, { "shmctl", 24, true },
};
#define I386_SOCKETCALL 102u
#define I386_IPC        117u
static int mux_index(const char *name) {
    for (size_t i = 0; i < sizeof mux_calls / sizeof mux_calls[0]; i++)
        if (!strcmp(mux_calls[i].name, name)) return (int)i;
    return -1;
}

/* an action name (plus errnoRet for ERRNO/TRACE, EPERM when absent as runc does) → SECCOMP_RET_* */
static bool read_action(planner *p, const jv *obj, const char *key, const char *errno_key, uint32_t *out) {
    const jv *v = json_get(obj, key);
    const char *name;
    if (!val_str(p, v, &name)) {
        if (!v || v->type == JV_NULL) err_missing(p, obj, key, R_SECCOMP, "seccomp action is required");
        return false;
    }
    uint64_t ret = 1;
    const jv *ev = json_get(obj, errno_key);
    if (ev && ev->type != JV_NULL && !val_u64(p, ev, 0xffff, &ret)) return false;
    if (!strcmp(name, "SCMP_ACT_ALLOW")) *out = RET_ALLOW;
    else if (!strcmp(name, "SCMP_ACT_ERRNO")) *out = RET_ERRNO | (uint32_t)ret;
    else if (!strcmp(name, "SCMP_ACT_KILL") || !strcmp(name, "SCMP_ACT_KILL_THREAD")) *out = RET_KILL_THREAD;
    else if (!strcmp(name, "SCMP_ACT_KILL_PROCESS")) *out = RET_KILL_PROCESS;
    else if (!strcmp(name, "SCMP_ACT_TRAP")) *out = RET_TRAP;
    else if (!strcmp(name, "SCMP_ACT_TRACE")) *out = RET_TRACE | (uint32_t)ret;
    else if (!strcmp(name, "SCMP_ACT_LOG")) *out = RET_LOG;
    else if (!strcmp(name, "SCMP_ACT_NOTIFY")) { *out = RET_USER_NOTIF; p->s.seccomp.notify = true; }
    else { err_at(p, v, R_SECCOMP, arena_printf(&p->a, "unknown seccomp action \"%s\"", name)); return false; }
    return true;
}

static bool read_args(planner *p, const jv *arr, sc_arg **out, uint32_t *n, bool *or_args) {
    *out = arena_alloc(&p->a, (arr->n + 1) * sizeof **out);
    if (!*out) return false;
    bool ok = true;
    uint32_t per_index[6] = {0};
    for (size_t i = 0; i < arr->n; i++) {
        const jv *a = arr->items[i];
        if (a->type != JV_OBJ) { err_at(p, a, R_TYPE, arena_printf(&p->a, "expected an object, got %s", json_type_name(a->type))); ok = false; continue; }
        sc_arg x = {0};
        uint64_t idx = 0;
        const jv *iv = json_get(a, "index");
        if (!val_u64(p, iv, UINT32_MAX, &idx)) { if (!iv || iv->type == JV_NULL) err_missing(p, a, "index", R_SECCOMP, "argument index is required"); ok = false; continue; }
        if (idx > 5) { err_at(p, iv, R_SECCOMP, arena_printf(&p->a, "argument index %llu is out of range (0..5)", (unsigned long long)idx)); ok = false; continue; }
        x.index = (uint32_t)idx;
        get_u64(p, a, "value", UINT64_MAX, &x.value);
        get_u64(p, a, "valueTwo", UINT64_MAX, &x.value2);
        const jv *ov = json_get(a, "op");
        const char *op;
        if (!val_str(p, ov, &op)) { if (!ov || ov->type == JV_NULL) err_missing(p, a, "op", R_SECCOMP, "argument op is required"); ok = false; continue; }
        x.op = -1;
        for (int k = 0; k < 7; k++) if (!strcmp(cmp_names[k], op)) x.op = k;
        if (x.op < 0) { err_at(p, ov, R_SECCOMP, arena_printf(&p->a, "unknown seccomp operator \"%s\"", op)); ok = false; continue; }
        per_index[x.index]++;
        (*out)[(*n)++] = x;
    }
    /* runc: several conditions on the same argument are alternatives (separate rules),
     * otherwise all conditions must hold */
    *or_args = false;
    for (int k = 0; k < 6; k++) if (per_index[k] > 1) *or_args = true;
    return ok;
}

static bool is_notify(uint32_t action) { return action == RET_USER_NOTIF; }

void spec_read_seccomp(planner *p, const jv *lx) {
    seccomp_spec *sc = &p->s.seccomp;
    const jv *o = get_obj(p, lx, "seccomp");
    if (!o) return;
    /* runc: no default action and no syscalls means no seccomp at all */
    const jv *da = json_get(o, "defaultAction"), *sv = json_get(o, "syscalls");
    if ((!da || da->type == JV_NULL || (da->type == JV_STR && !*da->s)) && (!sv || sv->type == JV_NULL || (sv->type == JV_ARR && !sv->n))) return;
    sc->present = true;
    sc->why = ptr_of(p, o);
    bool notify_rules = false;
    if (read_action(p, o, "defaultAction", "defaultErrnoRet", &sc->default_action) && is_notify(sc->default_action))
        err_at(p, json_get(o, "defaultAction"), R_SECCOMP_NOTIFY, "SCMP_ACT_NOTIFY cannot be the default action (it would hold the write the listener needs), as runc refuses");
    const char *dname = NULL;
    get_str(p, o, "defaultAction", &dname);
    /* runc: no stub when the default already lets unknown syscalls run (a tracer handles ENOSYS) */
    sc->stub = !dname || (strcmp(dname, "SCMP_ACT_ALLOW") && strcmp(dname, "SCMP_ACT_LOG") && strcmp(dname, "SCMP_ACT_TRACE"));
    const jv *arches = get_arr(p, o, "architectures");
    for (size_t i = 0; arches && i < arches->n; i++) {
        const char *a;
        if (!val_str(p, arches->items[i], &a)) continue;
        size_t k;
        for (k = 0; k < sizeof arch_names / sizeof arch_names[0]; k++) if (!strcmp(arch_names[k], a)) break;
        if (k == sizeof arch_names / sizeof arch_names[0]) err_at(p, arches->items[i], R_SECCOMP, arena_printf(&p->a, "unknown seccomp architecture \"%s\"", a));
        else if (k < ABI__COUNT) sc->abis |= 1u << k;
    }
    const jv *flags = get_arr(p, o, "flags");
    const jv *wait_killable = NULL;
    for (size_t i = 0; flags && i < flags->n; i++) {
        const char *f;
        if (!val_str(p, flags->items[i], &f)) continue;
        size_t k;
        for (k = 0; k < sizeof filter_flags / sizeof filter_flags[0]; k++) if (!strcmp(filter_flags[k].name, f)) break;
        if (k == sizeof filter_flags / sizeof filter_flags[0]) err_at(p, flags->items[i], R_SECCOMP, arena_printf(&p->a, "unknown seccomp flag \"%s\"", f));
        else if (filter_flags[k].flag == FLAG_WAIT_KILLABLE_RECV) wait_killable = flags->items[i];
        else sc->flags |= filter_flags[k].flag;
    }
    const char *lp, *lm;
    if (get_str(p, o, "listenerPath", &lp) && *lp) { sc->listener_path = lp; sc->why_listener = ptr_of(p, json_get(o, "listenerPath")); }
    if (get_str(p, o, "listenerMetadata", &lm) && *lm) sc->listener_metadata = lm;

    const jv *calls = get_arr(p, o, "syscalls");
    size_t cap = 0;
    for (size_t i = 0; calls && i < calls->n; i++) {
        const jv *names = json_get(calls->items[i], "names");
        if (names && names->type == JV_ARR) cap += names->n;
    }
    sc->rules = arena_alloc(&p->a, (cap + 1) * sizeof *sc->rules);
    if (!sc->rules) return;
    for (size_t i = 0; calls && i < calls->n; i++) {
        const jv *c = calls->items[i];
        if (c->type != JV_OBJ) { err_at(p, c, R_TYPE, arena_printf(&p->a, "expected an object, got %s", json_type_name(c->type))); continue; }
        uint32_t action;
        bool ok = read_action(p, c, "action", "errnoRet", &action);
        sc_arg *args = NULL; uint32_t nargs = 0; bool or_args = false;
        const jv *av = get_arr(p, c, "args");
        if (av && !read_args(p, av, &args, &nargs, &or_args)) ok = false;
        const jv *names = get_arr(p, c, "names");
        if (!names || !names->n) {
            if (!json_get(c, "names") || json_get(c, "names")->type == JV_NULL || (names && !names->n))
                err_missing(p, c, "names", R_SECCOMP, "a seccomp rule needs at least one syscall name");
            continue;
        }
        for (size_t k = 0; k < names->n; k++) {
            const char *n;
            if (!val_str(p, names->items[k], &n)) { ok = false; continue; }
            if (!*n) { err_at(p, names->items[k], R_SECCOMP, "an empty string is not a syscall name"); ok = false; continue; }
            if (ok && is_notify(action) && !strcmp(n, "write"))
                err_at(p, names->items[k], R_SECCOMP_NOTIFY, "SCMP_ACT_NOTIFY cannot be used for write (the listener's fd is sent with it), as runc refuses");
            if (!ok) continue;
            if (is_notify(action)) notify_rules = true;
            /* unknown names are kept: each ABI skips the names it lacks, as libseccomp does */
            sc_rule *r = &sc->rules[sc->nrules++];
            r->name = n; r->at = names->items[k]; r->action = action; r->args = args; r->nargs = nargs; r->or_args = or_args;
            /* a rule that repeats the default action changes nothing (runc skips it) */
            r->redundant = action == sc->default_action;
        }
    }
    if (notify_rules && !sc->listener_path)
        err_missing(p, o, "listenerPath", R_SECCOMP_NOTIFY, "SCMP_ACT_NOTIFY needs listenerPath, the socket that receives the listener fd");
    if (wait_killable) {
        if (!notify_rules) err_at(p, wait_killable, R_SECCOMP_NOTIFY, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs a SCMP_ACT_NOTIFY rule (the kernel refuses it without a listener)");
        else sc->flags |= FLAG_WAIT_KILLABLE_RECV;
    }
    /* the listener (its fd sent to listenerPath) is planned in plan.c; until then, refused */
    if (sc->notify || sc->listener_path)
        err_at(p, sc->listener_path ? json_get(o, "listenerPath") : o, R_UNSUPPORTED, "a seccomp listener (SCMP_ACT_NOTIFY, listenerPath) is not planned yet");
    if (p->nerrs) return;
    sc->bpf = seccomp_compile(p, &sc->bpf_len);
    if (!sc->bpf && !p->nerrs) err_at(p, o, R_SECCOMP, "the seccomp filter does not fit in the kernel's 4096 instructions");
}

/* ---- the BPF assembler: forward jumps to labels, resolved once the program is laid out ---- */
typedef struct { uint16_t code; int jt, jf; uint32_t k; } insn;   /* jt/jf: label id, -1 = next; ja: k = label */
typedef struct { planner *p; insn *v; size_t n, cap; int *labels; int nlabels, caplabels; bool overflow, refused; } prog;

#define LD_ABS  0x20   /* BPF_LD|BPF_W|BPF_ABS */
#define JA      0x05
#define JEQ_K   0x15
#define JGT_K   0x25
#define JGE_K   0x35
#define JSET_K  0x45
#define AND_K   0x54
#define RET_K   0x06

static void put(prog *g, uint16_t code, int jt, int jf, uint32_t k) {
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 256;
        insn *v = arena_alloc(&g->p->a, cap * sizeof *v);
        if (!v) { g->overflow = true; return; }
        if (g->n) memcpy(v, g->v, g->n * sizeof *v);
        g->v = v; g->cap = cap;
    }
    g->v[g->n++] = (insn){ code, jt, jf, k };
}
static int label(prog *g) {
    if (g->nlabels == g->caplabels) {
        int cap = g->caplabels ? g->caplabels * 2 : 64;
        int *l = arena_alloc(&g->p->a, (size_t)cap * sizeof *l);
        if (!l) { g->overflow = true; return 0; }
        if (g->nlabels) memcpy(l, g->labels, (size_t)g->nlabels * sizeof *l);
        g->labels = l; g->caplabels = cap;
    }
    g->labels[g->nlabels] = -1;
    return g->nlabels++;
}
static void here(prog *g, int l) { if (l < g->nlabels) g->labels[l] = (int)g->n; }
/* insert one instruction at pos, moving every label already placed at or after it */
static void insert(prog *g, size_t pos, insn x) {
    put(g, 0, -1, -1, 0);
    if (g->overflow) return;
    memmove(&g->v[pos + 1], &g->v[pos], (g->n - 1 - pos) * sizeof *g->v);
    g->v[pos] = x;
    for (int l = 0; l < g->nlabels; l++) if (g->labels[l] >= (int)pos) g->labels[l]++;
}

/* one condition of a rule, as libseccomp 2.5 compares it: on a 32-bit ABI (i386, x32) only
 * the low words; on x86_64 both words. MASKED_EQ compares datum & mask. Falls through when
 * the condition holds, jumps to fail otherwise. */
static void cmp_arg(prog *g, const sc_arg *a, bool wide, int fail) {
    uint32_t lo_off = 16 + 8 * a->index, hi_off = lo_off + 4;
    uint64_t v = a->value, m = ~(uint64_t)0;
    if (a->op == CMP_MASKED_EQ) { m = a->value; v = a->value2 & m; }
    uint32_t vhi = (uint32_t)(v >> 32), vlo = (uint32_t)v, mhi = (uint32_t)(m >> 32), mlo = (uint32_t)m;
    int ok = label(g);
    if (wide) {
        put(g, LD_ABS, -1, -1, hi_off);
        switch (a->op) {
        case CMP_EQ: put(g, JEQ_K, -1, fail, vhi); break;
        case CMP_NE: put(g, JEQ_K, -1, ok, vhi); break;
        case CMP_LT: case CMP_LE: put(g, JGT_K, fail, -1, vhi); put(g, JEQ_K, -1, ok, vhi); break;
        case CMP_MASKED_EQ: put(g, AND_K, -1, -1, mhi); put(g, JEQ_K, -1, fail, vhi); break;
        case CMP_GT: case CMP_GE: put(g, JGT_K, ok, -1, vhi); put(g, JEQ_K, -1, fail, vhi); break;
        }
    }
    put(g, LD_ABS, -1, -1, lo_off);
    switch (a->op) {
    case CMP_EQ: put(g, JEQ_K, -1, fail, vlo); break;
    case CMP_NE: put(g, JEQ_K, fail, -1, vlo); break;
    case CMP_MASKED_EQ: put(g, AND_K, -1, -1, mlo); put(g, JEQ_K, -1, fail, vlo); break;
    case CMP_GT: put(g, JGT_K, -1, fail, vlo); break;
    case CMP_GE: put(g, JGE_K, -1, fail, vlo); break;
    case CMP_LT: put(g, JGE_K, fail, -1, vlo); break;
    case CMP_LE: put(g, JGT_K, fail, -1, vlo); break;
    }
    here(g, ok);
}

/* libseccomp drops a MASKED_EQ whose mask is 0 on the words it compares (it always holds) */
static bool cond_noop(const sc_arg *a, bool wide) {
    return a->op == CMP_MASKED_EQ && (wide ? a->value == 0 : (uint32_t)a->value == 0);
}

/* one rule as filed for one syscall of one ABI: its conditions (at most one per argument) */
typedef struct { uint32_t action; const sc_arg *c[6]; uint32_t n; } filed;

typedef struct { uint32_t nr; uint32_t order; filed f; const sc_rule *r; } entry;

/* the rules of one ABI, one entry per (syscall, alternative), in config order */
typedef struct { entry *v; size_t n, cap; planner *p; bool oom; } entries;

static void file(entries *e, const sc_rule *r, uint32_t nr, uint32_t action, const sc_arg *const *c, uint32_t n, const sc_arg *force0) {
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 64;
        entry *v = arena_alloc(&e->p->a, cap * sizeof *v);
        if (!v) { e->oom = true; return; }
        if (e->n) memcpy(v, e->v, e->n * sizeof *v);
        e->v = v; e->cap = cap;
    }
    entry *x = &e->v[e->n];
    x->nr = nr; x->r = r; x->order = (uint32_t)e->n; x->f.action = action; x->f.n = 0;
    const sc_arg *byidx[6] = {0};
    for (uint32_t i = 0; i < n; i++) byidx[c[i]->index] = c[i];
    if (force0) byidx[0] = force0;
    for (int i = 0; i < 6; i++) if (byidx[i]) x->f.c[x->f.n++] = byidx[i];
    e->n++;
}

/* stable sort by syscall number, keeping config order within one syscall: a counting sort on
 * the number without the x32 bit (below 1024 on every ABI), else an insertion sort */
static void sort_entries(entries *e) {
    enum { KEYS = 1024 };
    bool small = true;
    for (size_t i = 0; i < e->n; i++) if ((e->v[i].nr & ~X32_SYSCALL_BIT) >= KEYS) small = false;
    uint32_t *at = small && e->n > 8 ? arena_alloc(&e->p->a, (KEYS + 1) * sizeof *at) : NULL;
    entry *out = at ? arena_alloc(&e->p->a, e->n * sizeof *out) : NULL;
    if (out) {
        memset(at, 0, (KEYS + 1) * sizeof *at);
        for (size_t i = 0; i < e->n; i++) at[(e->v[i].nr & ~X32_SYSCALL_BIT) + 1]++;
        for (int k = 0; k < KEYS; k++) at[k + 1] += at[k];
        for (size_t i = 0; i < e->n; i++) out[at[e->v[i].nr & ~X32_SYSCALL_BIT]++] = e->v[i];
        e->v = out;
        return;
    }
    for (size_t i = 1; i < e->n; i++) {
        entry x = e->v[i];
        size_t j = i;
        while (j > 0 && e->v[j - 1].nr > x.nr) { e->v[j] = e->v[j - 1]; j--; }
        e->v[j] = x;
    }
}

/* each rule's name looked up once: its number on every ABI and its i386 multiplexer entry */
typedef struct { int64_t nr[ABI__COUNT]; int mux, index; } resolved;
static resolved *resolve_all(planner *p) {
    const seccomp_spec *sc = &p->s.seccomp;
    resolved *r = arena_alloc(&p->a, (sc->nrules + 1) * sizeof *r);
    for (uint32_t i = 0; r && i < sc->nrules; i++) {
        r[i].index = syscall_index(sc->rules[i].name);
        for (int abi = 0; abi < ABI__COUNT; abi++) r[i].nr[abi] = syscall_nr(r[i].index, abi);
        r[i].mux = mux_index(sc->rules[i].name);
    }
    return r;
}

/* every non-redundant rule of the config, filed for one ABI as libseccomp files them */
/* pseudo: instead, the rules of names this ABI lacks, each name under its table index; libseccomp
 * files those on x86_64 and x32 (not i386) under a pseudo number it emits no code for, but
 * refuses clashes there all the same */
static void collect(planner *p, int abi, entries *e, sc_arg *mux_args, const resolved *res, bool pseudo) {
    const seccomp_spec *sc = &p->s.seccomp;
    bool wide = abi == ABI_X86_64;
    size_t cap = 0;   /* one filing per alternative, two on i386 (multiplexer and direct) */
    for (uint32_t i = 0; i < sc->nrules; i++) cap += (abi == ABI_I386 ? 2 : 1) * (sc->rules[i].or_args ? sc->rules[i].nargs : 1);
    e->v = arena_alloc(&p->a, (cap + 1) * sizeof *e->v);
    e->cap = e->v ? cap + 1 : 0;
    for (uint32_t i = 0; i < sc->nrules; i++) {
        const sc_rule *r = &sc->rules[i];
        if (r->redundant) continue;
        int64_t nr = res[i].nr[abi];
        int mux = abi == ABI_I386 ? res[i].mux : -1;
        if (pseudo) { if (nr >= 0 || res[i].index < 0) continue; nr = res[i].index; }
        if (nr < 0 && mux < 0) continue;
        /* several conditions on one argument: one rule per condition (runc), else one rule */
        uint32_t alts = r->or_args ? r->nargs : 1;
        for (uint32_t k = 0; k < alts; k++) {
            const sc_arg *c[6]; uint32_t n = 0;
            for (uint32_t j = 0; j < r->nargs; j++) {
                if (r->or_args && j != k) continue;
                if (!cond_noop(&r->args[j], wide)) c[n++] = &r->args[j];
            }
            if (mux >= 0) {
                sc_arg *m = &mux_args[mux];
                m->index = 0; m->op = CMP_EQ; m->value = mux_calls[mux].call;
                file(e, r, mux_calls[mux].ipc ? I386_IPC : I386_SOCKETCALL, r->action, c, n, m);
            }
            if (nr >= 0) file(e, r, (uint32_t)nr, r->action, c, n, NULL);
        }
    }
    sort_entries(e);
}

/* the rules of one syscall (entries [b, end)): libseccomp keeps the first unconditional rule
 * and drops every other; without one, the conditional rules are tried in order */
static void syscall_block(prog *g, const entry *b, const entry *end, bool wide, uint32_t deflt) {
    size_t at = g->n;
    int skip = label(g);
    put(g, JEQ_K, -1, skip, b->nr);
    const entry *u = NULL;
    for (const entry *x = b; x < end && !u; x++) if (!x->f.n) u = x;
    if (u) put(g, RET_K, -1, -1, u->f.action);
    else {
        for (const entry *x = b; x < end; x++) {
            int fail = label(g);
            for (uint32_t i = 0; i < x->f.n; i++) cmp_arg(g, x->f.c[i], wide, fail);
            put(g, RET_K, -1, -1, x->f.action);
            here(g, fail);
        }
        put(g, RET_K, -1, -1, deflt);   /* A holds an argument here: no fall-through */
    }
    here(g, skip);
    if (g->n - at - 1 > 255) {   /* too long to jump over: jeq into the block, ja past it */
        g->v[at].jf = -1;
        insert(g, at + 1, (insn){ JA, -1, -1, (uint32_t)skip });
        g->v[at].jt = label(g);
        g->labels[g->v[at].jt] = (int)at + 2;
    }
}

/* two one-test rules that no call passes together: both EQ, or both MASKED_EQ with one mask,
 * on one argument, wanting different values of a bit both look at. Only that shape is safe:
 * libseccomp's tree commits to the first sibling whose test a call passes and never comes back,
 * and its pruning of same-action chains drops rules that do not cover each other, so rules told
 * apart by a second test (or not at all) get decisions that no rule order explains. */
static bool disjoint(const filed *a, const filed *b, bool wide) {
    if (a->n != 1 || b->n != 1) return false;
    const sc_arg *x = a->c[0], *y = b->c[0];
    if (x->index != y->index || x->op != y->op || (x->op != CMP_EQ && x->op != CMP_MASKED_EQ)) return false;
    uint64_t m = ~(uint64_t)0, dx = x->value, dy = y->value;
    if (x->op == CMP_MASKED_EQ) {
        if (wide ? x->value != y->value : (uint32_t)x->value != (uint32_t)y->value) return false;
        m = x->value; dx = x->value2; dy = y->value2;
    }
    uint64_t differ = (dx ^ dy) & m;
    return wide ? differ != 0 : (uint32_t)differ != 0;
}

static const char *const abi_names[] = { "x86_64", "i386", "x32" };

/* the same single EQ test twice, with one action: libseccomp merges the duplicate */
static bool duplicate(const filed *a, const filed *b, bool wide) {
    if (a->n != 1 || b->n != 1 || a->action != b->action) return false;
    const sc_arg *x = a->c[0], *y = b->c[0];
    return x->index == y->index && x->op == CMP_EQ && y->op == CMP_EQ &&
           (wide ? x->value == y->value : (uint32_t)x->value == (uint32_t)y->value);
}

/* SECURITY: libseccomp merges the conditional rules of one syscall into one argument tree whose
 * decisions are neither config order nor "any rule matches" once the rules overlap (its code
 * generator even reuses a comparison with another word in the accumulator). planc compiles
 * several conditional rules of one syscall only when each is one EQ (or MASKED_EQ with a common
 * mask) test of one argument with distinct values, as Docker's personality rules and i386's
 * multiplexed socket calls are; other shapes are refused rather than guessed. */
static bool check_conflicts(planner *p, int abi, const entries *x, bool pseudo) {
    const entries e = *x;
    bool wide = abi == ABI_X86_64;
    for (size_t i = 0; i < e.n;) {
        size_t j = i, u = 0;
        while (j < e.n && e.v[j].nr == e.v[i].nr) j++;
        /* rules after the first unconditional one are dropped; those before it were merged
         * (and refused by libseccomp when they clash) */
        for (u = i; u < j && e.v[u].f.n; u++) {}
        for (size_t a = i; a < u; a++)
            for (size_t b = a + 1; b < u; b++) {
                if (disjoint(&e.v[a].f, &e.v[b].f, wide) || duplicate(&e.v[a].f, &e.v[b].f, wide)) continue;
                if (pseudo)
                    err_at(p, e.v[b].r->at, R_SECCOMP_CONFLICT, arena_printf(&p->a,
                        "\"%s\" (no %s syscall) has conditional rules that can match the same call; libseccomp refuses them (it files them for %s all the same)",
                        e.v[b].r->name, abi_names[abi], abi_names[abi]));
                else
                    err_at(p, e.v[b].r->at, R_SECCOMP_CONFLICT, arena_printf(&p->a,
                        "\"%s\" (%s syscall %u) has conditional rules that can match the same call; libseccomp decides between them by its argument tree, so planc refuses this rather than guess (several rules of one syscall need one EQ test each, on one argument, with distinct values)",
                        e.v[b].r->name, abi_names[abi], e.v[i].nr & ~X32_SYSCALL_BIT));
                return false;
            }
        i = j;
    }
    return true;
}

static void abi_body(prog *g, planner *p, int abi, const resolved *res) {
    entries e = { .p = p };
    sc_arg mux_args[sizeof mux_calls / sizeof mux_calls[0]];
    if (g->refused) return;
    if (abi != ABI_I386) {
        entries ps = { .p = p };
        collect(p, abi, &ps, mux_args, res, true);
        if (ps.oom) { g->overflow = true; return; }
        if (!check_conflicts(p, abi, &ps, true)) { g->refused = true; return; }
    }
    collect(p, abi, &e, mux_args, res, false);
    if (e.oom) { g->overflow = true; return; }
    if (!check_conflicts(p, abi, &e, false)) { g->refused = true; return; }
    bool wide = abi == ABI_X86_64;
    for (size_t i = 0; i < e.n;) {
        size_t j = i;
        while (j < e.n && e.v[j].nr == e.v[i].nr) j++;
        syscall_block(g, &e.v[i], &e.v[j], wide, p->s.seccomp.default_action);
        i = j;
    }
}

/* runc's stub counts every rule's name, the redundant ones too, by libseccomp's resolver
 * (which gives i386's multiplexed calls no number) */
static uint32_t largest_nr(const seccomp_spec *sc, int abi, const resolved *res) {
    int64_t max = 0;
    for (uint32_t i = 0; i < sc->nrules; i++) {
        if (abi == ABI_I386 && res[i].mux >= 0) continue;
        if (res[i].nr[abi] > max) max = res[i].nr[abi];
    }
    return (uint32_t)max;
}

/* nr is in A; for syscalls above the largest one the profile names (per listed ABI), -ENOSYS */
static void stub_check(prog *g, uint32_t max, int bit, uint32_t bitv) {
    /* bit: -1 any nr, 0 only nrs without bitv, 1 only nrs with it */
    int next = label(g);
    if (bit == 0) put(g, JSET_K, next, -1, bitv);
    if (bit == 1) put(g, JSET_K, -1, next, bitv);
    put(g, JGT_K, -1, next, max);
    put(g, RET_K, -1, -1, RET_ENOSYS);
    here(g, next);
}

const uint8_t *seccomp_compile(planner *p, size_t *len) {
    const seccomp_spec *sc = &p->s.seccomp;
    prog g = { .p = p };
    bool i386 = sc->abis & (1u << ABI_I386), x32 = sc->abis & (1u << ABI_X32);
    uint32_t m64 = 0, m32 = 0, mx32 = 0;
    const resolved *res = resolve_all(p);
    if (!res) return NULL;
    if (sc->stub) {
        if (sc->abis & (1u << ABI_X86_64)) m64 = largest_nr(sc, ABI_X86_64, res);
        if (i386) m32 = largest_nr(sc, ABI_I386, res);
        if (x32) mx32 = largest_nr(sc, ABI_X32, res);
    }
    /* SECURITY: an ABI the filter does not cover gets the bad-arch action before any rule */
    int sec64 = label(&g), sec32 = label(&g);
    put(&g, LD_ABS, -1, -1, 4);
    if (i386) {   /* the i386 section lies past the x86_64 one: a long jump */
        int not32 = label(&g);
        put(&g, JEQ_K, -1, not32, AUDIT_ARCH_I386);
        put(&g, JA, -1, -1, (uint32_t)sec32);
        here(&g, not32);
    }
    put(&g, JEQ_K, sec64, -1, AUDIT_ARCH_X86_64);
    put(&g, RET_K, -1, -1, RET_BADARCH);

    here(&g, sec64);
    put(&g, LD_ABS, -1, -1, 0);
    if (m64) stub_check(&g, m64, 0, X32_SYSCALL_BIT);
    if (mx32) stub_check(&g, mx32, 1, X32_SYSCALL_BIT);
    if (!x32) {
        /* SECURITY: x32 entry points are not covered: bad arch (libseccomp lets nr -1 through) */
        int rules = label(&g);
        put(&g, JGE_K, -1, rules, X32_SYSCALL_BIT);
        put(&g, JEQ_K, rules, -1, 0xffffffffu);
        put(&g, RET_K, -1, -1, RET_BADARCH);
        here(&g, rules);
    }
    abi_body(&g, p, ABI_X86_64, res);
    if (x32) abi_body(&g, p, ABI_X32, res);
    put(&g, RET_K, -1, -1, sc->default_action);
    if (i386) {
        here(&g, sec32);
        put(&g, LD_ABS, -1, -1, 0);
        if (m32) stub_check(&g, m32, -1, 0);
        abi_body(&g, p, ABI_I386, res);
        put(&g, RET_K, -1, -1, sc->default_action);
    }
    if (g.overflow || g.refused || g.n > MAX_INSNS) return NULL;

    buf b; buf_init(&b, &p->a);
    for (size_t i = 0; i < g.n; i++) {
        const insn *x = &g.v[i];
        int jt = x->jt < 0 ? 0 : g.labels[x->jt] - (int)i - 1;
        int jf = x->jf < 0 ? 0 : g.labels[x->jf] - (int)i - 1;
        uint32_t k = x->k;
        if (x->code == JA) { int d = g.labels[x->k] - (int)i - 1; if (d < 0) return NULL; k = (uint32_t)d; }
        if (jt < 0 || jt > 255 || jf < 0 || jf > 255) return NULL;
        buf_u16(&b, x->code);
        buf_u8(&b, (uint8_t)jt);
        buf_u8(&b, (uint8_t)jf);
        buf_u32(&b, k);
    }
    *len = b.len;
    return b.p;
}
