/*
 * The operations of blog-service: one function per use case, called by the HTTP handlers
 * (which parse, validate and answer) and by the event consumer (events.c). An operation owns
 * the store calls, what its write retires in the cache (retire.h), the read-model and caching
 * decisions of its reads, and the events it handles. Nothing above this layer touches MongoDB
 * or Redis.
 *
 * Every operation returns 0 or a negative MF_ERR_*: MF_ERR_NOT_FOUND (no such blog the caller
 * may see), MF_ERR_CONFLICT (slug taken), MF_ERR_STATE with *why (not in the state the
 * workflow step needs), MF_ERR_UNAVAILABLE (MongoDB down), MF_ERR. Out-params are filled on
 * 0 only; the caller owns and releases them as each comment says.
 */
#ifndef BLOG_OPS_H
#define BLOG_OPS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "micro/banned.h"

#include "blog.h"
#include "cache.h"
#include "dto.h"
#include "store_blog.h"
#include "store_list.h"

/* A read's answer: the JSON text straight from the cache (cached, heap, len bytes) or a JSON
 * value (data) read from MongoDB; exactly one is set on 0. Release with blog_answer_release
 * (or steal data, setting it NULL). */
typedef struct {
    char *cached;
    size_t len;
    json_t *data;
} blog_answer;

void blog_answer_release(blog_answer *a);

/* ---- ops_public.c: what anonymous readers see, cached ---- */
/* PublicBlog of a published, non-deleted blog. */
int blog_op_get_public_blog_by_id(blog_ctx *ctx, const char *id, blog_answer *out);
int blog_op_get_public_blog_by_slug(blog_ctx *ctx, const char *slug, blog_answer *out);
/* Up to BLOG_SIMILAR_TOP ItemBlog most similar to published blog id (see similar.h). */
int blog_op_list_similar_blogs(blog_ctx *ctx, const char *id, blog_answer *out);

/* ---- ops_lists.c: every paged list, cached per scope ---- */
/* Page (1-based) of ItemBlog; arg: the tag (BLOG_LIST_TAG) or the author's id (author lists). */
int blog_op_list_blogs(blog_ctx *ctx, blog_list_kind kind, const char *arg, long page, long limit,
                       blog_answer *out);
/* The same, counted from right after blog after (a cursor: the last _id of the page before;
 * NULL: from the top), so that blogs published between two page reads neither repeat nor
 * skip one. */
int blog_op_list_blogs_after(blog_ctx *ctx, blog_list_kind kind, const char *arg, long page,
                             long limit, const char *after, blog_answer *out);
/* Cache key of a list page and the scope whose generation retires it (exposed for the unit
 * tests). Caller frees. */
char *blog_list_cache_key(blog_list_kind kind, const char *arg, long page, long limit,
                          blog_cache_scope *scope);

/* ---- ops_blogs.c: a blog as its author or an editor sees it ---- */
/* New draft by user (the authenticated User, borrowed). *blog: PrivateBlog, caller decrefs. */
int blog_op_create_blog(blog_ctx *ctx, const blog_input *in, const json_t *user, json_t **blog);
/* Applies the present fields of in to author's blog in->id. *blog: PrivateBlog after it,
 * caller decrefs. */
int blog_op_update_blog(blog_ctx *ctx, const blog_input *in, const char *author, json_t **blog);
/* Soft delete of author's blog id. */
int blog_op_delete_blog(blog_ctx *ctx, const char *id, const char *author);
/* *blog: PrivateBlog of blog id (caller decrefs), author's own (author NULL: any author's,
 * for editors). */
int blog_op_get_blog(blog_ctx *ctx, const char *id, const char *author, json_t **blog);

/* ---- ops_workflow.c: author -> editor -> published ---- */
/* The author's own blog: submit needs it not submitted, withdraw needs it submitted. */
int blog_op_submit_blog(blog_ctx *ctx, const char *id, const char *author, blog_why *why);
int blog_op_withdraw_blog(blog_ctx *ctx, const char *id, const char *author, blog_why *why);
/* Any author's blog, by editor: publish needs it submitted and not published (text becomes
 * draftText), unpublish needs it published. */
