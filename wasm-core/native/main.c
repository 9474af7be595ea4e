/* main.c — planc-plan-native: the planner as a host program for debugging, fuzzing and
 * sanitizers. Reads config.json and a context record, writes plan bytes (or, with --text,
 * a rendering) to stdout, or the errors to stderr and exits 1. Must never be shipped. */
#include "../src/planner.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void render_plan(FILE *f, const uint8_t *p, size_t n);

static uint8_t *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(2); }
    size_t cap = 65536, n = 0;
    uint8_t *b = malloc(cap);
    for (;;) {
        if (n == cap) b = realloc(b, cap *= 2);
        size_t r = fread(b + n, 1, cap - n, f);
        if (!r) break;
        n += r;
    }
    fclose(f);
    *len = n;
    return b;
}

int main(int argc, char **argv) {
    int text = 0, i = 1;
    if (argc == 2 && !strcmp(argv[1], "--rules")) {
        /* the rule table, one JSON object per line, for tools that list or check rule ids */
#define RULE(E, id, desc) printf("{\"rule\":\"%s\",\"description\":\"%s\"}\n", id, desc);
#include "../rules.def"
#undef RULE
        return 0;
    }
    if (i < argc && !strcmp(argv[i], "--text")) { text = 1; i++; }
    if (argc - i != 2) {
        fprintf(stderr, "usage: planc-plan-native [--text] config.json context.json | --rules\n");
        return 2;
    }
    size_t cl, xl;
    uint8_t *config = slurp(argv[i], &cl), *ctx = slurp(argv[i + 1], &xl);
    static planner p;
    const uint8_t *out; size_t out_len;
    int rc = 0;
    if (planc_plan(&p, config, cl, ctx, xl, &out, &out_len)) {
        if (text) render_plan(stdout, out, out_len);
        else fwrite(out, 1, out_len, stdout);
    } else {
        for (size_t k = 0; k < p.nerrs; k++)
            fprintf(stderr, "%s: %s [%s]\n", p.errs[k].pointer, p.errs[k].message, p.errs[k].rule);
        rc = 1;
    }
    arena_free_all(&p.a);
    free(config); free(ctx);
    return rc;
}
