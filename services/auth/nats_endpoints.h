/*
 * The request/reply subjects other services call (API.md section 5, contract.h), served in
 * queue group CMICRO_QUEUE by several workers: CMICRO_SUBJECT_AUTHENTICATION (Bearer value ->
 * User), CMICRO_SUBJECT_AUTHORIZATION (user id + roles -> User when it holds one of them) and
 * CMICRO_SUBJECT_PROFILE_USER (uuid -> UserPublic). Each parses the request, calls one
 * operation of ops.h and answers, with the same messages and statuses as the HTTP API.
 */
#ifndef AUTH_NATS_ENDPOINTS_H
#define AUTH_NATS_ENDPOINTS_H

#include <jansson.h>
#include <stddef.h>

#include "auth.h"

/*
 * What each endpoint reads from its request data before it calls its operation (pure: the
 * unit tests and the fuzzer call them). Strings are borrowed from data.
 */
/* The Authorization value (NULL when absent or not a string: the operation answers it). */
const char *auth_nats_authentication_parse(json_t *data);
/* The user id and the role codes asked for (*codes heap, caller frees; non-strings skipped):
 * 0, or MF_ERR_INVALID with the refusal's *status (401/403) and static *msg. */
int auth_nats_authorization_parse(json_t *data, const char **id, const char ***codes, size_t *n,
                                  int *status, const char **msg);
/* The user uuid asked for, NULL when it is not one (answered 400). */
const char *auth_nats_profile_parse(json_t *data);

/* Subscribes the three subjects. 0 or MF_ERR. */
int auth_nats_endpoints_serve(auth_ctx *ctx, int workers);

#endif
