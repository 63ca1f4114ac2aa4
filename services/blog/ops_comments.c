/*
 * Comments of published blogs (API.md section 4, "Comments and tags").
 *
 * Every MongoDB access is by _id (the blog, the comment, its parent); which comments a blog
 * has, and in which order, comes from the read model in Redis (comment_index.h), so a page
 * costs the same at a million comments as at a thousand: one range read in Redis and one
 * find by _id per comment shown. The blog's commentCount is a field of the blog document,
 * moved with $inc by the write that changes it.
 *
 * Writes that change what a blog shows (create, delete) run under the blog's lock in Redis,
 * so that across all replicas one writer at a time reads, checks and counts: a comment
 * deleted twice at once, or a reply created while its parent is deleted, cannot skew the
 * count or the read model. While Redis is down there is no lock (and no read model: reads
 * query MongoDB): such races may then skew the count until the next rebuild of that blog,
 * which recounts. Edits change neither, and take no lock.
 *
 * Visibility follows the blog: every read and write checks, by _id, that the blog is
 * published and not deleted (the list answers 404 otherwise), and a reply counts and shows
 * only while its parent is live. Unpublishing a blog changes nothing here, so publishing it
 * again brings its comments back as they were.
 *
 * Cache: comment pages are public answers about one blog (BLOG_SCOPE_BLOG, cache.h); a
 * comment write retires them, and the cached blog whose commentCount it moved (by id and by
 * slug), through retire.c before it answers, and nothing else: other blogs' answers stay.
 *
 * Rate limit: COMMENTS_PER_MINUTE (10) per user in Redis. Redis down, it fails OPEN: the
 * limit guards against floods, not against a rule that must hold, and the gateway's own rate
 * limit per API key still applies.
 */
#include <stdlib.h>
#include <string.h>

#include "micro/alloc.h"
#include "micro/clock.h"
#include "micro/error.h"
#include "micro/log.h"

#include "comment_index.h"
#include "ops.h"
#include "ops_cached.h"
#include "retire.h"
#include "store_comments.h"

static const char *rec_str(const json_t *rec, const char *key)
{
    return json_string_value(json_object_get(rec, key));
}

