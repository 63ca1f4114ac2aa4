/*
 * Users and their roles in PostgreSQL. Every function works on a connection the caller holds,
 * so that several of them can share one transaction. Emails are lower-cased by PostgreSQL's
 * lower() on the way in and on lookup, the same function the table's CHECK uses.
 * Errors: MF_ERR_NOT_FOUND, MF_ERR_CONFLICT (email taken), or db.h's codes. Arguments are
 * validated by the caller (uuids, role codes): a store never answers bad input.
 */
#ifndef AUTH_STORE_USER_H
#define AUTH_STORE_USER_H

#include <stddef.h>

#include "db.h"
#include "user.h"

/* *out (auth_user_free) with password_hash and roles. Inactive users are returned too
 * (status false): callers decide. */
int auth_store_user_find_by_email(auth_db_conn *c, const char *email, auth_user **out);
/* *out (auth_user_free) with roles, without the password hash; inactive users too. */
int auth_store_user_find_by_id(auth_db_conn *c, const char *id, auth_user **out);
/* The active user by id, the one way authentication, authorization and profile reads load a
 * user: *out as above, MF_ERR_NOT_FOUND for an unknown or inactive user. */
int auth_store_user_find_active(auth_db_conn *c, const char *id, auth_user **out);
/* New active user holding the n role codes (each one of auth_role_codes); its id is written
 * to id_out. pic may be NULL. Two statements: run it inside the caller's transaction. */
int auth_store_user_create(auth_db_conn *c, const char *email, const char *name, const char *pic,
                           const char *password_hash, const char *const *codes, size_t n,
                           char id_out[37]);
/* Replaces the user's roles with the n codes (each one of auth_role_codes), holding the user's
 * row lock until the end of the caller's transaction so that concurrent replacements of the
 * same user's roles are ordered. MF_ERR_NOT_FOUND when no such user. */
int auth_store_user_replace_roles(auth_db_conn *c, const char *id, const char *const *codes,
                                  size_t n);
/* Updates the fields that are not NULL. MF_ERR_NOT_FOUND when no such user. */
int auth_store_user_update_profile(auth_db_conn *c, const char *id, const char *name,
                                   const char *pic);

#endif
