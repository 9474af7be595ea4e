/* check.c — error collection and typed access to config fields, plus lexical path helpers.
 * Must never stop at the first error: every check reports and the caller carries on. */
#include "planner.h"
#include <stdlib.h>
#include <string.h>

const char *const rule_ids[] = {
#define RULE(E, id, desc) id,
#include "../rules.def"
#undef RULE
};

const char *ptr_of(planner *p, const jv *v) { return json_pointer(&p->a, v); }

/* A message that echoes a huge value (a 10 MB string) is cut in its middle, keeping its start
 * and its end (where the reason usually is), on UTF-8 character boundaries. */
#define MSG_MAX 1024
static const char *cut_echoes(planner *p, const char *msg) {
    size_t n = strlen(msg);
    if (n <= MSG_MAX) return msg;
    size_t head = 600, tail = n - 200;
    while (head && ((unsigned char)msg[head] & 0xC0) == 0x80) head--;
    while (tail < n && ((unsigned char)msg[tail] & 0xC0) == 0x80) tail++;
    return arena_printf(&p->a, "%s\xe2\x80\xa6 (%llu bytes cut) \xe2\x80\xa6%s", arena_strndup(&p->a, msg, head),
                        (unsigned long long)(tail - head), msg + tail);
}

void err_at(planner *p, const jv *v, int rule, const char *msg) {
    if (p->nerrs == p->caperrs) {
        size_t cap = p->caperrs ? p->caperrs * 2 : 16;
        spec_error *n = arena_alloc(&p->a, cap * sizeof *n);
        if (!n) return;
        if (p->nerrs) memcpy(n, p->errs, p->nerrs * sizeof *n);
        p->errs = n; p->caperrs = cap;
    }
    spec_error *e = &p->errs[p->nerrs];
    e->offset = v ? v->offset : 0;
    e->seq = p->nerrs++;
    e->pointer = v ? ptr_of(p, v) : "";
    e->rule = rule_ids[rule];
    msg = cut_echoes(p, msg);
    e->message = p->err_prefix && *p->err_prefix ? arena_printf(&p->a, "%s%s", p->err_prefix, msg) : msg;
}

static const jv *typed(planner *p, const jv *obj, const char *key, jv_type t) {
    const jv *v = json_get(obj, key);
    if (!v || v->type == JV_NULL) return NULL;
    if (v->type != t) {
        err_at(p, v, R_TYPE, arena_printf(&p->a, "expected %s, got %s", json_type_name(t), json_type_name(v->type)));
        return NULL;
    }
    return v;
}

const jv *get_obj(planner *p, const jv *obj, const char *key) { return typed(p, obj, key, JV_OBJ); }
const jv *get_arr(planner *p, const jv *obj, const char *key) { return typed(p, obj, key, JV_ARR); }

/* null means "absent" for a member; an array element cannot be absent, so there it is a type error */
static bool absent(const jv *v) { return !v || (v->type == JV_NULL && !(v->parent && v->parent->type == JV_ARR)); }

bool val_str(planner *p, const jv *v, const char **out) {
    if (absent(v)) return false;
    if (v->type != JV_STR) {
        err_at(p, v, R_TYPE, arena_printf(&p->a, "expected a string, got %s", json_type_name(v->type)));
        return false;
    }
    /* SECURITY: a NUL would silently truncate the string where the shim hands it to the kernel */
    if (strlen(v->s) != v->len) { err_at(p, v, R_STRING_NUL, "string contains a NUL character"); return false; }
    *out = v->s;
    return true;
}

bool get_str(planner *p, const jv *obj, const char *key, const char **out) {
    return val_str(p, json_get(obj, key), out);
}

bool get_bool(planner *p, const jv *obj, const char *key, bool *out) {
    const jv *v = typed(p, obj, key, JV_BOOL);
    if (v) *out = v->b;
    return v != NULL;
}

bool val_u64(planner *p, const jv *v, uint64_t max, uint64_t *out) {
    if (absent(v)) return false;
    if (v->type != JV_NUM || !v->num_int || v->num_neg) {
        err_at(p, v, R_TYPE, "expected a non-negative integer");
        return false;
    }
    if (v->num_overflow || v->num_mag > max) {
        err_at(p, v, R_TYPE, arena_printf(&p->a, "expected a non-negative integer (at most %llu)", (unsigned long long)max));
        return false;
    }
    *out = v->num_mag;
    return true;
}

bool get_u64(planner *p, const jv *obj, const char *key, uint64_t max, uint64_t *out) {
    return val_u64(p, json_get(obj, key), max, out);
}

