#include "store_user.h"

#include <stdlib.h>
#include <string.h>

#include "micro/alloc.h"
#include "micro/assert.h"
#include "micro/error.h"
#include "micro/strbuf.h"

#define USER_COLS "id, email, name, profile_pic_url, status, password_hash"

static int load_roles(auth_db_conn *c, auth_user *u)
{
    const char *params[] = {u->id};
    auth_db_res *r = NULL;
    int rc = auth_db_exec(c,
                          "SELECT r.id, r.code FROM user_roles ur JOIN roles r ON r.id = ur.role_id"
                          " WHERE ur.user_id = $1 AND r.status ORDER BY r.code",
                          1, params, &r);
    for (size_t i = 0; rc == 0 && i < auth_db_res_rows(r); i++)
        auth_user_add_role(u, auth_db_res_get(r, i, 0), auth_db_res_get(r, i, 1));
    auth_db_res_free(r);
    return rc;
}

static int find_one(auth_db_conn *c, const char *sql, const char *key, bool with_hash,
                    auth_user **out)
{
    *out = NULL;
    const char *params[] = {key};
    auth_db_res *r = NULL;
    int rc = auth_db_exec(c, sql, 1, params, &r);
    if (rc == 0 && auth_db_res_rows(r) == 0)
        rc = MF_ERR_NOT_FOUND;
    if (rc != 0) {
        auth_db_res_free(r);
        return rc;
    }
    auth_user *u = auth_user_new();
    snprintf(u->id, sizeof(u->id), "%s", auth_db_res_get(r, 0, 0));
    u->email = mf_strdup(auth_db_res_get(r, 0, 1));
    u->name = mf_strdup(auth_db_res_get(r, 0, 2));
    const char *pic = auth_db_res_get(r, 0, 3);
    u->profile_pic_url = pic ? mf_strdup(pic) : NULL;
    u->status = auth_db_res_bool(r, 0, 4);
    if (with_hash)
        u->password_hash = mf_strdup(auth_db_res_get(r, 0, 5));
    auth_db_res_free(r);
    if ((rc = load_roles(c, u)) != 0) {
        auth_user_free(u);
        return rc;
    }
    *out = u;
    return 0;
}

int auth_store_user_find_by_email(auth_db_conn *c, const char *email, auth_user **out)
{
    return find_one(c, "SELECT " USER_COLS " FROM users WHERE email = lower($1)", email, true, out);
}

int auth_store_user_find_by_id(auth_db_conn *c, const char *id, auth_user **out)
{
    return find_one(c, "SELECT " USER_COLS " FROM users WHERE id = $1::uuid", id, false, out);
}

int auth_store_user_find_active(auth_db_conn *c, const char *id, auth_user **out)
{
    int rc = auth_store_user_find_by_id(c, id, out);
    if (rc == 0 && !(*out)->status) {
        auth_user_free(*out);
        *out = NULL;
        rc = MF_ERR_NOT_FOUND;
    }
    return rc;
}

static int insert(auth_db_conn *c, const char *email, const char *name, const char *pic,
                  const char *password_hash, char id_out[37])
{
    const char *params[] = {email, name, pic, password_hash};
    auth_db_res *r = NULL;
    int rc = auth_db_exec(c,
                          "INSERT INTO users (email, name, profile_pic_url, password_hash)"
                          " VALUES (lower($1), $2, $3, $4) RETURNING id",
                          4, params, &r);
    if (rc == 0) {
        mf_assert(auth_db_res_rows(r) == 1); /* INSERT ... RETURNING of one row */
        snprintf(id_out, 37, "%s", auth_db_res_get(r, 0, 0));
    }
    auth_db_res_free(r);
    return rc;
}

static int lock(auth_db_conn *c, const char *id)
{
    const char *params[] = {id};
    return auth_db_exec_found(c, "SELECT 1 FROM users WHERE id = $1::uuid FOR UPDATE", 1, params);
}

static int set_roles(auth_db_conn *c, const char *user_id, const char *const *codes, size_t n)
{
    mf_strbuf arr;
    mf_strbuf_init(&arr);
    mf_strbuf_addch(&arr, '{');
    for (size_t i = 0; i < n; i++) {
        /* Callers validate the codes; one of ours needs no quoting in the array literal. */
        mf_assert(auth_role_code_valid(codes[i]));
        mf_strbuf_addf(&arr, "%s%s", i ? "," : "", codes[i]);
    }
    mf_strbuf_addch(&arr, '}');
    const char *params[] = {user_id, arr.buf};
    int rc = auth_db_exec(c, "DELETE FROM user_roles WHERE user_id = $1::uuid", 1, params, NULL);
    if (rc == 0)
        rc = auth_db_exec(c,
                          "INSERT INTO user_roles (user_id, role_id)"
                          " SELECT $1::uuid, id FROM roles WHERE code = ANY($2::text[])",
                          2, params, NULL);
    mf_strbuf_release(&arr);
    return rc;
}

int auth_store_user_create(auth_db_conn *c, const char *email, const char *name, const char *pic,
                           const char *password_hash, const char *const *codes, size_t n,
                           char id_out[37])
{
    int rc = insert(c, email, name, pic, password_hash, id_out);
    return rc == 0 ? set_roles(c, id_out, codes, n) : rc;
}

int auth_store_user_replace_roles(auth_db_conn *c, const char *id, const char *const *codes,
                                  size_t n)
{
    int rc = lock(c, id);
    return rc == 0 ? set_roles(c, id, codes, n) : rc;
}

int auth_store_user_update_profile(auth_db_conn *c, const char *id, const char *name,
                                   const char *pic)
{
    const char *params[] = {id, name, pic};
    return auth_db_exec_found(c,
                              "UPDATE users SET name = COALESCE($2, name),"
                              " profile_pic_url = COALESCE($3, profile_pic_url), updated_at = now()"
                              " WHERE id = $1::uuid RETURNING id",
                              3, params);
}
