#include "dto.h"

#include "micro/alloc.h"
#include "password.h"
#include "user.h"

bool auth_dto_signin(json_t *body, mf_valid *v, auth_dto_access *in)
{
    *in = (auth_dto_access){0};
    in->email = mf_valid_str(v, body, "email", MF_V_REQUIRED | MF_V_EMAIL, 0, 0);
    /* password: required, 6..100 characters, and at most the bytes bcrypt reads. */
    in->password = mf_valid_str(v, body, "password", MF_V_REQUIRED, 6, 100);
    if (!auth_password_valid_bytes(v, in->password))
        in->password = NULL;
    return mf_valid_ok(v);
}

bool auth_dto_signup(json_t *body, mf_valid *v, auth_dto_access *in)
{
    auth_dto_signin(body, v, in);
    in->name = mf_valid_str(v, body, "name", MF_V_REQUIRED, 2, 200);
    in->pic = mf_valid_str(v, body, "profilePicUrl", MF_V_URL, 0, AUTH_PIC_URL_MAX);
    return mf_valid_ok(v);
}

bool auth_dto_refresh(json_t *body, mf_valid *v, const char **refresh_token)
{
    *refresh_token = mf_valid_str(v, body, "refreshToken", MF_V_REQUIRED, 0, 0);
    return mf_valid_ok(v);
}

bool auth_dto_profile(json_t *body, mf_valid *v, const char **name, const char **pic)
{
    *name = mf_valid_str(v, body, "name", 0, 2, 200);
    *pic = mf_valid_str(v, body, "profilePicUrl", MF_V_URL, 0, AUTH_PIC_URL_MAX);
    return mf_valid_ok(v);
}

bool auth_dto_roles(json_t *body, mf_valid *v, const char ***codes, size_t *n)
{
    json_t *roles = mf_valid_str_array(v, body, "roles", MF_V_REQUIRED, MF_V_REQUIRED, 0, 0);
    *n = roles ? json_array_size(roles) : 0;
    *codes = mf_calloc(*n ? *n : 1, sizeof(char *));
    for (size_t i = 0; i < *n; i++) {
        (*codes)[i] = json_string_value(json_array_get(roles, i));
        if (!auth_role_code_valid((*codes)[i]))
            mf_valid_fail(v, "roles[%zu] is invalid", i);
    }
    return mf_valid_ok(v);
}
