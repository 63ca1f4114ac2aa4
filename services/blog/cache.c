/*
 * Cache policy.
 *
 * Deleting keys alone is not enough for "a read after a successful write never returns stale
 * data": a read that fetched the old document from MongoDB just before the write may store
 * it in Redis just after the write deleted the key. So every value is stamped with the
 * generation it was read under, and:
 *   - a reader reads the generation FIRST (in the same MGET as the value: Redis answers both
 *     at one instant), then MongoDB, then stores "<generation> <answer>";
 *   - a writer updates MongoDB, deletes the keys it knows about, then stores a NEW random
 *     generation for every scope the write changes, all before it answers.
 * A late store by a reader carries a generation that is already retired: readers that start
 * after the write answered see the new one, so the stamp does not match and they miss.
 * Generations are random and never reused, so no later write can bring an old stamp back.
 * When a generation is missing (new or flushed Redis, expired author or blog key), the reader
 * creates one with SET NX (or, losing that race, reads the one just stored) and stamps its
 * answer with it: it reads MongoDB after that instant, and SET NX cannot undo a concurrent
 * writer's bump. A key holding something that is not a generation is replaced (plain SET),
 * and that reader does not cache its own answer, as its SET may have undone a writer's bump.
 *
 * The public bump also retires the similar lists of OTHER blogs, which embed the changed
 * blog's title and slug, and the latest and by-tag lists: that is the policy for them (no
 * reverse index needed). The price is that every public write empties the public cache;
 * writes are rare next to reads on a blog. Comments are not rare, and change only one blog's
 * commentCount and comment pages: the by-id answer and the comment pages of a blog are
 * stamped with the public generation AND the blog's own (BLOG_SCOPE_BLOG), the by-slug answer
 * with the public one and the slug's (BLOG_SCOPE_SLUG), so a comment write moves just the
 * blog's and its slug's generations. Editor and author lists have their own
 * generations, so an author's draft edits do not empty the public cache, and one author's
 * writes do not retire another author's lists.
 *
 * Which scopes a write retires is not decided here but in retire.c, from the record before
 * and after the write; this file only knows how to retire a scope.
 *
 * Redis down: lookups fail fast and the service reads MongoDB; a bump that cannot be stored
 * marks the process dirty, and the next lookup that finds Redis again moves the public, the
 * editor and the all-authors generation (every author stamp includes the latter, since the
 * lost bump may have been any author's) before using the cache. (Another replica that did
 * not see the failure relies on the entries' TTL: BLOG_TTL_* in blog.h.)
 */
#include "cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "micro/alloc.h"
#include "micro/cache_cmd.h"
#include "micro/clock.h"
#include "micro/log.h"

char *blog_cache_key(const char *kind, const char *value)
{
    return mf_asprintf("blog:%s:%s", kind, value);
}

/* Stores a new random generation under key; true when Redis took it. */
static bool bump(blog_ctx *ctx, const char *key, int ttl_s)
{
    char gen[BLOG_CACHE_GEN_LEN];
    if (mf_random_hex(16, gen, sizeof gen) != 0)
        return false;
    return mf_cache_set(ctx->cache, key, gen, strlen(gen), ttl_s) == 0;
}

/* What bump writes: 1 to 32 lower-case hex digits (so '.' and ' ' can delimit stamps). */
static bool gen_ok(const char *v, size_t len)
{
    if (!v || len == 0 || len >= BLOG_CACHE_GEN_LEN)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f')))
            return false;
    return true;
}

/*
 * The generation under key, which the lookup found missing: created here only if it is still
 * missing (SET NX), else the one another reader or a writer stored meanwhile (GET). True with
 * gen filled when there is one. Either way it is a generation that was current at an instant
 * before this reader's MongoDB read, which is all a stamp needs (cache.c's rule above): a
 * writer that finishes later replaces it. Unlike bump, SET NX cannot undo a concurrent
 * writer's newer generation. Concurrent first readers of a key so agree on one stamp, and
 * their misses can share one fill (ops_cached.c).
 */
