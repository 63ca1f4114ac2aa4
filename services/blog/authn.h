/*
 * Authentication and authorization of protected routes, as the mf_server guard. One NATS
 * request (`auth.authentication` with {"value":"Bearer <token>"}) returns the User with its
 * roles, unless auth_cache.h holds the answer; the role the route needs is checked locally on
 * every request.
 *
 * Answers: auth-service's own 4xx status and message (401 "permission denied: ..."), 403
 * "permission denied: role missing" / "permission denied: does not have suffient role",
 * 503 "service unavailable" when auth-service cannot be reached in AUTH_TIMEOUT_MS.
 */
#ifndef BLOG_AUTHN_H
#define BLOG_AUTHN_H

#include <jansson.h>
#include <stdint.h>

#include "micro/banned.h"
#include "micro/http.h"

/* Route guard flags (mf_route.guard). */
#define BLOG_GUARD_AUTHOR 1u
#define BLOG_GUARD_EDITOR 2u

#define BLOG_MSG_ROLE_MISSING      "permission denied: role missing"
#define BLOG_MSG_ROLE_INSUFFICIENT "permission denied: does not have suffient role"

/* mf_guard_fn: true lets the request through with the user attached. */
bool blog_guard(mf_req *req, unsigned guard);

/* The exp claim of a "Bearer <jwt>" header, read without verifying anything: only for a token
 * auth-service has just accepted. 0, or MF_ERR_INVALID when it is not readable. */
int blog_bearer_exp(const char *authorization, int64_t *exp_s);

/* Pure role check of a User JSON: NULL when it holds role (a code like "AUTHOR"), else the
 * 403 message (static string). */
const char *blog_role_check(const json_t *user, const char *role);

/* The authenticated user of a guarded request (borrowed) and its id. */
const json_t *blog_req_user(mf_req *req);
const char *blog_req_user_id(mf_req *req);

#endif
