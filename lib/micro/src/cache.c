/*
 * Redis cache on hiredis 0.14 (blocking API): a fixed pool of connections, each behind its
 * own mutex. When Redis fails, the cache is "down" for a second: calls miss at once instead
 * of each waiting for a connect timeout, and after the second one caller (the one that wins
 * the compare-and-swap on down_until) probes with a reconnect while the others keep missing.
 *
 * Values are never logged (they may be private data); keys only at debug level.
 */
#include "micro/cache.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/time.h>

#include "micro/alloc.h"
#include "micro/clock.h"
#include "micro/error.h"
#include "micro/log.h"
#include "micro/metrics.h"

#include "cache_internal.h"

#include "cache_internal.h"

#define DOWN_MS 1000

typedef struct {
    pthread_mutex_t mu;
    redisContext *ctx;
    unsigned gen; /* c->gen when ctx was opened */
} cache_conn;

struct mf_cache {
    char *host;
    int port;
    char *password; /* NULL when none */
    int timeout_ms;
    int pool_size;
    cache_conn *conns;
    atomic_uint next;         /* where the next caller starts its scan */
    atomic_int_fast64_t down; /* mono ms until which calls fail fast; 0 = up */
    atomic_uint gen;          /* bumped when Redis goes down: older contexts are stale */
    char *name;               /* the cache label of cmicro_cache_requests_total */
};

static mf_metric_vec *requests_vec;

static void metrics_init(void)
{
    requests_vec = mf_metric_vec_new(MF_METRIC_COUNTER, "cmicro_cache_requests_total",
                                     "Cache lookups by cache and result (hit, miss, error).",
                                     "cache", "result");
}

/* n lookups of c with result ("hit", "miss" or "error"). */
static void count(const mf_cache *c, const char *result, size_t n)
{
    if (n > 0)
        mf_metric_vec_add(requests_vec, c->name, result, n);
}

static struct timeval ms_to_tv(int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    return tv;
}

mf_cache *mf_cache_new(const char *host, int port, const char *password, int timeout_ms,
                       int pool_size)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, metrics_init);
    mf_cache *c = mf_calloc(1, sizeof(*c));
    c->name = mf_strdup("redis");
    c->host = mf_strdup(host != NULL && *host != '\0' ? host : "127.0.0.1");
    c->port = port;
    c->password = (password != NULL && *password != '\0') ? mf_strdup(password) : NULL;
    c->timeout_ms = timeout_ms > 0 ? timeout_ms : 1000;
    c->pool_size = pool_size > 0 ? pool_size : 1;
    c->conns = mf_calloc((size_t)c->pool_size, sizeof(*c->conns));
    for (int i = 0; i < c->pool_size; i++)
        pthread_mutex_init(&c->conns[i].mu, NULL);
    atomic_init(&c->next, 0);
    atomic_init(&c->down, 0);
    atomic_init(&c->gen, 0);
    /* Connections open lazily: an unreachable Redis must not delay the service's start. */
    return c;
}

void mf_cache_free(mf_cache *c)
{
    if (c == NULL)
        return;
    for (int i = 0; i < c->pool_size; i++) {
        pthread_mutex_lock(&c->conns[i].mu);
        if (c->conns[i].ctx != NULL)
            redisFree(c->conns[i].ctx);
        pthread_mutex_unlock(&c->conns[i].mu);
        pthread_mutex_destroy(&c->conns[i].mu);
    }
    free(c->conns);
    free(c->host);
    free(c->password);
    free(c->name);
    free(c);
}

/* ---- connection state --------------------------------------------------------------------- */

static void mark_down(mf_cache *c, const char *why)
{
    int_fast64_t prev = atomic_exchange(&c->down, mf_mono_ms() + DOWN_MS);
    atomic_fetch_add(&c->gen, 1);
    if (prev == 0)
        mf_log_warn(NULL, "cache: redis %s:%d down (%s); misses for now", c->host, c->port, why);
}

static void mark_up(mf_cache *c)
{
    if (atomic_load(&c->down) != 0 && atomic_exchange(&c->down, 0) != 0)
        mf_log_info(NULL, "cache: redis %s:%d is back", c->host, c->port);
}

/* False while Redis is known to be down. When the down period is over, exactly one caller
 * gets true (and pushes the period on for everybody else while it probes). */
static bool may_try(mf_cache *c)
{
    int_fast64_t until = atomic_load(&c->down);
    if (until == 0)
        return true;
    int64_t now = mf_mono_ms();
    if (now < until)
        return false;
    return atomic_compare_exchange_strong(&c->down, &until, now + DOWN_MS);
}

