/* json.c — strict recursive-descent JSON parser (RFC 8259) into an arena DOM.
 * Must never read past `len`, recurse without a bound, or accept a key twice in one object. */
#include "json.h"
#include <stdlib.h>
#include <string.h>

/* Go's encoding/json allows 10000 levels, and runc reads config.json with it */
#define MAX_DEPTH 10000

typedef struct {
    arena *a;
    const uint8_t *p, *end, *start;
    json_error *err;
} rd;

static jv *fail(rd *r, const uint8_t *at, const char *what) {
    if (!r->err->what) { r->err->offset = (size_t)(at - r->start); r->err->what = what; }
    return NULL;
}

static void skip_ws(rd *r) {
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')) r->p++;
}

static jv *new_value(rd *r, jv_type t) {
    jv *v = arena_alloc(r->a, sizeof *v);
    if (!v) return fail(r, r->p, "out of memory");
    v->type = t;
    v->offset = (size_t)(r->p - r->start);
    return v;
}

static int hex4(const uint8_t *p, const uint8_t *end, uint32_t *out) {
    if (end - p < 4) return -1;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= c - '0';
        else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
        else return -1;
    }
    *out = v;
    return 0;
}

static void put_utf8(buf *b, uint32_t cp) {
    uint8_t x[4]; size_t n;
    if (cp < 0x80) { x[0] = cp; n = 1; }
    else if (cp < 0x800) { x[0] = 0xc0 | cp >> 6; x[1] = 0x80 | (cp & 0x3f); n = 2; }
    else if (cp < 0x10000) { x[0] = 0xe0 | cp >> 12; x[1] = 0x80 | ((cp >> 6) & 0x3f); x[2] = 0x80 | (cp & 0x3f); n = 3; }
    else { x[0] = 0xf0 | cp >> 18; x[1] = 0x80 | ((cp >> 12) & 0x3f); x[2] = 0x80 | ((cp >> 6) & 0x3f); x[3] = 0x80 | (cp & 0x3f); n = 4; }
    buf_put(b, x, n);
}

/* Length of the valid UTF-8 sequence at p, or 0 (overlongs and surrogates are invalid). */
static size_t utf8_len(const uint8_t *p, const uint8_t *end) {
    uint8_t c = p[0];
    size_t n; uint32_t cp, min;
    if (c < 0x80) return 1;
    if ((c & 0xe0) == 0xc0) { n = 2; cp = c & 0x1f; min = 0x80; }
    else if ((c & 0xf0) == 0xe0) { n = 3; cp = c & 0x0f; min = 0x800; }
    else if ((c & 0xf8) == 0xf0) { n = 4; cp = c & 0x07; min = 0x10000; }
    else return 0;
    if ((size_t)(end - p) < n) return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return n;
}

/* Reads a string at r->p (which points at the opening quote). */
static int read_string(rd *r, const char **out, size_t *out_len) {
    const uint8_t *q = r->p + 1;
    buf b; buf_init(&b, r->a);
    for (;;) {
        if (q >= r->end) { fail(r, q, "unterminated string"); return -1; }
        uint8_t c = *q;
        if (c == '"') break;
        if (c < 0x20) { fail(r, q, "control character in string"); return -1; }
        if (c == '\\') {
            if (q + 1 >= r->end) { fail(r, q, "unterminated string"); return -1; }
            uint8_t e = q[1];
            const char *simple = NULL;
            switch (e) {
            case '"': simple = "\""; break; case '\\': simple = "\\"; break; case '/': simple = "/"; break;
            case 'b': simple = "\b"; break; case 'f': simple = "\f"; break; case 'n': simple = "\n"; break;
            case 'r': simple = "\r"; break; case 't': simple = "\t"; break;
            case 'u': {
                uint32_t cp;
                if (hex4(q + 2, r->end, &cp)) { fail(r, q, "invalid \\u escape"); return -1; }
                q += 6;
                if (cp >= 0xdc00 && cp <= 0xdfff) { fail(r, q - 6, "lone low surrogate"); return -1; }
                if (cp >= 0xd800 && cp <= 0xdbff) {
                    uint32_t lo;
                    if (r->end - q < 6 || q[0] != '\\' || q[1] != 'u' || hex4(q + 2, r->end, &lo) ||
                        lo < 0xdc00 || lo > 0xdfff) { fail(r, q - 6, "lone high surrogate"); return -1; }
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    q += 6;
                }
                if (cp == 0) buf_put(&b, "", 1);   /* kept; consumers reject NUL where it matters */
                else put_utf8(&b, cp);
                continue;
            }
            default: fail(r, q, "invalid escape"); return -1;
            }
            buf_put(&b, simple, 1);
            q += 2;
            continue;
        }
        size_t n = utf8_len(q, r->end);
        if (!n) { fail(r, q, "invalid UTF-8"); return -1; }
        buf_put(&b, q, n);
        q += n;
    }
    *out_len = b.len;
    *out = buf_cstr(&b);
    if (r->a->failed || !*out) { fail(r, q, "out of memory"); return -1; }
    r->p = q + 1;
    return 0;
}

