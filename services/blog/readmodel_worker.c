/*
 * What keeps the read models complete (readmodel.h), in one background thread per replica:
 * once a second, or at once when a read or a write kicks it,
 *   1. after a lost apply (rm_dirty): deletes blog:rm:ready as soon as Redis answers, which
 *      sends every replica's reads to MongoDB until the rebuild below is done;
 *   2. re-reads the blogs queued in blog:rm:suspect (writes that may have been applied);
 *   3. when blog:rm:ready is missing: rebuilds, if it wins blog:rm:lock.
 * A rebuild streams every blog from MongoDB through the same versioned apply as the writes,
 * so a write that lands meanwhile is never undone by the older copy the rebuild read. It marks
 * the models ready only if it still holds its lock at the end: a Redis flushed meanwhile (lock
 * gone) is rebuilt again.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "micro/alloc.h"
#include "micro/cache_cmd.h"
#include "micro/clock.h"
#include "micro/error.h"
#include "micro/log.h"

#include "readmodel.h"

#define TICK_MS           1000
#define SUSPECTS_PER_TICK 100
#define REFRESH_EVERY     500 /* blogs between two lock refreshes */

struct blog_rm_worker {
    blog_ctx *ctx;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    atomic_bool stop; /* also read by a running rebuild, which gives up */
    bool kicked;
};

/* KEYS[1] lock. ARGV[1] token, ARGV[2] ms: extends the lock when it is still ours. */
static const char REFRESH_LUA[] = "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
                                  "  return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end\n"
                                  "return 0\n";
/* KEYS[1] lock, KEYS[2] ready. ARGV[1] token: marks the models ready when the lock is ours. */
static const char FINISH_LUA[] = "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
                                 "  redis.call('SET', KEYS[2], '1')\n"
                                 "  redis.call('DEL', KEYS[1])\n"
                                 "  return 1 end\n"
                                 "return 0\n";

static int lua_int(blog_ctx *ctx, const char *script, const char *const *keys, size_t nkeys,
                   const char *token, const char *extra)
{
    const char *argv[] = {token, extra};
    mf_reply *r = mf_cache_eval(ctx->cache, script, nkeys, keys, extra ? 2 : 1, argv, NULL);
    int v = r && r->type == MF_REPLY_INT ? (int)r->integer : -1;
    mf_reply_free(r);
    return v;
}

typedef struct {
    blog_ctx *ctx;
    const char *token;
    size_t seen;
    bool lost;
} rebuild_state;

static int rebuild_one(void *arg, json_t *rec)
{
    rebuild_state *st = arg;
    blog_rm_apply(st->ctx, rec);
    json_decref(rec);
    if (st->ctx->rm_worker && atomic_load(&st->ctx->rm_worker->stop))
        return MF_ERR; /* shutting down: the next start rebuilds */
    if (++st->seen % REFRESH_EVERY == 0) {
        const char *keys[] = {BLOG_RM_LOCK_KEY};
        char ms[16];
        snprintf(ms, sizeof ms, "%d", BLOG_RM_LOCK_TTL_MS);
        if (lua_int(st->ctx, REFRESH_LUA, keys, 1, st->token, ms) != 1) {
            st->lost = true;
            return MF_ERR_CONFLICT;
        }
    }
    return 0;
}

