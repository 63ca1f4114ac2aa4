/*
 * HTTP handlers of API.md section 3 and the guard that protects them. Route flags: a route
 * with AUTH_GUARD_BEARER needs a valid access token; role bits (in the order of
 * CMICRO_ROLE_CODES) additionally need one of those roles. The guard leaves an
 * auth_principal on the request for the handler.
 *
 * A handler parses and validates the request, calls one operation of ops.h and answers; it
 * never touches a store, the database or a cache itself. Helpers that may answer on the
 * handler's behalf return bool: true to go on, false when the response has been sent.
 */
#ifndef AUTH_HANDLERS_H
#define AUTH_HANDLERS_H

#include "micro/http.h"
#include "micro/valid.h"
#include "token.h"
#include "user.h"

enum {
    AUTH_GUARD_BEARER = 1u << 0,
    AUTH_GUARD_LEARNER = 1u << 1,
    AUTH_GUARD_AUTHOR = 1u << 2,
    AUTH_GUARD_EDITOR = 1u << 3,
    AUTH_GUARD_ADMIN = 1u << 4,
};

typedef struct {
    auth_user *user;
    auth_claims claims;
} auth_principal;

/* mf_guard_fn for the auth routes. */
bool auth_guard(mf_req *req, unsigned guard);
/* The principal the guard stored (borrowed), NULL on an unguarded route. */
auth_principal *auth_req_principal(mf_req *req);
/* The route's :id, a user uuid, in *id (borrowed): true; else answers 400 and returns false. */
bool auth_req_user_id(mf_req *req, const char **id);
/* true when rc (an operation's result) is 0. Otherwise answers as ops.h's codes say and
 * returns false: MF_ERR_INVALID 401 with msg, MF_ERR_NOT_FOUND 404 AUTH_MSG_NO_USER,
 * MF_ERR_CONFLICT 400 AUTH_MSG_ALREADY_REGISTERED, anything else through mf_respond_err
 * (what names the step in the log). */
bool auth_req_op_ok(mf_req *req, int rc, const char *msg, const char *what);

void auth_handle_verify_apikey(mf_req *req);
void auth_handle_signup(mf_req *req);
void auth_handle_signin(mf_req *req);
void auth_handle_refresh(mf_req *req);
void auth_handle_signout(mf_req *req);
void auth_handle_profile_by_id(mf_req *req);
void auth_handle_profile_mine(mf_req *req);
void auth_handle_profile_update(mf_req *req);
void auth_handle_roles_update(mf_req *req);

#endif
