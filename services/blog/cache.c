/*
 * Cache policy.
 *
 * Deleting keys alone is not enough for "a read after a successful write never returns stale
 * data": a read that fetched the old document from MongoDB just before the write may store
 * it in Redis just after the write deleted the key. So every key embeds a generation, and:
 *   - a reader reads the generation FIRST, then MongoDB, then stores under that generation;
 *   - a writer updates MongoDB, deletes the keys it knows about, then stores a NEW random
 *     generation, all before it answers.
 * A late store by a reader lands under a generation that is already retired: readers that
 * start after the write answered use the new one and miss. When the generation key is
 * missing (new or flushed Redis), the reader creates one but does not cache its own answer,
 * because its MongoDB read may predate a concurrent writer's bump.
 *
 * The same bump retires the similar lists of OTHER blogs, which embed the changed blog's
 * title and slug: that is the policy for them (no reverse index needed). The price is that
 * every public write empties the cache; writes are rare next to reads on a blog.
 *
 * Redis down: get/begin fail fast and the service reads MongoDB; a bump that cannot be
 * stored marks the process dirty, and the next request that finds Redis again bumps the
 * generation before using the cache. (Another replica that did not see the failure relies
 * on the entries' TTL, at most 10 minutes, 6 hours for similar lists.)
 */
#include "cache.h"

#include <stdlib.h>
#include <string.h>

#include "micro/alloc.h"
#include "micro/clock.h"
#include "micro/log.h"

char *blog_cache_key(const char *gen, const char *kind, const char *value)
{
    return mf_asprintf("blog:%s:%s:%s", gen, kind, value);
}

/* Stores a new random generation; true when Redis took it. */
static bool bump(blog_ctx *ctx)
{
    char gen[BLOG_CACHE_GEN_LEN];
    if (mf_random_hex(16, gen, sizeof gen) != 0)
        return false;
    return mf_cache_set(ctx->cache, BLOG_CACHE_GEN_KEY, gen, strlen(gen), BLOG_CACHE_GEN_TTL_S) ==
           0;
}

bool blog_cache_begin(blog_ctx *ctx, char gen[BLOG_CACHE_GEN_LEN])
{
    gen[0] = '\0';
    if (atomic_load(&ctx->cache_dirty)) {
        if (!bump(ctx))
            return false;
        atomic_store(&ctx->cache_dirty, false);
        return false;
    }
    size_t len = 0;
    char *v = mf_cache_get(ctx->cache, BLOG_CACHE_GEN_KEY, &len);
    if (!v) {
        bump(ctx);
        return false;
    }
    bool ok = len > 0 && len < BLOG_CACHE_GEN_LEN && strlen(v) == len;
    if (ok)
        memcpy(gen, v, len + 1);
    free(v);
    return ok;
}

json_t *blog_cache_get(blog_ctx *ctx, const char *key)
{
    size_t len = 0;
    char *v = mf_cache_get(ctx->cache, key, &len);
    if (!v)
        return NULL;
    json_t *j = json_loadb(v, len, 0, NULL);
    free(v);
    return j;
}

void blog_cache_put(blog_ctx *ctx, const char *key, const json_t *data, int ttl_s)
{
    char *s = json_dumps(data, JSON_COMPACT);
    if (!s)
        return;
    mf_cache_set(ctx->cache, key, s, strlen(s), ttl_s);
    free(s);
}

/* Deletes the id, slug and similar keys of some blogs under the current generation (kept
 * although the bump below retires them, so Redis frees the memory right away). */
static void delete_keys(blog_ctx *ctx, const char *const *ids, const char *const *slugs,
                        size_t nslugs, size_t nids)
{
    size_t len = 0;
    char *gen = mf_cache_get(ctx->cache, BLOG_CACHE_GEN_KEY, &len);
    if (!gen)
        return;
    size_t n = 0, cap = 2 * nids + nslugs;
    char **keys = mf_calloc(cap ? cap : 1, sizeof *keys);
    for (size_t i = 0; i < nids; i++) {
        keys[n++] = blog_cache_key(gen, "id", ids[i]);
        keys[n++] = blog_cache_key(gen, "similar", ids[i]);
    }
    for (size_t i = 0; i < nslugs; i++)
        keys[n++] = blog_cache_key(gen, "slug", slugs[i]);
    if (n > 0)
        mf_cache_del(ctx->cache, (const char *const *)keys, n);
    for (size_t i = 0; i < n; i++)
        free(keys[i]);
    free(keys);
    free(gen);
}

static void finish(blog_ctx *ctx)
{
    if (!bump(ctx)) {
        atomic_store(&ctx->cache_dirty, true);
        mf_log_warn(NULL, "cache invalidation deferred: redis unavailable");
    }
}

void blog_cache_invalidate(blog_ctx *ctx, const char *id, const char *old_slug,
                           const char *new_slug)
{
    const char *slugs[2];
    size_t ns = 0;
    if (old_slug)
        slugs[ns++] = old_slug;
    if (new_slug && (!old_slug || strcmp(old_slug, new_slug) != 0))
        slugs[ns++] = new_slug;
    delete_keys(ctx, &id, slugs, ns, 1);
    finish(ctx);
}

void blog_cache_invalidate_many(blog_ctx *ctx, const json_t *recs)
{
    size_t n = json_array_size(recs), ni = 0, ns = 0;
    const char **ids = mf_calloc(n ? n : 1, sizeof *ids);
    const char **slugs = mf_calloc(n ? n : 1, sizeof *slugs);
    size_t i;
    json_t *r;
    json_array_foreach(recs, i, r)
    {
        const char *id = json_string_value(json_object_get(r, "_id"));
        const char *slug = json_string_value(json_object_get(r, "slug"));
        if (id)
            ids[ni++] = id;
        if (slug)
            slugs[ns++] = slug;
    }
    delete_keys(ctx, ids, slugs, ns, ni);
    free(ids);
    free(slugs);
    finish(ctx);
}
