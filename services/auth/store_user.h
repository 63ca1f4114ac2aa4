/*
 * Users and their roles in PostgreSQL. Every function works on a connection the caller holds,
 * so that several of them can share one transaction. Emails are lower-cased by PostgreSQL's
 * lower() on the way in and on lookup, the same function the table's CHECK uses.
 * Errors: MF_ERR_NOT_FOUND, MF_ERR_CONFLICT (email taken), or db.h's codes.
 */
#ifndef AUTH_STORE_USER_H
#define AUTH_STORE_USER_H

#include <stddef.h>

#include "db.h"
#include "user.h"

/* *out (auth_user_free) with password_hash and roles. Inactive users are returned too
 * (status false): callers decide. */
int auth_store_user_find_by_email(auth_db_conn *c, const char *email, auth_user **out);
/* *out with roles, without the password hash. */
int auth_store_user_find_by_id(auth_db_conn *c, const char *id, auth_user **out);
/* New active user; its id is written to id_out. pic may be NULL. */
int auth_store_user_insert(auth_db_conn *c, const char *email, const char *name, const char *pic,
                           const char *password_hash, char id_out[37]);
/* Locks the user's row until the end of the transaction; MF_ERR_NOT_FOUND when no such user. */
int auth_store_user_lock(auth_db_conn *c, const char *id);
/* Replaces the user's roles with codes (each one of auth_role_codes). */
int auth_store_user_set_roles(auth_db_conn *c, const char *user_id, const char *const *codes,
                              size_t n);
/* Updates the fields that are not NULL. MF_ERR_NOT_FOUND when no such user. */
int auth_store_user_update_profile(auth_db_conn *c, const char *id, const char *name,
                                   const char *pic);

#endif
