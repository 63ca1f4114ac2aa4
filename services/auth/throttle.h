/*
 * Sign-in throttling (API.md section 3: "Sign-in attempts are limited per email and per
 * client address"): bcrypt at cost 10 is the most expensive thing auth-service does, so one
 * client must not be able to make it do that without bound, nor guess one account's password.
 *
 * Two fixed one-minute windows in auth's Redis: every attempt from a client address (the
 * address the gateway puts in X-Forwarded-For; requests that do not come through the gateway
 * carry none and are counted per email only), and the failed attempts on an email (a user who
 * signs in successfully is never locked out by their own sign-ins). Redis being down lets
 * attempts through (logged): the limit protects capacity, and refusing every sign-in while
 * the cache is down would be an outage of its own.
 */
#ifndef AUTH_THROTTLE_H
#define AUTH_THROTTLE_H

#include <stdbool.h>

#include "auth.h"

/* Counts an attempt from client (may be NULL or "") and checks email's failures. true when
 * the attempt may go on; false with *retry_after_s (seconds until the window ends) when one
 * of the limits is reached. */
bool auth_throttle_signin(auth_ctx *ctx, const char *email, const char *client, int *retry_after_s);
/* Counts a failed attempt on email. */
void auth_throttle_signin_failed(auth_ctx *ctx, const char *email);

#endif
