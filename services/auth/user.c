#include "user.h"

#include <stdlib.h>
#include <string.h>

#include "micro/alloc.h"
#include "micro/valid.h"

const char *const auth_role_codes[] = CMICRO_ROLE_CODES;

bool auth_role_code_valid(const char *code)
{
    for (int i = 0; code && i < CMICRO_NROLES; i++)
        if (strcmp(code, auth_role_codes[i]) == 0)
            return true;
    return false;
}

auth_user *auth_user_new(void)
{
    auth_user *u = mf_calloc(1, sizeof(*u));
    u->status = true;
    return u;
}

void auth_user_free(auth_user *u)
{
    if (!u)
        return;
    free(u->email);
    free(u->name);
    free(u->profile_pic_url);
    if (u->password_hash) {
        explicit_bzero(u->password_hash, strlen(u->password_hash));
        free(u->password_hash);
    }
    free(u->roles);
    free(u);
}

void auth_user_add_role(auth_user *u, const char *id, const char *code)
{
    u->roles = mf_realloc(u->roles, (u->nroles + 1) * sizeof(*u->roles));
    auth_role *r = &u->roles[u->nroles++];
    snprintf(r->id, sizeof(r->id), "%s", id ? id : "");
    snprintf(r->code, sizeof(r->code), "%s", code ? code : "");
}

bool auth_user_has_role(const auth_user *u, const char *code)
{
    for (size_t i = 0; i < u->nroles; i++)
        if (strcmp(u->roles[i].code, code) == 0)
            return true;
    return false;
}

bool auth_user_has_any_role(const auth_user *u, const char *const *codes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (auth_user_has_role(u, codes[i]))
            return true;
    return false;
}

json_t *auth_user_public_json(const auth_user *u)
{
    json_t *j = json_object();
    json_object_set_new(j, CMICRO_FIELD_ID, json_string(u->id));
    json_object_set_new(j, CMICRO_FIELD_NAME, json_string(u->name ? u->name : ""));
    if (u->profile_pic_url)
        json_object_set_new(j, CMICRO_FIELD_PIC, json_string(u->profile_pic_url));
    return j;
}

json_t *auth_user_json(const auth_user *u)
{
    json_t *j = json_object();
    json_object_set_new(j, CMICRO_FIELD_ID, json_string(u->id));
    json_object_set_new(j, "email", json_string(u->email ? u->email : ""));
    json_object_set_new(j, CMICRO_FIELD_NAME, json_string(u->name ? u->name : ""));
    if (u->profile_pic_url)
        json_object_set_new(j, CMICRO_FIELD_PIC, json_string(u->profile_pic_url));
    json_t *roles = json_array();
    for (size_t i = 0; i < u->nroles; i++)
        json_array_append_new(
            roles, json_pack("{s:s, s:s}", "id", u->roles[i].id, "code", u->roles[i].code));
    json_object_set_new(j, CMICRO_FIELD_ROLES, roles);
    return j;
}

auth_user *auth_user_from_json(json_t *j)
{
    const char *id = json_string_value(json_object_get(j, CMICRO_FIELD_ID));
    const char *email = json_string_value(json_object_get(j, "email"));
    const char *name = json_string_value(json_object_get(j, CMICRO_FIELD_NAME));
    json_t *pic = json_object_get(j, CMICRO_FIELD_PIC);
    json_t *roles = json_object_get(j, CMICRO_FIELD_ROLES);
    if (!id || !mf_is_uuid(id) || !email || !name || (pic && !json_is_string(pic)) ||
        !json_is_array(roles))
        return NULL;
    auth_user *u = auth_user_new();
    snprintf(u->id, sizeof(u->id), "%s", id);
    u->email = mf_strdup(email);
    u->name = mf_strdup(name);
    u->profile_pic_url = pic ? mf_strdup(json_string_value(pic)) : NULL;
    size_t i;
    json_t *r;
    json_array_foreach(roles, i, r)
    {
        const char *rid = json_string_value(json_object_get(r, "id"));
        const char *code = json_string_value(json_object_get(r, "code"));
        if (!rid || !code) {
            auth_user_free(u);
            return NULL;
        }
        auth_user_add_role(u, rid, code);
    }
    return u;
}
