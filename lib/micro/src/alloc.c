#include "micro/alloc.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Out of memory is not recoverable for a request server: abort loudly in one place. */
static void oom(size_t n)
{
    fprintf(stderr, "fatal: out of memory allocating %zu bytes\n", n);
    abort();
}

void *mf_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *mf_calloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        oom(count * size);
    return p;
}

void *mf_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *mf_strdup(const char *s)
{
    return mf_strndup(s, strlen(s));
}

char *mf_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = mf_malloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *mf_vasprintf(const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        abort(); /* only an invalid format string gets here */
    char *p = mf_malloc((size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *mf_asprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = mf_vasprintf(fmt, ap);
    va_end(ap);
    return p;
}

/* Chunks are chained; a request rarely needs more than the first 4 KiB one. */
typedef struct chunk {
    struct chunk *next;
    size_t used, size;
    alignas(max_align_t) unsigned char data[];
} chunk;

struct mf_arena {
    chunk *head;
};

#define ARENA_CHUNK 4096

mf_arena *mf_arena_new(void)
{
    return mf_calloc(1, sizeof(mf_arena));
}

void mf_arena_free(mf_arena *a)
{
    if (!a)
        return;
    chunk *c = a->head;
    while (c) {
        chunk *next = c->next;
        free(c);
        c = next;
    }
    free(a);
}

void *mf_arena_alloc(mf_arena *a, size_t n)
{
    const size_t align = alignof(max_align_t);
    n = (n + align - 1) & ~(align - 1);
    if (n == 0)
        n = align;
    chunk *c = a->head;
    if (!c || c->size - c->used < n) {
        size_t size = n > ARENA_CHUNK ? n : ARENA_CHUNK;
        chunk *fresh = mf_malloc(sizeof(chunk) + size);
        fresh->used = 0;
        fresh->size = size;
        /* A big one-off block goes behind the head so the head keeps its free space. */
        if (c && n > ARENA_CHUNK) {
            fresh->next = c->next;
            c->next = fresh;
        } else {
            fresh->next = c;
            a->head = fresh;
        }
        c = fresh;
    }
    void *p = c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

char *mf_arena_strndup(mf_arena *a, const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = mf_arena_alloc(a, len + 1);
    memcpy(p, s, len);
    return p;
}

char *mf_arena_strdup(mf_arena *a, const char *s)
{
    return mf_arena_strndup(a, s, SIZE_MAX);
}

char *mf_arena_vprintf(mf_arena *a, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    /* Only an invalid format fails here: a programming error, like running out of memory. */
    if (n < 0)
        abort();
    char *p = mf_arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *mf_arena_printf(mf_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = mf_arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}
