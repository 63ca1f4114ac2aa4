/*
 * A background thread that deletes expired sessions (auth_op_sessions_sweep) every
 * SESSION_CLEANUP_INTERVAL_S, so the keystore does not grow with abandoned sign-ins. Expired
 * rows are already dead for authentication; this only reclaims space. Safe with several
 * replicas (a DELETE is idempotent).
 */
#ifndef AUTH_CLEANUP_H
#define AUTH_CLEANUP_H

#include "auth.h"

typedef struct auth_cleanup auth_cleanup;

/* Starts the thread; NULL if it cannot start. Stop with auth_cleanup_stop. */
auth_cleanup *auth_cleanup_start(auth_ctx *ctx, int interval_s);
/* Wakes the thread, joins it and frees c. NULL is a no-op. */
void auth_cleanup_stop(auth_cleanup *c);

#endif
