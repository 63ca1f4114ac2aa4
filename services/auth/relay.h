/*
 * The outbox relay (API.md section 5: no event is lost once its change is committed): a
 * thread that publishes the rows of the outbox table (store_outbox.h) to JetStream, each with
 * Nats-Msg-Id "outbox-<row id>", and deletes them once the stream acknowledged them. Every
 * replica runs one; SELECT ... FOR UPDATE SKIP LOCKED lets them share the rows. A row whose
 * publish was acknowledged but whose delete did not commit (crash, PostgreSQL lost) is
 * published again, and the stream drops the repeat within its duplicate window (2 min).
 * While NATS is down rows stay queued; they are sent once it is back.
 * The operations poke it after a commit (low latency); it also polls every
 * RELAY_POLL_MS for rows committed by other processes (the CLI, another replica that died).
 */
#ifndef AUTH_RELAY_H
#define AUTH_RELAY_H

#include <stdbool.h>

#include "auth.h"

/* Starts the thread on ctx->db and ctx->nats; NULL if it cannot start. Stop with
 * auth_relay_stop. */
auth_relay *auth_relay_start(auth_ctx *ctx);
/* Wakes the thread now (after a commit that queued an event). NULL is a no-op. */
void auth_relay_poke(auth_relay *r);
/* Wakes the thread, joins it and frees r. Rows not yet sent stay queued for the next
 * relay. NULL is a no-op. */
void auth_relay_stop(auth_relay *r);
/* Publishes queued rows until none is left, a publish fails or timeout_ms passed, on the
 * caller's thread (a CLI command, so its events do not wait for a serving replica's next
 * poll). true when the queue was seen empty. */
bool auth_relay_drain(auth_ctx *ctx, int timeout_ms);

#endif