int blog_rm_rebuild(blog_ctx *ctx)
{
    char token[33];
    if (mf_random_hex(16, token, sizeof token) != 0)
        return MF_ERR;
    char ms[16];
    snprintf(ms, sizeof ms, "%d", BLOG_RM_LOCK_TTL_MS);
    const char *argv[] = {"SET", BLOG_RM_LOCK_KEY, token, "NX", "PX", ms};
    mf_reply *r = mf_cache_command(ctx->cache, 6, argv, NULL);
    bool mine = r && r->type == MF_REPLY_STR;
    bool down = !r || r->type == MF_REPLY_ERROR;
    mf_reply_free(r);
    if (!mine)
        return down ? MF_ERR_UNAVAILABLE : MF_ERR_CONFLICT;
    int64_t t0 = mf_mono_ms();
    /* the dirty mark is what this rebuild repairs; a failure during it sets it again */
    atomic_store(&ctx->rm_dirty, false);
    static const char *const fields[] = {
        "title",     "description", "slug",      "imgUrl",    "score",  "tags",      "publishedAt",
        "updatedAt", "drafted",     "submitted", "published", "status", "author._id"};
    blog_mdoc *f = blog_mdoc_new();
    blog_mdoc *p = blog_mdoc_projection(fields, sizeof fields / sizeof fields[0]);
    rebuild_state st = {ctx, token, 0, false};
    int rc = blog_mongo_each(ctx->mongo, BLOG_COLL_BLOGS, f, p, rebuild_one, &st);
    blog_mdoc_free(f);
    blog_mdoc_free(p);
    if (rc == 0 && atomic_load(&ctx->rm_dirty))
        rc = MF_ERR_UNAVAILABLE; /* an apply was lost: not complete */
    if (rc == 0) {
        const char *keys[] = {BLOG_RM_LOCK_KEY, BLOG_RM_READY_KEY};
        rc = lua_int(ctx, FINISH_LUA, keys, 2, token, NULL) == 1 ? 0 : MF_ERR_CONFLICT;
    }
    if (rc == 0)
        mf_log_info(NULL, "read models rebuilt: %zu blogs in %lld ms", st.seen,
                    (long long)(mf_mono_ms() - t0));
    else
        mf_log_warn(NULL, "read model rebuild stopped after %zu blogs (%s)", st.seen,
                    st.lost ? "lock lost" : "error");
    return rc;
}

/* Re-reads the blogs of writes that may have been applied. */
static void resync_suspects(blog_ctx *ctx)
{
    char n[16];
    snprintf(n, sizeof n, "%d", SUSPECTS_PER_TICK);
    const char *argv[] = {"SPOP", BLOG_RM_SUSPECT_KEY, n};
    mf_reply *r = mf_cache_command(ctx->cache, 3, argv, NULL);
    for (size_t i = 0; r && r->type == MF_REPLY_ARRAY && i < r->n; i++) {
        const char *id = r->elem[i]->str;
        if (!id || strlen(id) != 24)
            continue;
        blog_mdoc *f = blog_mdoc_new();
        blog_mdoc_oid(f, "_id", id);
        json_t *rec = NULL;
        int rc = blog_mongo_find_one(ctx->mongo, BLOG_COLL_BLOGS, f, NULL, &rec);
        blog_mdoc_free(f);
        if (rc == 0)
            blog_rm_apply(ctx, rec);
        else if (rc != MF_ERR_NOT_FOUND)
            blog_rm_suspect(ctx, id); /* MongoDB still away: later */
        json_decref(rec);
    }
    mf_reply_free(r);
}

static void tick(blog_ctx *ctx)
{
    if (atomic_load(&ctx->rm_dirty)) {
        const char *argv[] = {"DEL", BLOG_RM_READY_KEY};
        mf_reply *r = mf_cache_command(ctx->cache, 2, argv, NULL);
        bool ok = r && r->type == MF_REPLY_INT;
        mf_reply_free(r);
        if (!ok)
            return; /* Redis still away */
    }
    resync_suspects(ctx);
    const char *argv[] = {"EXISTS", BLOG_RM_READY_KEY};
    mf_reply *r = mf_cache_command(ctx->cache, 2, argv, NULL);
    bool missing = r && r->type == MF_REPLY_INT && r->integer == 0;
    mf_reply_free(r);
    if (missing)
        blog_rm_rebuild(ctx);
}

static void *run(void *arg)
{
    blog_rm_worker *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!atomic_load(&w->stop)) {
        if (!w->kicked) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += TICK_MS / 1000;
            pthread_cond_timedwait(&w->cv, &w->mu, &ts);
        }
        w->kicked = false;
        if (atomic_load(&w->stop))
            break;
        pthread_mutex_unlock(&w->mu);
        tick(w->ctx);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

blog_rm_worker *blog_rm_worker_start(blog_ctx *ctx)
{
    blog_rm_worker *w = mf_calloc(1, sizeof *w);
    w->ctx = ctx;
    atomic_init(&w->stop, false);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->kicked = true; /* first tick at once: a fresh Redis is rebuilt before the first read */
    if (pthread_create(&w->thread, NULL, run, w) != 0) {
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        free(w);
        return NULL;
    }
    ctx->rm_worker = w;
    return w;
}

void blog_rm_worker_stop(blog_rm_worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    atomic_store(&w->stop, true);
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    w->ctx->rm_worker = NULL;
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
}

void blog_rm_kick(blog_ctx *ctx)
{
    blog_rm_worker *w = ctx->rm_worker;
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->kicked = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}
