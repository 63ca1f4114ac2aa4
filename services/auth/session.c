#include "session.h"

#include <stdlib.h>

#include "micro/clock.h"
#include "micro/error.h"
#include "store_keystore.h"
#include "token.h"

#define JTI_BYTES 32

int auth_session_issue(auth_ctx *ctx, auth_db_conn *c, const char *user_id, json_t **tokens)
{
    *tokens = NULL;
    char access_jti[2 * JTI_BYTES + 1], refresh_jti[2 * JTI_BYTES + 1];
    if (mf_random_hex(JTI_BYTES, access_jti, sizeof(access_jti)) != 0 ||
        mf_random_hex(JTI_BYTES, refresh_jti, sizeof(refresh_jti)) != 0)
        return MF_ERR;
    int rc =
        auth_store_keystore_create(c, user_id, access_jti, refresh_jti, ctx->refresh_validity_s);
    if (rc != 0)
        return rc;
    int64_t now = mf_now_ms() / 1000;
    char *access = auth_token_sign(ctx->keys, ctx->issuer, ctx->audience, user_id, access_jti, now,
                                   ctx->access_validity_s);
    char *refresh = auth_token_sign(ctx->keys, ctx->issuer, ctx->audience, user_id, refresh_jti,
                                    now, ctx->refresh_validity_s);
    if (access && refresh)
        *tokens = json_pack("{s:s, s:s}", "accessToken", access, "refreshToken", refresh);
    free(access);
    free(refresh);
    return *tokens ? 0 : MF_ERR;
}
