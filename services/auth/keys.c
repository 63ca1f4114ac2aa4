#include "keys.h"

#include <errno.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

#include "micro/alloc.h"

struct auth_keys {
    EVP_PKEY *priv;
    EVP_PKEY *pub;
};

#define MIN_RSA_BITS 2048

static const char *ssl_reason(void)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    return r ? r : "not a PEM key";
}

static EVP_PKEY *read_key(BIO *bio, bool private_key, const char *what, char **err)
{
    ERR_clear_error();
    EVP_PKEY *k = private_key ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)
                              : PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    if (!k) {
        *err = mf_asprintf("%s: invalid key (%s)", what, ssl_reason());
        return NULL;
    }
    if (EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA || EVP_PKEY_get_bits(k) < MIN_RSA_BITS) {
        *err = mf_asprintf("%s: must be an RSA key of at least %d bits", what, MIN_RSA_BITS);
        EVP_PKEY_free(k);
        return NULL;
    }
    return k;
}

static EVP_PKEY *read_pem_text(const char *pem, bool private_key, const char *what, char **err)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k = read_key(bio, private_key, what, err);
    BIO_free(bio);
    return k;
}

static EVP_PKEY *read_pem_file(const char *path, bool private_key, const char *what, char **err)
{
    if (!path || !*path) {
        *err = mf_asprintf("%s is required", what);
        return NULL;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        *err = mf_asprintf("%s: cannot read %s: %s", what, path, strerror(errno));
        return NULL;
    }
    BIO *bio = BIO_new_fp(f, BIO_CLOSE);
    EVP_PKEY *k = read_key(bio, private_key, what, err);
    BIO_free(bio);
    return k;
}

/* A signature made with the private key must verify with the public one. */
static bool pair_matches(const auth_keys *k)
{
    static const char probe[] = "cmicro key pair check";
    size_t n = 0;
    unsigned char *sig = auth_keys_sign(k, probe, sizeof(probe), &n);
    bool ok = sig && auth_keys_verify(k, probe, sizeof(probe), sig, n);
    free(sig);
    return ok;
}

static auth_keys *finish(EVP_PKEY *priv, EVP_PKEY *pub, char **err)
{
    auth_keys *k = mf_calloc(1, sizeof(*k));
    k->priv = priv;
    k->pub = pub;
    if (priv && pub && !pair_matches(k)) {
        *err = mf_strdup("RSA_PRIVATE_KEY_PATH and RSA_PUBLIC_KEY_PATH are not a key pair");
        auth_keys_free(k);
        return NULL;
    }
    return k;
}

auth_keys *auth_keys_load(const char *private_path, const char *public_path, char **err)
{
    *err = NULL;
    EVP_PKEY *priv = read_pem_file(private_path, true, "RSA_PRIVATE_KEY_PATH", err);
    if (!priv)
        return NULL;
    EVP_PKEY *pub = read_pem_file(public_path, false, "RSA_PUBLIC_KEY_PATH", err);
    if (!pub) {
        EVP_PKEY_free(priv);
        return NULL;
    }
    return finish(priv, pub, err);
}

auth_keys *auth_keys_from_pem(const char *private_pem, const char *public_pem, char **err)
{
    *err = NULL;
    EVP_PKEY *priv = NULL, *pub = NULL;
    if (private_pem && !(priv = read_pem_text(private_pem, true, "private key", err)))
        return NULL;
    if (public_pem && !(pub = read_pem_text(public_pem, false, "public key", err))) {
        EVP_PKEY_free(priv);
        return NULL;
    }
    return finish(priv, pub, err);
}

void auth_keys_free(auth_keys *k)
{
    if (!k)
        return;
    EVP_PKEY_free(k->priv);
    EVP_PKEY_free(k->pub);
    free(k);
}

unsigned char *auth_keys_sign(const auth_keys *k, const void *data, size_t len, size_t *siglen)
{
    if (!k || !k->priv)
        return NULL;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char *sig = NULL;
    size_t n = 0;
    if (ctx && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k->priv) == 1 &&
        EVP_DigestSign(ctx, NULL, &n, data, len) == 1) {
        sig = mf_malloc(n);
        if (EVP_DigestSign(ctx, sig, &n, data, len) != 1) {
            free(sig);
            sig = NULL;
        }
    }
    EVP_MD_CTX_free(ctx);
    if (sig && siglen)
        *siglen = n;
    return sig;
}

bool auth_keys_verify(const auth_keys *k, const void *data, size_t len, const unsigned char *sig,
                      size_t siglen)
{
    if (!k || !k->pub || !sig)
        return false;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k->pub) == 1 &&
              EVP_DigestVerify(ctx, sig, siglen, data, len) == 1;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return ok;
}
