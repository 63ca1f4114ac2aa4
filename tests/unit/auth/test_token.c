/* RS256 tokens: a signed token verifies with its claims; every forgery and every claim
 * problem is refused (alg none, HS256 keyed with the public key, other algs, tampered
 * payload or signature, another key, wrong iss/aud, expired, nbf in the future, missing
 * sub/jti), and the refresh flow's "skip exp" option still checks the signature. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

#include "micro/base64url.h"
#include "keys.h"
#include "micro/alloc.h"
#include "micro/error.h"
#include "micro/strbuf.h"
#include "token.h"

#define ISS "api.test.example"
#define AUD "test.example"
#define SUB "0b6f3c1e-9a52-4c1e-8b1a-2f0d3e4c5b6a"
#define JTI "5f2b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3"
#define NOW 1700000000

static char *priv_pem, *pub_pem, *other_priv_pem, *other_pub_pem;
static auth_keys *keys, *other_keys;

static void make_pair(char **priv, char **pub)
{
    EVP_PKEY *k = EVP_RSA_gen(2048);
    assert_non_null(k);
    BIO *b = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL), 1);
    char *data = NULL;
    long n = BIO_get_mem_data(b, &data);
    *priv = mf_strndup(data, (size_t)n);
    BIO_free(b);
    b = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_PUBKEY(b, k), 1);
    n = BIO_get_mem_data(b, &data);
    *pub = mf_strndup(data, (size_t)n);
    BIO_free(b);
    EVP_PKEY_free(k);
}

static int setup(void **state)
{
    (void)state;
    char *err = NULL;
    make_pair(&priv_pem, &pub_pem);
    make_pair(&other_priv_pem, &other_pub_pem);
    keys = auth_keys_from_pem(priv_pem, pub_pem, &err);
    assert_non_null(keys);
    other_keys = auth_keys_from_pem(other_priv_pem, other_pub_pem, &err);
    assert_non_null(other_keys);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    auth_keys_free(keys);
    auth_keys_free(other_keys);
    free(priv_pem);
    free(pub_pem);
    free(other_priv_pem);
    free(other_pub_pem);
    return 0;
}

/* header.payload signed with RS256 by k (header and payload given as JSON text). */
static char *forge_rs256(const auth_keys *k, const char *header, const char *payload)
{
    char *h = mf_b64url_encode(header, strlen(header));
    char *p = mf_b64url_encode(payload, strlen(payload));
    char *input = mf_asprintf("%s.%s", h, p);
    size_t n = 0;
    unsigned char *sig = auth_keys_sign(k, input, strlen(input), &n);
    assert_non_null(sig);
    char *s = mf_b64url_encode(sig, n);
    char *tok = mf_asprintf("%s.%s", input, s);
    free(h);
    free(p);
    free(input);
    free(sig);
    free(s);
    return tok;
}

static char *valid_payload(void)
{
    return mf_asprintf("{\"iss\":\"%s\",\"sub\":\"%s\",\"aud\":[\"%s\"],\"iat\":%d,\"nbf\":%d,"
                       "\"exp\":%d,\"jti\":\"%s\"}",
                       ISS, SUB, AUD, NOW, NOW, NOW + 600, JTI);
}

static int verify(const auth_keys *k, const char *tok, bool check_exp)
{
    auth_claims c;
    return auth_token_verify(k, ISS, AUD, tok, NOW + 10, check_exp, &c);
}

static void test_sign_verify_roundtrip(void **state)
{
    (void)state;
    char *tok = auth_token_sign(keys, ISS, AUD, SUB, JTI, NOW, 600);
    assert_non_null(tok);
    auth_claims c;
    assert_int_equal(auth_token_verify(keys, ISS, AUD, tok, NOW + 10, true, &c), 0);
    assert_string_equal(c.sub, SUB);
    assert_string_equal(c.jti, JTI);
    assert_int_equal(c.iat, NOW);
    assert_int_equal(c.nbf, NOW);
    assert_int_equal(c.exp, NOW + 600);
    /* The header is exactly the one the contract names. */
    const char *dot = strchr(tok, '.');
    size_t n = 0;
    unsigned char *h = mf_b64url_decode(tok, (size_t)(dot - tok), &n);
    assert_string_equal((char *)h, "{\"alg\":\"RS256\",\"typ\":\"JWT\"}");
    free(h);
    free(tok);
}

