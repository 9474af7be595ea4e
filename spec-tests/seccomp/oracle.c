/* oracle.c — the differential test's reference: builds a seccomp filter with libseccomp the way
 * runc 1.1.5 does (InitSeccomp/matchCall) and writes seccomp_export_bpf's bytes to stdout. It is
 * compiled by the test only and never linked into planc. runc's -ENOSYS stub is not built here:
 * the test models it; this program prints each listed arch's largest syscall number for it.
 *
 * input (stdin), one item a line:
 *   default <u32 action>
 *   arch <SCMP_ARCH_*>
 *   rule <name> <u32 action> <nargs> {<index> <op 0..6> <value> <valueTwo>}*
 * output: stdout the BPF program; stderr "max <arch token> <nr>" lines, or "error ..." (exit 2). */
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

static const enum scmp_compare ops[] = { SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ,
                                         SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ };
typedef struct { char name[64]; uint32_t action; unsigned n; struct scmp_arg_cmp a[16]; } rule;

int main(void) {
    static rule rules[8192];
    unsigned nrules = 0, narch = 0;
    uint32_t def = SCMP_ACT_ALLOW, arches[32];
    char kw[32];
    while (scanf("%31s", kw) == 1) {
        if (!strcmp(kw, "default")) { if (scanf("%u", &def) != 1) return 3; }
        else if (!strcmp(kw, "arch")) {
            char a[64];
            if (scanf("%63s", a) != 1) return 3;
            for (char *c = a; *c; c++) if (*c >= 'A' && *c <= 'Z') *c += 32;
            arches[narch++] = seccomp_arch_resolve_name(a + strlen("scmp_arch_"));
        } else if (!strcmp(kw, "rule")) {
            rule *r = &rules[nrules++];
            if (scanf("%63s %u %u", r->name, &r->action, &r->n) != 3 || r->n > 16) return 3;
            for (unsigned i = 0; i < r->n; i++) {
                unsigned idx, op; unsigned long long v1, v2;
                if (scanf("%u %u %llu %llu", &idx, &op, &v1, &v2) != 4) return 3;
                r->a[i] = (struct scmp_arg_cmp){ idx, ops[op], v1, v2 };
            }
        } else return 3;
    }
    scmp_filter_ctx ctx = seccomp_init(def);
    if (!ctx) { fprintf(stderr, "error seccomp_init\n"); return 2; }
    for (unsigned i = 0; i < narch; i++) {
        if (!arches[i]) { fprintf(stderr, "error arch\n"); return 2; }
        int rc = seccomp_arch_add(ctx, arches[i]);
        if (rc && rc != -EEXIST) { fprintf(stderr, "error arch_add %d\n", rc); return 2; }
    }
    for (unsigned i = 0; i < nrules; i++) {
        rule *r = &rules[i];
        if (r->action == def) continue;                        /* runc: redundant, skipped */
        int nr = seccomp_syscall_resolve_name(r->name);
        if (nr == __NR_SCMP_ERROR) continue;                   /* runc: unknown, ignored */
        unsigned per[6] = {0}; int multi = 0;
        for (unsigned k = 0; k < r->n; k++) if (++per[r->a[k].arg] > 1) multi = 1;
        int rc = 0;
        if (!r->n) rc = seccomp_rule_add(ctx, r->action, nr, 0);
        else if (multi)
            for (unsigned k = 0; k < r->n && !rc; k++) rc = seccomp_rule_add_array(ctx, r->action, nr, 1, &r->a[k]);
        else rc = seccomp_rule_add_array(ctx, r->action, nr, r->n, r->a);
        if (rc) { fprintf(stderr, "error rule %u %s %d\n", i, r->name, rc); return 2; }
    }
    for (unsigned i = 0; i < narch; i++) {
        int max = 0;
        for (unsigned k = 0; k < nrules; k++) {
            int nr = seccomp_syscall_resolve_name_arch(arches[i], rules[k].name);
            if (nr != __NR_SCMP_ERROR && nr > max) max = nr;
        }
        fprintf(stderr, "max %u %d\n", arches[i], max);
    }
    if (seccomp_export_bpf(ctx, 1)) { fprintf(stderr, "error export\n"); return 2; }
    seccomp_release(ctx);
    return 0;
}
