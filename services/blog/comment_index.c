#include "comment_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "micro/alloc.h"
#include "micro/cache_cmd.h"
#include "micro/clock.h"
#include "micro/error.h"
#include "micro/log.h"

/* The sentinel is "!r<epoch>": moving blog:comments:epoch makes every set incomplete at once,
 * which is how a write that could not reach Redis is made up for (blog_comment_index_lost).
 * ("!<epoch>" was the sentinel while replies had one set per comment: a set of then is rebuilt
 * before it is used, with its blog's replies set.) */
#define SENTINEL    "!r"
#define EPOCH_KEY   "blog:comments:epoch"
#define EPOCH_LUA   "('" SENTINEL "' .. (redis.call('GET', KEYS[2]) or '0'))"
#define LOCK_TTL_MS "15000" /* longer than any write under it; a crashed holder expires */
#define RATE_KEY    "blog:rl:comments:%s"

static char *set_key(const char *blog_id)
{
    return mf_asprintf("blog:comments:%s", blog_id);
}

/* One set per blog, not per comment: a million comments left ~190k reply sets of one or two
 * members each, and a key costs Redis more than the members it holds. Members are
 * "<parentId>:<replyId>", all of score 0, so a parent's replies are one lexicographic range. */
static char *replies_key(const char *blog_id)
{
    return mf_asprintf("blog:comments:replies:%s", blog_id);
}

static char *reply_member(const char *parent, const char *id)
{
    return mf_asprintf("%s:%s", parent, id);
}

/* The lexicographic range of parent's members: "[<parent>:" up to "(<parent>;" (';' follows
 * ':'), each a new string. */
static void reply_range(const char *parent, char **from, char **to)
{
    *from = mf_asprintf("[%s:", parent);
    *to = mf_asprintf("(%s;", parent);
}

/* ---- lock ---- */

/* Deletes the lock only when it is still ours (it may have expired and been taken since). */
static const char *const unlock_lua =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end "
    "return 0";

int blog_comment_lock_take(blog_ctx *ctx, const char *blog_id, blog_comment_lock *l)
{
    *l = (blog_comment_lock){0};
    snprintf(l->key, sizeof l->key, "blog:lock:comments:%s", blog_id);
    if (mf_random_hex(16, l->token, sizeof l->token) != 0)
        return MF_ERR;
    int64_t deadline = mf_mono_ms() + BLOG_COMMENT_LOCK_WAIT_MS;
    for (;;) {
        const char *argv[] = {"SET", l->key, l->token, "NX", "PX", LOCK_TTL_MS};
        long long won = 0;
        if (mf_cache_cmd_int(ctx->cache, 6, argv, &won) != 0)
            return 0; /* Redis down: unlocked (ops_comments.c says what that costs) */
        if (won) {
            l->held = true;
            return 0;
        }
        if (mf_mono_ms() >= deadline)
            return MF_ERR_TIMEOUT;
        /* a write under the lock is a few MongoDB round trips: wait a little and retry */
        nanosleep(&(struct timespec){.tv_nsec = 2 * 1000 * 1000}, NULL);
    }
}

void blog_comment_unlock(blog_ctx *ctx, blog_comment_lock *l)
{
    if (!l->held)
        return;
    const char *argv[] = {"EVAL", unlock_lua, "1", l->key, l->token};
    mf_cache_cmd_int(ctx->cache, 5, argv, NULL);
    l->held = false;
}

/* ---- rate limit ---- */

/* A sliding window: times of the last 60 s in a sorted set; a new one only below the limit.
 * ARGV: now ms, window start ms, limit, a unique member. */
static const char *const rate_lua =
    "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2]) "
    "if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end "
    "redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4]) "
    "redis.call('PEXPIRE', KEYS[1], 60000) return 1";

