#include "store_outbox.h"

#include <stdio.h>

#include "contract.h"

int auth_store_outbox_add_user(auth_db_conn *c, const char *event, const char *user_id)
{
    const char *params[] = {user_id, event};
    /* One statement: the payload is read from the row the UPDATE just locked and versioned,
     * so it is exactly the state this version names. */
    return auth_db_exec_found(
        c,
        "WITH u AS (UPDATE users SET version = version + 1 WHERE id = $1::uuid"
        " RETURNING id, name, profile_pic_url, version)"
        " INSERT INTO outbox (subject, payload)"
        " SELECT $2, jsonb_strip_nulls(jsonb_build_object("
        "'" CMICRO_FIELD_ID "', id, '" CMICRO_FIELD_NAME "', name,"
        " '" CMICRO_FIELD_PIC "', profile_pic_url, '" CMICRO_FIELD_VERSION "', version))"
        " FROM u RETURNING id",
        2, params);
}

int auth_store_outbox_take(auth_db_conn *c, int limit, auth_db_res **out)
{
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit);
    const char *params[] = {lim};
    return auth_db_exec(c,
                        "SELECT id, subject, payload::text FROM outbox ORDER BY id"
                        " LIMIT $1::int FOR UPDATE SKIP LOCKED",
                        1, params, out);
}

int auth_store_outbox_delete(auth_db_conn *c, const char *id)
{
    const char *params[] = {id};
    return auth_db_exec(c, "DELETE FROM outbox WHERE id = $1::bigint", 1, params, NULL);
}
