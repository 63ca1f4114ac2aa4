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

#include "auth.h"

/* Subscribes the three subjects. 0 or MF_ERR. */
int auth_nats_endpoints_serve(auth_ctx *ctx, int workers);

#endif