bool blog_comment_rate_take(blog_ctx *ctx, const char *user_id, int64_t now_ms,
                            blog_comment_rate_slot *slot)
{
    slot->member[0] = '\0';
    if (ctx->comments_per_minute <= 0)
        return true;
    char *key = mf_asprintf(RATE_KEY, user_id);
    char now[24], start[24], limit[16], rnd[17];
    char *member = slot->member;
    snprintf(now, sizeof now, "%lld", (long long)now_ms);
    snprintf(start, sizeof start, "%lld", (long long)(now_ms - 60000));
    snprintf(limit, sizeof limit, "%d", ctx->comments_per_minute);
    if (mf_random_hex(8, rnd, sizeof rnd) != 0)
        rnd[0] = '\0';
    snprintf(member, sizeof slot->member, "%s-%s", now, rnd);
    const char *argv[] = {"EVAL", rate_lua, "1", key, now, start, limit, member};
    long long ok = 1;
    int rc = mf_cache_cmd_int(ctx->cache, 8, argv, &ok);
    free(key);
    return rc != 0 || ok == 1;
}

void blog_comment_rate_return(blog_ctx *ctx, const char *user_id,
                              const blog_comment_rate_slot *slot)
{
    if (!slot->member[0])
        return;
    char *key = mf_asprintf(RATE_KEY, user_id);
    const char *argv[] = {"ZREM", key, slot->member};
    mf_cache_cmd_int(ctx->cache, 3, argv, NULL);
    free(key);
}

/* ---- sets ---- */

void blog_comment_index_lost(blog_ctx *ctx)
{
    atomic_store(&ctx->comments_dirty, true);
    mf_log_warn(NULL, "comment index update lost: redis unavailable, every set is rebuilt");
}

/* After a lost update: the epoch moves before the sets are trusted again. */
static int recover(blog_ctx *ctx)
{
    if (!atomic_load(&ctx->comments_dirty))
        return 0;
    const char *argv[] = {"INCR", EPOCH_KEY};
    int rc = mf_cache_cmd_int(ctx->cache, 2, argv, NULL);
    if (rc == 0)
        atomic_store(&ctx->comments_dirty, false);
    return rc;
}

/* {"1", ids...} when complete, {"0"} when not. ARGV: first and last index (sentinel at 0). */
static const char *const page_lua =
    "if not redis.call('ZSCORE', KEYS[1], " EPOCH_LUA ") then return {'0'} end "
    "local r = redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[2]) "
    "table.insert(r, 1, '1') return r";

int blog_comment_index_page(blog_ctx *ctx, const char *blog_id, long offset, long limit,
                            json_t **ids, bool *complete)
{
    *ids = NULL;
    *complete = false;
    char *key = set_key(blog_id);
    char first[24], last[24];
    snprintf(first, sizeof first, "%ld", offset + 1);
    snprintf(last, sizeof last, "%ld", offset + limit);
    const char *argv[] = {"EVAL", page_lua, "2", key, EPOCH_KEY, first, last};
    char **items = NULL;
    size_t n = 0;
    int rc = recover(ctx);
    if (rc == 0)
        rc = mf_cache_cmd_strings(ctx->cache, 7, argv, &items, &n);
    free(key);
    if (rc != 0)
        return rc;
    if (n > 0 && strcmp(items[0], "1") == 0) {
        *complete = true;
        json_t *arr = json_array();
        for (size_t i = 1; i < n; i++)
            json_array_append_new(arr, json_string(items[i]));
        *ids = arr;
    }
    mf_cache_strings_free(items, n);
    return 0;
}

static const char *const complete_lua =
    "if redis.call('ZSCORE', KEYS[1], " EPOCH_LUA ") then return 1 end return 0";

int blog_comment_index_complete(blog_ctx *ctx, const char *blog_id, bool *complete)
{
    *complete = false;
    char *key = set_key(blog_id);
    const char *argv[] = {"EVAL", complete_lua, "2", key, EPOCH_KEY};
    long long v = 0;
    int rc = recover(ctx);
    if (rc == 0)
        rc = mf_cache_cmd_int(ctx->cache, 5, argv, &v);
    free(key);
    *complete = rc == 0 && v == 1;
    return rc;
}