static void conn_close(cache_conn *cn)
{
    if (cn->ctx != NULL)
        redisFree(cn->ctx);
    cn->ctx = NULL;
}

/* Opens cn->ctx (connect, command timeout, AUTH). 0, or -1 with why filled. */
static int conn_open(mf_cache *c, cache_conn *cn, const char **why)
{
    conn_close(cn);
    struct timeval tv = ms_to_tv(c->timeout_ms);
    redisContext *ctx = redisConnectWithTimeout(c->host, c->port, tv);
    if (ctx == NULL) {
        *why = "cannot allocate context";
        return -1;
    }
    if (ctx->err != 0) {
        mf_log_debug(NULL, "cache: connect %s:%d: %s", c->host, c->port, ctx->errstr);
        redisFree(ctx);
        *why = "connect failed";
        return -1;
    }
    if (redisSetTimeout(ctx, tv) != REDIS_OK) {
        redisFree(ctx);
        *why = "cannot set timeout";
        return -1;
    }
    redisEnableKeepAlive(ctx);
    if (c->password != NULL) {
        const char *argv[] = {"AUTH", c->password};
        size_t argvlen[] = {4, strlen(c->password)};
        redisReply *r = redisCommandArgv(ctx, 2, argv, argvlen);
        bool ok = r != NULL && r->type == REDIS_REPLY_STATUS;
        if (r != NULL && r->type == REDIS_REPLY_ERROR && r->str != NULL &&
            strstr(r->str, "without any password configured") != NULL) {
            /* A development Redis without requirepass: the password is simply not needed. */
            mf_log_debug(NULL, "cache: redis %s:%d has no password set", c->host, c->port);
            ok = true;
        } else if (r != NULL && r->type == REDIS_REPLY_ERROR) {
            mf_log_error(NULL, "cache: redis %s:%d rejected AUTH: %s", c->host, c->port,
                         r->str != NULL ? r->str : "");
        }
        if (r != NULL)
            freeReplyObject(r);
        if (!ok) {
            redisFree(ctx);
            *why = "authentication failed";
            return -1;
        }
    }
    cn->ctx = ctx;
    cn->gen = atomic_load(&c->gen);
    return 0;
}

/* A free connection (locked), or NULL while Redis is down. */
static cache_conn *conn_acquire(mf_cache *c)
{
    if (!may_try(c))
        return NULL;
    unsigned start = atomic_fetch_add(&c->next, 1);
    cache_conn *cn = NULL;
    for (int i = 0; i < c->pool_size && cn == NULL; i++) {
        cache_conn *cand = &c->conns[(start + (unsigned)i) % (unsigned)c->pool_size];
        if (pthread_mutex_trylock(&cand->mu) == 0)
            cn = cand;
    }
    if (cn == NULL) {
        cn = &c->conns[start % (unsigned)c->pool_size];
        pthread_mutex_lock(&cn->mu);
    }
    if (cn->ctx != NULL && cn->gen != atomic_load(&c->gen))
        conn_close(cn); /* opened before Redis last went down: surely dead */
    if (cn->ctx == NULL) {
        const char *why = NULL;
        if (conn_open(c, cn, &why) != 0) {
            mark_down(c, why);
            pthread_mutex_unlock(&cn->mu);
            return NULL;
        }
    }
    return cn;
}

/* A failure that a fresh connection may cure (Redis restarted under an idle context), as
 * opposed to a timeout, where a second try would only double the wait. */
static bool worth_retry(const redisContext *ctx, int err_no)
{
    if (ctx->err == REDIS_ERR_EOF)
        return true;
    return ctx->err == REDIS_ERR_IO && err_no != EAGAIN && err_no != EWOULDBLOCK &&
           err_no != ETIMEDOUT;
}

/* Runs one command. The reply (caller frees with freeReplyObject; may be an error reply), or
 * NULL when Redis is unreachable (then the cache is marked down). */
static redisReply *cache_exec(mf_cache *c, int argc, const char **argv, const size_t *argvlen)
{
    cache_conn *cn = conn_acquire(c);
    if (cn == NULL)
        return NULL;
    redisReply *r = NULL;
    for (int attempt = 0; attempt < 2; attempt++) {
        errno = 0;
        r = redisCommandArgv(cn->ctx, argc, argv, argvlen);
        if (r != NULL)
            break;
        int err_no = errno;
        bool retry = attempt == 0 && worth_retry(cn->ctx, err_no);
        mf_log_debug(NULL, "cache: %s failed: %s", argv[0], cn->ctx->errstr);
        conn_close(cn);
        const char *why = "connection lost";
        if (!retry || conn_open(c, cn, &why) != 0) {
            mark_down(c, why);
            break;
        }
    }
    if (r != NULL)
        mark_up(c);
    pthread_mutex_unlock(&cn->mu);
    return r;
}

