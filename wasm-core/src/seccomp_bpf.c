/* seccomp_bpf.c — compiles the read linux.seccomp (seccomp.c) to the classic BPF program
 * seccomp_set_filter loads: the decisions libseccomp 2.5 makes for the config as runc 1.1.5 feeds
 * it (x86_64 always, plus the listed i386 and x32), with runc's -ENOSYS stub. Must never let a
 * syscall of an ABI the filter does not cover through: it gets the bad-arch action first. */
#include "seccomp.h"
#include <string.h>

#define RET_BADARCH      RET_KILL_THREAD          /* libseccomp's default SCMP_FLTATR_ACT_BADARCH */
#define RET_ENOSYS       (RET_ERRNO | 38u)
#define MAX_INSNS 4096

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

typedef struct { uint32_t nr; filed f; const sc_rule *r; } entry;

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
    x->nr = nr; x->r = r; x->f.action = action; x->f.n = 0;
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
        r[i].index = sc_syscall_index(sc->rules[i].name);
        for (int abi = 0; abi < ABI__COUNT; abi++) r[i].nr[abi] = sc_syscall_nr(r[i].index, abi);
        r[i].mux = sc_mux_index(sc->rules[i].name);
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
                m->index = 0; m->op = CMP_EQ; m->value = sc_mux_calls[mux].call;
                file(e, r, sc_mux_calls[mux].ipc ? I386_IPC : I386_SOCKETCALL, r->action, c, n, m);
            }
            if (nr >= 0) file(e, r, (uint32_t)nr, r->action, c, n, NULL);
        }
    }
    sort_entries(e);
}

/* the end of the group of entries of e->v[i]'s syscall */
static size_t group_end(const entries *e, size_t i) {
    size_t j = i;
    while (j < e->n && e->v[j].nr == e->v[i].nr) j++;
    return j;
}
/* the first unconditional rule of a group, NULL when it has none */
static const entry *uncond(const entry *b, const entry *end) {
    for (const entry *x = b; x < end; x++) if (!x->f.n) return x;
    return NULL;
}

/* the rules of one syscall (entries [b, end)): libseccomp keeps the first unconditional rule
 * and drops every other; without one, the conditional rules are tried in order */
