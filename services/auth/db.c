#include "db.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "micro/alloc.h"
#include "micro/breaker.h"
#include "micro/clock.h"
#include "micro/error.h"
#include "micro/log.h"

struct auth_db_conn {
    PGconn *pg;
    bool busy;
    bool in_tx;
    bool broke; /* the connection failed while lent: reported to the breaker on release */
};

struct auth_db {
    pthread_mutex_t mu;
    pthread_cond_t freed;
    auth_db_conn *slots;
    int nslots;
    char *host, *port, *name, *user, *password, *timeout;
    /* After a run of connection failures callers get 503 at once instead of each waiting out
     * a connect timeout; one probe at a time while half-open (micro/breaker.h). */
    mf_breaker *breaker;
};

struct auth_db_res {
    PGresult *pg;
};

auth_db *auth_db_new(const auth_db_opts *o)
{
    auth_db *db = mf_calloc(1, sizeof(*db));
    pthread_mutex_init(&db->mu, NULL);
    pthread_cond_init(&db->freed, NULL);
    db->nslots = o->pool_size > 0 ? o->pool_size : 1;
    db->slots = mf_calloc((size_t)db->nslots, sizeof(*db->slots));
    db->host = mf_strdup(o->host);
    db->port = mf_asprintf("%d", o->port);
    db->name = mf_strdup(o->name);
    db->user = mf_strdup(o->user);
    db->password = mf_strdup(o->password ? o->password : "");
    db->timeout = mf_asprintf("%d", o->connect_timeout_s > 0 ? o->connect_timeout_s : 3);
    db->breaker = mf_breaker_new("postgres", o->breaker);
    return db;
}

void auth_db_free(auth_db *db)
{
    if (!db)
        return;
    for (int i = 0; i < db->nslots; i++)
        if (db->slots[i].pg)
            PQfinish(db->slots[i].pg);
    free(db->slots);
    free(db->host);
    free(db->port);
    free(db->name);
    free(db->user);
    free(db->password);
    free(db->timeout);
    mf_breaker_free(db->breaker);
    pthread_cond_destroy(&db->freed);
    pthread_mutex_destroy(&db->mu);
    free(db);
}

static PGconn *db_connect(auth_db *db)
{
    const char *keys[] = {
        "host", "port", "dbname", "user", "password", "connect_timeout", "application_name", NULL};
    const char *vals[] = {
        db->host,    db->port,       db->name, db->user, db->password[0] ? db->password : NULL,
        db->timeout, "auth-service", NULL};
    return PQconnectdbParams(keys, vals, 0);
}

/* Server notices ("relation already exists, skipping") are not errors: keep stderr JSON. */
static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    mf_log_debug(NULL, "postgres notice: %s", message);
}

/* Makes sure the slot holds a live connection. false when the server is unreachable. */
static bool slot_connect(auth_db *db, auth_db_conn *c)
{
    if (c->pg && PQstatus(c->pg) == CONNECTION_OK)
        return true;
    if (c->pg)
        PQreset(c->pg);
    else
        c->pg = db_connect(db);
    if (PQstatus(c->pg) == CONNECTION_OK) {
        PQsetNoticeProcessor(c->pg, ignore_notice, NULL);
        return true;
    }
    mf_log_warn(NULL, "postgres: cannot connect: %s", PQerrorMessage(c->pg));
    PQfinish(c->pg);
    c->pg = NULL;
    return false;
}

/* Gives the slot back to the pool (no breaker report). */
static void slot_return(auth_db *db, auth_db_conn *c)
{
    if (c->in_tx)
        auth_db_rollback(c);
    pthread_mutex_lock(&db->mu);
    c->busy = false;
    pthread_cond_signal(&db->freed);
    pthread_mutex_unlock(&db->mu);
}

auth_db_conn *auth_db_acquire(auth_db *db)
{
    if (mf_breaker_allow(db->breaker) != 0)
        return NULL;
    auth_db_conn *c = NULL;
    pthread_mutex_lock(&db->mu);
    while (!c) {
        for (int i = 0; i < db->nslots && !c; i++)
            if (!db->slots[i].busy)
                c = &db->slots[i];
        if (!c)
            pthread_cond_wait(&db->freed, &db->mu);
    }
    c->busy = true;
    pthread_mutex_unlock(&db->mu);
    if (slot_connect(db, c)) {
        c->broke = false;
        return c;
    }
    mf_breaker_done(db->breaker, false);
    slot_return(db, c);
    return NULL;
}

void auth_db_release(auth_db *db, auth_db_conn *c)
{
    if (!c)
        return;
    mf_breaker_done(db->breaker, !c->broke);
    slot_return(db, c);
}

