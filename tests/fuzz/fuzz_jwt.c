/* JWTs: the segment decoding and claim parsing of auth-service (token.h, authn.h). The first
 * byte picks what the rest is:
 *   0  an Authorization header value, through the bearer parse and auth_token_verify (alg
 *      pinning, segment splitting and decoding, signature check)
 *   1  a claims payload (JSON text), base64url-encoded and decoded as verify does, then the
 *      claim checks
 *   2  the same payload signed with the harness's key, through the whole verify (slower:
 *      an RSA signature per input)
 * A token that verifies names a user uuid, a jti and an unexpired exp. */
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <string.h>

#include "../../services/auth/authn.h"
#include "../../services/auth/keys.h"
#include "../../services/auth/token.h"
#include "fuzz_support.h"
#include "micro/alloc.h"
#include "micro/base64url.h"

#define ISS "api.fuzz.example"
#define AUD "fuzz.example"
#define NOW 1700000000

static auth_ctx ctx;

static char *pem(EVP_PKEY *k, bool priv)
{
    BIO *b = BIO_new(BIO_s_mem());
    FUZZ_CHECK(priv ? PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) == 1
                    : PEM_write_bio_PUBKEY(b, k) == 1);
    char *data = NULL;
    long n = BIO_get_mem_data(b, &data);
    char *out = mf_strndup(data, (size_t)n);
    BIO_free(b);
    return out;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    EVP_PKEY *k = EVP_RSA_gen(2048);
    FUZZ_CHECK(k != NULL);
    char *priv = pem(k, true), *pub = pem(k, false), *err = NULL;
    EVP_PKEY_free(k);
    ctx.keys = auth_keys_from_pem(priv, pub, &err);
    FUZZ_CHECK(ctx.keys != NULL);
    free(priv);
    free(pub);
    ctx.issuer = ISS;
    ctx.audience = AUD;
    return 0;
}

static void check_claims(const auth_claims *c, bool check_exp)
{
    FUZZ_CHECK(*c->sub && strlen(c->sub) < sizeof(c->sub));
    FUZZ_CHECK(*c->jti && strlen(c->jti) < sizeof(c->jti));
    FUZZ_CHECK(c->nbf <= NOW);
    FUZZ_CHECK(!check_exp || c->exp > NOW);
}

static void header(const char *value)
{
    for (int check_exp = 0; check_exp < 2; check_exp++) {
        auth_claims c;
        const char *msg = NULL;
        int rc = auth_authn_access_claims(&ctx, value, check_exp, NOW, &c, &msg);
        if (rc == 0) {
            check_claims(&c, check_exp);
            FUZZ_CHECK(mf_is_uuid(c.sub));
        } else {
            FUZZ_CHECK(msg && *msg);
        }
    }
}

static void payload(const uint8_t *data, size_t size)
{
    char *p64 = mf_b64url_encode(data, size);
    json_t *claims = mf_b64url_decode_object(p64, strlen(p64));
    free(p64);
    if (!claims)
        return;
    for (int check_exp = 0; check_exp < 2; check_exp++) {
        auth_claims c;
        if (auth_token_claims_ok(claims, ISS, AUD, NOW, check_exp, &c))
            check_claims(&c, check_exp);
    }
    json_decref(claims);
}

static void signed_payload(const uint8_t *data, size_t size)
{
    char *tok = auth_token_sign_payload(ctx.keys, data, size);
    FUZZ_CHECK(tok != NULL);
    for (int check_exp = 0; check_exp < 2; check_exp++) {
        auth_claims c;
        if (auth_token_verify(ctx.keys, ISS, AUD, tok, NOW, check_exp, &c) == 0)
            check_claims(&c, check_exp);
    }
    free(tok);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const uint8_t mode = data[0] % 3;
    data++;
    size--;
    if (mode == 0) {
        char *value = mf_strndup((const char *)data, size);
        header(value);
        free(value);
    } else if (mode == 1) {
        payload(data, size);
    } else if (size <= 2048) {
        signed_payload(data, size);
    }
    return 0;
}
