/*
 * Bearer authentication, shared by the HTTP guard and the NATS subject auth.authentication:
 * "Authorization: Bearer <access token>" -> verified token -> live session -> active user
 * with roles. The session is looked up in the Redis cache first, PostgreSQL on a miss.
 */
#ifndef AUTH_AUTHN_H
#define AUTH_AUTHN_H

#include "auth.h"
#include "token.h"
#include "user.h"

#define AUTH_MSG_MISSING_AUTHORIZATION "permission denied: missing Authorization"
#define AUTH_MSG_INVALID_AUTHORIZATION "permission denied: invalid Authorization"
#define AUTH_MSG_INVALID_ACCESS        "permission denied: invalid access token"
#define AUTH_MSG_INVALID_REFRESH       "permission denied: invalid refresh token"
#define AUTH_MSG_CLAIMS_MISMATCH       "permission denied: access and refresh claims mismatch"
#define AUTH_MSG_ROLE_MISSING          "permission denied: role missing"
#define AUTH_MSG_ROLE_INSUFFICIENT     "permission denied: does not have suffient role"

/* The token of "Bearer <token>" (borrowed from header), or NULL with *msg set to the 401
 * message (missing / invalid Authorization). */
const char *auth_authn_bearer_token(const char *header, const char **msg);

/*
 * Authenticates an Authorization header value (may be NULL). Returns:
 *   0                   *out = the user (auth_user_free); claims (may be NULL) filled
 *   MF_ERR_INVALID      *msg = the 401 message
 *   MF_ERR_UNAVAILABLE  PostgreSQL is down (503)
 *   MF_ERR              unexpected
 */
int auth_authn_bearer(auth_ctx *ctx, const char *header, auth_user **out, auth_claims *claims,
                      const char **msg);

#endif
