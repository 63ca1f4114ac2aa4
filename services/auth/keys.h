/*
 * The RSA key pair that signs and verifies tokens, loaded once at start from PEM files.
 * Only this file and its .c touch OpenSSL key objects; token.c asks it to sign or verify
 * bytes with RSASSA-PKCS1-v1_5 + SHA-256 (JWT "RS256").
 */
#ifndef AUTH_KEYS_H
#define AUTH_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "micro/banned.h"

typedef struct auth_keys auth_keys;

/*
 * Reads a private key (PKCS#8 or PKCS#1 PEM) and a public key (SubjectPublicKeyInfo PEM),
 * checks that both are RSA of at least 2048 bits and belong together. NULL on failure with
 * a message naming the problem in *err (caller frees). Free with auth_keys_free.
 */
auth_keys *auth_keys_load(const char *private_path, const char *public_path, char **err);
/* Same from PEM text (tests). Either may be NULL for a verify-only or sign-only pair. */
auth_keys *auth_keys_from_pem(const char *private_pem, const char *public_pem, char **err);
void auth_keys_free(auth_keys *k);

/* RS256 signature of data (heap, caller frees; length in *siglen), NULL without a private
 * key or on failure. */
unsigned char *auth_keys_sign(const auth_keys *k, const void *data, size_t len, size_t *siglen);
/* true when sig is a valid RS256 signature of data under the public key. */
bool auth_keys_verify(const auth_keys *k, const void *data, size_t len, const unsigned char *sig,
                      size_t siglen);

#endif