static bool create(blog_ctx *ctx, const char *key, int ttl_s, char gen[BLOG_CACHE_GEN_LEN])
{
    if (mf_random_hex(16, gen, BLOG_CACHE_GEN_LEN) != 0)
        return false;
    char ttl[16];
    snprintf(ttl, sizeof ttl, "%d", ttl_s);
    const char *argv[] = {"SET", key, gen, "NX", "EX", ttl};
    long long won = 0;
    if (mf_cache_cmd_int(ctx->cache, 6, argv, &won) != 0)
        return false;
    if (won)
        return true;
    size_t len = 0;
    char *v = mf_cache_get(ctx->cache, key, &len);
    bool ok = gen_ok(v, len);
    if (ok)
        memcpy(gen, v, len + 1);
    free(v);
    return ok;
}

/* After a lost invalidation: every generation a lost bump could have concerned. */
static bool recover(blog_ctx *ctx)
{
    return bump(ctx, BLOG_CACHE_GEN_KEY, BLOG_CACHE_GEN_TTL_S) &&
           bump(ctx, BLOG_CACHE_EDITOR_GEN_KEY, BLOG_CACHE_GEN_TTL_S) &&
           bump(ctx, BLOG_CACHE_AUTHORS_GEN_KEY, BLOG_CACHE_GEN_TTL_S);
}

char *blog_cache_stamp_value(const char *stamp, const char *json, size_t json_len, size_t *len)
{
    size_t slen = strlen(stamp);
    char *out = mf_malloc(slen + 1 + json_len + 1);
    memcpy(out, stamp, slen);
    out[slen] = ' ';
    memcpy(out + slen + 1, json, json_len);
    out[slen + 1 + json_len] = '\0';
    *len = slen + 1 + json_len;
    return out;
}

const char *blog_cache_stamped_json(const char *value, size_t len, const char *stamp,
                                    size_t *json_len)
{
    size_t slen = strlen(stamp);
    if (!value || slen == 0 || len <= slen + 1 || memcmp(value, stamp, slen) != 0 ||
        value[slen] != ' ')
        return NULL;
    *json_len = len - slen - 1;
    return value + slen + 1;
}

char *blog_cache_lookup(blog_ctx *ctx, blog_cache_scope scope, const char *author, char *key,
                        blog_cache_slot *slot, size_t *len)
{
    slot->key = NULL;
    slot->stamp[0] = '\0';
    *len = 0;
    if (!key)
        return NULL;
    if (atomic_load(&ctx->cache_dirty)) {
        if (recover(ctx))
            atomic_store(&ctx->cache_dirty, false);
        free(key);
        return NULL;
    }
    const char *keys[3];
    int ttls[2];
    size_t ngen = 0;
    char *own_key = NULL; /* the second generation of AUTHOR, BLOG, SLUG (freed below) */
    switch (scope) {
    case BLOG_SCOPE_PUBLIC:
        keys[ngen] = BLOG_CACHE_GEN_KEY;
        ttls[ngen++] = BLOG_CACHE_GEN_TTL_S;
        break;
    case BLOG_SCOPE_EDITOR:
        keys[ngen] = BLOG_CACHE_EDITOR_GEN_KEY;
        ttls[ngen++] = BLOG_CACHE_GEN_TTL_S;
        break;
    case BLOG_SCOPE_AUTHOR:
        if (!author) {
            free(key);
            return NULL;
        }
        own_key = mf_asprintf(BLOG_CACHE_AUTHOR_GEN_FMT, author);
        keys[ngen] = BLOG_CACHE_AUTHORS_GEN_KEY;
        ttls[ngen++] = BLOG_CACHE_GEN_TTL_S;
        keys[ngen] = own_key;
        ttls[ngen++] = BLOG_CACHE_AUTHOR_GEN_TTL_S;
        break;
    case BLOG_SCOPE_BLOG:
    case BLOG_SCOPE_SLUG:
        if (!author) {
            free(key);
            return NULL;
        }
        /* the public generation first: a public move retires these answers too */
        own_key = mf_asprintf(
            scope == BLOG_SCOPE_BLOG ? BLOG_CACHE_BLOG_GEN_FMT : BLOG_CACHE_SLUG_GEN_FMT, author);
        keys[ngen] = BLOG_CACHE_GEN_KEY;
        ttls[ngen++] = BLOG_CACHE_GEN_TTL_S;
        keys[ngen] = own_key;
        ttls[ngen++] = BLOG_CACHE_ITEM_GEN_TTL_S;
        break;
    }
    keys[ngen] = key;
    char *vals[3];
    size_t lens[3];
    char *out = NULL;
    if (mf_cache_mget(ctx->cache, keys, ngen + 1, vals, lens) != 0)
        goto done; /* Redis down: MongoDB answers, nothing is stored */
    bool usable = true;
    size_t off = 0;
    for (size_t i = 0; i < ngen; i++) {
        char made[BLOG_CACHE_GEN_LEN];
        const char *gen = vals[i];
        if (!vals[i] && create(ctx, keys[i], ttls[i], made)) {
            gen = made; /* a first read of a blog or slug is cached too (single fill, below) */
        } else if (!gen_ok(vals[i], lens[i])) {
            if (vals[i])
                bump(ctx, keys[i], ttls[i]);
            usable = false;
            continue;
        }
        off += (size_t)snprintf(slot->stamp + off, sizeof slot->stamp - off, "%s%s",
                                i > 0 ? "." : "", gen);
    }
    if (usable) {
        size_t jlen = 0;
        const char *json = blog_cache_stamped_json(vals[ngen], lens[ngen], slot->stamp, &jlen);
        if (json) {
            out = vals[ngen];
            memmove(out, json, jlen);
            out[jlen] = '\0';
            *len = jlen;
            vals[ngen] = NULL;
        } else {
            slot->key = key;
            key = NULL;
        }
    }
    for (size_t i = 0; i <= ngen; i++)
        free(vals[i]);
done:
    if (!slot->key)
        slot->stamp[0] = '\0';
    free(own_key);
    free(key);
    return out;
}

