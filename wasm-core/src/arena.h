/* arena.h — one bump allocator per planner call, plus a growable byte buffer.
 * Everything the planner allocates lives here and is released at once; nothing survives a call. */
#ifndef PLANC_ARENA_H
#define PLANC_ARENA_H
#include <stddef.h>
#include <stdint.h>

typedef struct arena_chunk arena_chunk;
typedef struct arena { arena_chunk *head; int failed; } arena;

void *arena_alloc(arena *a, size_t n);          /* zeroed; NULL only when memory is exhausted */
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_strdup(arena *a, const char *s);
char *arena_printf(arena *a, const char *fmt, ...); /* %s %d %u %lld %llu %x %o %c %% only */
void arena_free_all(arena *a);

typedef struct buf { arena *a; uint8_t *p; size_t len, cap; } buf;
void buf_init(buf *b, arena *a);
void buf_put(buf *b, const void *p, size_t n);
void buf_u8(buf *b, uint8_t v);
void buf_u16(buf *b, uint16_t v);
void buf_u32(buf *b, uint32_t v);
void buf_u64(buf *b, uint64_t v);
void buf_str(buf *b, const char *s);            /* u32 length + bytes */
void buf_patch_u32(buf *b, size_t at, uint32_t v);
char *buf_cstr(buf *b);                         /* NUL-terminated copy in the arena */
#endif
