/* Role grants: auth_op_roles_set (ops.h). */
#include "contract.h"
#include "micro/error.h"
#include "ops.h"
#include "relay.h"
#include "session_cache.h"
#include "store_outbox.h"
#include "store_user.h"

int auth_op_roles_set(auth_ctx *ctx, const char *id, const char *const *codes, size_t n,
                      const char *request_id, auth_user **user)
{
    auth_user *u = NULL;
    auth_db_conn *c = auth_db_acquire(ctx->db);
    int rc = c ? auth_db_begin(c) : MF_ERR_UNAVAILABLE;
    if (rc == 0)
        rc = auth_store_user_replace_roles(c, id, codes, n);
    /* user.updated commits with the new roles (the outbox), whatever the caches do below */
    if (rc == 0)
        rc = auth_store_outbox_add_user(c, CMICRO_EVENT_USER_UPDATED, id);
    if (c && (rc = auth_db_end(c, rc)) == 0)
        auth_relay_poke(ctx->relay);
    if (rc == 0)
        rc = auth_store_user_find_by_id(c, id, &u);
    auth_db_release(ctx->db, c);
    /* Roles may have been removed: the change is reported only once it holds everywhere. */
    if (rc == 0 && (rc = auth_session_cache_revoke_user(ctx, id, request_id)) != 0)
        auth_user_free(u);
    if (rc != 0)
        return rc;
    *user = u;
    return 0;
}
