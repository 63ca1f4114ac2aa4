#include "migrate.h"

#include "micro/error.h"
#include "micro/log.h"

/* Any constant shared by all replicas of this service ("auth" in ASCII). */
#define MIGRATE_LOCK_KEY "1635087464"

static int applied(auth_db_conn *c, int version, bool *done)
{
    char v[16];
    snprintf(v, sizeof(v), "%d", version);
    const char *params[] = {v};
    auth_db_res *r = NULL;
    int rc = auth_db_exec(c, "SELECT 1 FROM schema_migrations WHERE version = $1", 1, params, &r);
    if (rc == 0)
        *done = auth_db_res_rows(r) > 0;
    auth_db_res_free(r);
    return rc;
}

static int apply_one(auth_db_conn *c, const auth_migration *m)
{
    bool done = false;
    int rc = applied(c, m->version, &done);
    if (rc != 0 || done)
        return rc;
    char v[16];
    snprintf(v, sizeof(v), "%d", m->version);
    const char *params[] = {v, m->name};
    if ((rc = auth_db_begin(c)) != 0)
        return rc;
    if ((rc = auth_db_exec_script(c, m->sql)) == 0)
        rc = auth_db_exec(c, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", 2,
                          params, NULL);
    if ((rc = auth_db_end(c, rc)) != 0) {
        mf_log_error(NULL, "migration %s failed: %s", m->name, mf_err_name(rc));
        return rc;
    }
    mf_log_info(NULL, "migration %s applied", m->name);
    return 0;
}

static int apply_pending(auth_db *db, const auth_migration *list, size_t n)
{
    auth_db_conn *c = auth_db_acquire(db);
    if (!c)
        return MF_ERR_UNAVAILABLE;
    int rc = auth_db_exec(c, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", 0, NULL, NULL);
    if (rc != 0) {
        auth_db_release(db, c);
        return rc;
    }
    rc = auth_db_exec(c,
                      "CREATE TABLE IF NOT EXISTS schema_migrations ("
                      " version integer PRIMARY KEY, name text NOT NULL,"
                      " applied_at timestamptz NOT NULL DEFAULT now())",
                      0, NULL, NULL);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = apply_one(c, &list[i]);
    /* The lock dies with the session anyway if the connection was lost. */
    auth_db_exec(c, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")", 0, NULL, NULL);
    auth_db_release(db, c);
    return rc;
}

int auth_migrate_when_ready(auth_db *db, int wait_ms)
{
    int rc = auth_db_wait(db, wait_ms);
    return rc == 0 ? apply_pending(db, auth_migrations, auth_migrations_count) : rc;
}
