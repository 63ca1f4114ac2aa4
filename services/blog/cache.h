/*
 * What blog-service keeps in its Redis: public answers (PublicBlog by id and by slug, for
 * BLOG_TTL_BLOG_S; similar lists for BLOG_TTL_SIMILAR_S), and how writes make them go away.
 *
 * Every key embeds a cache generation ("blog:<gen>:id:<id>"). A write that changes a public
 * answer deletes the affected keys and then moves to a new generation, which retires every
 * other entry too (similar lists of other blogs that show the changed blog). See cache.c for
 * why this also closes the read/write race. Redis down: blog_cache_begin says "do not cache"
 * and everything is read from MongoDB.
 */
#ifndef BLOG_CACHE_H
#define BLOG_CACHE_H

#include <jansson.h>
#include <stdbool.h>

#include "micro/banned.h"

#include "blog.h"

#define BLOG_CACHE_GEN_KEY "blog:gen"
#define BLOG_CACHE_GEN_LEN 33 /* 32 hex characters + NUL */
/* Longer than any entry's TTL, so a generation outlives what was cached under it. */
#define BLOG_CACHE_GEN_TTL_S (30 * 24 * 3600)

/* "blog:<gen>:<kind>:<value>" (kind: "id", "slug", "similar"). Caller frees. */
char *blog_cache_key(const char *gen, const char *kind, const char *value);

/*
 * Reads the current generation into gen. Returns false when this request must not use the
 * cache (Redis down, no generation yet: one is created for the next requests).
 * Must be called BEFORE reading MongoDB for an answer that will be cached.
 */
bool blog_cache_begin(blog_ctx *ctx, char gen[BLOG_CACHE_GEN_LEN]);

/* Cached JSON value or NULL (miss, Redis down, garbage). Caller decrefs. */
json_t *blog_cache_get(blog_ctx *ctx, const char *key);
/* Stores data (borrowed) as JSON; failures are ignored (it is only a cache). */
void blog_cache_put(blog_ctx *ctx, const char *key, const json_t *data, int ttl_s);

/*
 * A public answer about blog id changed: deletes its id key, both slug keys (old_slug and
 * new_slug may be NULL or equal) and its similar list, then bumps the generation. Called
 * before the write is answered.
 */
void blog_cache_invalidate(blog_ctx *ctx, const char *id, const char *old_slug,
                           const char *new_slug);
/* Same for several blogs (records with _id and slug), one generation bump. */
void blog_cache_invalidate_many(blog_ctx *ctx, const json_t *recs);

#endif
