/* arena.c — bump allocation and byte buffers for one planner call.
 * Must never keep state across calls: arena_free_all returns every byte. */
#include "arena.h"
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct arena_chunk { arena_chunk *next; size_t used, cap; uint8_t data[]; };

void *arena_alloc(arena *a, size_t n) {
    n = (n + 7) & ~(size_t)7;
    arena_chunk *c = a->head;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        c = malloc(sizeof *c + cap);
        if (!c) { a->failed = 1; return NULL; }
        c->next = a->head; c->used = 0; c->cap = cap;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t n) {
    char *p = arena_alloc(a, n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *arena_strdup(arena *a, const char *s) { return arena_strndup(a, s, strlen(s)); }

void arena_free_all(arena *a) {
    arena_chunk *c = a->head;
    while (c) { arena_chunk *n = c->next; free(c); c = n; }
    a->head = NULL;
    a->failed = 0;
}

void buf_init(buf *b, arena *a) { b->a = a; b->p = NULL; b->len = b->cap = 0; }

void buf_put(buf *b, const void *p, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->len + n) cap *= 2;
        uint8_t *q = arena_alloc(b->a, cap);
        if (!q) return;
        if (b->len) memcpy(q, b->p, b->len);
        b->p = q; b->cap = cap;
    }
    if (n) memcpy(b->p + b->len, p, n);
    b->len += n;
}

void buf_u8(buf *b, uint8_t v) { buf_put(b, &v, 1); }
void buf_u16(buf *b, uint16_t v) { uint8_t x[2] = { v, v >> 8 }; buf_put(b, x, 2); }
void buf_u32(buf *b, uint32_t v) {
    uint8_t x[4] = { v, v >> 8, v >> 16, v >> 24 };
    buf_put(b, x, 4);
}
void buf_u64(buf *b, uint64_t v) { buf_u32(b, (uint32_t)v); buf_u32(b, (uint32_t)(v >> 32)); }
void buf_str(buf *b, const char *s) {
    size_t n = strlen(s);
    buf_u32(b, (uint32_t)n);
    buf_put(b, s, n);
}
void buf_patch_u32(buf *b, size_t at, uint32_t v) {
    if (!b->p || at + 4 > b->len) return;
    b->p[at] = v; b->p[at + 1] = v >> 8; b->p[at + 2] = v >> 16; b->p[at + 3] = v >> 24;
}
char *buf_cstr(buf *b) { return arena_strndup(b->a, b->p ? (const char *)b->p : "", b->len); }

/* A deliberately tiny formatter: wasi-libc's printf family would pull stdio into the
 * module, and we want the exact same digits on every host. */
static void put_unsigned(buf *b, unsigned long long v, unsigned base) {
    char tmp[32]; int n = 0;
    do { tmp[n++] = "0123456789abcdef"[v % base]; v /= base; } while (v);
    while (n) buf_put(b, &tmp[--n], 1);
}

char *arena_printf(arena *a, const char *fmt, ...) {
    buf b; buf_init(&b, a);
    va_list ap; va_start(ap, fmt);
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') { buf_put(&b, f, 1); continue; }
        f++;
        int ll = 0;
        while (*f == 'l') { ll++; f++; }
        switch (*f) {
        case 's': { const char *s = va_arg(ap, const char *); buf_put(&b, s, strlen(s)); break; }
        case 'c': { char c = (char)va_arg(ap, int); buf_put(&b, &c, 1); break; }
        case 'd': {
            long long v = ll ? va_arg(ap, long long) : va_arg(ap, int);
            if (v < 0) { buf_put(&b, "-", 1); put_unsigned(&b, 0ULL - (unsigned long long)v, 10); }
            else put_unsigned(&b, (unsigned long long)v, 10);
            break;
        }
        case 'u': put_unsigned(&b, ll ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned), 10); break;
        case 'x': put_unsigned(&b, ll ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned), 16); break;
        case 'o': put_unsigned(&b, ll ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned), 8); break;
        case '%': buf_put(&b, "%", 1); break;
        default: buf_put(&b, "?", 1); if (!*f) f--; break;
        }
    }
    va_end(ap);
    return buf_cstr(&b);
}