static const char *rec_str(const json_t *rec, const char *key)
{
    return json_string_value(json_object_get(rec, key));
}

static void score_of(const json_t *rec, char out[24])
{
    json_t *v = json_object_get(rec, "createdAt");
    snprintf(out, 24, "%lld", json_is_integer(v) ? (long long)json_integer_value(v) : 0LL);
}

/* ZADD key of (score, member) pairs, at most MF_CACHE_CMD_MAX_ARGS per command. */
#define ZADD_PAIRS ((MF_CACHE_CMD_MAX_ARGS - 2) / 2)

typedef struct {
    const char *argv[MF_CACHE_CMD_MAX_ARGS];
    char scores[ZADD_PAIRS][24];
    int argc;
    int rc;
} zadd_batch;

static void batch_start(zadd_batch *b, const char *key)
{
    b->argv[0] = "ZADD";
    b->argv[1] = key;
    b->argc = 2;
}

static void batch_flush(blog_ctx *ctx, zadd_batch *b)
{
    if (b->argc > 2 && b->rc == 0)
        b->rc = mf_cache_cmd_int(ctx->cache, b->argc, b->argv, NULL);
    b->argc = 2;
}

static void batch_add(blog_ctx *ctx, zadd_batch *b, const char *score, const char *member)
{
    int i = (b->argc - 2) / 2;
    snprintf(b->scores[i], sizeof b->scores[i], "%s", score);
    b->argv[b->argc++] = b->scores[i];
    b->argv[b->argc++] = member;
    if (b->argc + 2 > MF_CACHE_CMD_MAX_ARGS)
        batch_flush(ctx, b);
}

static int del_key(blog_ctx *ctx, const char *key)
{
    const char *argv[] = {"DEL", key};
    return mf_cache_cmd_int(ctx->cache, 2, argv, NULL);
}

int blog_comment_index_rebuild(blog_ctx *ctx, const char *blog_id, const json_t *visible)
{
    char *key = set_key(blog_id);
    char *tmp = mf_asprintf("blog:comments:build:%s", blog_id);
    /* the epoch read BEFORE the set is written: a move meanwhile leaves it incomplete */
    const char *eargv[] = {"GET", EPOCH_KEY};
    long long epoch = 0;
    int rc = recover(ctx);
    if (rc == 0)
        rc = mf_cache_cmd_int(ctx->cache, 2, eargv, &epoch);
    if (rc == 0)
        rc = del_key(ctx, tmp);
    char sentinel[32];
    snprintf(sentinel, sizeof sentinel, SENTINEL "%lld", epoch);
    zadd_batch *b = mf_calloc(1, sizeof *b);
    batch_start(b, tmp);
    b->rc = rc;
    batch_add(ctx, b, "-inf", sentinel);
    size_t i;
    json_t *rec;
    json_array_foreach(visible, i, rec)
    {
        char score[24];
        score_of(rec, score);
        batch_add(ctx, b, score, rec_str(rec, "_id"));
    }
    batch_flush(ctx, b);
    rc = b->rc;
    /* the blog's replies set, refilled in place: only writers under the blog lock read it,
     * and it is trusted only while the blog's set is complete (after the RENAME below) */
    char *rk = replies_key(blog_id);
    if (rc == 0)
        rc = del_key(ctx, rk);
    b->rc = rc;
    batch_start(b, rk);
    /* the batch points at the members until it is flushed: all are freed after the last */
    char **members = mf_calloc(json_array_size(visible) + 1, sizeof *members);
    size_t nm = 0;
    json_array_foreach(visible, i, rec)
    {
        const char *parent = rec_str(rec, "parentId");
        if (!parent)
            continue;
        members[nm] = reply_member(parent, rec_str(rec, "_id"));
        batch_add(ctx, b, "0", members[nm++]);
    }
    batch_flush(ctx, b);
    rc = b->rc;
    for (size_t k = 0; k < nm; k++)
        free(members[k]);
    free(members);
    free(rk);
    if (rc == 0) {
        /* one atomic switch: readers see the old set or the complete new one */
        const char *argv[] = {"RENAME", tmp, key};
        rc = mf_cache_cmd_int(ctx->cache, 3, argv, NULL);
    }
    free(b);
    free(tmp);
    free(key);
    return rc;
}

