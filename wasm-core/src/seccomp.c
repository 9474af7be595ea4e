/* seccomp.c — reads linux.seccomp and compiles it to a classic BPF program for x86_64, the
 * bytes seccomp_set_filter loads. Must never emit a filter that lets a foreign architecture
 * or x32 syscall through unchecked: those are killed before any rule is looked at. */
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
#define AUDIT_ARCH_X86_64 0xc000003eu
#define X32_SYSCALL_BIT  0x40000000u
#define MAX_INSNS 4096

enum { CMP_NE, CMP_LT, CMP_LE, CMP_EQ, CMP_GE, CMP_GT, CMP_MASKED_EQ };
static const char *const cmp_names[] = { "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
                                         "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ" };
static const char *const arch_names[] = {
    "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
    "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64",
    "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390",
    "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",
};
static const struct { const char *name; uint32_t flag; } filter_flags[] = {
    { "SECCOMP_FILTER_FLAG_TSYNC", 1 }, { "SECCOMP_FILTER_FLAG_LOG", 2 }, { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", 4 },
};
static const struct { const char *name; uint32_t nr; } syscalls[] = {
#define SYSCALL(name, nr) { #name, nr },
#include "syscalls_x86_64.def"
#undef SYSCALL
};

static int syscall_nr(const char *name) {
    for (size_t i = 0; i < sizeof syscalls / sizeof syscalls[0]; i++)
        if (!strcmp(syscalls[i].name, name)) return (int)syscalls[i].nr;
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

void spec_read_seccomp(planner *p, const jv *lx) {
    seccomp_spec *sc = &p->s.seccomp;
    const jv *o = get_obj(p, lx, "seccomp");
    if (!o) return;
    sc->present = true;
    sc->why = ptr_of(p, o);
    read_action(p, o, "defaultAction", "defaultErrnoRet", &sc->default_action);
    const jv *arches = get_arr(p, o, "architectures");
    for (size_t i = 0; arches && i < arches->n; i++) {
        const char *a;
        if (!val_str(p, arches->items[i], &a)) continue;
        bool known = false;
        for (size_t k = 0; k < sizeof arch_names / sizeof arch_names[0]; k++) if (!strcmp(arch_names[k], a)) known = true;
        if (!known) err_at(p, arches->items[i], R_SECCOMP, arena_printf(&p->a, "unknown seccomp architecture \"%s\"", a));
    }
    const jv *flags = get_arr(p, o, "flags");
    for (size_t i = 0; flags && i < flags->n; i++) {
        const char *f;
        if (!val_str(p, flags->items[i], &f)) continue;
        size_t k;
        for (k = 0; k < sizeof filter_flags / sizeof filter_flags[0]; k++) if (!strcmp(filter_flags[k].name, f)) break;
        if (k == sizeof filter_flags / sizeof filter_flags[0]) err_at(p, flags->items[i], R_SECCOMP, arena_printf(&p->a, "unknown seccomp flag \"%s\"", f));
        else sc->flags |= filter_flags[k].flag;
    }
    const char *lp, *lm;
    if (get_str(p, o, "listenerPath", &lp) && *lp) { sc->listener_path = lp; sc->why_listener = ptr_of(p, json_get(o, "listenerPath")); }
    if (get_str(p, o, "listenerMetadata", &lm) && *lm) sc->listener_metadata = lm;

    const jv *calls = get_arr(p, o, "syscalls");
    if (!calls) return;
    size_t cap = 0;
    for (size_t i = 0; i < calls->n; i++) {
        const jv *names = json_get(calls->items[i], "names");
        if (names && names->type == JV_ARR) cap += names->n;
    }
    sc->rules = arena_alloc(&p->a, (cap + 1) * sizeof *sc->rules);
    if (!sc->rules) return;
    for (size_t i = 0; i < calls->n; i++) {
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
            int nr = syscall_nr(n);
            /* unknown names are skipped, as libseccomp does for syscalls this arch lacks;
             * a rule that repeats the default action changes nothing */
            if (!ok || nr < 0 || action == sc->default_action) continue;
            sc_rule *r = &sc->rules[sc->nrules++];
            r->nr = (uint32_t)nr; r->action = action; r->args = args; r->nargs = nargs; r->or_args = or_args;
        }
    }
    if (p->nerrs) return;
    sc->bpf = seccomp_compile(p, &sc->bpf_len);
    if (!sc->bpf) err_at(p, o, R_SECCOMP, "the seccomp filter does not fit in the kernel's 4096 instructions");
}

/* ---- the BPF assembler: forward jumps to labels, resolved once the program is laid out ---- */
typedef struct { uint16_t code; int jt, jf; uint32_t k; } insn;   /* jt/jf: label id, -1 = next */
typedef struct { planner *p; insn *v; size_t n, cap; int *labels; int nlabels, caplabels; bool overflow; } prog;

#define LD_ABS  0x20   /* BPF_LD|BPF_W|BPF_ABS */
#define JEQ_K   0x15
#define JGT_K   0x25
#define JGE_K   0x35
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

/* one 64-bit comparison of argument a; falls through when it holds, jumps to fail otherwise */
static void cmp_arg(prog *g, const sc_arg *a, int fail) {
    uint32_t lo_off = 16 + 8 * a->index, hi_off = lo_off + 4;
    uint32_t vhi = (uint32_t)(a->value >> 32), vlo = (uint32_t)a->value;
    int ok = label(g);
    switch (a->op) {
    case CMP_EQ:
        put(g, LD_ABS, -1, -1, hi_off); put(g, JEQ_K, -1, fail, vhi);
        put(g, LD_ABS, -1, -1, lo_off); put(g, JEQ_K, -1, fail, vlo);
        break;
    case CMP_NE:
        put(g, LD_ABS, -1, -1, hi_off); put(g, JEQ_K, -1, ok, vhi);
        put(g, LD_ABS, -1, -1, lo_off); put(g, JEQ_K, fail, -1, vlo);
        break;
    case CMP_MASKED_EQ: {   /* value is the mask, valueTwo the datum */
        uint32_t dhi = (uint32_t)(a->value2 >> 32), dlo = (uint32_t)a->value2;
        put(g, LD_ABS, -1, -1, hi_off); put(g, AND_K, -1, -1, vhi); put(g, JEQ_K, -1, fail, dhi);
        put(g, LD_ABS, -1, -1, lo_off); put(g, AND_K, -1, -1, vlo); put(g, JEQ_K, -1, fail, dlo);
        break;
    }
    case CMP_GT: case CMP_GE:
        put(g, LD_ABS, -1, -1, hi_off); put(g, JGT_K, ok, -1, vhi); put(g, JEQ_K, -1, fail, vhi);
        put(g, LD_ABS, -1, -1, lo_off); put(g, a->op == CMP_GT ? JGT_K : JGE_K, -1, fail, vlo);
        break;
    case CMP_LT: case CMP_LE:
        put(g, LD_ABS, -1, -1, hi_off); put(g, JGE_K, -1, ok, vhi); put(g, JEQ_K, -1, fail, vhi);
        put(g, LD_ABS, -1, -1, lo_off); put(g, a->op == CMP_LT ? JGE_K : JGT_K, fail, -1, vlo);
        break;
    }
    here(g, ok);
}

/* nr is in A on entry and on every exit of a rule block */
static void rule_block(prog *g, uint32_t nr, uint32_t action, const sc_arg *args, uint32_t nargs) {
    int skip = label(g);
    if (!nargs) {
        put(g, JEQ_K, -1, skip, nr);
        put(g, RET_K, -1, -1, action);
        here(g, skip);
        return;
    }
    int fail = label(g);
    put(g, JEQ_K, -1, skip, nr);
    for (uint32_t i = 0; i < nargs; i++) cmp_arg(g, &args[i], fail);
    put(g, RET_K, -1, -1, action);
    here(g, fail);
    put(g, LD_ABS, -1, -1, 0);   /* the argument loads clobbered A: reload nr */
    here(g, skip);
}

const uint8_t *seccomp_compile(planner *p, size_t *len) {
    const seccomp_spec *sc = &p->s.seccomp;
    prog g = { .p = p };
    /* SECURITY: anything but native x86_64 syscalls (i386 and x32 entry points) is killed
     * before the rules run: the rules below use x86_64 numbers only */
    int arch_ok = label(&g);
    put(&g, LD_ABS, -1, -1, 4);
    put(&g, JEQ_K, arch_ok, -1, AUDIT_ARCH_X86_64);
    put(&g, RET_K, -1, -1, RET_KILL_PROCESS);
    here(&g, arch_ok);
    put(&g, LD_ABS, -1, -1, 0);
    int native = label(&g);
    put(&g, JGE_K, -1, native, X32_SYSCALL_BIT);
    put(&g, RET_K, -1, -1, RET_KILL_PROCESS);
    here(&g, native);
    for (uint32_t i = 0; i < sc->nrules; i++) {
        const sc_rule *r = &sc->rules[i];
        if (r->or_args)
            for (uint32_t k = 0; k < r->nargs; k++) rule_block(&g, r->nr, r->action, &r->args[k], 1);
        else rule_block(&g, r->nr, r->action, r->args, r->nargs);
    }
    put(&g, RET_K, -1, -1, sc->default_action);
    if (g.overflow || g.n > MAX_INSNS) return NULL;

    buf b; buf_init(&b, &p->a);
    for (size_t i = 0; i < g.n; i++) {
        const insn *x = &g.v[i];
        int jt = x->jt < 0 ? 0 : g.labels[x->jt] - (int)i - 1;
        int jf = x->jf < 0 ? 0 : g.labels[x->jf] - (int)i - 1;
        if (jt < 0 || jt > 255 || jf < 0 || jf > 255) return NULL;
        buf_u16(&b, x->code);
        buf_u8(&b, (uint8_t)jt);
        buf_u8(&b, (uint8_t)jf);
        buf_u32(&b, x->k);
    }
    *len = b.len;
    return b.p;
}