static void test_hand_made_rs256_token_verifies(void **state)
{
    (void)state;
    char *p = valid_payload();
    char *tok = forge_rs256(keys, "{\"alg\":\"RS256\",\"typ\":\"JWT\"}", p);
    assert_int_equal(verify(keys, tok, true), 0);
    free(tok);
    /* aud as a plain string is accepted too (RFC 7519 allows both). */
    char *p2 = mf_asprintf("{\"iss\":\"%s\",\"sub\":\"%s\",\"aud\":\"%s\",\"nbf\":%d,"
                           "\"exp\":%d,\"jti\":\"x\"}",
                           ISS, SUB, AUD, NOW, NOW + 600);
    tok = forge_rs256(keys, "{\"alg\":\"RS256\"}", p2);
    assert_int_equal(verify(keys, tok, true), 0);
    free(tok);
    free(p2);
    free(p);
}

static void test_alg_none_refused(void **state)
{
    (void)state;
    char *p = valid_payload();
    const char *headers[] = {"{\"alg\":\"none\",\"typ\":\"JWT\"}", "{\"alg\":\"None\"}",
                             "{\"typ\":\"JWT\"}"};
    for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
        char *h = mf_b64url_encode(headers[i], strlen(headers[i]));
        char *b = mf_b64url_encode(p, strlen(p));
        char *tok = mf_asprintf("%s.%s.", h, b);
        assert_int_equal(verify(keys, tok, true), MF_ERR_INVALID);
        /* Even with a real RS256 signature over it, the header decides. */
        char *signed_tok = forge_rs256(keys, headers[i], p);
        assert_int_equal(verify(keys, signed_tok, true), MF_ERR_INVALID);
        free(signed_tok);
        free(tok);
        free(h);
        free(b);
    }
    free(p);
}

static void test_hs256_with_public_key_as_secret_refused(void **state)
{
    (void)state;
    char *p = valid_payload();
    const char *hdr = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    char *h = mf_b64url_encode(hdr, strlen(hdr));
    char *b = mf_b64url_encode(p, strlen(p));
    char *input = mf_asprintf("%s.%s", h, b);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    HMAC(EVP_sha256(), pub_pem, (int)strlen(pub_pem), (const unsigned char *)input, strlen(input),
         mac, &maclen);
    char *s = mf_b64url_encode(mac, maclen);
    char *tok = mf_asprintf("%s.%s", input, s);
    assert_int_equal(verify(keys, tok, true), MF_ERR_INVALID);
    assert_int_equal(verify(keys, tok, false), MF_ERR_INVALID);
    free(tok);
    free(s);
    free(input);
    free(h);
    free(b);
    free(p);
}

static void test_other_algs_refused(void **state)
{
    (void)state;
    char *p = valid_payload();
    const char *headers[] = {"{\"alg\":\"RS512\"}",
                             "{\"alg\":\"rs256\"}",
                             "{\"alg\":\"PS256\"}",
                             "{\"alg\":\"ES256\"}",
                             "{\"alg\":\"RS256 \"}",
                             "{\"alg\":1}",
                             "{\"alg\":\"RS256\",\"typ\":\"JWE\"}",
                             "{\"alg\":\"RS256\",\"crit\":[\"x\"]}",
                             "{\"alg\":\"RS256\",\"alg\":\"none\"}",
                             "[\"RS256\"]"};
    for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
        char *tok = forge_rs256(keys, headers[i], p);
        assert_int_equal(verify(keys, tok, true), MF_ERR_INVALID);
        free(tok);
    }
    free(p);
}

