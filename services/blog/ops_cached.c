/*
 * One query per key for concurrent misses (issue 11): when many requests miss the same key at
 * once (a hot blog just retired, a list after a write), one of them reads MongoDB and fills
 * the cache; the others wait for that fill and answer from it. The one that fills is whoever
 * takes a short lock in Redis (SET NX PX), so this holds across replicas too. The lock's key
 * carries the stamp of the miss: after a write moved the generation, new readers do not wait
 * for a fill that is already retired.
 *
 * Waiting is bounded: after BLOG_FILL_WAIT_MS without a fill (the holder is slow, crashed, or
 * its read failed), a waiter reads MongoDB itself, as it also does when Redis fails. A lock
 * released without a usable fill (the read failed, or its answer is not cached) is taken by
 * the next waiter. Freshness is unchanged: a waiter only ever answers from a lookup that
 * checked the current generation (cache.c).
 *
 * Cost: a miss makes three more Redis round trips (the lock, a second look once it holds it,
 * the release); a hit none. Answers that are not cached (errors such as 404) are read by the
 * waiters one after another, each taking the lock in turn, at worst until BLOG_FILL_WAIT_MS.
 */
#include "ops_cached.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "micro/alloc.h"
#include "micro/cache_cmd.h"
#include "micro/clock.h"
#include "micro/metrics.h"

#define BLOG_FILL_WAIT_MS 2000
#define BLOG_FILL_POLL_MS 5
/* longer than a fill takes; a holder that died frees the key when it expires */
#define BLOG_FILL_LOCK_TTL_MS "2000"

/* Deletes the lock only when it is still ours (it may have expired and been taken since). */
static const char *const unlock_lua =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end "
    "return 0";

static mf_metric_vec *fills_vec; /* lives as long as the process */
static pthread_once_t fills_once = PTHREAD_ONCE_INIT;

static void fills_init(void)
{
    fills_vec = mf_metric_vec_new(
        MF_METRIC_COUNTER, "cmicro_blog_cache_fills_total",
        "Cached reads that missed, by how they were answered: read (queried MongoDB), shared "
        "(from another request's fill), late (queried MongoDB after waiting in vain).",
        "result", NULL);
}

static void count_fill(const char *result)
{
    pthread_once(&fills_once, fills_init);
    mf_metric_vec_add(fills_vec, result, NULL, 1);
}

/* The fill lock of a miss: lock key (heap) and our token. */
typedef struct {
    char *key;
    char token[33];
    bool held;
} fill_lock;

/* 1: taken, 0: another holds it, -1: Redis failed (read without it). */
static int fill_take(blog_ctx *ctx, fill_lock *l)
{
    const char *argv[] = {"SET", l->key, l->token, "NX", "PX", BLOG_FILL_LOCK_TTL_MS};
    long long won = 0;
    if (mf_cache_cmd_int(ctx->cache, 6, argv, &won) != 0)
        return -1;
    l->held = won != 0;
    return l->held ? 1 : 0;
}

static void fill_release(blog_ctx *ctx, fill_lock *l)
{
    if (l->held) {
        const char *argv[] = {"EVAL", unlock_lua, "1", l->key, l->token};
        mf_cache_cmd_int(ctx->cache, 5, argv, NULL);
    }
    free(l->key);
    *l = (fill_lock){0};
}

static void fill_lock_for(fill_lock *l, const blog_cache_slot *slot)
{
    free(l->key);
    l->key = mf_asprintf("blog:fill:%s:%s", slot->stamp, slot->key);
}

void blog_answer_release(blog_answer *a)
{
    free(a->cached);
    json_decref(a->data);
    *a = (blog_answer){0};
}

/* Looks key up again: 1 with out->cached on a hit; else 0 with *slot the newest miss (its
 * generation is the one to store under) and *moved when its stamp differs from before. */
static int look_again(blog_ctx *ctx, blog_cache_scope scope, const char *author, const char *key,
                      blog_cache_slot *slot, blog_answer *out, bool *moved)
{
    blog_cache_slot again;
    out->cached = blog_cache_lookup(ctx, scope, author, mf_strdup(key), &again, &out->len);
    if (out->cached) {
        blog_cache_slot_release(&again);
        return 1;
    }
    *moved = !again.key || strcmp(again.stamp, slot->stamp) != 0;
    blog_cache_slot_release(slot);
    *slot = again;
    return 0;
}

/*
 * After a storable miss: 1 when another request's fill answered (out->cached set), else 0 to
 * read MongoDB, with *slot the miss to fill (its key NULL: do not store) and the lock held
 * (or not, when Redis fails or the wait timed out: *late). Who takes the lock looks once more
 * before reading: a fill may have landed between its first lookup and the lock (a holder that
 * just finished), and then it answers from that fill instead of querying again.
 */
static int wait_or_lead(blog_ctx *ctx, blog_cache_scope scope, const char *author, const char *key,
                        blog_cache_slot *slot, fill_lock *l, blog_answer *out, bool *late)
{
    *late = false;
    fill_lock_for(l, slot);
    if (mf_random_hex(16, l->token, sizeof l->token) != 0)
        return 0;
    int64_t deadline = mf_mono_ms() + BLOG_FILL_WAIT_MS;
    for (;;) {
        int taken = fill_take(ctx, l);
        if (taken < 0)
            return 0;
        bool moved = false;
        if (taken > 0)
            return look_again(ctx, scope, author, key, slot, out, &moved);
        if (mf_mono_ms() >= deadline) {
            *late = true;
            return 0;
        }
        nanosleep(&(struct timespec){.tv_nsec = BLOG_FILL_POLL_MS * 1000 * 1000}, NULL);
        if (look_again(ctx, scope, author, key, slot, out, &moved))
            return 1;
        if (!slot->key)
            return 0; /* nothing can be stored now (Redis trouble): no fill to wait for */
        if (moved)
            fill_lock_for(l, slot); /* a write retired the fill we waited for: lead or wait */
    }
}

int blog_cached_read(blog_ctx *ctx, blog_cache_scope scope, const char *author, char *key,
                     int ttl_s, blog_read_fn read, const void *arg, blog_answer *out)
{
    *out = (blog_answer){0};
    blog_cache_slot slot;
    char *again = key ? mf_strdup(key) : NULL; /* lookups while waiting (freed here) */
    out->cached = blog_cache_lookup(ctx, scope, author, key, &slot, &out->len);
    if (out->cached) {
        blog_cache_slot_release(&slot);
        free(again);
        return 0;
    }
    fill_lock lock = {0};
    bool late = false;
    if (slot.key && wait_or_lead(ctx, scope, author, again, &slot, &lock, out, &late) == 1) {
        count_fill("shared");
        fill_release(ctx, &lock);
        blog_cache_slot_release(&slot);
        free(again);
        return 0;
    }
    count_fill(late ? "late" : "read");
    int rc = read(ctx, arg, &out->data);
    if (rc == 0)
        blog_cache_fill(ctx, &slot, out->data, ttl_s);
    fill_release(ctx, &lock); /* after the fill: waiters find it */
    blog_cache_slot_release(&slot);
    free(again);
    return rc;
}
