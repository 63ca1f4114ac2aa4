/*
 * The guard of protected routes (mf_guard_fn): authenticates the Authorization header through
 * auth-service (auth_client.h) and checks, locally and on every request, the role the route
 * needs. The user it finds stays attached to the request for the handler.
 *
 * Answers: auth-service's own 4xx status and message (401 "permission denied: ..."), 403
 * CMICRO_MSG_ROLE_MISSING / CMICRO_MSG_ROLE_INSUFFICIENT, 503 "service unavailable" when
 * auth-service cannot be reached in AUTH_TIMEOUT_MS.
 */
#ifndef BLOG_GUARD_H
#define BLOG_GUARD_H

#include <jansson.h>
#include <stdbool.h>

#include "micro/banned.h"
#include "micro/http.h"

/* Route guard flags (mf_route.guard). */
#define BLOG_GUARD_AUTHOR 1u
#define BLOG_GUARD_EDITOR 2u
/* Any signed-in user, whatever their roles (comments). */
#define BLOG_GUARD_USER 4u

/* true lets the request through with the user attached; false: answered. */
bool blog_guard(mf_req *req, unsigned guard);

/* Pure role check of a User JSON: NULL when it holds role (a CMICRO_ROLE_* code), else the 403
 * message (static string). */
const char *blog_role_check(const json_t *user, const char *role);

/* The authenticated user of a guarded request (borrowed) and its id. */
const json_t *blog_req_user(mf_req *req);
const char *blog_req_user_id(mf_req *req);

#endif
