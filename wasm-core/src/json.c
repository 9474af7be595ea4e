/* json.c — strict recursive-descent JSON parser (RFC 8259) into an arena DOM.
 * Must never read past `len`, recurse without a bound, or accept a key twice in one object. */
#include "json.h"
#include <string.h>

#define MAX_DEPTH 64

typedef struct {
    arena *a;
    const uint8_t *p, *end, *start;
    json_error *err;
    int depth;
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
        if (m == 0) v->num_neg = false;  /* -0 is 0 */
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

static jv *parse_array(rd *r) {
    jv *v = new_value(r, JV_ARR);
    if (!v) return NULL;
    r->p++;
    jvec items = {0};
    skip_ws(r);
    if (r->p < r->end && *r->p == ']') { r->p++; return v; }
    for (;;) {
        jv *e = parse_value(r);
        if (!e) return NULL;
        e->parent = v; e->index = items.n;
        if (jvec_push(r, &items, e)) return NULL;
        skip_ws(r);
        if (r->p >= r->end) return fail(r, r->p, "unterminated array");
        if (*r->p == ',') { r->p++; continue; }
        if (*r->p == ']') { r->p++; break; }
        return fail(r, r->p, "expected ',' or ']'");
    }
    v->items = items.v; v->n = items.n;
    return v;
}

static jv *parse_object(rd *r) {
    jv *v = new_value(r, JV_OBJ);
    if (!v) return NULL;
    r->p++;
    jvec items = {0};
    skip_ws(r);
    if (r->p < r->end && *r->p == '}') { r->p++; return v; }
    for (;;) {
        skip_ws(r);
        if (r->p >= r->end || *r->p != '"') return fail(r, r->p, "expected a member name");
        const uint8_t *key_at = r->p;
        const char *key; size_t key_len;
        if (read_string(r, &key, &key_len)) return NULL;
        for (size_t i = 0; i < items.n; i++)
            if (items.v[i]->key_len == key_len && !memcmp(items.v[i]->key, key, key_len))
                return fail(r, key_at, "duplicate member name");
        skip_ws(r);
        if (r->p >= r->end || *r->p != ':') return fail(r, r->p, "expected ':'");
        r->p++;
        jv *e = parse_value(r);
        if (!e) return NULL;
        e->parent = v; e->key = key; e->key_len = key_len;
        if (jvec_push(r, &items, e)) return NULL;
        skip_ws(r);
        if (r->p >= r->end) return fail(r, r->p, "unterminated object");
        if (*r->p == ',') { r->p++; continue; }
        if (*r->p == '}') { r->p++; break; }
        return fail(r, r->p, "expected ',' or '}'");
    }
    v->items = items.v; v->n = items.n;
    return v;
}

static jv *parse_value(rd *r) {
    skip_ws(r);
    if (r->p >= r->end) return fail(r, r->p, "unexpected end of input");
    if (++r->depth > MAX_DEPTH) return fail(r, r->p, "nesting too deep");
    jv *v;
    switch (*r->p) {
    case '{': v = parse_object(r); break;
    case '[': v = parse_array(r); break;
    case '"': {
        v = new_value(r, JV_STR);
        if (v && read_string(r, &v->s, &v->len)) v = NULL;
        break;
    }
    case 't': v = parse_literal(r, "true", JV_BOOL, true); break;
    case 'f': v = parse_literal(r, "false", JV_BOOL, false); break;
    case 'n': v = parse_literal(r, "null", JV_NULL, false); break;
    default: v = parse_number(r); break;
    }
    r->depth--;
    return v;
}

jv *json_parse(arena *a, const uint8_t *text, size_t len, json_error *err) {
    rd r = { a, text, text + len, text, err, 0 };
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
