#include "store_keystore.h"

#include <stdlib.h>

#include "micro/alloc.h"
#include "micro/error.h"

int auth_store_keystore_create(auth_db_conn *c, const char *user_id, const char *primary_key,
                               const char *secondary_key, long validity_s)
{
    char v[32];
    snprintf(v, sizeof(v), "%ld", validity_s);
    const char *params[] = {user_id, primary_key, secondary_key, v};
    return auth_db_exec(c,
                        "INSERT INTO keystore (user_id, primary_key, secondary_key, expires_at)"
                        " VALUES ($1::uuid, $2, $3, now() + make_interval(secs => $4::bigint))",
                        4, params, NULL);
}

int auth_store_keystore_alive(auth_db_conn *c, const char *user_id, const char *primary_key,
                              bool *alive)
{
    const char *params[] = {user_id, primary_key};
    auth_db_res *r = NULL;
    *alive = false;
    int rc = auth_db_exec(c,
                          "SELECT 1 FROM keystore WHERE primary_key = $2 AND user_id = $1::uuid"
                          " AND status AND expires_at > now()",
                          2, params, &r);
    if (rc == 0)
        *alive = auth_db_res_rows(r) > 0;
    auth_db_res_free(r);
    return rc;
}

int auth_store_keystore_delete_pair(auth_db_conn *c, const char *user_id, const char *primary_key,
                                    const char *secondary_key)
{
    const char *params[] = {user_id, primary_key, secondary_key};
    return auth_db_exec_found(c,
                              "DELETE FROM keystore WHERE user_id = $1::uuid AND primary_key = $2"
                              " AND secondary_key = $3 AND status AND expires_at > now()"
                              " RETURNING id",
                              3, params);
}

int auth_store_keystore_delete(auth_db_conn *c, const char *user_id, const char *primary_key)
{
    const char *params[] = {user_id, primary_key};
    return auth_db_exec_found(c,
                              "DELETE FROM keystore WHERE user_id = $1::uuid AND primary_key = $2"
                              " RETURNING id",
                              2, params);
}

int auth_store_keystore_list(auth_db_conn *c, const char *user_id, char ***keys, size_t *n)
{
    const char *params[] = {user_id};
    auth_db_res *r = NULL;
    *keys = NULL;
    *n = 0;
    int rc =
        auth_db_exec(c, "SELECT primary_key FROM keystore WHERE user_id = $1::uuid", 1, params, &r);
    if (rc == 0 && auth_db_res_rows(r) > 0) {
        *n = auth_db_res_rows(r);
        *keys = mf_calloc(*n, sizeof(char *));
        for (size_t i = 0; i < *n; i++)
            (*keys)[i] = mf_strdup(auth_db_res_get(r, i, 0));
    }
    auth_db_res_free(r);
    return rc;
}

int auth_store_keystore_delete_expired(auth_db_conn *c, long *deleted)
{
    auth_db_res *r = NULL;
    int rc = auth_db_exec(c,
                          "WITH d AS (DELETE FROM keystore WHERE expires_at <= now() RETURNING 1)"
                          " SELECT count(*) FROM d",
                          0, NULL, &r);
    if (rc == 0 && deleted)
        *deleted = strtol(auth_db_res_get(r, 0, 0) ? auth_db_res_get(r, 0, 0) : "0", NULL, 10);
    auth_db_res_free(r);
    return rc;
}
