/*
 * UTF-8 as RFC 3629 defines it (no overlongs, no surrogates, nothing above U+10FFFF): the one
 * decoder behind validation lengths (API.md counts code points) and the envelope's repair of
 * messages that quote invalid client bytes.
 */
#ifndef MF_UTF8_H
#define MF_UTF8_H

#include <stddef.h>
#include <stdint.h>

#include "micro/banned.h"

/* Decodes one code point at s into *cp; returns its byte length, or 0 when the sequence is
 * invalid (truncated, overlong, surrogate, above U+10FFFF). Stops at a NUL terminator. */
size_t mf_utf8_decode(const unsigned char *s, uint32_t *cp);
/* Number of code points; -1 when s is NULL or not valid UTF-8. */
long mf_utf8_len(const char *s);

#endif
