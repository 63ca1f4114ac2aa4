/*
 * Token crafting for the auth-service integration tests (header-only: each test_*.c is its own
 * executable linked with testsupport only): base64url, tokens signed RS256 with the stack's own
 * private key (expired, foreign or otherwise special ones), and reading a token's claims. Calls,
 * envelope checks, users and private instances come from api.h.
 */
#ifndef AUTH_IT_H
#define AUTH_IT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "harness.h"
#include "micro/alloc.h"
#include "micro/clock.h"
#include "micro/strbuf.h"

#define IT_UNUSED __attribute__((unused))

static char *it_b64url(const void *data, size_t len)
{
    static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const unsigned char *p = data;
    char *out = mf_malloc(len / 3 * 4 + 5);
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < len)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < len)
            v |= p[i + 2];
        out[o++] = A[v >> 18 & 63];
        out[o++] = A[v >> 12 & 63];
        if (i + 1 < len)
            out[o++] = A[v >> 6 & 63];
        if (i + 2 < len)
            out[o++] = A[v & 63];
    }
    out[o] = '\0';
    return out;
}

/* header.payload (JSON texts) signed RS256 with the stack's private key. Caller frees. */
IT_UNUSED static char *it_sign_rs256(const char *header, const char *payload)
{
    char *keypath = th_env_file_value(th_stack("AUTH_ENV_FILE"), "RSA_PRIVATE_KEY_PATH");
    assert_non_null(keypath);
    FILE *f = fopen(keypath, "r");
    assert_non_null(f);
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    free(keypath);
    assert_non_null(k);
    char *h = it_b64url(header, strlen(header));
    char *p = it_b64url(payload, strlen(payload));
    char *input = mf_asprintf("%s.%s", h, p);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t n = 0;
    assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k), 1);
    assert_int_equal(EVP_DigestSign(ctx, NULL, &n, (unsigned char *)input, strlen(input)), 1);
    unsigned char *sig = mf_malloc(n);
    assert_int_equal(EVP_DigestSign(ctx, sig, &n, (unsigned char *)input, strlen(input)), 1);
    char *s = it_b64url(sig, n);
    char *tok = mf_asprintf("%s.%s", input, s);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(k);
    free(sig);
    free(s);
    free(input);
    free(h);
    free(p);
    return tok;
}

/* The payload (decoded JSON) of a token (caller decrefs). */
IT_UNUSED static json_t *it_token_payload(const char *token)
{
    const char *d1 = strchr(token, '.');
    const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    assert_non_null(d2);
    /* base64url -> base64 with padding, decoded by OpenSSL. */
    size_t len = (size_t)(d2 - d1 - 1);
    char *b64 = mf_malloc(len + 4);
    for (size_t i = 0; i < len; i++) {
        char c = d1[1 + i];
        b64[i] = c == '-' ? '+' : c == '_' ? '/' : c;
    }
    size_t n = len;
    while (n % 4)
        b64[n++] = '=';
    b64[n] = '\0';
    unsigned char *raw = mf_malloc(n);
    int got = EVP_DecodeBlock(raw, (unsigned char *)b64, (int)n);
    assert_true(got >= 0);
    size_t pad = (n - len);
    json_t *j = json_loadb((char *)raw, (size_t)got - pad, 0, NULL);
    free(raw);
    free(b64);
    assert_non_null(j);
    return j;
}

#endif
