/* abi.c — the wasm exports in the canonical-ABI shape planc.wit describes:
 * plan(config, context) -> result<list<u8>, list<spec-error>>, cabi_realloc, cabi_post_plan.
 * Must never import anything or keep results past cabi_post_plan. */
#include "planner.h"
#include <stdlib.h>
#include <string.h>

static planner current;            /* reset at each call; released by cabi_post_plan */
static uint32_t ret_area[3];       /* u8 discriminant @0, list ptr @4, list len @8 */

void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
    (void)old_size;
    if (new_size == 0) { free(old); return (void *)align; }   /* non-null, aligned, never used */
    return realloc(old, new_size);
}

static void put_str(uint32_t *rec, const char *s) {
    rec[0] = (uint32_t)(uintptr_t)s;
    rec[1] = (uint32_t)strlen(s);
}

uint32_t *plan(uint8_t *config, size_t config_len, uint8_t *ctx, size_t ctx_len) {
    arena_free_all(&current.a);
    memset(&current, 0, sizeof current);
    const uint8_t *out = NULL; size_t out_len = 0;
    bool ok = planc_plan(&current, config, config_len, ctx, ctx_len, &out, &out_len);
    /* the arguments were allocated through cabi_realloc and belong to us now; an empty
     * list was never allocated (cabi_realloc answered its alignment) */
    if (config_len) free(config);
    if (ctx_len) free(ctx);
    memset(ret_area, 0, sizeof ret_area);
    if (ok) {
        ret_area[0] = 0;
        ret_area[1] = (uint32_t)(uintptr_t)out;
        ret_area[2] = (uint32_t)out_len;
        return ret_area;
    }
    uint32_t *recs = arena_alloc(&current.a, (current.nerrs ? current.nerrs : 1) * 24);
    for (size_t i = 0; recs && i < current.nerrs; i++) {
        put_str(recs + i * 6, current.errs[i].pointer);
        put_str(recs + i * 6 + 2, current.errs[i].rule);
        put_str(recs + i * 6 + 4, current.errs[i].message);
    }
    ret_area[0] = 1;
    ret_area[1] = (uint32_t)(uintptr_t)recs;
    ret_area[2] = recs ? (uint32_t)current.nerrs : 0;
    return ret_area;
}

void cabi_post_plan(uint32_t *ret) {
    (void)ret;
    arena_free_all(&current.a);
    memset(&current, 0, sizeof current);
}
