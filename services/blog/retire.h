/*
 * What a write retires in blog-service's cache (cache.h), worked out in this one place from
 * the record before and after the write instead of being chosen by each operation. The rule
 * compares what each cached view shows of the record, before and after:
 *   public answers  the PublicBlog of a live, published record (id and slug answers, and the
 *                   similar, latest and by-tag lists, which show only PublicBlog fields): when
 *                   it differs, the blog's id, slug (old and new) and similar keys are deleted
 *                   and the public generation moves; when only its commentCount differs,
 *                   the id and slug keys are deleted and only the blog's and the slug's own
 *                   generations move (no list shows the count);
 *   editor lists    the ItemBlog + submitted, published, updatedAt of a live record that is
 *                   submitted or published: when it differs, the editor generation moves;
 *   author lists    the same view of any live record: when it differs, the generation of the
 *                   record's author moves.
 * before NULL: the record did not exist (create); after NULL: it is gone (delete). A record
 * whose view is absent on both sides retires nothing of that scope.
 *
 * A write that failed in a way that may still have changed MongoDB (a timeout after the server
 * applied it) cannot be compared: it retires every scope the record can be in (public answers,
 * editor lists, the author's lists or, author unknown, every author's), because the client does
 * not know whether it happened, so neither may the cache.
 */
#ifndef BLOG_RETIRE_H
#define BLOG_RETIRE_H

#include <jansson.h>
#include <stdbool.h>

#include "micro/banned.h"

#include "blog.h"

/* What one or several writes retire; built by blog_retire_plan_add, pure (no I/O). */
typedef struct {
    bool public_answers;
    json_t *keys; /* cache keys of public answers to delete (array of strings, no repeats) */
    bool editor_lists;
    bool every_author;
    json_t *authors; /* author ids whose lists retire (array of strings, no repeats) */
    /* blogs whose public answer changed in commentCount only (a comment write): just their
     * own generations move (BLOG_SCOPE_BLOG, BLOG_SCOPE_SLUG), not the public one, because no
     * list shows the count (ItemBlog has no commentCount) */
    json_t *blogs; /* ids (array of strings, no repeats) */
    json_t *slugs; /* their slugs (array of strings, no repeats) */
} blog_retire_plan;

void blog_retire_plan_init(blog_retire_plan *p);
void blog_retire_plan_release(blog_retire_plan *p);
/* Adds what the write of one record (before -> after, both borrowed) retires. */
void blog_retire_plan_add(blog_retire_plan *p, const json_t *before, const json_t *after);
/* Adds everything a write of author's blog that may have been applied could retire (author
 * NULL: unknown). */
void blog_retire_plan_add_unsure(blog_retire_plan *p, const char *author);
/* Retires what p holds (keys first, then one move per generation). */
void blog_retire_apply(blog_ctx *ctx, const blog_retire_plan *p);

/* One write: plan, apply, release; first the read models are brought up to after (the record
 * after the write; a deleted blog's record has status false), so that a read that misses the
 * cache after the generation moved finds them current. */
void blog_retire_write(blog_ctx *ctx, const json_t *before, const json_t *after);
/* A failed write of author's blog (NULL: unknown): when rc says it may have been applied
 * anyway (not NOT_FOUND, CONFLICT or STATE, which are decided before anything is written),
 * retires as for an unsure write. */
void blog_retire_failed(blog_ctx *ctx, int rc, const char *author);
void blog_retire_unsure(blog_ctx *ctx, const char *author);
/* blog_retire_failed for a write of blog id (NULL: unknown), whose read models are then
 * re-read from MongoDB (readmodel.h). */
void blog_retire_failed_blog(blog_ctx *ctx, int rc, const char *id, const char *author);

#endif
