/*
 * The read models: what lists, slug lookups and similar lists read instead of sorting or
 * filtering the `blogs` collection (FerretDB 1.x sorts and filters every such query in Go over
 * the whole collection; a real mongod pages with skip). They live in blog-service's Redis:
 *   blog:rm:it:<id>          "<updatedAt> <record>": the fields lists and similar lists show
 *                            (ItemBlog + publishedAt, updatedAt, state, author id) of a live
 *                            blog, or a tombstone (status false, kept BLOG_RM_TOMB_TTL_S) of a
 *                            deleted one;
 *   blog:rm:latest           sorted set of published ids by publishedAt;
 *   blog:rm:tag:<TAG>        the same, per tag;
 *   blog:rm:kw:<word>        the same per keyword (similar.h), the newest BLOG_RM_WORD_CAP (the
 *                            candidates of similar lists, see readmodel.c);
 *   blog:rm:ed:sub|pub       submitted / published ids by updatedAt (editor lists);
 *   blog:rm:au:<uid>:drafts|sub|pub   one author's, by updatedAt (author lists);
 *   blog:rm:slug:<slug>      id of the published blog with that slug;
 *   blog:rm:ready            present when the models hold every blog (see below).
 * A sorted set orders equal scores by member, and ZREVRANGE reads them in reverse: newest
 * first, then the larger _id, which is exactly the order of the MongoDB queries they replace.
 *
 * Writes: every write's after-record goes through blog_rm_apply (from retire.c, before the
 * write answers). It is versioned by updatedAt, which every write moves forward: a Lua script
 * applies a blog's new memberships only over the version it computed the old ones from, and
 * never over a later one, so two replicas writing the same blog at once leave the later
 * write's state, in whatever order their applies arrive.
 *
 * Completeness: blog:rm:ready is set by a rebuild that read every blog from MongoDB (in a
 * background thread, one replica at a time under blog:rm:lock) and is missing after Redis lost
 * its data. A write whose apply could not reach Redis marks the process dirty and the ready key
 * is deleted as soon as Redis answers again (rebuild); a write that may or may not have been
 * applied in MongoDB queues its blog for a re-read (blog:rm:suspect). While the models are not
 * ready, reads take the MongoDB queries they replace (correct, slow at scale).
 */
#ifndef BLOG_READMODEL_H
#define BLOG_READMODEL_H

#include <jansson.h>
#include <stdbool.h>

#include "micro/banned.h"

#include "blog.h"
#include "store_list.h"

#define BLOG_RM_READY_KEY   "blog:rm:ready"
#define BLOG_RM_LOCK_KEY    "blog:rm:lock"
#define BLOG_RM_SUSPECT_KEY "blog:rm:suspect"
/* Keyword sets keep the newest this many: enough candidates for a similar list (which reads
 * BLOG_RM_CANDIDATES of each) with room for unpublished ones until the next rebuild. 128 is
 * Redis's default zset-max-listpack-entries: a set this small is kept as one listpack (about
 * 36 bytes a member) instead of a skiplist (about 100): at 100k blogs every one of the 3000
 * keyword sets is full, and 200 cost ~40 MB more of blog's Redis. */
#define BLOG_RM_WORD_CAP 128
/* Similar lists rank at most this many candidates, the newest sharing a tag or a keyword. */
#define BLOG_RM_CANDIDATES 100
/* How many of each set a similar read takes at a time (readmodel.c, SIMILAR_LUA). */
#define BLOG_RM_SIMILAR_CHUNK 8
/* A tombstone outlives any apply of an older version still in flight. */
#define BLOG_RM_TOMB_TTL_S (24 * 3600)
/* The rebuild lock, refreshed while a rebuild runs: another replica takes over after this. */
#define BLOG_RM_LOCK_TTL_MS 30000

/* One membership of a record: sorted set key and score (cap > 0: keep the newest cap), or a
 * string key (is_str) that holds the blog's id. */
typedef struct {
    char *key;
    double score;
    int cap;
    bool is_str;
} blog_rm_member;

/* The memberships of rec (none when it is not live). *out: heap array of *n members, free
 * with blog_rm_members_free. Pure, exposed for the unit tests. */
void blog_rm_members(const json_t *rec, blog_rm_member **out, size_t *n);
void blog_rm_members_free(blog_rm_member *m, size_t n);
/* The fields of rec the models keep (new reference). */
json_t *blog_rm_record(const json_t *rec);

/* Brings the models up to the record after a write (borrowed; NULL: nothing). Never fails for
 * the caller: Redis unreachable marks the models for a rebuild. */
void blog_rm_apply(blog_ctx *ctx, const json_t *rec);
/* A write of blog id (NULL: of an unknown blog) that may have been applied: the blog is read
 * again from MongoDB in the background (unknown: the models are rebuilt). */
void blog_rm_suspect(blog_ctx *ctx, const char *id);

/* Reads. Each returns 0, MF_ERR_NOT_FOUND, or MF_ERR_UNAVAILABLE when the models are not ready
 * or Redis is down: then the caller reads MongoDB (and the rebuild is started). */
/* A page (1-based) of a list: *recs, a new array of records (blog_dto_items makes ItemBlogs).
 * after (NULL: none): the page counts from right after that blog (a cursor). */
int blog_rm_list(blog_ctx *ctx, blog_list_kind kind, const char *arg, long page, long limit,
                 const char *after, json_t **recs);
/* Id of the published blog with that slug (*id: heap, caller frees). */
int blog_rm_slug(blog_ctx *ctx, const char *slug, char **id);
/* The record of published blog id and its similar-list candidates (new references). */
int blog_rm_similar_candidates(blog_ctx *ctx, const char *id, json_t **self, json_t **cands);

/* The background thread: keeps the models complete (rebuilds, re-reads). NULL on failure. */
typedef struct blog_rm_worker blog_rm_worker;
blog_rm_worker *blog_rm_worker_start(blog_ctx *ctx);
void blog_rm_worker_stop(blog_rm_worker *w);
/* Wakes the worker now (a read found the models not ready). */
void blog_rm_kick(blog_ctx *ctx);
/* Reads every blog from MongoDB into the models and marks them ready when no one flushed
 * Redis meanwhile. 0, MF_ERR_CONFLICT (another replica holds the lock), or an error. Called by
 * the worker; exposed for the benchmark's seeding and the tests. */
int blog_rm_rebuild(blog_ctx *ctx);

#endif