static jv *parse_value(rd *r);

static jv *parse_number(rd *r) {
    jv *v = new_value(r, JV_NUM);
    if (!v) return NULL;
    const uint8_t *q = r->p, *s = q;
    if (q < r->end && *q == '-') { v->num_neg = true; q++; }
    if (q >= r->end || *q < '0' || *q > '9') return fail(r, q, "invalid number");
    if (*q == '0') q++;
    else while (q < r->end && *q >= '0' && *q <= '9') q++;
    const uint8_t *int_end = q;
    bool integral = true;
    if (q < r->end && *q == '.') {
        integral = false; q++;
        if (q >= r->end || *q < '0' || *q > '9') return fail(r, q, "invalid number");
        while (q < r->end && *q >= '0' && *q <= '9') q++;
    }
    if (q < r->end && (*q == 'e' || *q == 'E')) {
        integral = false; q++;
        if (q < r->end && (*q == '+' || *q == '-')) q++;
        if (q >= r->end || *q < '0' || *q > '9') return fail(r, q, "invalid number");
        while (q < r->end && *q >= '0' && *q <= '9') q++;
    }
    v->num_int = integral;
    if (integral) {
        uint64_t m = 0;
        for (const uint8_t *d = s + v->num_neg; d < int_end; d++) {
            uint64_t digit = *d - '0';
            if (m > (UINT64_MAX - digit) / 10) { v->num_overflow = true; break; }
            m = m * 10 + digit;
        }
        v->num_mag = m;
    }
    v->s = arena_strndup(r->a, (const char *)s, (size_t)(q - s));
    v->len = (size_t)(q - s);
    r->p = q;
    return v;
}

static jv *parse_literal(rd *r, const char *word, jv_type t, bool b) {
    size_t n = strlen(word);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n)) return fail(r, r->p, "invalid literal");
    jv *v = new_value(r, t);
    if (!v) return NULL;
    v->b = b;
    r->p += n;
    return v;
}

/* Collects children in a growable arena array. */
typedef struct { jv **v; size_t n, cap; } jvec;
static int jvec_push(rd *r, jvec *x, jv *v) {
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 8;
        jv **nv = arena_alloc(r->a, cap * sizeof *nv);
        if (!nv) { fail(r, r->p, "out of memory"); return -1; }
        if (x->n) memcpy(nv, x->v, x->n * sizeof *nv);
        x->v = nv; x->cap = cap;
    }
    x->v[x->n++] = v;
    return 0;
}

/* an object with more members than this is checked for duplicate names once, sorted */
#define DUP_SCAN 16

static int by_key(const void *a, const void *b) {
    const jv *x = *(const jv *const *)a, *y = *(const jv *const *)b;
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = memcmp(x->key, y->key, n);
    if (c) return c;
    if (x->key_len != y->key_len) return x->key_len < y->key_len ? -1 : 1;
    return x->key_offset < y->key_offset ? -1 : x->key_offset > y->key_offset;
}

/* The second of two equal names, found in n log n: an object of 100,000 members parses in
 * linear-looking time instead of 5e9 comparisons. */
static jv *check_dups(rd *r, jvec *items) {
    jv **sorted = arena_alloc(r->a, items->n * sizeof *sorted);
    if (!sorted) return fail(r, r->p, "out of memory");
    memcpy(sorted, items->v, items->n * sizeof *sorted);
    qsort(sorted, items->n, sizeof *sorted, by_key);
    const jv *first = NULL;
    for (size_t i = 1; i < items->n; i++)
        if (sorted[i]->key_len == sorted[i - 1]->key_len && !memcmp(sorted[i]->key, sorted[i - 1]->key, sorted[i]->key_len))
            if (!first || sorted[i]->key_offset < first->key_offset) first = sorted[i];
    if (first) return fail(r, r->start + first->key_offset, "duplicate member name");
    return (jv *)1;
}

/* One open array or object: its value, the children so far and, in an object, the name of
 * the member whose value comes next. */
typedef struct { jv *v; jvec items; const char *key; size_t key_len; const uint8_t *key_at; } frame;

/* a member name and its ':' (the object is open, the name is next) */
static int read_key(rd *r, frame *f) {
    skip_ws(r);
    if (r->p >= r->end || *r->p != '"') { fail(r, r->p, "expected a member name"); return -1; }
    f->key_at = r->p;
    if (read_string(r, &f->key, &f->key_len)) return -1;
    /* small objects are checked as they are read; large ones once, sorted, when they close */
    for (size_t i = 0; i < f->items.n && f->items.n < DUP_SCAN; i++)
        if (f->items.v[i]->key_len == f->key_len && !memcmp(f->items.v[i]->key, f->key, f->key_len))
            { fail(r, f->key_at, "duplicate member name"); return -1; }
    skip_ws(r);
    if (r->p >= r->end || *r->p != ':') { fail(r, r->p, "expected ':'"); return -1; }
    r->p++;
    return 0;
}

