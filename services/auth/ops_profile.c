/* Profiles: auth_op_profile_get, auth_op_profile_update (ops.h). */
#include "contract.h"
#include "micro/error.h"
#include "micro/log.h"
#include "ops.h"
#include "relay.h"
#include "session_cache.h"
#include "store_outbox.h"
#include "store_user.h"

int auth_op_profile_get(auth_ctx *ctx, const char *id, auth_user **user)
{
    auth_db_conn *c = auth_db_acquire(ctx->db);
    int rc = c ? auth_store_user_find_active(c, id, user) : MF_ERR_UNAVAILABLE;
    auth_db_release(ctx->db, c);
    return rc;
}

int auth_op_profile_update(auth_ctx *ctx, const char *id, const char *name, const char *pic,
                           const char *request_id, auth_user **user)
{
    bool change = name || pic;
    auth_user *u = NULL;
    auth_db_conn *c = auth_db_acquire(ctx->db);
    int rc = c ? 0 : MF_ERR_UNAVAILABLE;
    if (rc == 0 && change) {
        /* the change and its user.updated commit together (the outbox) */
        rc = auth_db_begin(c);
        if (rc == 0)
            rc = auth_store_user_update_profile(c, id, name, pic);
        if (rc == 0)
            rc = auth_store_outbox_add_user(c, CMICRO_EVENT_USER_UPDATED, id);
        if ((rc = auth_db_end(c, rc)) == 0)
            auth_relay_poke(ctx->relay);
    }
    if (rc == 0)
        rc = auth_store_user_find_by_id(c, id, &u);
    auth_db_release(ctx->db, c);
    if (rc != 0)
        return rc;
    /* Not a revocation: what a failure leaves behind is an old name in a cache, which the
     * reconcile after a Redis failure or blog's entry lifetime ends; the change stands. */
    if (change && auth_session_cache_revoke_user(ctx, u->id, request_id) != 0)
        mf_log_warn(request_id, "profile change of a user not yet visible everywhere");
    *user = u;
    return 0;
}
