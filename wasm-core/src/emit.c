/* emit.c — the plan encoder: header, then one record per op, each argument written as the
 * op's ops.def signature says. Must never write an op whose arguments do not match it. */
#include "planner.h"
#include <stdarg.h>
#include <string.h>

static const struct { int code; const char *sig; } op_sigs[] = {
#define OP(E, code, name, sig, args) { code, sig },
#include "../ops.def"
#undef OP
};

static const char *sig_of(int op) {
    for (size_t i = 0; i < sizeof op_sigs / sizeof op_sigs[0]; i++)
        if (op_sigs[i].code == op) return op_sigs[i].sig;
    return NULL;
}

void emit_begin(planner *p) {
    buf_init(&p->out, &p->a);
    buf_put(&p->out, "PLNC", 4);
    buf_u16(&p->out, 1);
    buf_u16(&p->out, 0);
    buf_u32(&p->out, 0);   /* op_count, patched by emit_end */
    p->nops = 0;
}

void emit(planner *p, int op, int lane, const char *expect, const char *why, ...) {
    const char *sig = sig_of(op);
    /* a wrapper in ops.h out of step with ops.def would write a plan nobody can decode */
    if (!sig || strcmp(sig, expect)) { p->a.failed = 1; p->sig_mismatch = op; return; }
    buf *b = &p->out;
    buf_u16(b, (uint16_t)op);
    buf_u8(b, (uint8_t)lane);
    buf_u8(b, 0);
    size_t len_at = b->len;
    buf_u32(b, 0);
    size_t body_at = b->len;
    buf_str(b, why);
    va_list ap;
    va_start(ap, why);
    for (const char *c = sig; *c; c++) {
        switch (*c) {
        case 'u': buf_u32(b, va_arg(ap, uint32_t)); break;
        case 'i': buf_u32(b, (uint32_t)va_arg(ap, int32_t)); break;
        case 'U': buf_u64(b, va_arg(ap, uint64_t)); break;
        case 's': buf_str(b, va_arg(ap, const char *)); break;
        case 'S': {
            const strvec *v = va_arg(ap, const strvec *);
            buf_u32(b, v->n);
            for (uint32_t i = 0; i < v->n; i++) buf_str(b, v->v[i]);
            break;
        }
        case 'L': {
            const u32vec *v = va_arg(ap, const u32vec *);
            buf_u32(b, v->n);
            for (uint32_t i = 0; i < v->n; i++) buf_u32(b, v->v[i]);
            break;
        }
        case 'b': {
            const uint8_t *d = va_arg(ap, const uint8_t *);
            size_t n = va_arg(ap, size_t);
            buf_u32(b, (uint32_t)n);
            buf_put(b, d, n);
            break;
        }
        }
    }
    va_end(ap);
    buf_patch_u32(b, len_at, (uint32_t)(b->len - body_at));
    p->nops++;
}

void emit_end(planner *p) { buf_patch_u32(&p->out, 8, p->nops); }
