/*
 * The comment read models in blog-service's Redis, kept by the comment operations on every
 * write, so that a page of a blog's comments never needs a MongoDB query by blogId (which
 * FerretDB 1.x answers by scanning the whole collection):
 *   blog:comments:<blogId>          sorted set of the blog's VISIBLE comment ids (live, and for
 *                                   a reply also a live parent), scored by createdAt ms; equal
 *                                   scores order by member, the ObjectId, which is
 *                                   time-ordered too. Member "!r<epoch>" (score -inf, so index
 *                                   0; epoch = blog:comments:epoch) is the sentinel that says
 *                                   the set is complete: a set without the current one is
 *                                   rebuilt from MongoDB.
 *   blog:comments:replies:<blogId>  the blog's live replies as "<parentId>:<replyId>", all of
 *                                   score 0 (a parent's replies are one ZRANGEBYLEX, for the
 *                                   cascade of a delete), complete whenever its blog's set is.
 *   blog:lock:comments:<blogId>     the lock under which every write of the blog's comments
 *                                   and its commentCount runs (one writer per blog across all
 *                                   replicas: counts stay exact, a rebuild cannot miss a write).
 *   blog:rl:comments:<userId>       creation times of the user's last minute of comments.
 * The sets hold ids only: pages are read back from MongoDB by _id, so an edit or an author
 * rename changes no read model. Redis must not evict these keys (noeviction, as blog's Redis
 * runs): a set that is evicted with its sentinel is rebuilt, one without is not detected.
 *
 * Errors: MF_ERR_UNAVAILABLE when Redis cannot be used (the caller falls back to MongoDB).
 */
#ifndef BLOG_COMMENT_INDEX_H
#define BLOG_COMMENT_INDEX_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "micro/banned.h"

#include "blog.h"

/* Comments a user may create in any 60 s: COMMENTS_PER_MINUTE (API.md: 10). */

/* The per-blog write lock. */
typedef struct {
    char key[64];
    char token[33];
    bool held; /* false: Redis down, the write runs unlocked (see ops_comments.c) */
} blog_comment_lock;

/* 0 with the lock held or, Redis down, not held; MF_ERR_TIMEOUT when another writer kept it
 * for BLOG_COMMENT_LOCK_WAIT_MS. Release with blog_comment_unlock either way. */
/* Long enough for a queue of writers on one hot blog (each holds it for two MongoDB writes and
 * two Redis commands); a holder that crashed is gone after the lock's own TTL. */
#define BLOG_COMMENT_LOCK_WAIT_MS 8000
int blog_comment_lock_take(blog_ctx *ctx, const char *blog_id, blog_comment_lock *l);
void blog_comment_unlock(blog_ctx *ctx, blog_comment_lock *l);

/* true when user may create one more comment now: the comment is counted, under the member
 * written into slot, until blog_comment_rate_return gives it back (the creation failed). true
 * too when Redis is down: the limit fails open, see ops_comments.c. */
typedef struct {
    char member[48];
} blog_comment_rate_slot;
bool blog_comment_rate_take(blog_ctx *ctx, const char *user_id, int64_t now_ms,
                            blog_comment_rate_slot *slot);
void blog_comment_rate_return(blog_ctx *ctx, const char *user_id,
                              const blog_comment_rate_slot *slot);

/* Page of visible ids, oldest first, from offset (0-based) at most limit: *ids (new array of
 * strings). *complete false: the set is not complete (nothing else filled). */
int blog_comment_index_page(blog_ctx *ctx, const char *blog_id, long offset, long limit,
                            json_t **ids, bool *complete);
/* Whether the blog's set is complete. */
int blog_comment_index_complete(blog_ctx *ctx, const char *blog_id, bool *complete);
/* Replaces the blog's sets with visible (records of blog_store_comments_of_blog already
 * filtered to the visible ones, in order; borrowed), sentinel included. Under the blog lock. */
int blog_comment_index_rebuild(blog_ctx *ctx, const char *blog_id, const json_t *visible);
/* A new visible comment (rec borrowed): into the blog's set and, a reply, into the blog's
 * replies set. */
int blog_comment_index_add(blog_ctx *ctx, const json_t *rec);
/* Live reply ids of top-level comment id of blog_id: *ids (new array of strings). */
int blog_comment_index_replies(blog_ctx *ctx, const char *blog_id, const char *id, json_t **ids);
/* Comment rec (borrowed) and its replies (ids, borrowed, may be NULL) leave the blog's set;
 * its replies (top-level) or its own entry (reply) leave the blog's replies set too. */
int blog_comment_index_remove(blog_ctx *ctx, const json_t *rec, const json_t *replies);
/* A write of comments could not update the sets (Redis down): every set is made incomplete
 * (the epoch in their sentinel moves) as soon as Redis is back, before any is used. */
void blog_comment_index_lost(blog_ctx *ctx);
/* Drops the blog's sentinel: its set is rebuilt before it is used again (after a write whose
 * outcome is unknown). */
void blog_comment_index_invalidate(blog_ctx *ctx, const char *blog_id);

#endif
