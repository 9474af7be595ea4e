/* fuzz_decode.c — libFuzzer target for the shim's plan decoder: any bytes must either be
 * refused with a complete error or decode into ops whose lanes the process-model check can
 * judge; the decoded plan must print. Built with clang and glibc for the fuzzer only (the shim
 * itself is musl-static); never shipped. The shim never frees a plan (it lives as long as the
 * process); the harness frees each one so a long run stays in memory. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../src/shim.h"

/* every pointer the decoder allocated; the ops array is zeroed, so unused fields are NULL */
static void plan_free(struct plan *p) {
    for (uint32_t i = 0; p->ops && i < p->count; i++) {
        struct op *op = &p->ops[i];
        free((void *)op->why);
        for (int k = 0; k < MAX_ARGS; k++) {
            free((void *)op->a[k].s);
            for (char **v = op->a[k].sv; v && *v; v++) free(*v);
            free(op->a[k].sv);
            free(op->a[k].l);
        }
    }
    free(p->ops);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int devnull = -1;
    if (devnull < 0) devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    struct plan p = { 0, NULL };
    struct err e;
    memset(&e, 0, sizeof e);
    if (plan_decode(data, size, &p, &e) < 0) {
        if (!e.what[0] || !e.errnum) __builtin_trap();
        plan_free(&p);
        return 0;
    }
    for (int clones = 0; clones < 2; clones++) {
        struct err e2;
        memset(&e2, 0, sizeof e2);
        if (plan_check_lanes(&p, clones, &e2) < 0 && !e2.what[0]) __builtin_trap();
    }
    plan_print(devnull, &p);
    plan_free(&p);
    return 0;
}

/* main.c (with main()) is not linked into the fuzzer; nothing the decoder does reaches this */
int apply_teardown(struct ctx *c, const struct plan *p, int report) {
    (void)c; (void)p; (void)report;
    __builtin_trap();
}
