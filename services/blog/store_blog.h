/*
 * Blog records in the `blogs` collection. Reads find by {_id} alone, the one filter every
 * MongoDB-wire backend answers from an index (FerretDB 1.x pushes nothing else down to its
 * backend), and check in C what the caller may see: another author's blog and deleted blogs
 * (status false) are simply not found. Writes are conditional updates on the version that was
 * read ({_id, ..., updatedAt}, and the state a transition needs), so concurrent requests cannot
 * both win; every write moves updatedAt strictly forward (the read models order a blog's
 * writes by it, see readmodel.h).
 *
 * Every write hands back the record before and after it (what the operation needs to work out
 * what the write retires in the cache and the read models, see retire.h), worked out from what
 * it sent: nothing is read back. Records are JSON objects as described in mongo.h; each
 * *before / *after / *rec is a new reference the caller decrefs.
 *
 * Returns 0 or a negative MF_ERR_*: MF_ERR_NOT_FOUND, MF_ERR_CONFLICT (slug taken),
 * MF_ERR_STATE with *why set (the blog is not in the state a transition needs),
 * MF_ERR_UNAVAILABLE, MF_ERR.
 */
#ifndef BLOG_STORE_BLOG_H
#define BLOG_STORE_BLOG_H

#include <jansson.h>
#include <stdint.h>

#include "micro/banned.h"

#include "dto.h"
#include "mongo.h"

/* Which state a transition found instead of the one it needs (with MF_ERR_STATE). */
typedef enum {
    BLOG_WHY_NONE = 0,
    BLOG_WHY_ALREADY_SUBMITTED,
    BLOG_WHY_NOT_SUBMITTED,
    BLOG_WHY_ALREADY_PUBLISHED,
    BLOG_WHY_NOT_PUBLISHED,
} blog_why;

/* The workflow: submit needs !submitted, withdraw needs submitted (the author's own blog);
 * publish needs submitted && !published and copies draftText to text (publishedAt kept from
 * the first publication), unpublish needs published (any author's blog, by an editor). */
typedef enum {
    BLOG_SUBMIT,
    BLOG_WITHDRAW,
    BLOG_PUBLISH,
    BLOG_UNPUBLISH,
} blog_transition;

/* Creates the indexes (idempotent). */
int blog_store_ensure_indexes(blog_mongo *m);

/* {status: true, published: true}, what anonymous readers may see, for the other stores'
 * filters to build on (new document, free with blog_mdoc_free). */
blog_mdoc *blog_store_public_filter(void);
/* Published, non-deleted blog by id or slug. */
int blog_store_public_by_id(blog_mongo *m, const char *id, json_t **rec);
int blog_store_public_by_slug(blog_mongo *m, const char *slug, json_t **rec);
/* Non-deleted blog by id; owner = the author's user id, or NULL for any author. */
int blog_store_get(blog_mongo *m, const char *id, const char *owner, json_t **rec);

/* New draft by user (a User JSON: id, name, profilePicUrl?). *after: the stored record. */
int blog_store_create(blog_mongo *m, const blog_input *in, const json_t *user, int64_t now,
                      json_t **after);
/* n published blogs by user in one bulk insert, each exactly as create, submit and publish
 * (at published_at[i], also its createdAt and updatedAt) would have left it, and then
 * comment_counts[i] comments (NULL: none; the $inc of each creation, as one value): what the
 * benchmark seeds. *recs: their records (new array). Nothing else calls it. */
int blog_store_seed_published(blog_mongo *m, const blog_input *in, size_t n, const json_t *user,
                              const int64_t *published_at, const int64_t *comment_counts,
                              json_t **recs);
/* Applies the present fields of in to owner's blog in->id. */
int blog_store_update(blog_mongo *m, const blog_input *in, const char *owner, int64_t now,
                      json_t **before, json_t **after);
/* Soft delete of owner's blog; *after is the record as the delete left it (status false:
 * no operation shows it again). */
int blog_store_delete(blog_mongo *m, const char *id, const char *owner, int64_t now,
                      json_t **before, json_t **after);
/* Moves blog id (owner's, or any author's when owner is NULL) through the workflow, by actor.
 * On 0, *after is the record after the write. */
int blog_store_transition(blog_mongo *m, const char *id, const char *owner, blog_transition t,
                          const char *actor, int64_t now, blog_why *why, json_t **before,
                          json_t **after);

#endif
