/* json.h — a strict JSON reader building a small DOM; every value knows its byte offset
 * and its JSON Pointer. Must never accept duplicate keys, invalid UTF-8 or lone surrogates. */
#ifndef PLANC_JSON_H
#define PLANC_JSON_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "arena.h"

typedef enum { JV_NULL, JV_BOOL, JV_NUM, JV_STR, JV_ARR, JV_OBJ } jv_type;

typedef struct jv jv;
struct jv {
    jv_type type;
    size_t offset;          /* byte offset of the value's first character */
    jv *parent;
    const char *key;        /* member name when the parent is an object */
    size_t key_len;
    size_t key_offset;      /* byte offset of the member name's opening quote */
    size_t index;           /* element index when the parent is an array */
    /* payload */
    bool b;
    const char *s; size_t len;      /* JV_STR: unescaped, NUL-terminated; JV_NUM: raw text */
    bool num_int, num_neg;          /* JV_NUM: integral literal; sign */
    bool num_overflow;              /* integral but outside the 64-bit range */
    uint64_t num_mag;               /* JV_NUM: magnitude when num_int */
    jv **items; size_t n;           /* JV_ARR elements, JV_OBJ member values (key in each) */
};

typedef struct { size_t offset; const char *what; } json_error;

/* Returns the root, or NULL with *err filled. */
jv *json_parse(arena *a, const uint8_t *text, size_t len, json_error *err);
jv *json_get(const jv *obj, const char *key);   /* NULL when absent or obj is not an object */
char *json_pointer(arena *a, const jv *v);       /* RFC 6901, "" for the root */
const char *json_type_name(jv_type t);
#endif
