#include "micro/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "micro/alloc.h"

/* Every initialised buffer owns memory, so buf is always a valid C string. */
void mf_strbuf_init(mf_strbuf *sb)
{
    sb->cap = 64;
    sb->len = 0;
    sb->buf = mf_malloc(sb->cap);
    sb->buf[0] = '\0';
}

void mf_strbuf_release(mf_strbuf *sb)
{
    free(sb->buf);
    sb->buf = NULL;
    sb->len = sb->cap = 0;
}

void mf_strbuf_reset(mf_strbuf *sb)
{
    sb->len = 0;
    sb->buf[0] = '\0';
}

static void grow(mf_strbuf *sb, size_t extra)
{
    if (sb->len + extra + 1 <= sb->cap)
        return;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < sb->len + extra + 1)
        cap *= 2;
    sb->buf = mf_realloc(sb->buf, cap);
    sb->cap = cap;
}

void mf_strbuf_add(mf_strbuf *sb, const char *data, size_t n)
{
    grow(sb, n);
    memcpy(sb->buf + sb->len, data, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

void mf_strbuf_adds(mf_strbuf *sb, const char *s)
{
    mf_strbuf_add(sb, s, strlen(s));
}

void mf_strbuf_addch(mf_strbuf *sb, char c)
{
    mf_strbuf_add(sb, &c, 1);
}

void mf_strbuf_vaddf(mf_strbuf *sb, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, cp);
    va_end(cp);
    if (n < 0)
        abort();
    if ((size_t)n >= sb->cap - sb->len) {
        grow(sb, (size_t)n);
        vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
    }
    sb->len += (size_t)n;
}

void mf_strbuf_addf(mf_strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mf_strbuf_vaddf(sb, fmt, ap);
    va_end(ap);
}

char *mf_strbuf_detach(mf_strbuf *sb, size_t *len)
{
    char *p = sb->buf;
    if (len)
        *len = sb->len;
    mf_strbuf_init(sb);
    return p;
}
