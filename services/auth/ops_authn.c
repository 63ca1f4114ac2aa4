/* Bearer authentication and role authorization: auth_op_authenticate, auth_op_authorize
 * (ops.h). */
#include "authn.h"
#include "micro/clock.h"
#include "micro/error.h"
#include "ops.h"
#include "session_cache.h"
#include "store_keystore.h"
#include "store_user.h"

/* The live session's active user from PostgreSQL. */
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
        rc = auth_store_user_find_active(c, cl->sub, out);
    auth_db_release(ctx->db, c);
    return rc;
}

int auth_op_authenticate(auth_ctx *ctx, const char *authorization, auth_user **user,
                         auth_claims *claims, const char **msg)
{
    *user = NULL;
    *msg = NULL;
    auth_claims cl;
    int64_t now = mf_now_ms() / 1000;
    int rc = auth_authn_access_claims(ctx, authorization, true, now, &cl, msg);
    if (rc != 0)
        return rc;
    mf_vcache_stamp stamp;
    auth_user *u = auth_session_cache_get(ctx, cl.jti, cl.sub, &stamp);
    if (!u) {
        rc = load_session(ctx, &cl, &u);
        if (rc == MF_ERR_NOT_FOUND) {
            *msg = CMICRO_MSG_INVALID_ACCESS;
            return MF_ERR_INVALID;
        }
        if (rc != 0)
            return rc;
        auth_session_cache_put(ctx, cl.jti, u, cl.exp, now, &stamp);
    }
    if (claims)
        *claims = cl;
    *user = u;
    return 0;
}

int auth_op_authorize(auth_ctx *ctx, const char *user_id, const char *const *codes, size_t n,
                      auth_user **user)
{
    auth_user *u = NULL;
    int rc = auth_op_profile_get(ctx, user_id, &u);
    if (rc != 0)
        return rc;
    if (!auth_user_has_any_role(u, codes, n)) {
        auth_user_free(u);
        return MF_ERR_STATE;
    }
    *user = u;
    return 0;
}
