/* seccomp.c — reads and validates linux.seccomp as runc 1.1.5 does (actions, errnoRet,
 * architectures, flags, the NOTIFY checks) and holds the syscall tables; seccomp_bpf.c compiles
 * the result. Must never guess: an unknown action, operator, architecture or flag is an error. */
#include "seccomp.h"
#include <string.h>

#define FLAG_WAIT_KILLABLE_RECV 32u

static const char *const cmp_names[] = { "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
                                         "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ" };
/* ABIs with syscall tables; arch_names[0..2] are them, the rest are accepted and not compiled
 * (their syscalls never reach an x86_64 kernel's filter) */
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

int sc_syscall_index(const char *name) {
    size_t lo = 0, hi = sizeof syscalls / sizeof syscalls[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(syscalls[mid].name, name);
        if (!c) return (int)mid;
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    return -1;
}
int64_t sc_syscall_nr(int i, int abi) {
    int n = i < 0 ? -1 : syscalls[i].nr[abi];
    return n < 0 ? -1 : abi == ABI_X32 ? (int64_t)(X32_SYSCALL_BIT | (uint32_t)n) : n;
}

/* i386 multiplexes these through socketcall(2)/ipc(2); libseccomp files a rule for one of them
 * under the multiplexer with argument 0 set to the call number, and under the direct syscall
 * where i386 has one. Its own resolver gives them no number (so runc's stub ignores them). */
const sc_mux sc_mux_calls[SC_NMUX + 1] = {
    { "socket", 1, false }, { "bind", 2, false }, { "connect", 3, false }, { "listen", 4, false }, { "accept", 5, false },
    { "getsockname", 6, false }, { "getpeername", 7, false }, { "socketpair", 8, false }, { "send", 9, false }, { "recv", 10, false },
    { "sendto", 11, false }, { "recvfrom", 12, false }, { "shutdown", 13, false }, { "setsockopt", 14, false }, { "getsockopt", 15, false },
    { "sendmsg", 16, false }, { "recvmsg", 17, false }, { "accept4", 18, false }, { "recvmmsg", 19, false }, { "sendmmsg", 20, false },
    { "semop", 1, true }, { "semget", 2, true }, { "semctl", 3, true }, { "semtimedop", 4, true },
    { "msgsnd", 11, true }, { "msgrcv", 12, true }, { "msgget", 13, true }, { "msgctl", 14, true },
    { "shmat", 21, true }, { "shmdt", 22, true }, { "shmget", 23, true }, { "shmctl", 24, true },
    { NULL, 0, false },
};
int sc_mux_index(const char *name) {
    for (int i = 0; sc_mux_calls[i].name; i++)
        if (!strcmp(sc_mux_calls[i].name, name)) return i;
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
            /* ORDER: C hands the listener to P with sendmsg under the filter (plan_seccomp.c): a
             * notified sendmsg would wait for an agent that has no fd yet */
            if (ok && is_notify(action) && !strcmp(n, "sendmsg"))
                err_at(p, names->items[k], R_SECCOMP_NOTIFY, "SCMP_ACT_NOTIFY cannot be used for sendmsg: the runtime hands over the listener with it");
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
    if (p->nerrs) return;
    sc->bpf = seccomp_compile(p, &sc->bpf_len);
    if (!sc->bpf && !p->nerrs) err_at(p, o, R_SECCOMP, "the seccomp filter does not fit in the kernel's 4096 instructions");
}