static void syscall_block(prog *g, const entry *b, const entry *end, bool wide, uint32_t deflt) {
    size_t at = g->n;
    int skip = label(g);
    put(g, JEQ_K, -1, skip, b->nr);
    const entry *u = uncond(b, end);
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

/* two tests of one argument that no value passes together: EQ with another EQ value, EQ and
 * NE of one value, MASKED_EQ (one mask) wanting different values of a bit it looks at */
static bool exclusive(const sc_arg *x, const sc_arg *y, bool wide) {
    if (x->index != y->index) return false;
    uint64_t keep = wide ? ~(uint64_t)0 : 0xffffffffu;
    if (x->op == CMP_MASKED_EQ || y->op == CMP_MASKED_EQ) {
        if (x->op != y->op || ((x->value ^ y->value) & keep)) return false;
        return ((x->value2 ^ y->value2) & x->value & keep) != 0;
    }
    bool same = !((x->value ^ y->value) & keep);
    if (x->op == CMP_EQ && y->op == CMP_EQ) return !same;
    if ((x->op == CMP_EQ && y->op == CMP_NE) || (x->op == CMP_NE && y->op == CMP_EQ)) return same;
    return false;
}
/* a (earlier in the config) and b exclude each other; where by EQ and NE of one value, the EQ
 * must be the earlier rule's (libseccomp loses the later EQ rule's branch otherwise) */
static bool disjoint(const filed *a, const filed *b, bool wide) {
    for (uint32_t i = 0; i < a->n; i++)
        for (uint32_t j = 0; j < b->n; j++)
            if (exclusive(a->c[i], b->c[j], wide) && !(a->c[i]->op == CMP_NE && b->c[j]->op == CMP_EQ)) return true;
    return false;
}
/* an EQ of one rule and an NE of the other on one argument: libseccomp gives both one node (the
 * 64-bit high words at least) and, for one action, prunes one rule's branch with the other's */
static bool eq_ne_meet(const filed *a, const filed *b) {
    for (uint32_t i = 0; i < a->n; i++)
        for (uint32_t j = 0; j < b->n; j++) {
            const sc_arg *x = a->c[i], *y = b->c[j];
            if (x->index == y->index && ((x->op == CMP_EQ && y->op == CMP_NE) || (x->op == CMP_NE && y->op == CMP_EQ))) return true;
        }
    return false;
}
/* libseccomp's tree keeps EQ, NE and MASKED_EQ tests of several rules apart; the ordering tests
 * (GT, GE, LT, LE) of several rules share 64-bit nodes it merges wrongly */
static bool equality_only(const filed *a) {
    for (uint32_t i = 0; i < a->n; i++)
        if (a->c[i]->op != CMP_EQ && a->c[i]->op != CMP_NE && a->c[i]->op != CMP_MASKED_EQ) return false;
    return true;
}

static const char *const abi_names[] = { "x86_64", "i386", "x32" };

/* the same single EQ test twice, with one action: libseccomp merges the duplicate */
static bool duplicate(const filed *a, const filed *b, bool wide) {
    if (a->n != 1 || b->n != 1 || a->action != b->action) return false;
    const sc_arg *x = a->c[0], *y = b->c[0];
    return x->index == y->index && x->op == CMP_EQ && y->op == CMP_EQ &&
           (wide ? x->value == y->value : (uint32_t)x->value == (uint32_t)y->value);
}

/* SECURITY: libseccomp merges the conditional rules of one syscall into one argument tree. Where
 * rules with different actions overlap, or ordering tests of several rules meet, its decisions
 * follow no rule order (its code generator even reuses a comparison with another word in the
 * accumulator, and prunes a rule's branch with another rule's opposite test). planc compiles
 * several conditional rules of one syscall when they test with EQ, NE and MASKED_EQ only, two
 * with different actions exclude each other (EQ 1 vs EQ 2, or an earlier EQ 16 vs a later NE 16)
 * and two with one action do not test one argument with EQ and NE: then every order decides
 * alike (first match is any match), and so does
 * libseccomp (Docker's personality rules, podman's netlink-audit socket rules, i386's
 * multiplexed socket calls). Other shapes are refused rather than guessed. */
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
                const filed *fa = &e.v[a].f, *fb = &e.v[b].f;
                if (duplicate(fa, fb, wide)) continue;
                if (equality_only(fa) && equality_only(fb) &&
                    (fa->action == fb->action ? !eq_ne_meet(fa, fb) : disjoint(fa, fb, wide))) continue;
                if (pseudo)
                    err_at(p, e.v[b].r->at, R_SECCOMP_CONFLICT, arena_printf(&p->a,
                        "\"%s\" (no %s syscall) has conditional rules that can match the same call; libseccomp refuses them (it files them for %s all the same)",
                        e.v[b].r->name, abi_names[abi], abi_names[abi]));
                else
                    err_at(p, e.v[b].r->at, R_SECCOMP_CONFLICT, arena_printf(&p->a,
                        "\"%s\" (%s syscall %u) has conditional rules that can match the same call; libseccomp decides between them by its argument tree, so planc refuses this rather than guess (several rules of one syscall may test with EQ, NE and MASKED_EQ only; two with different actions must exclude each other, two with one action must not meet as EQ and NE on one argument)",
                        e.v[b].r->name, abi_names[abi], e.v[i].nr & ~X32_SYSCALL_BIT));
                return false;
            }
        i = j;
    }
    return true;
}

static void abi_body(prog *g, planner *p, int abi, const resolved *res) {
    entries e = { .p = p };
    sc_arg mux_args[SC_NMUX];
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
        size_t j = group_end(&e, i);
        /* a run of syscalls whose first unconditional rule has one action shares one ret:
         * jeq each → ret, ja past it (n + 2 instructions instead of 2n) */
        const entry *u = uncond(&e.v[i], &e.v[j]);
        size_t k = j, n = 1;
        while (u && k < e.n && n < 250) {
            size_t l = group_end(&e, k);
            const entry *w = uncond(&e.v[k], &e.v[l]);
            if (!w || w->f.action != u->f.action) break;
            k = l; n++;
        }
        if (n >= 3) {
            int ret = label(g), past = label(g);
            for (size_t x = i; x < k; x = group_end(&e, x)) put(g, JEQ_K, ret, -1, e.v[x].nr);
            put(g, JA, -1, -1, (uint32_t)past);
            here(g, ret);
            put(g, RET_K, -1, -1, u->f.action);
            here(g, past);
            i = k;
            continue;
        }
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
