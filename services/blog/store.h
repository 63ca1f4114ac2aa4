/*
 * Blog queries on the `blogs` collection. Access rules live IN the filters:
 * an author's operations match {_id, "author._id": uid, status: true}, so another author's
 * blog is simply not found (no read-then-check), and deleted blogs (status false) are never
 * matched by anything. State changes are conditional updates (the expected state is part of
 * the filter), so concurrent requests cannot both win.
 *
 * Records are JSON objects as described in mongo.h. Returns 0 or a negative MF_ERR_*:
 * MF_ERR_NOT_FOUND, MF_ERR_CONFLICT (slug taken), MF_ERR_UNAVAILABLE, MF_ERR; and
 * MF_ERR_INVALID with *why set when the blog is not in the state the operation needs.
 */
#ifndef BLOG_STORE_H
#define BLOG_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "micro/banned.h"

#include "dto.h"
#include "mongo.h"

typedef enum {
    BLOG_WHY_NONE = 0,
    BLOG_WHY_ALREADY_SUBMITTED,
    BLOG_WHY_NOT_SUBMITTED,
    BLOG_WHY_ALREADY_PUBLISHED,
    BLOG_WHY_NOT_PUBLISHED,
} blog_why;

/* Creates the indexes (idempotent). */
int blog_store_ensure_indexes(blog_mongo *m);

/* Published, non-deleted blog by id or slug. *rec: caller decrefs. */
int blog_store_public_by_id(blog_mongo *m, const char *id, json_t **rec);
int blog_store_public_by_slug(blog_mongo *m, const char *slug, json_t **rec);
/* Non-deleted blog by id; owner = the author's user id, or NULL for any author. */
int blog_store_get(blog_mongo *m, const char *id, const char *owner, json_t **rec);

/* New draft by user (a User JSON: id, name, profilePicUrl?). *rec: the stored record. */
int blog_store_create(blog_mongo *m, const blog_input *in, const json_t *user, int64_t now,
                      json_t **rec);
/* Applies the present fields of in to owner's blog in->id. *before and *after (both may be
 * NULL) receive the record before and after; caller decrefs. */
int blog_store_update(blog_mongo *m, const blog_input *in, const char *owner, int64_t now,
                      json_t **before, json_t **after);
/* Soft delete of owner's blog; *before (may be NULL) receives the record as it was. */
int blog_store_delete(blog_mongo *m, const char *id, const char *owner, int64_t now,
                      json_t **before);
/* submit = true: needs !submitted; false (withdraw): needs submitted. */
int blog_store_set_submitted(blog_mongo *m, const char *id, const char *owner, bool submit,
                             int64_t now, blog_why *why);
/* Editor actions on any author's blog. publish needs submitted && !published and copies
 * draftText to text (publishedAt kept from the first publication); unpublish needs
 * published. *before (may be NULL) receives the record as it was. */
int blog_store_publish(blog_mongo *m, const char *id, const char *editor, int64_t now,
                       blog_why *why, json_t **before);
int blog_store_unpublish(blog_mongo *m, const char *id, const char *editor, int64_t now,
                         blog_why *why, json_t **before);

#endif