/* ---- commands ----------------------------------------------------------------------------- */

char *mf_cache_get(mf_cache *c, const char *key, size_t *len)
{
    if (len != NULL)
        *len = 0;
    if (c == NULL || key == NULL)
        return NULL;
    const char *argv[] = {"GET", key};
    size_t argvlen[] = {3, strlen(key)};
    redisReply *r = cache_exec(c, 2, argv, argvlen);
    if (r == NULL) {
        count(c, "error", 1);
        return NULL;
    }
    char *out = NULL;
    count(c,
          r->type == REDIS_REPLY_STRING  ? "hit"
          : r->type == REDIS_REPLY_ERROR ? "error"
                                         : "miss",
          1);
    if (r->type == REDIS_REPLY_STRING) {
        out = mf_malloc(r->len + 1);
        memcpy(out, r->str, r->len);
        out[r->len] = '\0';
        if (len != NULL)
            *len = r->len;
        mf_log_debug(NULL, "cache: hit %s", key);
    } else if (r->type == REDIS_REPLY_ERROR) {
        mf_log_warn(NULL, "cache: GET failed: %s", r->str != NULL ? r->str : "");
    } else {
        mf_log_debug(NULL, "cache: miss %s", key);
    }
    freeReplyObject(r);
    return out;
}

int mf_cache_set(mf_cache *c, const char *key, const char *value, size_t len, int ttl_s)
{
    if (c == NULL || key == NULL || (value == NULL && len > 0))
        return MF_ERR_INVALID;
    if (ttl_s <= 0)
        return MF_ERR_INVALID;
    char ttl[16];
    snprintf(ttl, sizeof(ttl), "%d", ttl_s);
    const char *argv[] = {"SET", key, value != NULL ? value : "", "EX", ttl};
    size_t argvlen[] = {3, strlen(key), len, 2, strlen(ttl)};
    redisReply *r = cache_exec(c, 5, argv, argvlen);
    if (r == NULL)
        return MF_ERR_UNAVAILABLE;
    int rc = 0;
    if (r->type == REDIS_REPLY_ERROR) {
        mf_log_warn(NULL, "cache: SET failed: %s", r->str != NULL ? r->str : "");
        rc = MF_ERR_UNAVAILABLE;
    } else {
        mf_log_debug(NULL, "cache: set %s ttl %d", key, ttl_s);
    }
    freeReplyObject(r);
    return rc;
}

int mf_cache_mget(mf_cache *c, const char *const *keys, size_t n, char **values, size_t *lens)
{
    if (values != NULL)
        for (size_t i = 0; i < n; i++)
            values[i] = NULL;
    if (lens != NULL)
        for (size_t i = 0; i < n; i++)
            lens[i] = 0;
    if (c == NULL || keys == NULL || values == NULL || n == 0 || n > INT32_MAX - 1)
        return MF_ERR_INVALID;
    const char *small_argv[8];
    size_t small_len[8];
    bool heap = n + 1 > sizeof small_argv / sizeof small_argv[0];
    const char **argv = heap ? mf_calloc(n + 1, sizeof(*argv)) : small_argv;
    size_t *argvlen = heap ? mf_calloc(n + 1, sizeof(*argvlen)) : small_len;
    argv[0] = "MGET";
    argvlen[0] = 4;
    for (size_t i = 0; i < n; i++) {
        argv[i + 1] = keys[i];
        argvlen[i + 1] = strlen(keys[i]);
    }
    redisReply *r = cache_exec(c, (int)(n + 1), argv, argvlen);
    if (heap) {
        free(argv);
        free(argvlen);
    }
    if (r == NULL) {
        count(c, "error", n);
        return MF_ERR_UNAVAILABLE;
    }
    int rc = 0;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == n) {
        size_t hits = 0;
        for (size_t i = 0; i < r->elements; i++)
            hits += r->element[i] != NULL && r->element[i]->type == REDIS_REPLY_STRING;
        count(c, "hit", hits);
        count(c, "miss", n - hits);
        for (size_t i = 0; i < n; i++) {
            const redisReply *e = r->element[i];
            if (e == NULL || e->type != REDIS_REPLY_STRING)
                continue;
            values[i] = mf_malloc(e->len + 1);
            memcpy(values[i], e->str, e->len);
            values[i][e->len] = '\0';
            if (lens != NULL)
                lens[i] = e->len;
        }
    } else {
        count(c, "error", n);
        mf_log_warn(NULL, "cache: MGET failed: %s",
                    r->type == REDIS_REPLY_ERROR && r->str != NULL ? r->str : "unexpected reply");
        rc = MF_ERR_UNAVAILABLE;
    }
    freeReplyObject(r);
    return rc;
}