static jv *parse_scalar(rd *r) {
    switch (*r->p) {
    case '"': {
        jv *v = new_value(r, JV_STR);
        return v && !read_string(r, &v->s, &v->len) ? v : NULL;
    }
    case 't': return parse_literal(r, "true", JV_BOOL, true);
    case 'f': return parse_literal(r, "false", JV_BOOL, false);
    case 'n': return parse_literal(r, "null", JV_NULL, false);
    default: return parse_number(r);
    }
}

/* Iterative, with the open containers on an arena stack: 10,000 levels cost no call stack. */
static jv *parse_value(rd *r) {
    frame *st = NULL; size_t depth = 0, cap = 0;
    for (;;) {
        /* a value is due: the document, an array element or a member's value */
        skip_ws(r);
        if (r->p >= r->end) return fail(r, r->p, "unexpected end of input");
        jv *done;
        if (*r->p == '{' || *r->p == '[') {
            if (depth >= MAX_DEPTH) return fail(r, r->p, "nesting too deep");
            if (depth == cap) {
                size_t nc = cap ? cap * 2 : 16;
                frame *ns = arena_alloc(r->a, nc * sizeof *ns);
                if (!ns) return fail(r, r->p, "out of memory");
                if (depth) memcpy(ns, st, depth * sizeof *ns);
                st = ns; cap = nc;
            }
            bool obj = *r->p == '{';
            frame *f = &st[depth++];
            *f = (frame){ new_value(r, obj ? JV_OBJ : JV_ARR), {0}, NULL, 0, NULL };
            if (!f->v) return NULL;
            r->p++;
            skip_ws(r);
            if (r->p < r->end && *r->p == (obj ? '}' : ']')) { r->p++; done = f->v; depth--; }
            else if (obj && read_key(r, f)) return NULL;
            else continue;
        } else if (!(done = parse_scalar(r))) return NULL;
        /* a value is complete: hand it to the container it is in; close those that end */
        for (;;) {
            if (!depth) return done;
            frame *f = &st[depth - 1];
            done->parent = f->v;
            if (f->v->type == JV_OBJ) {
                done->key = f->key; done->key_len = f->key_len; done->key_offset = (size_t)(f->key_at - r->start);
            } else done->index = f->items.n;
            if (jvec_push(r, &f->items, done)) return NULL;
            skip_ws(r);
            bool obj = f->v->type == JV_OBJ;
            if (r->p >= r->end) return fail(r, r->p, obj ? "unterminated object" : "unterminated array");
            if (*r->p == ',') {
                r->p++;
                if (obj && read_key(r, f)) return NULL;
                break;
            }
            if (*r->p != (obj ? '}' : ']')) return fail(r, r->p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
            r->p++;
            if (obj && f->items.n >= DUP_SCAN && !check_dups(r, &f->items)) return NULL;
            f->v->items = f->items.v; f->v->n = f->items.n;
            done = f->v;
            depth--;
        }
    }
}

jv *json_parse(arena *a, const uint8_t *text, size_t len, json_error *err) {
    rd r = { a, text, text + len, text, err };
    err->what = NULL; err->offset = 0;
    /* a UTF-8 byte order mark is not JSON (RFC 8259 §8.1 allows rejecting it) */
    jv *v = parse_value(&r);
    if (!v) return NULL;
    skip_ws(&r);
    if (r.p != r.end) return fail(&r, r.p, "trailing characters after the document");
    return v;
}

jv *json_get(const jv *obj, const char *key) {
    if (!obj || obj->type != JV_OBJ) return NULL;
    size_t n = strlen(key);
    for (size_t i = 0; i < obj->n; i++)
        if (obj->items[i]->key_len == n && !memcmp(obj->items[i]->key, key, n)) return obj->items[i];
    return NULL;
}

char *json_pointer(arena *a, const jv *v) {
    /* collect the chain root..v, then append each step */
    const jv *chain[MAX_DEPTH + 2]; int n = 0;
    for (const jv *x = v; x && x->parent && n < MAX_DEPTH + 2; x = x->parent) chain[n++] = x;
    buf b; buf_init(&b, a);
    while (n--) {
        const jv *x = chain[n];
        buf_put(&b, "/", 1);
        if (x->parent->type == JV_OBJ) {
            for (size_t i = 0; i < x->key_len; i++) {
                if (x->key[i] == '~') buf_put(&b, "~0", 2);
                else if (x->key[i] == '/') buf_put(&b, "~1", 2);
                else buf_put(&b, &x->key[i], 1);
            }
        } else {
            char *idx = arena_printf(a, "%llu", (unsigned long long)x->index);
            buf_put(&b, idx, strlen(idx));
        }
    }
    return buf_cstr(&b);
}

const char *json_type_name(jv_type t) {
    switch (t) {
    case JV_NULL: return "null"; case JV_BOOL: return "a boolean"; case JV_NUM: return "a number";
    case JV_STR: return "a string"; case JV_ARR: return "an array"; default: return "an object";
    }
}
