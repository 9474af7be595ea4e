/* fuzz_json.c — libFuzzer target for the JSON reader: any bytes must either fail cleanly or
 * give a DOM whose every node has a pointer. Must never be linked into planc itself. */
#include "../src/json.h"
#include <string.h>

static void walk(arena *a, const jv *v) {
    (void)json_pointer(a, v);
    if (v->type == JV_ARR || v->type == JV_OBJ)
        for (size_t i = 0; i < v->n; i++) walk(a, v->items[i]);
    if (v->type == JV_OBJ)
        for (size_t i = 0; i < v->n; i++) {
            char key[64]; size_t n = v->items[i]->key_len < 63 ? v->items[i]->key_len : 63;
            memcpy(key, v->items[i]->key, n); key[n] = 0;
            (void)json_get(v, key);
        }
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
    arena a = {0};
    json_error e;
    jv *v = json_parse(&a, data, size, &e);
    if (v) walk(&a, v);
    else if (e.offset > size) __builtin_trap();
    arena_free_all(&a);
    return 0;
}
