/* fuzz_check.h — what the planner's fuzz targets require of one planc_plan() result: a plan
 * whose op records exactly fill it (each handed to `each` when given), or complete errors. */
#include "../src/planner.h"
#include <string.h>

static void check_result(const planner *p, bool planned, const uint8_t *out, size_t len,
                         void (*each)(uint16_t code, const uint8_t *body, uint32_t n)) {
    if (!planned) {
        for (size_t i = 0; i < p->nerrs; i++)
            if (!p->errs[i].pointer || !p->errs[i].rule || !p->errs[i].message || !*p->errs[i].message) __builtin_trap();
        return;
    }
    uint32_t count; memcpy(&count, out + 8, 4);
    size_t at = 12;
    for (uint32_t i = 0; i < count; i++) {
        if (at + 8 > len) __builtin_trap();
        uint32_t w0, body; memcpy(&w0, out + at, 4); memcpy(&body, out + at + 4, 4);
        if (at + 8 + body > len) __builtin_trap();
        if (each) each((uint16_t)w0, out + at + 8, body);
        at += 8 + body;
    }
    if (at != len) __builtin_trap();
}
