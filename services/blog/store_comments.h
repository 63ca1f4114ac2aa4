/*
 * Comment records in the `comments` collection, and the comment counter of their blog.
 *
 * A record: _id ObjectId, blogId ObjectId, parentId ObjectId (replies only), text, author
 * {_id, name, profilePicUrl?}, status (false = deleted), edited, createdAt, updatedAt (dates
 * as epoch ms once read, see mongo.h). A reply whose parent is deleted is not changed: it is
 * hidden because its parent is (the caller checks), so deleting a comment is one write.
 *
 * The request path only ever filters on exactly {_id} (what every MongoDB-wire backend
 * answers from its primary key, FerretDB 1.x included); state and ownership are checked by
 * the caller in C. The query by blog (blog_store_comments_of_blog) is for read-model rebuilds
 * and the Redis-down fallback, off the hot path. A rename changes no comment: the author shown
 * comes from the authors collection (store_authors.h).
 *
 * Returns 0 or a negative MF_ERR_* (MF_ERR_NOT_FOUND, MF_ERR_UNAVAILABLE, MF_ERR); each *rec
 * / *recs is a new reference the caller decrefs.
 */
#ifndef BLOG_STORE_COMMENTS_H
#define BLOG_STORE_COMMENTS_H

#include <jansson.h>
#include <stdint.h>

#include "micro/banned.h"

#include "mongo.h"

/* Creates the indexes of `comments` (idempotent): {blogId, createdAt} for the rebuild and
 * fallback query, {author._id} for the user.updated bulk update. */
int blog_store_comments_ensure_indexes(blog_mongo *m);

/* Inserts a live comment by user (a User JSON: id, name, profilePicUrl?) on blog_id, a reply
 * to parent_id unless it is NULL; *rec: the record as stored (not read back: the insert is
 * the whole write). */
int blog_store_comment_create(blog_mongo *m, const char *blog_id, const char *parent_id,
                              const char *text, const json_t *user, int64_t now, json_t **rec);
/* One comment of a seed (bench/seed.c): what blog_store_comment_create inserts. */
typedef struct {
    const char *blog_id, *parent_id; /* parent_id NULL: top-level */
    const char *text;
    int64_t created_at;
    char id[25]; /* its _id: made here when empty */
} blog_comment_seed;
/* n comments by user in one bulk insert, each the document blog_store_comment_create would
 * have written at its created_at (the blogs' commentCount is the caller's). Nothing on the
 * request path calls it. */
int blog_store_comments_seed(blog_mongo *m, blog_comment_seed *in, size_t n, const json_t *user);
/* Comment id, live or not. */
int blog_store_comment_get(blog_mongo *m, const char *id, json_t **rec);
/* Comments of ids (an array of at most BLOG_MONGO_IDS_MAX 24-hex strings, borrowed), live or
 * not, in the order of ids, the missing ones left out (*recs: new array). One query
 * (blog_mongo_find_ids). MF_ERR_INVALID for too many ids. */
int blog_store_comments_get(blog_mongo *m, const json_t *ids, json_t **recs);
/* New text of comment id (edited becomes true). */
int blog_store_comment_set_text(blog_mongo *m, const char *id, const char *text, int64_t now);
/* Soft delete of comment id. */
int blog_store_comment_delete(blog_mongo *m, const char *id, int64_t now);
/* Every live comment of blog_id, createdAt then _id ascending (a scan on FerretDB). */
int blog_store_comments_of_blog(blog_mongo *m, const char *blog_id, json_t **recs);

/* Adds delta to the commentCount of blog_id ($inc, atomic in the server; filter {_id}). */
int blog_store_blog_comment_count_add(blog_mongo *m, const char *blog_id, int64_t delta);

#endif
