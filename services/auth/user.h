/*
 * The user as the service handles it (row of users + its role codes) and its two JSON
 * shapes: User (private: with email and roles) and UserPublic (id, name, profilePicUrl).
 * The private shape is also what the session cache stores.
 */
#ifndef AUTH_USER_H
#define AUTH_USER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "contract.h"
#include "micro/banned.h"

typedef struct {
    char id[37];
    char code[16];
} auth_role;

typedef struct {
    char id[37];
    char *email;
    char *name;
    char *profile_pic_url; /* NULL when unset */
    char *password_hash;   /* loaded only for sign-in, NULL otherwise */
    bool status;
    size_t nroles;
    auth_role *roles;
} auth_user;

/* The contract's CMICRO_NROLES role codes, in the order of the guard's role bits. */
extern const char *const auth_role_codes[];
/* true when code is one of auth_role_codes. */
bool auth_role_code_valid(const char *code);

/* Empty user (heap); free with auth_user_free (also frees every owned string). */
auth_user *auth_user_new(void);
void auth_user_free(auth_user *u);
void auth_user_add_role(auth_user *u, const char *id, const char *code);
bool auth_user_has_role(const auth_user *u, const char *code);
/* true when u holds at least one of the n codes (any one is enough, API.md section 3). */
bool auth_user_has_any_role(const auth_user *u, const char *const *codes, size_t n);

/* New references (caller decrefs). */
json_t *auth_user_json(const auth_user *u);
json_t *auth_user_public_json(const auth_user *u);
/* Parses the private shape back (session cache). NULL when malformed. */
auth_user *auth_user_from_json(json_t *j);

#endif