int blog_op_publish_blog(blog_ctx *ctx, const char *id, const char *editor, blog_why *why);
int blog_op_unpublish_blog(blog_ctx *ctx, const char *id, const char *editor, blog_why *why);

/* ---- ops_authors.c: what auth-service tells about users ---- */
/* user.updated of event version (0: an event without one): the author's name and picture
 * (pic NULL: none) recorded, the public answers that show them retired. Idempotent; an event older
 * than the stored author info changes nothing (MF_ERR_STATE: acknowledge it, a redelivery would not
 * make it newer). */
int blog_op_apply_user(blog_ctx *ctx, const char *id, const char *name, const char *pic,
                       int64_t version);
/* user.created: the author's record only (a new user's blogs and comments, if any, were
 * written with the name auth-service gave then), under the same version rule. */
int blog_op_record_new_user(blog_ctx *ctx, const char *id, const char *name, const char *pic,
                            int64_t version);
/* Sets the author sub-document of rec (a record, or an array of records) to the recorded
 * info of its user (name, picture) where there is one: what every answer that shows an author
 * does before its DTO (store_authors.h). One query by _id for all of its users. 0 or an
 * error (then nothing is joined: answer the error). */
int blog_op_authors_join(blog_ctx *ctx, json_t *recs);
/* dto of rec (a record just written, borrowed) after the join (new reference). The write is
 * done: a failed author lookup answers it with the author as written, not with an error that
 * would have the write retried. */
json_t *blog_op_joined_answer(blog_ctx *ctx, json_t *rec, json_t *(*dto)(const json_t *rec));
/* auth.invalidate: forgets the cached tokens of user id (NULL: of everyone). */
void blog_op_forget_user_tokens(blog_ctx *ctx, const char *id);

/* ---- ops_comments.c: comments of published blogs, one level of replies ---- */
/* Why a comment write was refused (with MF_ERR_STATE). */
typedef enum {
    BLOG_COMMENT_WHY_NONE = 0,
    BLOG_COMMENT_WHY_NO_PARENT,    /* parentId is not a visible top-level comment of the blog */
    BLOG_COMMENT_WHY_RATE_LIMITED, /* more than COMMENTS_PER_MINUTE in 60 s */
} blog_comment_why;
/* New comment by user (the authenticated User, borrowed) on published blog blog_id, a reply
 * to parent_id unless NULL; text trimmed and validated. *comment: Comment, caller decrefs.
 * MF_ERR_NOT_FOUND: no such published blog. */
int blog_op_create_comment(blog_ctx *ctx, const char *blog_id, const char *parent_id,
                           const char *text, const json_t *user, blog_comment_why *why,
                           json_t **comment);
/* Page (1-based) of the visible comments of published blog blog_id, oldest first. */
int blog_op_list_comments(blog_ctx *ctx, const char *blog_id, long page, long limit,
                          blog_answer *out);
/* New text of user's own visible comment id. *comment: Comment, caller decrefs.
 * MF_ERR_NOT_FOUND: no such visible comment of user's. */
int blog_op_update_comment(blog_ctx *ctx, const char *id, const char *text, const char *user,
                           json_t **comment);
/* Soft delete of visible comment id by user, allowed when it is user's or moderator is true;
 * a top-level comment takes its replies with it. MF_ERR_NOT_FOUND otherwise. */
int blog_op_delete_comment(blog_ctx *ctx, const char *id, const char *user, bool moderator);

/* ---- ops_tags.c: tag counts over published blogs ---- */
/* Page (1-based) of {"tag","count"}, count desc then tag asc; prefix (upper-case, NULL:
 * none) keeps the tags starting with it. */
int blog_op_list_tags(blog_ctx *ctx, const char *prefix, long page, long limit, blog_answer *out);
/* The tag counts after a blog write that returned rc (before/after as the write handed
 * them back, after NULL when it was not read back): called by every write of a blog that
 * may publish, unpublish or retag it. */
void blog_op_tags_on_write(blog_ctx *ctx, int rc, const json_t *before, const json_t *after);
/* The same after a soft delete (before: the record deleted). */
void blog_op_tags_on_delete(blog_ctx *ctx, int rc, const json_t *before);

#endif
