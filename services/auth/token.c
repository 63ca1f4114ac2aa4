#include "token.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "micro/base64url.h"
#include "micro/alloc.h"
#include "micro/error.h"
#include "micro/strbuf.h"

/* The only header this service writes and the only alg it accepts. */
static const char HEADER[] = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";

char *auth_token_sign(const auth_keys *k, const char *issuer, const char *audience, const char *sub,
                      const char *jti, int64_t now_s, long validity_s)
{
    json_t *claims = json_pack("{s:s, s:s, s:[s], s:I, s:I, s:I, s:s}", "iss", issuer, "sub", sub,
                               "aud", audience, "iat", (json_int_t)now_s, "nbf", (json_int_t)now_s,
                               "exp", (json_int_t)(now_s + validity_s), "jti", jti);
    if (!claims)
        return NULL;
    char *payload = json_dumps(claims, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(claims);
    char *tok = auth_token_sign_payload(k, payload, strlen(payload));
    free(payload);
    return tok;
}

char *auth_token_sign_payload(const auth_keys *k, const void *payload, size_t len)
{
    char *h64 = mf_b64url_encode(HEADER, sizeof(HEADER) - 1);
    char *p64 = mf_b64url_encode(payload, len);
    mf_strbuf sb;
    mf_strbuf_init(&sb);
    mf_strbuf_addf(&sb, "%s.%s", h64, p64);
    free(h64);
    free(p64);
    size_t siglen = 0;
    unsigned char *sig = auth_keys_sign(k, sb.buf, sb.len, &siglen);
    if (!sig) {
        mf_strbuf_release(&sb);
        return NULL;
    }
    char *s64 = mf_b64url_encode(sig, siglen);
    free(sig);
    mf_strbuf_addch(&sb, '.');
    mf_strbuf_adds(&sb, s64);
    free(s64);
    char *tok = mf_strbuf_detach(&sb, NULL);
    mf_strbuf_release(&sb); /* detach leaves sb initialised */
    return tok;
}

static bool header_ok(const char *part, size_t len)
{
    json_t *h = mf_b64url_decode_object(part, len);
    if (!h)
        return false;
    const char *alg = json_string_value(json_object_get(h, "alg"));
    json_t *typ = json_object_get(h, "typ");
    /* "crit" would name extensions we do not implement: refuse rather than ignore. */
    bool ok = alg && strcmp(alg, "RS256") == 0 && !json_object_get(h, "crit") &&
              (!typ || (json_is_string(typ) && strcmp(json_string_value(typ), "JWT") == 0));
    json_decref(h);
    return ok;
}

static bool copy_str(json_t *obj, const char *key, char *out, size_t size)
{
    const char *v = json_string_value(json_object_get(obj, key));
    if (!v || !*v || strlen(v) >= size)
        return false;
    snprintf(out, size, "%s", v);
    return true;
}

static bool aud_contains(json_t *aud, const char *audience)
{
    if (json_is_string(aud))
        return strcmp(json_string_value(aud), audience) == 0;
    size_t i;
    json_t *v;
    json_array_foreach(aud, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), audience) == 0)
            return true;
    }
    return false;
}

bool auth_token_claims_ok(json_t *c, const char *issuer, const char *audience, int64_t now_s,
                          bool check_exp, auth_claims *out)
{
    const char *iss = json_string_value(json_object_get(c, "iss"));
    json_t *exp = json_object_get(c, "exp");
    json_t *nbf = json_object_get(c, "nbf");
    json_t *iat = json_object_get(c, "iat");
    if (!iss || strcmp(iss, issuer) != 0 || !aud_contains(json_object_get(c, "aud"), audience))
        return false;
    if (!json_is_integer(exp) || (nbf && !json_is_integer(nbf)) || (iat && !json_is_integer(iat)))
        return false;
    out->exp = json_integer_value(exp);
    out->nbf = nbf ? json_integer_value(nbf) : 0;
    out->iat = iat ? json_integer_value(iat) : 0;
    if (check_exp && out->exp <= now_s)
        return false;
    if (out->nbf > now_s)
        return false;
    return copy_str(c, "sub", out->sub, sizeof(out->sub)) &&
           copy_str(c, "jti", out->jti, sizeof(out->jti));
}

int auth_token_verify(const auth_keys *k, const char *issuer, const char *audience,
                      const char *token, int64_t now_s, bool check_exp, auth_claims *out)
{
    memset(out, 0, sizeof(*out));
    if (!token)
        return MF_ERR_INVALID;
    size_t len = strlen(token);
    const char *d1 = memchr(token, '.', len);
    const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token)) : NULL;
    if (len > AUTH_TOKEN_MAX_LEN || !d1 || !d2 || memchr(d2 + 1, '.', strlen(d2 + 1)))
        return MF_ERR_INVALID;
    /* The alg check comes first: nothing else of an unsigned token is worth parsing. */
    if (!header_ok(token, (size_t)(d1 - token)))
        return MF_ERR_INVALID;
    size_t siglen = 0;
    unsigned char *sig = mf_b64url_decode(d2 + 1, strlen(d2 + 1), &siglen);
    bool good = sig && siglen > 0 && auth_keys_verify(k, token, (size_t)(d2 - token), sig, siglen);
    free(sig);
    if (!good)
        return MF_ERR_INVALID;
    json_t *claims = mf_b64url_decode_object(d1 + 1, (size_t)(d2 - d1 - 1));
    good = claims && auth_token_claims_ok(claims, issuer, audience, now_s, check_exp, out);
    json_decref(claims);
    if (!good) {
        memset(out, 0, sizeof(*out));
        return MF_ERR_INVALID;
    }
    return 0;
}