bool get_i64(planner *p, const jv *obj, const char *key, int64_t *out) {
    const jv *v = json_get(obj, key);
    if (!v || v->type == JV_NULL) return false;
    if (v->type != JV_NUM || !v->num_int || v->num_overflow ||
        v->num_mag > (v->num_neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX)) {
        err_at(p, v, R_TYPE, "expected a 64-bit signed integer");
        return false;
    }
    *out = v->num_neg ? (int64_t)(0 - v->num_mag) : (int64_t)v->num_mag;
    return true;
}

bool is_abs(const char *path) { return path[0] == '/'; }

/* Lexical cleaning as Go's filepath.Clean does it, so "/dev/" and "/dev" compare equal the
 * way they do in runc. ".." at the root stays at the root. */
const char *clean_path(planner *p, const char *path) {
    size_t n = strlen(path);
    if (!n) return ".";
    bool rooted = path[0] == '/';
    char *out = arena_alloc(&p->a, n + 2);
    if (!out) return path;
    size_t w = 0, r = 0, dotdot = 0;
    if (rooted) { out[w++] = '/'; r = 1; dotdot = 1; }
    while (r < n) {
        if (path[r] == '/') { r++; continue; }
        if (path[r] == '.' && (r + 1 == n || path[r + 1] == '/')) { r++; continue; }
        if (path[r] == '.' && path[r + 1] == '.' && (r + 2 == n || path[r + 2] == '/')) {
            r += 2;
            if (w > dotdot) {
                w--;
                while (w > dotdot && out[w] != '/') w--;
            } else if (!rooted) {
                if (w > 0) out[w++] = '/';
                out[w++] = '.'; out[w++] = '.';
                dotdot = w;
            }
            continue;
        }
        if ((rooted && w != 1) || (!rooted && w != 0)) out[w++] = '/';
        while (r < n && path[r] != '/') out[w++] = path[r++];
    }
    if (w == 0) out[w++] = '.';
    out[w] = 0;
    return out;
}

const char *path_dir(planner *p, const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash) return ".";
    if (slash == path) return "/";
    return arena_strndup(&p->a, path, (size_t)(slash - path));
}

bool path_has_prefix(const char *path, const char *prefix) {
    size_t n = strlen(prefix);
    if (n == 1 && prefix[0] == '/') return path[0] == '/';
    return !strncmp(path, prefix, n) && (path[n] == 0 || path[n] == '/');
}

/* A required field that is absent: the pointer names the missing member, the position is
 * its parent's, so the error sorts where the reader would look for it. */
void err_missing(planner *p, const jv *parent, const char *key, int rule, const char *msg) {
    size_t before = p->nerrs;
    err_at(p, parent, rule, msg);
    if (p->nerrs > before) {
        spec_error *e = &p->errs[p->nerrs - 1];
        e->pointer = arena_printf(&p->a, "%s/%s", e->pointer, key);
    }
}

static int member_cmp(const void *a, const void *b) {
    const jv *x = *(const jv *const *)a, *y = *(const jv *const *)b;
    int c = memcmp(x->key, y->key, x->key_len < y->key_len ? x->key_len : y->key_len);
    return c ? c : (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

/* An object's members ordered by name, so that member order in config.json never changes a
 * plan; n log n, for maps of any size. NULL when the object is empty. */
const jv **sorted_members(planner *p, const jv *obj) {
    if (!obj || obj->type != JV_OBJ || !obj->n) return NULL;
    const jv **v = arena_alloc(&p->a, obj->n * sizeof *v);
    if (!v) return NULL;
    memcpy(v, obj->items, obj->n * sizeof *v);
    qsort(v, obj->n, sizeof *v, member_cmp);
    return v;
}

/* A set of strings for duplicate checks in linear time: open addressing over a hash of the
 * bytes, sized for `n` entries. */
strset strset_new(planner *p, size_t n) {
    strset set = { NULL, 15 };
    while (set.mask < 2 * n) set.mask = set.mask * 2 + 1;
    set.slot = arena_alloc(&p->a, (set.mask + 1) * sizeof *set.slot);
    return set;
}

bool strset_add(planner *p, strset *set, const char *s) {
    (void)p;
    if (!set->slot) return true;
    uint32_t h = 2166136261u;
    for (const char *c = s; *c; c++) h = (h ^ (uint8_t)*c) * 16777619u;
    for (uint32_t at = h & set->mask;; at = (at + 1) & set->mask) {
        if (!set->slot[at]) { set->slot[at] = s; return true; }
        if (!strcmp(set->slot[at], s)) return false;
    }
}
