/*
 * The transactional outbox (migrations/003_outbox.sql): user events written in the same
 * PostgreSQL transaction as the change they announce, published later by the relay
 * (relay.h). Functions work on a connection the caller holds; errors are db.h's codes.
 */
#ifndef AUTH_STORE_OUTBOX_H
#define AUTH_STORE_OUTBOX_H

#include <stddef.h>

#include "db.h"

/* Bumps the user's version and queues event (CMICRO_EVENT_*) with the user's UserPublic as
 * it is now in this transaction plus that version. Run it inside the transaction of the
 * change, after the change: the UPDATE's row lock orders concurrent changes of one user, so
 * versions follow the commit order. MF_ERR_NOT_FOUND when no such user. */
int auth_store_outbox_add_user(auth_db_conn *c, const char *event, const char *user_id);

/* Up to limit queued rows, oldest first, locked FOR UPDATE SKIP LOCKED until the end of the
 * caller's transaction (so concurrent relays take different rows). *out (auth_db_res_free):
 * columns id, subject, payload (JSON text). */
int auth_store_outbox_take(auth_db_conn *c, int limit, auth_db_res **out);
/* Deletes the row id (decimal text). */
int auth_store_outbox_delete(auth_db_conn *c, const char *id);

#endif
