#include "authn.h"

#include <string.h>

#include "micro/error.h"
#include "micro/valid.h"

const char *auth_authn_bearer_token(const char *header, const char **msg)
{
    if (!header || !*header) {
        *msg = CMICRO_MSG_MISSING_AUTHORIZATION;
        return NULL;
    }
    static const char prefix[] = "Bearer ";
    const char *tok = header + sizeof(prefix) - 1;
    if (strncmp(header, prefix, sizeof(prefix) - 1) != 0 || !*tok || strchr(tok, ' ')) {
        *msg = CMICRO_MSG_INVALID_AUTHORIZATION;
        return NULL;
    }
    return tok;
}

int auth_authn_access_claims(const auth_ctx *ctx, const char *header, bool check_exp, int64_t now_s,
                             auth_claims *out, const char **msg)
{
    const char *tok = auth_authn_bearer_token(header, msg);
    if (!tok)
        return MF_ERR_INVALID;
    /* sub goes into uuid-typed SQL: a token that names no uuid is refused here. */
    if (auth_token_verify(ctx->keys, ctx->issuer, ctx->audience, tok, now_s, check_exp, out) != 0 ||
        !mf_is_uuid(out->sub)) {
        *msg = CMICRO_MSG_INVALID_ACCESS;
        return MF_ERR_INVALID;
    }
    return 0;
}
