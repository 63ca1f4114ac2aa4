/*
 * API keys (the gateway's x-api-key). Only the SHA-256 of a key is stored and looked up, so
 * a database dump reveals no usable key, and the lookup never compares secret bytes.
 */
#ifndef AUTH_STORE_APIKEY_H
#define AUTH_STORE_APIKEY_H

#include <stdbool.h>

#include "db.h"

/* Lower-case hex SHA-256 of key into out. */
void auth_apikey_hash(const char *key, char out[65]);
/* *valid = an active key with this hash exists. */
int auth_store_apikey_valid(auth_db_conn *c, const char *key_hash, bool *valid);
/* Adds an active key; an existing hash is left as it is (idempotent). comment may be NULL. */
int auth_store_apikey_insert(auth_db_conn *c, const char *key_hash, const char *comment);
/* Disables the key; MF_ERR_NOT_FOUND when unknown. */
int auth_store_apikey_disable(auth_db_conn *c, const char *key_hash);

#endif
