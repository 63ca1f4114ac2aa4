/*
 * Issuing a session: two fresh jtis (32 random bytes in hex each), one keystore row holding
 * them, and the signed access and refresh tokens that name them.
 */
#ifndef AUTH_SESSION_H
#define AUTH_SESSION_H

#include <jansson.h>

#include "auth.h"

/* Inserts the keystore row through c (inside the caller's transaction, if any) and sets
 * *tokens to {"accessToken","refreshToken"} (caller decrefs). 0 or an error code. */
int auth_session_issue(auth_ctx *ctx, auth_db_conn *c, const char *user_id, json_t **tokens);

#endif
