/*
 * Sessions (keystore rows): one per sign-in or refresh, keyed by the access token's jti
 * (primary key) and the refresh token's jti (secondary key). A token is only as alive as its
 * row: signing out or refreshing deletes it, and rows past expires_at are dead and swept by
 * the cleanup thread.
 */
#ifndef AUTH_STORE_KEYSTORE_H
#define AUTH_STORE_KEYSTORE_H

#include <stdbool.h>
#include <stddef.h>

#include "db.h"

int auth_store_keystore_create(auth_db_conn *c, const char *user_id, const char *primary_key,
                               const char *secondary_key, long validity_s);
/* *alive = a live row with this primary key belongs to user_id. */
int auth_store_keystore_alive(auth_db_conn *c, const char *user_id, const char *primary_key,
                              bool *alive);
/* Deletes the row holding both keys of user_id; MF_ERR_NOT_FOUND when there is none. The
 * DELETE is the check, so two concurrent refreshes with the same pair cannot both pass. */
int auth_store_keystore_delete_pair(auth_db_conn *c, const char *user_id, const char *primary_key,
                                    const char *secondary_key);
/* Signout: deletes the row of primary_key; MF_ERR_NOT_FOUND when there is none. */
int auth_store_keystore_delete(auth_db_conn *c, const char *user_id, const char *primary_key);
/* Primary keys of the user's live sessions (array of heap strings, free each and the array). */
int auth_store_keystore_list(auth_db_conn *c, const char *user_id, char ***keys, size_t *n);
/* Removes expired rows; *deleted receives their count. */
int auth_store_keystore_delete_expired(auth_db_conn *c, long *deleted);

#endif