int blog_comment_index_add(blog_ctx *ctx, const json_t *rec)
{
    char score[24];
    score_of(rec, score);
    const char *id = rec_str(rec, "_id");
    char *key = set_key(rec_str(rec, "blogId"));
    const char *argv[] = {"ZADD", key, score, id};
    int rc = mf_cache_cmd_int(ctx->cache, 4, argv, NULL);
    free(key);
    const char *parent = rec_str(rec, "parentId");
    if (rc == 0 && parent) {
        char *rk = replies_key(rec_str(rec, "blogId"));
        char *member = reply_member(parent, id);
        const char *rargv[] = {"ZADD", rk, "0", member};
        rc = mf_cache_cmd_int(ctx->cache, 4, rargv, NULL);
        free(member);
        free(rk);
    }
    return rc;
}

int blog_comment_index_replies(blog_ctx *ctx, const char *blog_id, const char *id, json_t **ids)
{
    *ids = NULL;
    char *rk = replies_key(blog_id);
    char *from, *to;
    reply_range(id, &from, &to);
    const char *argv[] = {"ZRANGEBYLEX", rk, from, to};
    char **items = NULL;
    size_t n = 0;
    int rc = mf_cache_cmd_strings(ctx->cache, 4, argv, &items, &n);
    free(from);
    free(to);
    free(rk);
    if (rc != 0)
        return rc;
    json_t *arr = json_array();
    size_t skip = strlen(id) + 1;
    for (size_t i = 0; i < n; i++)
        if (strlen(items[i]) > skip)
            json_array_append_new(arr, json_string(items[i] + skip));
    mf_cache_strings_free(items, n);
    *ids = arr;
    return 0;
}

int blog_comment_index_remove(blog_ctx *ctx, const json_t *rec, const json_t *replies)
{
    const char *id = rec_str(rec, "_id");
    const char *parent = rec_str(rec, "parentId");
    const char *blog_id = rec_str(rec, "blogId");
    char *key = set_key(blog_id);
    const char *argv[MF_CACHE_CMD_MAX_ARGS];
    int argc = 0;
    argv[argc++] = "ZREM";
    argv[argc++] = key;
    argv[argc++] = id;
    int rc = 0;
    size_t i;
    json_t *r;
    json_array_foreach(replies, i, r)
    {
        argv[argc++] = json_string_value(r);
        if (argc == MF_CACHE_CMD_MAX_ARGS) {
            rc = rc ? rc : mf_cache_cmd_int(ctx->cache, argc, argv, NULL);
            argc = 2;
        }
    }
    if (argc > 2 && rc == 0)
        rc = mf_cache_cmd_int(ctx->cache, argc, argv, NULL);
    free(key);
    char *rk = replies_key(blog_id);
    if (rc == 0 && parent) {
        char *member = reply_member(parent, id);
        const char *zargv[] = {"ZREM", rk, member};
        rc = mf_cache_cmd_int(ctx->cache, 3, zargv, NULL);
        free(member);
    } else if (rc == 0) {
        char *from, *to;
        reply_range(id, &from, &to);
        const char *zargv[] = {"ZREMRANGEBYLEX", rk, from, to};
        rc = mf_cache_cmd_int(ctx->cache, 4, zargv, NULL);
        free(from);
        free(to);
    }
    free(rk);
    return rc;
}

static const char *const invalidate_lua = "return redis.call('ZREM', KEYS[1], " EPOCH_LUA ")";

void blog_comment_index_invalidate(blog_ctx *ctx, const char *blog_id)
{
    char *key = set_key(blog_id);
    const char *argv[] = {"EVAL", invalidate_lua, "2", key, EPOCH_KEY};
    if (mf_cache_cmd_int(ctx->cache, 5, argv, NULL) != 0)
        blog_comment_index_lost(ctx);
    free(key);
}
