/*
 * Memory. Out of memory aborts inside these wrappers, so callers never test for NULL.
 * Everything returned by mf_malloc & co. is freed by the caller with free().
 *
 * mf_arena is a bump allocator for one request: allocations are never freed one by one;
 * mf_arena_free releases them all when the response has been sent.
 */
#ifndef MF_ALLOC_H
#define MF_ALLOC_H

#include <stdarg.h>
#include <stddef.h>

#include "micro/banned.h"

void *mf_malloc(size_t n);
void *mf_calloc(size_t count, size_t size);
void *mf_realloc(void *p, size_t n);
char *mf_strdup(const char *s);
char *mf_strndup(const char *s, size_t n);
/* printf into a new heap string; caller frees. */
char *mf_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *mf_vasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

typedef struct mf_arena mf_arena;

/* New empty arena; free with mf_arena_free. */
mf_arena *mf_arena_new(void);
void mf_arena_free(mf_arena *a);
/* Memory owned by the arena, aligned for any type, zero-filled. */
void *mf_arena_alloc(mf_arena *a, size_t n);
char *mf_arena_strdup(mf_arena *a, const char *s);
char *mf_arena_strndup(mf_arena *a, const char *s, size_t n);
char *mf_arena_printf(mf_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *mf_arena_vprintf(mf_arena *a, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

#endif
