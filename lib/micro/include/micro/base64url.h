/*
 * base64url without padding (RFC 4648 section 5), as used by JWTs. Decoding is strict: it
 * refuses padding, characters outside the alphabet and impossible lengths, so a token has
 * exactly one encoding.
 */
#ifndef MF_BASE64URL_H
#define MF_BASE64URL_H

#include <jansson.h>
#include <stddef.h>

#include "micro/banned.h"

/* Encoded text (heap, NUL-terminated, caller frees). */
char *mf_b64url_encode(const void *data, size_t len);
/* Decoded bytes (heap, caller frees; NUL-terminated for convenience, *outlen excludes it), or
 * NULL when in is not canonical base64url. */
unsigned char *mf_b64url_decode(const char *in, size_t inlen, size_t *outlen);
/* The JSON object that in encodes (a JWT header or payload; duplicate keys refused), or NULL.
 * Caller decrefs. */
json_t *mf_b64url_decode_object(const char *in, size_t inlen);

#endif
