/*
 * The tag read model in blog-service's Redis: how many published, non-deleted blogs carry
 * each tag, kept by the blog writes that change it (publish, unpublish, delete, tag edit of a
 * published blog: blog_op_tags_on_write) so that GET /tags never scans the blogs:
 *   blog:tags          sorted set tag -> -count (negated, so ZRANGE gives count desc, and
 *                      equal counts come in ascending tag order, the order of API.md); a tag
 *                      whose count reaches 0 is removed. Member "" (score -inf, index 0; no
 *                      tag can be empty) is the sentinel that says the set is complete.
 *   blog:tags:writes   counter moved by every change: a rebuild whose scan of MongoDB may
 *                      have missed a change (the counter moved meanwhile) is not installed.
 *   blog:tags:lock     one replica rebuilds at a time.
 * The set is bounded by the number of distinct tags, not by the number of blogs.
 *
 * Errors: MF_ERR_UNAVAILABLE when Redis cannot be used (the caller counts in MongoDB).
 */
#ifndef BLOG_TAG_INDEX_H
#define BLOG_TAG_INDEX_H

#include <jansson.h>
#include <stdbool.h>

#include "micro/banned.h"

#include "blog.h"

/* Applies count changes: deltas is an object tag -> integer (borrowed). A set that is not
 * complete is left alone (its rebuild reads MongoDB), but the change is recorded. */
int blog_tag_index_apply(blog_ctx *ctx, const json_t *deltas);
/* Marks the set incomplete (a write whose outcome is unknown). */
int blog_tag_index_invalidate(blog_ctx *ctx);
/* Every tag with its count, in API.md's order: *tags (new array of {"tag","count"}).
 * *complete false: the set is not complete (nothing else filled). */
int blog_tag_index_all(blog_ctx *ctx, json_t **tags, bool *complete);
/* One page (offset 0-based) of it, same order. */
int blog_tag_index_page(blog_ctx *ctx, long offset, long limit, json_t **tags, bool *complete);

/* A rebuild: take the lock (*won false: another replica rebuilds), read the change counter,
 * (the caller scans MongoDB), install counts (object tag -> count, borrowed) unless a change
 * came meanwhile (*installed false), release. */
int blog_tag_index_rebuild_begin(blog_ctx *ctx, bool *won, long long *writes);
int blog_tag_index_rebuild_finish(blog_ctx *ctx, long long writes, const json_t *counts,
                                  bool *installed);

#endif