int mf_cache_del(mf_cache *c, const char *const *keys, size_t n)
{
    if (c == NULL || (keys == NULL && n > 0))
        return MF_ERR_INVALID;
    if (n == 0)
        return 0;
    if (n > INT32_MAX - 1)
        return MF_ERR_INVALID;
    const char **argv = mf_calloc(n + 1, sizeof(*argv));
    size_t *argvlen = mf_calloc(n + 1, sizeof(*argvlen));
    argv[0] = "DEL";
    argvlen[0] = 3;
    for (size_t i = 0; i < n; i++) {
        argv[i + 1] = keys[i];
        argvlen[i + 1] = strlen(keys[i]);
        mf_log_debug(NULL, "cache: del %s", keys[i]);
    }
    redisReply *r = cache_exec(c, (int)(n + 1), argv, argvlen);
    free(argv);
    free(argvlen);
    if (r == NULL)
        return MF_ERR_UNAVAILABLE;
    int rc = 0;
    if (r->type == REDIS_REPLY_ERROR) {
        mf_log_warn(NULL, "cache: DEL failed: %s", r->str != NULL ? r->str : "");
        rc = MF_ERR_UNAVAILABLE;
    }
    freeReplyObject(r);
    return rc;
}

int mf_cache_eval_int(mf_cache *c, const char *script, const char *const *keys, size_t nkeys,
                      const char *const *args, size_t nargs, long long *out)
{
    if (out != NULL)
        *out = 0;
    if (c == NULL || script == NULL || nkeys > 16 || nargs > 16 || (nkeys && keys == NULL) ||
        (nargs && args == NULL))
        return MF_ERR_INVALID;
    const char *argv[35];
    size_t argvlen[35];
    char nk[8];
    snprintf(nk, sizeof(nk), "%zu", nkeys);
    size_t argc = 0;
    argv[argc] = "EVAL";
    argvlen[argc++] = 4;
    argv[argc] = script;
    argvlen[argc++] = strlen(script);
    argv[argc] = nk;
    argvlen[argc++] = strlen(nk);
    for (size_t i = 0; i < nkeys; i++) {
        argv[argc] = keys[i];
        argvlen[argc++] = strlen(keys[i]);
    }
    for (size_t i = 0; i < nargs; i++) {
        argv[argc] = args[i];
        argvlen[argc++] = strlen(args[i]);
    }
    redisReply *r = cache_exec(c, (int)argc, argv, argvlen);
    if (r == NULL)
        return MF_ERR_UNAVAILABLE;
    int rc = 0;
    if (r->type == REDIS_REPLY_INTEGER) {
        if (out != NULL)
            *out = r->integer;
    } else if (r->type == REDIS_REPLY_NIL) {
        /* a script that returns nothing: 0 */
    } else {
        mf_log_warn(NULL, "cache: EVAL failed: %s",
                    r->type == REDIS_REPLY_ERROR && r->str != NULL ? r->str : "unexpected reply");
        rc = MF_ERR_UNAVAILABLE;
    }
    freeReplyObject(r);
    return rc;
}

int mf_cache_ping(void *ctx)
{
    mf_cache *c = ctx;
    if (c == NULL)
        return MF_ERR_UNAVAILABLE;
    const char *argv[] = {"PING"};
    size_t argvlen[] = {4};
    redisReply *r = cache_exec(c, 1, argv, argvlen);
    if (r == NULL)
        return MF_ERR_UNAVAILABLE;
    int rc = (r->type == REDIS_REPLY_STATUS && r->str != NULL && strcmp(r->str, "PONG") == 0)
                 ? 0
                 : MF_ERR_UNAVAILABLE;
    freeReplyObject(r);
    return rc;
}

void mf_cache_set_name(mf_cache *c, const char *name)
{
    if (c == NULL || name == NULL || *name == '\0')
        return;
    free(c->name);
    c->name = mf_strdup(name);
}

redisReply *mf_cache_exec_internal(mf_cache *c, int argc, const char **argv, const size_t *argvlen)
{
    return c == NULL ? NULL : cache_exec(c, argc, argv, argvlen);
}