static int map_error(PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (state && strcmp(state, "23505") == 0)
        return MF_ERR_CONFLICT;
    /* Class 08 (connection exception) and 57P0x (server shutting down). */
    if (state && (strncmp(state, "08", 2) == 0 || strncmp(state, "57P0", 4) == 0))
        return MF_ERR_UNAVAILABLE;
    /* Only the primary message: the detail may quote user data. */
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    mf_log_error(NULL, "postgres: %s (%s)", msg ? msg : "no result", state ? state : "?");
    return MF_ERR;
}

static PGresult *run(auth_db_conn *c, const char *sql, int nparams, const char *const *params)
{
    if (nparams < 0)
        return PQexec(c->pg, sql);
    return PQexecParams(c->pg, sql, nparams, NULL, params, NULL, NULL, 0);
}

static int exec_any(auth_db_conn *c, const char *sql, int nparams, const char *const *params,
                    auth_db_res **out)
{
    if (out)
        *out = NULL;
    if (!c->pg)
        return MF_ERR_UNAVAILABLE;
    PGresult *res = run(c, sql, nparams, params);
    if (PQstatus(c->pg) == CONNECTION_BAD) {
        PQclear(res);
        c->broke = true;
        /* A lost transaction cannot be replayed; a single statement can, once. */
        if (c->in_tx)
            return MF_ERR_UNAVAILABLE;
        PQreset(c->pg);
        if (PQstatus(c->pg) != CONNECTION_OK)
            return MF_ERR_UNAVAILABLE;
        res = run(c, sql, nparams, params);
        if (PQstatus(c->pg) == CONNECTION_BAD) {
            PQclear(res);
            return MF_ERR_UNAVAILABLE;
        }
        c->broke = false; /* it came back */
    }
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        int err = map_error(res);
        PQclear(res);
        return err;
    }
    if (out) {
        *out = mf_malloc(sizeof(**out));
        (*out)->pg = res;
    } else {
        PQclear(res);
    }
    return 0;
}

int auth_db_exec(auth_db_conn *c, const char *sql, int nparams, const char *const *params,
                 auth_db_res **out)
{
    return exec_any(c, sql, nparams < 0 ? 0 : nparams, params, out);
}

int auth_db_exec_found(auth_db_conn *c, const char *sql, int nparams, const char *const *params)
{
    auth_db_res *r = NULL;
    int rc = auth_db_exec(c, sql, nparams, params, &r);
    if (rc == 0 && auth_db_res_rows(r) == 0)
        rc = MF_ERR_NOT_FOUND;
    auth_db_res_free(r);
    return rc;
}

int auth_db_exec_script(auth_db_conn *c, const char *sql)
{
    return exec_any(c, sql, -1, NULL, NULL);
}

int auth_db_begin(auth_db_conn *c)
{
    int rc = exec_any(c, "BEGIN", 0, NULL, NULL);
    if (rc == 0)
        c->in_tx = true;
    return rc;
}

static int commit(auth_db_conn *c)
{
    int rc = exec_any(c, "COMMIT", 0, NULL, NULL);
    c->in_tx = false;
    return rc;
}

void auth_db_rollback(auth_db_conn *c)
{
    if (!c->in_tx)
        return;
    c->in_tx = false;
    if (c->pg && PQstatus(c->pg) == CONNECTION_OK)
        PQclear(PQexec(c->pg, "ROLLBACK"));
}

int auth_db_end(auth_db_conn *c, int rc)
{
    if (rc == 0)
        rc = commit(c);
    if (rc != 0)
        auth_db_rollback(c);
    return rc;
}

int auth_db_ping(void *ctx)
{
    auth_db *db = ctx;
    auth_db_conn *c = auth_db_acquire(db);
    if (!c)
        return MF_ERR_UNAVAILABLE;
    int rc = auth_db_exec(c, "SELECT 1", 0, NULL, NULL);
    auth_db_release(db, c);
    return rc;
}

int auth_db_wait(auth_db *db, int timeout_ms)
{
    int64_t deadline = mf_mono_ms() + timeout_ms;
    for (;;) {
        if (auth_db_ping(db) == 0)
            return 0;
        if (mf_mono_ms() >= deadline)
            return MF_ERR_UNAVAILABLE;
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

size_t auth_db_res_rows(const auth_db_res *r)
{
    return r ? (size_t)PQntuples(r->pg) : 0;
}

const char *auth_db_res_get(const auth_db_res *r, size_t row, int col)
{
    if (!r || row >= (size_t)PQntuples(r->pg) || col < 0 || col >= PQnfields(r->pg))
        return NULL;
    if (PQgetisnull(r->pg, (int)row, col))
        return NULL;
    return PQgetvalue(r->pg, (int)row, col);
}

bool auth_db_res_bool(const auth_db_res *r, size_t row, int col)
{
    const char *v = auth_db_res_get(r, row, col);
    return v && v[0] == 't';
}

void auth_db_res_free(auth_db_res *r)
{
    if (!r)
        return;
    PQclear(r->pg);
    free(r);
}
