/*
 * Password hashing with bcrypt (libxcrypt). New hashes are "$2b$"; "$2a$" and "$2y$" hashes
 * made elsewhere verify too. bcrypt only reads the first 72 bytes of a password, so longer
 * passwords are refused by validation rather than silently truncated.
 */
#ifndef AUTH_PASSWORD_H
#define AUTH_PASSWORD_H

#include <stdbool.h>

#include "micro/banned.h"
#include "micro/valid.h"

#define AUTH_PASSWORD_MAX_BYTES 72

/* The byte bound that follows the 6..100 character rule wherever a password comes in (sign-up,
 * sign-in, create-admin): false, with a failure added to v, when password (NULL = absent or
 * already refused) is longer than AUTH_PASSWORD_MAX_BYTES. */
bool auth_password_valid_bytes(mf_valid *v, const char *password);

/* bcrypt hash of password at cost (4..31). Heap string (caller frees) or NULL on failure. */
char *auth_password_hash(const char *password, int cost);
/* true when password matches hash; false for a wrong password or a malformed hash. The
 * comparison of the computed hash is constant-time. */
bool auth_password_verify(const char *password, const char *hash);
/* Verifies against a valid hash nobody knows and returns false: called when a user does not
 * exist, so that sign-in takes about as long as with a wrong password. */
bool auth_password_verify_dummy(const char *password);
/* Makes the dummy hash use cost (call once at start with BCRYPT_COST, before serving), so
 * the timing matches users' hashes; without it a cost-10 hash is used. */
void auth_password_set_dummy_cost(int cost);

#endif
