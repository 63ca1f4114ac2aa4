#include "authn.h"

#include <string.h>

#include "micro/clock.h"
#include "micro/error.h"
#include "micro/valid.h"
#include "session_cache.h"
#include "store_keystore.h"
#include "store_user.h"

const char *auth_authn_bearer_token(const char *header, const char **msg)
{
    if (!header || !*header) {
        *msg = AUTH_MSG_MISSING_AUTHORIZATION;
        return NULL;
    }
    static const char prefix[] = "Bearer ";
    const char *tok = header + sizeof(prefix) - 1;
    if (strncmp(header, prefix, sizeof(prefix) - 1) != 0 || !*tok || strchr(tok, ' ')) {
        *msg = AUTH_MSG_INVALID_AUTHORIZATION;
        return NULL;
    }
    return tok;
}

/* Session and user from PostgreSQL. */
static int load_session(auth_ctx *ctx, const auth_claims *cl, auth_user **out)
{
    auth_db_conn *c = auth_db_acquire(ctx->db);
    if (!c)
        return MF_ERR_UNAVAILABLE;
    bool alive = false;
    int rc = auth_store_keystore_alive(c, cl->sub, cl->jti, &alive);
    if (rc == 0 && !alive)
        rc = MF_ERR_NOT_FOUND;
    if (rc == 0)
        rc = auth_store_user_find_by_id(c, cl->sub, out);
    auth_db_release(ctx->db, c);
    if (rc == 0 && !(*out)->status) {
        auth_user_free(*out);
        *out = NULL;
        rc = MF_ERR_NOT_FOUND;
    }
    return rc;
}

int auth_authn_bearer(auth_ctx *ctx, const char *header, auth_user **out, auth_claims *claims,
                      const char **msg)
{
    *out = NULL;
    *msg = NULL;
    const char *tok = auth_authn_bearer_token(header, msg);
    if (!tok)
        return MF_ERR_INVALID;
    auth_claims cl;
    int64_t now = mf_now_ms() / 1000;
    if (auth_token_verify(ctx->keys, ctx->issuer, ctx->audience, tok, now, true, &cl) != 0 ||
        !mf_is_uuid(cl.sub)) {
        *msg = AUTH_MSG_INVALID_ACCESS;
        return MF_ERR_INVALID;
    }
    auth_user *u = auth_session_cache_get(ctx, cl.jti, cl.sub);
    if (!u) {
        int rc = load_session(ctx, &cl, &u);
        if (rc == MF_ERR_NOT_FOUND || rc == MF_ERR_INVALID) {
            *msg = AUTH_MSG_INVALID_ACCESS;
            return MF_ERR_INVALID;
        }
        if (rc != 0)
            return rc;
        auth_session_cache_put(ctx, cl.jti, u, cl.exp, now);
    }
    if (claims)
        *claims = cl;
    *out = u;
    return 0;
}
