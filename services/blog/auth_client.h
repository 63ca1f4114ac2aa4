/*
 * blog-service as a client of auth-service: who is behind an Authorization header. One NATS
 * request (CMICRO_SUBJECT_AUTHENTICATION with {"value":"Bearer <token>"}) returns the User with
 * its roles, unless auth_cache.h holds the answer (and may be trusted: see there).
 */
#ifndef BLOG_AUTH_CLIENT_H
#define BLOG_AUTH_CLIENT_H

#include <jansson.h>
#include <stdint.h>

#include "micro/banned.h"

#include "blog.h"

/*
 * The User auth-service vouches for behind authorization (a non-empty header value), in
 * *user (new reference, caller decrefs; never modify it, the cache shares it). Errors:
 * MF_ERR_INVALID (the header cannot even be sent: not UTF-8); MF_ERR_REMOTE with *status and
 * *message (auth-service's own error answer, or status 500 for a reply that is not a User;
 * *message heap or NULL, caller frees); otherwise auth-service could not be asked
 * (MF_ERR_TIMEOUT, MF_ERR_NO_RESPONDERS, MF_ERR_UNAVAILABLE, MF_ERR: see mf_nats_request).
 */
int blog_auth_client_authenticate(blog_ctx *ctx, const char *authorization, const char *request_id,
                                  json_t **user, int *status, char **message);

/* The exp claim of a "Bearer <jwt>" header, read without verifying anything: only for a token
 * auth-service has just accepted. 0, or MF_ERR_INVALID when it is not readable. */
int blog_bearer_exp(const char *authorization, int64_t *exp_s);

#endif