static int64_t rec_int(const json_t *rec, const char *key)
{
    json_t *v = json_object_get(rec, key);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

static bool live(const json_t *rec)
{
    return json_is_true(json_object_get(rec, "status"));
}

/* The visible ones of a blog's live comment records (in order): top-level comments and the
 * replies whose parent is among them. New array. */
static json_t *visible_of(const json_t *recs)
{
    json_t *top = json_object();
    size_t i;
    json_t *rec;
    json_array_foreach(recs, i, rec)
    {
        if (!json_object_get(rec, "parentId") && rec_str(rec, "_id"))
            json_object_set_new(top, rec_str(rec, "_id"), json_true());
    }
    json_t *out = json_array();
    json_array_foreach(recs, i, rec)
    {
        const char *parent = rec_str(rec, "parentId");
        if (!parent || json_object_get(top, parent))
            json_array_append(out, rec);
    }
    json_decref(top);
    return out;
}

/* A copy of blog with commentCount moved by delta: what the write made of it, for retire.c. */
static json_t *counted(const json_t *blog, int64_t delta)
{
    json_t *after = json_deep_copy(blog);
    json_object_set_new(after, "commentCount",
                        json_integer((json_int_t)(rec_int(blog, "commentCount") + delta)));
    return after;
}

static void retire_count(blog_ctx *ctx, const json_t *blog, int64_t delta)
{
    json_t *after = counted(blog, delta);
    blog_retire_write(ctx, blog, after);
    json_decref(after);
}

/* The answers about blog (borrowed): its by-id answer and comment pages, its by-slug answer. */
static void retire_blog(blog_ctx *ctx, const json_t *blog)
{
    blog_cache_retire(ctx, BLOG_SCOPE_BLOG, rec_str(blog, "_id"));
    if (rec_str(blog, "slug"))
        blog_cache_retire(ctx, BLOG_SCOPE_SLUG, rec_str(blog, "slug"));
}

/* A write that may have been half applied: the read model is rebuilt (which recounts) and
 * every answer about the blog retired, as the outcome is unknown (only that blog's count and
 * pages can have moved). blog NULL: unknown record, every public answer. */
static void retire_unsure(blog_ctx *ctx, const char *blog_id, const json_t *blog)
{
    blog_comment_index_invalidate(ctx, blog_id);
    if (blog)
        retire_blog(ctx, blog);
    else
        blog_cache_retire(ctx, BLOG_SCOPE_PUBLIC, NULL);
}

/*
 * Under the blog's lock: makes its read model complete, from MongoDB when it is not (no
 * query at all for a blog without comments), and puts the count right when it had drifted
 * (*blog then updated). *ok false: Redis cannot be used (the caller works without it).
 */
static int ensure_index(blog_ctx *ctx, json_t **blog, bool *ok)
{
    *ok = false;
    const char *blog_id = rec_str(*blog, "_id");
    bool complete = false;
    if (blog_comment_index_complete(ctx, blog_id, &complete) != 0)
        return 0;
    if (complete) {
        *ok = true;
        return 0;
    }
    json_t *visible = json_array();
    if (rec_int(*blog, "commentCount") != 0) {
        json_t *recs = NULL;
        int rc = blog_store_comments_of_blog(ctx->mongo, blog_id, &recs);
        if (rc != 0) {
            json_decref(visible);
            return rc;
        }
        json_decref(visible);
        visible = visible_of(recs);
        json_decref(recs);
    }
    if (blog_comment_index_rebuild(ctx, blog_id, visible) == 0)
        *ok = true;
    int64_t drift = (int64_t)json_array_size(visible) - rec_int(*blog, "commentCount");
    json_decref(visible);
    if (drift != 0 && blog_store_blog_comment_count_add(ctx->mongo, blog_id, drift) == 0) {
        mf_log_warn(NULL, "commentCount of blog %s recounted (%+lld)", blog_id, (long long)drift);
        json_t *after = counted(*blog, drift);
        blog_retire_write(ctx, *blog, after);
        json_decref(*blog);
        *blog = after;
    }
    return 0;
}

/* The live top-level comment parent_id of blog_id, else NOT_FOUND. */
static int live_top_level(blog_ctx *ctx, const char *parent_id, const char *blog_id)
{
    json_t *p = NULL;
    int rc = blog_store_comment_get(ctx->mongo, parent_id, &p);
    if (rc == 0 && (!live(p) || json_object_get(p, "parentId") ||
                    strcmp(rec_str(p, "blogId") ? rec_str(p, "blogId") : "", blog_id) != 0))
        rc = MF_ERR_NOT_FOUND;
    json_decref(p);
    return rc;
}

int blog_op_create_comment(blog_ctx *ctx, const char *blog_id, const char *parent_id,
                           const char *text, const json_t *user, blog_comment_why *why,
                           json_t **comment)
{
    *why = BLOG_COMMENT_WHY_NONE;
    int64_t now = mf_now_ms();
    const char *uid = json_string_value(json_object_get(user, "id"));
    blog_comment_rate_slot slot;
    if (!uid || !blog_comment_rate_take(ctx, uid, now, &slot)) {
        *why = BLOG_COMMENT_WHY_RATE_LIMITED;
        return uid ? MF_ERR_STATE : MF_ERR;
    }
    /* The checks come before the lock (a blog unpublished meanwhile hides the comment like any
     * other of its comments); under it, only what must not interleave: the read model check,
     * the insert, the count, the read model update. */
    json_t *blog = NULL, *rec = NULL;
    bool indexed = false;
    int rc = blog_store_public_by_id(ctx->mongo, blog_id, &blog);
    blog_comment_lock lock = {0};
    if (rc == 0 && blog_comment_lock_take(ctx, blog_id, &lock) != 0)
        rc = MF_ERR_UNAVAILABLE;
    if (rc == 0 && parent_id) {
        rc = live_top_level(ctx, parent_id, blog_id);
        if (rc == MF_ERR_NOT_FOUND) {
            *why = BLOG_COMMENT_WHY_NO_PARENT;
            rc = MF_ERR_STATE;
        }
    }
    if (rc == 0 && lock.held)
        rc = ensure_index(ctx, &blog, &indexed);
    bool attempted = rc == 0;
    if (rc == 0)
        rc = blog_store_comment_create(ctx->mongo, blog_id, parent_id, text, user, now, &rec);
    bool counted_ok = false;
    if (rc == 0) {
        counted_ok = blog_store_blog_comment_count_add(ctx->mongo, blog_id, 1) == 0;
        if (counted_ok && (!indexed || blog_comment_index_add(ctx, rec) != 0))
            blog_comment_index_lost(ctx);
    }
    blog_comment_unlock(ctx, &lock);
    /* retired after the lock is released, still before the answer */
    if (rc == 0 && counted_ok)
        retire_count(ctx, blog, 1);
    else if (attempted)
        retire_unsure(ctx, blog_id, blog); /* the insert or the count may have been applied */
    if (rc == 0)
        *comment = blog_op_joined_answer(ctx, rec, blog_dto_comment);
    else /* only comments made count against the limit */
        blog_comment_rate_return(ctx, uid, &slot);
    json_decref(blog);
    json_decref(rec);
    return rc;
}

/* ---- list ---- */

/* The Comments of a page's records (taken over), authors joined (*data: new array). */
static int comments_page(blog_ctx *ctx, json_t *recs, json_t **data)
{
    int rc = blog_op_authors_join(ctx, recs);
    if (rc == 0) {
        json_t *out = json_array();
        size_t i;
        json_t *rec;
        json_array_foreach(recs, i, rec) json_array_append_new(out, blog_dto_comment(rec));
        *data = out;
    }
    json_decref(recs);
    return rc;
}

typedef struct {
    const char *blog_id;
    long page, limit;
} comment_page;

/* Takes the lock and completes the blog's read model (*ok: it can be used now). */
static int complete_locked(blog_ctx *ctx, json_t **blog, bool *ok)
{
    *ok = false;
    blog_comment_lock lock;
    if (blog_comment_lock_take(ctx, rec_str(*blog, "_id"), &lock) != 0 || !lock.held) {
        blog_comment_unlock(ctx, &lock);
        return 0; /* busy or Redis down: this read queries MongoDB */
    }
    int rc = ensure_index(ctx, blog, ok);
    blog_comment_unlock(ctx, &lock);
    return rc;
}

/* Without the read model: the whole blog's comments from MongoDB, paged here. */
static int page_from_mongo(blog_ctx *ctx, const comment_page *cp, json_t **data)
{
    json_t *recs = NULL;
    int rc = blog_store_comments_of_blog(ctx->mongo, cp->blog_id, &recs);
    if (rc != 0)
        return rc;
    json_t *visible = visible_of(recs);
    json_t *shown = json_array();
    size_t from = (size_t)((cp->page - 1) * cp->limit);
    for (size_t i = from; i < json_array_size(visible) && i < from + (size_t)cp->limit; i++)
        json_array_append(shown, json_array_get(visible, i));
    json_decref(visible);
    json_decref(recs);
    return comments_page(ctx, shown, data);
}

static int read_comments(blog_ctx *ctx, const void *arg, json_t **data)
{
    const comment_page *cp = arg;
    json_t *blog = NULL;
    int rc = blog_store_public_by_id(ctx->mongo, cp->blog_id, &blog);
    if (rc != 0)
        return rc;
    if (rec_int(blog, "commentCount") <= 0) {
        /* nothing to show, nothing to ask: the count is kept with every write */
        json_decref(blog);
        *data = json_array();
        return 0;
    }
    json_t *ids = NULL;
    bool complete = false;
    long offset = (cp->page - 1) * cp->limit;
    if (blog_comment_index_page(ctx, cp->blog_id, offset, cp->limit, &ids, &complete) == 0 &&
        !complete) {
        bool ok = false;
        rc = complete_locked(ctx, &blog, &ok);
        if (rc == 0 && ok)
            blog_comment_index_page(ctx, cp->blog_id, offset, cp->limit, &ids, &complete);
    }
    json_decref(blog);
    if (rc != 0)
        return rc;
    if (!complete) {
        json_decref(ids);
        return page_from_mongo(ctx, cp, data);
    }
    /* one query for the page: ten finds by _id were most of an uncached page's time */
    json_t *recs = NULL;
    rc = blog_store_comments_get(ctx->mongo, ids, &recs);
    json_decref(ids);
    if (rc != 0)
        return rc;
    json_t *shown = json_array();
    size_t i;
    json_t *rec;
    json_array_foreach(recs, i, rec)
    {
        if (live(rec)) /* one deleted meanwhile is simply not shown */
            json_array_append(shown, rec);
    }
    json_decref(recs);
    return comments_page(ctx, shown, data);
}

int blog_op_list_comments(blog_ctx *ctx, const char *blog_id, long page, long limit,
                          blog_answer *out)
{
    const comment_page cp = {blog_id, page, limit};
    char *key = mf_asprintf("blog:comments:page:%ld:%ld:%s", page, limit, blog_id);
    return blog_cached_read(ctx, BLOG_SCOPE_BLOG, blog_id, key, BLOG_TTL_LIST_S, read_comments, &cp,
                            out);
}

/* ---- edit and delete ---- */

/* Comment id when it is visible (live, blog published, parent live) and user may touch it
 * (owner, or moderator): *rec, and *blog when blog is not NULL. Else NOT_FOUND. */
static int touchable(blog_ctx *ctx, const char *id, const char *user, bool moderator, json_t **rec,
                     json_t **blog)
{
    *rec = NULL;
    json_t *r = NULL, *b = NULL;
    int rc = blog_store_comment_get(ctx->mongo, id, &r);
    if (rc == 0 && !live(r))
        rc = MF_ERR_NOT_FOUND;
    if (rc == 0 && !moderator) {
        const char *owner = rec_str(json_object_get(r, "author"), "_id");
        if (!owner || !user || strcmp(owner, user) != 0)
            rc = MF_ERR_NOT_FOUND; /* someone else's: as if it did not exist */
    }
    if (rc == 0)
        rc = blog_store_public_by_id(ctx->mongo, rec_str(r, "blogId"), &b);
    if (rc == 0 && rec_str(r, "parentId"))
        rc = live_top_level(ctx, rec_str(r, "parentId"), rec_str(r, "blogId"));
    if (rc == 0) {
        *rec = r;
        if (blog)
            *blog = b;
        else
            json_decref(b);
        return 0;
    }
    json_decref(r);
    json_decref(b);
    return rc;
}

int blog_op_update_comment(blog_ctx *ctx, const char *id, const char *text, const char *user,
                           json_t **comment)
{
    json_t *rec = NULL;
    int64_t now = mf_now_ms();
    int rc = touchable(ctx, id, user, false, &rec, NULL);
    if (rc == 0)
        rc = blog_store_comment_set_text(ctx->mongo, id, text, now);
    /* the pages that show it: its blog's (the count does not move, the slug answer stays) */
    if (rc == 0 || (rc != MF_ERR_NOT_FOUND && rec))
        blog_cache_retire(ctx, BLOG_SCOPE_BLOG, rec_str(rec, "blogId"));
    if (rc == 0) {
        json_object_set_new(rec, "text", json_string(text));
        json_object_set_new(rec, "edited", json_true());
        json_object_set_new(rec, "updatedAt", json_integer((json_int_t)now));
        *comment = blog_op_joined_answer(ctx, rec, blog_dto_comment);
    }
    json_decref(rec);
    return rc;
}

/* Live replies of top-level comment id of blog, from the read model (ok) or MongoDB. */
static int replies_of(blog_ctx *ctx, const char *blog_id, const char *id, bool indexed,
                      json_t **ids)
{
    if (indexed && blog_comment_index_replies(ctx, blog_id, id, ids) == 0)
        return 0;
    json_t *recs = NULL;
    int rc = blog_store_comments_of_blog(ctx->mongo, blog_id, &recs);
    if (rc != 0)
        return rc;
    json_t *out = json_array();
    size_t i;
    json_t *rec;
    json_array_foreach(recs, i, rec)
    {
        const char *parent = rec_str(rec, "parentId");
        if (parent && strcmp(parent, id) == 0)
            json_array_append_new(out, json_string(rec_str(rec, "_id")));
    }
    json_decref(recs);
    *ids = out;
    return 0;
}

int blog_op_delete_comment(blog_ctx *ctx, const char *id, const char *user, bool moderator)
{
    json_t *rec = NULL, *blog = NULL, *replies = NULL;
    /* a first look outside the lock: which blog's lock to take */
    int rc = touchable(ctx, id, user, moderator, &rec, NULL);
    if (rc != 0)
        return rc;
    char blog_id[25];
    snprintf(blog_id, sizeof blog_id, "%s", rec_str(rec, "blogId"));
    json_decref(rec);
    rec = NULL;
    blog_comment_lock lock;
    if (blog_comment_lock_take(ctx, blog_id, &lock) != 0)
        return MF_ERR_UNAVAILABLE;
    /* again under the lock: deleted meanwhile by another request is not found now */
    rc = touchable(ctx, id, user, moderator, &rec, &blog);
    bool indexed = false;
    if (rc == 0 && lock.held)
        rc = ensure_index(ctx, &blog, &indexed);
    if (rc == 0 && !rec_str(rec, "parentId"))
        rc = replies_of(ctx, blog_id, id, indexed, &replies);
    if (rc == 0)
        rc = blog_store_comment_delete(ctx->mongo, id, mf_now_ms());
    int64_t gone = 1 + (int64_t)json_array_size(replies);
    bool counted_ok = false;
    if (rc == 0) {
        counted_ok = blog_store_blog_comment_count_add(ctx->mongo, blog_id, -gone) == 0;
        if (counted_ok && (!indexed || blog_comment_index_remove(ctx, rec, replies) != 0))
            blog_comment_index_lost(ctx);
    }
    blog_comment_unlock(ctx, &lock);
    if (rc == 0 && counted_ok)
        retire_count(ctx, blog, -gone);
    else if (rc == 0 || (rc != MF_ERR_NOT_FOUND && blog))
        retire_unsure(ctx, blog_id, blog);
    json_decref(rec);
    json_decref(blog);
    json_decref(replies);
    return rc;
}
