/*
 * RS256 JSON Web Tokens with OpenSSL EVP (no JWT library: the Debian libjwt verifies with
 * whatever algorithm the token names). Claims: iss, sub, aud (one-element array), iat, nbf,
 * exp, jti. Verification pins the header's alg to "RS256" before anything else, then checks
 * the signature, exp (unless told not to: the refresh flow accepts an expired access token
 * whose signature is still good), nbf, iss, that aud contains the audience, and that sub and
 * jti are present.
 */
#ifndef AUTH_TOKEN_H
#define AUTH_TOKEN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keys.h"

#define AUTH_TOKEN_MAX_LEN 8192

typedef struct {
    char sub[64];
    char jti[80];
    int64_t iat, nbf, exp;
} auth_claims;

/* Signed token (heap, caller frees), NULL on failure. */
char *auth_token_sign(const auth_keys *k, const char *issuer, const char *audience, const char *sub,
                      const char *jti, int64_t now_s, long validity_s);

/* The token of RS256 header + payload (any bytes: the claims JSON auth_token_sign builds, or a
 * test's), signed by k (heap, caller frees), NULL on failure. */
char *auth_token_sign_payload(const auth_keys *k, const void *payload, size_t len);

/* 0 and *out filled when token is valid at now_s, else MF_ERR_INVALID: the caller's token is
 * refused, which authentication answers with a 401 message of its own (never a 400). */
int auth_token_verify(const auth_keys *k, const char *issuer, const char *audience,
                      const char *token, int64_t now_s, bool check_exp, auth_claims *out);

/* The claim checks of auth_token_verify on a decoded payload c, once its signature is good
 * (exposed for the unit tests and the fuzzer): true with *out filled (partly, on false). */
bool auth_token_claims_ok(json_t *c, const char *issuer, const char *audience, int64_t now_s,
                          bool check_exp, auth_claims *out);

#endif