void blog_cache_fill(blog_ctx *ctx, const blog_cache_slot *slot, const json_t *data, int ttl_s)
{
    if (!slot->key || !data)
        return;
    char *s = json_dumps(data, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!s)
        return;
    size_t len = 0;
    char *v = blog_cache_stamp_value(slot->stamp, s, strlen(s), &len);
    free(s);
    mf_cache_set(ctx->cache, slot->key, v, len, ttl_s);
    free(v);
}

void blog_cache_slot_release(blog_cache_slot *slot)
{
    free(slot->key);
    slot->key = NULL;
}

static void finish(blog_ctx *ctx, const char *gen_key, int ttl_s)
{
    if (!bump(ctx, gen_key, ttl_s)) {
        atomic_store(&ctx->cache_dirty, true);
        mf_log_warn(NULL, "cache invalidation deferred: redis unavailable");
    }
}

void blog_cache_forget(blog_ctx *ctx, const char *const *keys, size_t n)
{
    if (n > 0)
        mf_cache_del(ctx->cache, keys, n);
}

void blog_cache_retire(blog_ctx *ctx, blog_cache_scope scope, const char *author)
{
    switch (scope) {
    case BLOG_SCOPE_PUBLIC:
        finish(ctx, BLOG_CACHE_GEN_KEY, BLOG_CACHE_GEN_TTL_S);
        return;
    case BLOG_SCOPE_EDITOR:
        finish(ctx, BLOG_CACHE_EDITOR_GEN_KEY, BLOG_CACHE_GEN_TTL_S);
        return;
    case BLOG_SCOPE_AUTHOR:
        if (!author) {
            /* every author stamp includes this generation */
            finish(ctx, BLOG_CACHE_AUTHORS_GEN_KEY, BLOG_CACHE_GEN_TTL_S);
            return;
        }
        char *key = mf_asprintf(BLOG_CACHE_AUTHOR_GEN_FMT, author);
        finish(ctx, key, BLOG_CACHE_AUTHOR_GEN_TTL_S);
        free(key);
        return;
    case BLOG_SCOPE_BLOG:
    case BLOG_SCOPE_SLUG: {
        if (!author) {
            /* which blog is unknown: every stamp of these scopes includes the public one */
            finish(ctx, BLOG_CACHE_GEN_KEY, BLOG_CACHE_GEN_TTL_S);
            return;
        }
        char *k = mf_asprintf(
            scope == BLOG_SCOPE_BLOG ? BLOG_CACHE_BLOG_GEN_FMT : BLOG_CACHE_SLUG_GEN_FMT, author);
        finish(ctx, k, BLOG_CACHE_ITEM_GEN_TTL_S);
        free(k);
        return;
    }
    }
}
