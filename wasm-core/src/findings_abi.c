/* findings_abi.c — the wasm exports for audits, in the canonical-ABI shape planc.wit describes:
 * validate(config, context) -> list<finding>, cabi_post_validate, rules() -> string.
 * Wasm only (the native tools call planc_validate directly); never keeps results past cabi_post_validate. */
#ifdef __wasm__
#include "findings.h"
#include <stdlib.h>
#include <string.h>

static planner vcur;               /* reset at each call; released by cabi_post_validate */
static uint32_t vret[2];           /* list ptr @0, list len @4 */
static uint32_t rret[2];           /* string ptr @0, len @4 */

static void put_str(uint32_t *rec, const char *s) {
    rec[0] = (uint32_t)(uintptr_t)s;
    rec[1] = (uint32_t)strlen(s);
}

uint32_t *validate(uint8_t *config, size_t config_len, uint8_t *ctx, size_t ctx_len) {
    arena_free_all(&vcur.a);
    memset(&vcur, 0, sizeof vcur);
    finding *f = NULL; size_t n = 0;
    planc_validate(&vcur, config, config_len, ctx, ctx_len, &f, &n);
    /* the arguments were allocated through cabi_realloc and belong to us now */
    if (config_len) free(config);
    if (ctx_len) free(ctx);
    uint32_t *recs = arena_alloc(&vcur.a, (n ? n : 1) * 32);   /* 4 strings of (ptr, len) */
    for (size_t i = 0; recs && i < n; i++) {
        put_str(recs + i * 8, f[i].pointer);
        put_str(recs + i * 8 + 2, f[i].rule);
        put_str(recs + i * 8 + 4, f[i].severity);
        put_str(recs + i * 8 + 6, f[i].message);
    }
    vret[0] = (uint32_t)(uintptr_t)recs;
    vret[1] = recs ? (uint32_t)n : 0;
    return vret;
}

void cabi_post_validate(uint32_t *ret) {
    (void)ret;
    arena_free_all(&vcur.a);
    memset(&vcur, 0, sizeof vcur);
}

/* the tables are constant: built once per instance and never freed */
uint32_t *rules(void) {
    static arena a;
    static const char *json;
    static size_t len;
    if (!json) json = planc_rules_json(&a, &len);
    rret[0] = (uint32_t)(uintptr_t)json;
    rret[1] = json ? (uint32_t)len : 0;
    return rret;
}
#endif
