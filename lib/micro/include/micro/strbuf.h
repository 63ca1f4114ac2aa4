/*
 * Growable NUL-terminated string buffer: the one way the project builds strings, so that no
 * code needs fixed-size buffers or unsafe string functions.
 */
#ifndef MF_STRBUF_H
#define MF_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

#include "micro/banned.h"

typedef struct {
    char *buf; /* always NUL-terminated once initialised; "" when empty */
    size_t len;
    size_t cap;
} mf_strbuf;

void mf_strbuf_init(mf_strbuf *sb);
void mf_strbuf_release(mf_strbuf *sb);
void mf_strbuf_reset(mf_strbuf *sb);
void mf_strbuf_add(mf_strbuf *sb, const char *data, size_t n);
void mf_strbuf_adds(mf_strbuf *sb, const char *s);
void mf_strbuf_addch(mf_strbuf *sb, char c);
void mf_strbuf_addf(mf_strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mf_strbuf_vaddf(mf_strbuf *sb, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Hands the buffer to the caller (who frees it) and leaves sb empty but initialised. */
char *mf_strbuf_detach(mf_strbuf *sb, size_t *len);

#endif
