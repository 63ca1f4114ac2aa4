/*
 * The request bodies of auth-service (API.md section 3) read and validated, one function per
 * DTO, with every problem of a body collected in v in the DTO's field order. Pure (no I/O):
 * the handlers call them, and so do the unit tests and the fuzzer. Strings are borrowed from
 * body; each returns mf_valid_ok(v).
 */
#ifndef AUTH_DTO_H
#define AUTH_DTO_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "micro/banned.h"

/* profilePicUrl: an http(s) URL of at most this many characters (API.md section 3): it is
 * copied into every blog and comment of the user. */
#define AUTH_PIC_URL_MAX 500
#include "micro/valid.h"

typedef struct {
    const char *email;
    const char *password;
    const char *name; /* signup only */
    const char *pic;  /* signup only; NULL when absent */
} auth_dto_access;

/* POST /signin/basic: email, password. */
bool auth_dto_signin(json_t *body, mf_valid *v, auth_dto_access *in);
/* POST /signup/basic: email, password, name, profilePicUrl?. */
bool auth_dto_signup(json_t *body, mf_valid *v, auth_dto_access *in);
/* POST /token/refresh: refreshToken. */
bool auth_dto_refresh(json_t *body, mf_valid *v, const char **refresh_token);
/* PUT /profile/mine: name?, profilePicUrl? (NULL when absent). */
bool auth_dto_profile(json_t *body, mf_valid *v, const char **name, const char **pic);
/* PUT /roles/user/id/:id: roles, a non-empty array of role codes. *codes (heap, caller frees
 * whatever the result) holds *n codes. */
bool auth_dto_roles(json_t *body, mf_valid *v, const char ***codes, size_t *n);

#endif
