/* Role grants: auth_op_roles_set (ops.h). */
#include "contract.h"
#include "events.h"
#include "micro/error.h"
#include "ops.h"
#include "session_cache.h"
#include "store_user.h"

int auth_op_roles_set(auth_ctx *ctx, const char *id, const char *const *codes, size_t n,
                      const char *request_id, auth_user **user)
{
    auth_user *u = NULL;
    auth_db_conn *c = auth_db_acquire(ctx->db);
    int rc = c ? auth_db_begin(c) : MF_ERR_UNAVAILABLE;
    if (rc == 0)
        rc = auth_store_user_replace_roles(c, id, codes, n);
    if (c)
        rc = auth_db_end(c, rc);
    if (rc == 0)
        rc = auth_store_user_find_by_id(c, id, &u);
    auth_db_release(ctx->db, c);
    /* Roles may have been removed: the change is reported only once it holds everywhere. */
    if (rc == 0 && (rc = auth_session_cache_revoke_user(ctx, id, request_id)) != 0)
        auth_user_free(u);
    if (rc != 0)
        return rc;
    auth_events_user(ctx, CMICRO_EVENT_USER_UPDATED, u, request_id);
    *user = u;
    return 0;
}
