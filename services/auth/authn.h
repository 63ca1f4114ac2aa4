/*
 * The "Authorization: Bearer <access token>" header and the access token it carries, checked
 * the same way by authentication (auth_op_authenticate: HTTP guard and NATS) and by the
 * refresh flow, with the 401 messages of API.md section 3 in their order. Pure: no session,
 * no database (that part is the operations').
 */
#ifndef AUTH_AUTHN_H
#define AUTH_AUTHN_H

#include <stdbool.h>

#include "auth.h"
#include "contract.h"
#include "token.h"

/* The token of "Bearer <token>" (borrowed from header), or NULL with *msg set to the 401
 * message (CMICRO_MSG_MISSING_AUTHORIZATION / CMICRO_MSG_INVALID_AUTHORIZATION). */
const char *auth_authn_bearer_token(const char *header, const char **msg);

/* The claims of the header's access token, verified with ctx's keys, issuer and audience
 * (and its expiry when check_exp) and naming a user uuid: 0, or MF_ERR_INVALID with *msg the
 * 401 message (one of the above or CMICRO_MSG_INVALID_ACCESS). now_s is the clock used. */
int auth_authn_access_claims(const auth_ctx *ctx, const char *header, bool check_exp, int64_t now_s,
                             auth_claims *out, const char **msg);

#endif