static void test_tampered_payload_and_signature_refused(void **state)
{
    (void)state;
    char *tok = auth_token_sign(keys, ISS, AUD, SUB, JTI, NOW, 600);
    char *d1 = strchr(tok, '.'), *d2 = strrchr(tok, '.');
    /* Same signature, payload naming another user. */
    const char *evil = "{\"iss\":\"" ISS "\",\"sub\":\"11111111-1111-4111-8111-111111111111\","
                       "\"aud\":[\"" AUD "\"],\"nbf\":1700000000,\"exp\":1700000600,"
                       "\"jti\":\"" JTI "\"}";
    char *e = mf_b64url_encode(evil, strlen(evil));
    char *forged = mf_asprintf("%.*s.%s%s", (int)(d1 - tok), tok, e, d2);
    assert_int_equal(verify(keys, forged, true), MF_ERR_INVALID);
    assert_int_equal(verify(keys, forged, false), MF_ERR_INVALID);
    /* One signature character changed. */
    char *bad_sig = mf_strdup(tok);
    char *last = bad_sig + strlen(bad_sig) - 5;
    *last = *last == 'A' ? 'B' : 'A';
    assert_int_equal(verify(keys, bad_sig, true), MF_ERR_INVALID);
    /* Signature removed. */
    char *no_sig = mf_strndup(tok, (size_t)(d2 - tok) + 1);
    assert_int_equal(verify(keys, no_sig, true), MF_ERR_INVALID);
    assert_int_equal(verify(keys, tok, true), 0);
    free(no_sig);
    free(bad_sig);
    free(forged);
    free(e);
    free(tok);
}

static void test_other_key_refused(void **state)
{
    (void)state;
    char *tok = auth_token_sign(other_keys, ISS, AUD, SUB, JTI, NOW, 600);
    assert_int_equal(verify(keys, tok, true), MF_ERR_INVALID);
    assert_int_equal(verify(keys, tok, false), MF_ERR_INVALID);
    assert_int_equal(verify(other_keys, tok, true), 0);
    free(tok);
}

static void test_wrong_iss_or_aud_refused(void **state)
{
    (void)state;
    char *tok = auth_token_sign(keys, "evil.example", AUD, SUB, JTI, NOW, 600);
    assert_int_equal(verify(keys, tok, true), MF_ERR_INVALID);
    free(tok);
    tok = auth_token_sign(keys, ISS, "other.example", SUB, JTI, NOW, 600);
    assert_int_equal(verify(keys, tok, true), MF_ERR_INVALID);
    free(tok);
    char *p = mf_asprintf("{\"iss\":\"%s\",\"sub\":\"%s\",\"nbf\":%d,\"exp\":%d,\"jti\":\"x\"}",
                          ISS, SUB, NOW, NOW + 600);
    tok = forge_rs256(keys, "{\"alg\":\"RS256\"}", p);
    assert_int_equal(verify(keys, tok, true), MF_ERR_INVALID); /* no aud at all */
    free(tok);
    free(p);
}

static void test_expired_and_skip_exp(void **state)
{
    (void)state;
    char *tok = auth_token_sign(keys, ISS, AUD, SUB, JTI, NOW - 1000, 100);
    auth_claims c;
    assert_int_equal(auth_token_verify(keys, ISS, AUD, tok, NOW, true, &c), MF_ERR_INVALID);
    /* The refresh flow: expired but authentic is accepted, claims available. */
    assert_int_equal(auth_token_verify(keys, ISS, AUD, tok, NOW, false, &c), 0);
    assert_string_equal(c.jti, JTI);
    /* exp == now is already expired. */
    free(tok);
    tok = auth_token_sign(keys, ISS, AUD, SUB, JTI, NOW - 100, 100);
    assert_int_equal(auth_token_verify(keys, ISS, AUD, tok, NOW, true, &c), MF_ERR_INVALID);
    free(tok);
    /* Skipping exp does not skip the signature. */
    tok = auth_token_sign(other_keys, ISS, AUD, SUB, JTI, NOW - 1000, 100);
    assert_int_equal(auth_token_verify(keys, ISS, AUD, tok, NOW, false, &c), MF_ERR_INVALID);
    free(tok);
}

static void test_nbf_in_future_refused(void **state)
{
    (void)state;
    char *tok = auth_token_sign(keys, ISS, AUD, SUB, JTI, NOW + 3600, 600);
    auth_claims c;
    assert_int_equal(auth_token_verify(keys, ISS, AUD, tok, NOW, true, &c), MF_ERR_INVALID);
    assert_int_equal(auth_token_verify(keys, ISS, AUD, tok, NOW, false, &c), MF_ERR_INVALID);
    assert_int_equal(auth_token_verify(keys, ISS, AUD, tok, NOW + 3601, true, &c), 0);
    free(tok);
}

