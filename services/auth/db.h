/*
 * PostgreSQL access: a small pool of connections guarded by a mutex, parameterised queries
 * only (values never enter SQL text), explicit transactions, and one mapping of database
 * failures onto the project's error codes:
 *   unique violation (SQLSTATE 23505)       -> MF_ERR_CONFLICT
 *   connection lost / server unreachable    -> MF_ERR_UNAVAILABLE (after one reconnect)
 *   anything else                           -> MF_ERR (detail logged)
 * Never MF_ERR_INVALID: parameters are validated before they reach SQL, so a value PostgreSQL
 * cannot parse (22P02, e.g. a malformed uuid) is our bug, an MF_ERR, never a client's 400.
 * This is the only file of the service that includes libpq.
 */
#ifndef AUTH_DB_H
#define AUTH_DB_H

#include <stdbool.h>
#include <stddef.h>

#include "micro/banned.h"
#include "micro/breaker.h"

typedef struct auth_db auth_db;
typedef struct auth_db_conn auth_db_conn;
typedef struct auth_db_res auth_db_res;

typedef struct {
    const char *host;
    int port;
    const char *name;
    const char *user;
    const char *password;
    int pool_size;
    int connect_timeout_s;
    const mf_breaker_opts *breaker; /* the pool's circuit breaker; NULL: defaults */
} auth_db_opts;

/* Never connects by itself (connections open lazily). Free with auth_db_free. */
auth_db *auth_db_new(const auth_db_opts *opts);
void auth_db_free(auth_db *db);
/* Health ping (ctx is the auth_db): 0 when "SELECT 1" succeeds. */
int auth_db_ping(void *ctx);
/* Retries auth_db_ping until it succeeds or timeout_ms passed. 0 or MF_ERR_UNAVAILABLE. */
int auth_db_wait(auth_db *db, int timeout_ms);

/* A connected pool slot (blocks while all are in use); NULL when the server is unreachable,
 * or at once while the pool's breaker is open after a run of connection failures.
 * Give it back with auth_db_release (which rolls back an unfinished transaction). */
auth_db_conn *auth_db_acquire(auth_db *db);
void auth_db_release(auth_db *db, auth_db_conn *c);

/*
 * Runs sql with text parameters ($1..$n; a NULL entry is SQL NULL). On success *out (when
 * out != NULL) receives the rows, freed with auth_db_res_free. Returns 0 or an error above.
 */
int auth_db_exec(auth_db_conn *c, const char *sql, int nparams, const char *const *params,
                 auth_db_res **out);
/* Runs sql (a SELECT, or a write with RETURNING) for what it found or changed: 0 when it
 * returned at least one row, MF_ERR_NOT_FOUND when none, or an error above. */
int auth_db_exec_found(auth_db_conn *c, const char *sql, int nparams, const char *const *params);
/* Trusted constant SQL that may hold several statements (migrations only). */
int auth_db_exec_script(auth_db_conn *c, const char *sql);

int auth_db_begin(auth_db_conn *c);
/* Safe to call when no transaction is open. */
void auth_db_rollback(auth_db_conn *c);
/* Ends a transaction the way its steps went: commits when rc is 0, else rolls back. Returns rc,
 * or the commit's failure. */
int auth_db_end(auth_db_conn *c, int rc);

size_t auth_db_res_rows(const auth_db_res *r);
/* Value of row/col as text (borrowed from r), NULL for SQL NULL or out of range. */
const char *auth_db_res_get(const auth_db_res *r, size_t row, int col);
/* "t"/"f" boolean column. */
bool auth_db_res_bool(const auth_db_res *r, size_t row, int col);
void auth_db_res_free(auth_db_res *r);

#endif
