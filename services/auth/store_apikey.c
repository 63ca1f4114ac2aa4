#include "store_apikey.h"

#include <openssl/evp.h>
#include <string.h>

#include "micro/error.h"

void auth_apikey_hash(const char *key, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(key, strlen(key), md, &n, EVP_sha256(), NULL);
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < n && i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}

int auth_store_apikey_valid(auth_db_conn *c, const char *key_hash, bool *valid)
{
    const char *params[] = {key_hash};
    auth_db_res *r = NULL;
    *valid = false;
    int rc =
        auth_db_exec(c, "SELECT 1 FROM api_keys WHERE key_hash = $1 AND status", 1, params, &r);
    if (rc == 0)
        *valid = auth_db_res_rows(r) > 0;
    auth_db_res_free(r);
    return rc;
}

int auth_store_apikey_insert(auth_db_conn *c, const char *key_hash, const char *comment)
{
    const char *params[] = {key_hash, comment};
    return auth_db_exec(c,
                        "INSERT INTO api_keys (key_hash, comments)"
                        " VALUES ($1, CASE WHEN $2::text IS NULL THEN '{}'::text[]"
                        " ELSE ARRAY[$2::text] END)"
                        " ON CONFLICT (key_hash) DO NOTHING",
                        2, params, NULL);
}

int auth_store_apikey_disable(auth_db_conn *c, const char *key_hash)
{
    const char *params[] = {key_hash};
    return auth_db_exec_found(c,
                              "UPDATE api_keys SET status = false, updated_at = now()"
                              " WHERE key_hash = $1 RETURNING id",
                              1, params);
}