static void test_missing_claims_refused(void **state)
{
    (void)state;
    const char *payloads[] = {
        "{\"iss\":\"" ISS "\",\"aud\":[\"" AUD "\"],\"exp\":1700000600,\"jti\":\"x\"}",
        "{\"iss\":\"" ISS "\",\"sub\":\"" SUB "\",\"aud\":[\"" AUD "\"],\"exp\":1700000600}",
        "{\"iss\":\"" ISS "\",\"sub\":\"" SUB "\",\"aud\":[\"" AUD "\"],\"jti\":\"x\"}",
        "{\"iss\":\"" ISS "\",\"sub\":\"" SUB "\",\"aud\":[\"" AUD "\"],\"exp\":\"1700000600\","
        "\"jti\":\"x\"}",
        "{\"iss\":\"" ISS "\",\"sub\":\"\",\"aud\":[\"" AUD "\"],\"exp\":1700000600,\"jti\":\"x\"}",
        "[1,2,3]",
        "not json",
    };
    for (size_t i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
        char *tok = forge_rs256(keys, "{\"alg\":\"RS256\"}", payloads[i]);
        assert_int_equal(verify(keys, tok, true), MF_ERR_INVALID);
        free(tok);
    }
}

static void test_malformed_tokens_refused(void **state)
{
    (void)state;
    const char *bad[] = {"",
                         ".",
                         "..",
                         "a.b",
                         "a.b.c.d",
                         "eyJhbGciOiJSUzI1NiJ9..",
                         "!!!.???.***",
                         "eyJhbGciOiJSUzI1NiJ9.e30.AAAA="};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(verify(keys, bad[i], true), MF_ERR_INVALID);
    assert_int_equal(verify(keys, NULL, true), MF_ERR_INVALID);
    /* Over the length limit. */
    char *huge = mf_malloc(AUTH_TOKEN_MAX_LEN + 10);
    memset(huge, 'a', AUTH_TOKEN_MAX_LEN + 9);
    huge[AUTH_TOKEN_MAX_LEN + 9] = '\0';
    huge[10] = '.';
    huge[20] = '.';
    assert_int_equal(verify(keys, huge, true), MF_ERR_INVALID);
    free(huge);
}

static void test_keys_refuse_bad_input(void **state)
{
    (void)state;
    char *err = NULL;
    assert_null(auth_keys_from_pem("not a key", pub_pem, &err));
    assert_non_null(err);
    free(err);
    /* A private key with somebody else's public key is not a pair. */
    assert_null(auth_keys_from_pem(priv_pem, other_pub_pem, &err));
    assert_non_null(strstr(err, "not a key pair"));
    free(err);
    assert_null(auth_keys_load("/nonexistent/key.pem", "/nonexistent/key.pub", &err));
    assert_non_null(strstr(err, "RSA_PRIVATE_KEY_PATH"));
    free(err);
    /* A 1024-bit key is too weak. */
    EVP_PKEY *weak = EVP_RSA_gen(1024);
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(b, weak);
    char *data = NULL;
    long n = BIO_get_mem_data(b, &data);
    char *weak_pem = mf_strndup(data, (size_t)n);
    assert_null(auth_keys_from_pem(NULL, weak_pem, &err));
    assert_non_null(strstr(err, "2048"));
    free(err);
    free(weak_pem);
    BIO_free(b);
    EVP_PKEY_free(weak);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sign_verify_roundtrip),
        cmocka_unit_test(test_hand_made_rs256_token_verifies),
        cmocka_unit_test(test_alg_none_refused),
        cmocka_unit_test(test_hs256_with_public_key_as_secret_refused),
        cmocka_unit_test(test_other_algs_refused),
        cmocka_unit_test(test_tampered_payload_and_signature_refused),
        cmocka_unit_test(test_other_key_refused),
        cmocka_unit_test(test_wrong_iss_or_aud_refused),
        cmocka_unit_test(test_expired_and_skip_exp),
        cmocka_unit_test(test_nbf_in_future_refused),
        cmocka_unit_test(test_missing_claims_refused),
        cmocka_unit_test(test_malformed_tokens_refused),
        cmocka_unit_test(test_keys_refuse_bad_input),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
