/* An author's own blogs: every query is scoped to the authenticated user in its filter. */
#include "micro/clock.h"
#include "micro/error.h"
#include "micro/valid.h"

#include "authn.h"
#include "blog.h"
#include "cache.h"
#include "dto.h"
#include "handlers.h"
#include "request.h"
#include "store.h"
#include "store_list.h"

static bool rec_published(const json_t *rec)
{
    return json_is_true(json_object_get(rec, "published"));
}

/* What the editor lists show: submitted and published blogs. */
static bool rec_on_editor_lists(const json_t *rec)
{
    return rec_published(rec) || json_is_true(json_object_get(rec, "submitted"));
}

static const char *rec_slug(const json_t *rec)
{
    return json_string_value(json_object_get(rec, "slug"));
}

static void respond_slug_taken(mf_req *req, const char *slug)
{
    mf_respond_error(req, 400, mf_req_printf(req, "Blog with slug: %s already exists", slug));
}

void blog_h_author_create(mf_req *req)
{
    json_t *body = NULL;
    if (!mf_req_json(req, &body))
        return;
    blog_ctx *ctx = mf_req_app(req);
    blog_input in;
    mf_valid v;
    mf_valid_init(&v);
    if (!blog_dto_create(body, &in, &v)) {
        mf_respond_error(req, 400, mf_valid_message(&v));
    } else {
        json_t *rec = NULL;
        /* the unique index decides, so two racing creates cannot both win */
        int rc = blog_store_create(ctx->mongo, &in, blog_req_user(req), mf_now_ms(), &rec);
        if (rc == MF_ERR_CONFLICT)
            respond_slug_taken(req, in.slug);
        else if (rc != 0) {
            /* the insert may have happened (a timeout after the server applied it) */
            blog_cache_touch_author(ctx, blog_req_user_id(req));
            blog_respond_store_err(req, rc, "create");
        } else {
            blog_cache_touch_author(ctx, blog_req_user_id(req)); /* a new draft */
            mf_respond_ok(req, "blog created successfully", blog_dto_private(rec));
        }
        json_decref(rec);
    }
    blog_input_release(&in);
    mf_valid_release(&v);
}

/* Applies a validated update and answers. */
static void update_valid(mf_req *req, const blog_input *in)
{
    blog_ctx *ctx = mf_req_app(req);
    json_t *before = NULL, *after = NULL;
    int rc = blog_store_update(ctx->mongo, in, blog_req_user_id(req), mf_now_ms(), &before, &after);
    if (rc == MF_ERR_NOT_FOUND) {
        mf_respond_error(req, 404, mf_req_printf(req, "Blog with id: %s does not exists", in->id));
    } else if (rc == MF_ERR_CONFLICT) {
        respond_slug_taken(req, in->slug);
    } else if (rc != 0) {
        blog_cache_write_unsure(ctx, true, blog_req_user_id(req));
        blog_respond_store_err(req, rc, "update");
    } else {
        /* drafts are not public: only a published blog's answers change */
        if (rec_published(before))
            blog_cache_invalidate(ctx, in->id, rec_slug(before), rec_slug(after));
        if (rec_on_editor_lists(before))
            blog_cache_touch_editor(ctx);
        blog_cache_touch_author(ctx, blog_req_user_id(req));
        mf_respond_ok(req, "blog updated successfully", blog_dto_private(after));
    }
    json_decref(before);
    json_decref(after);
}

void blog_h_author_update(mf_req *req)
{
    json_t *body = NULL;
    if (!mf_req_json(req, &body))
        return;
    blog_input in;
    mf_valid v;
    mf_valid_init(&v);
    if (blog_dto_update(body, &in, &v))
        update_valid(req, &in);
    else
        mf_respond_error(req, 400, mf_valid_message(&v));
    blog_input_release(&in);
    mf_valid_release(&v);
}

void blog_h_author_get(mf_req *req)
{
    const char *id = blog_param_id(req);
    if (!id)
        return;
    blog_ctx *ctx = mf_req_app(req);
    json_t *rec = NULL;
    int rc = blog_store_get(ctx->mongo, id, blog_req_user_id(req), &rec);
    if (rc == MF_ERR_NOT_FOUND)
        mf_respond_error(req, 404, mf_req_printf(req, "%s not found", id));
    else if (rc != 0)
        blog_respond_store_err(req, rc, "author get");
    else
        mf_respond_ok(req, "success", blog_dto_private(rec));
    json_decref(rec);
}

void blog_h_author_delete(mf_req *req)
{
    const char *id = blog_param_id(req);
    if (!id)
        return;
    blog_ctx *ctx = mf_req_app(req);
    json_t *before = NULL;
    int rc = blog_store_delete(ctx->mongo, id, blog_req_user_id(req), mf_now_ms(), &before);
    if (rc == MF_ERR_NOT_FOUND) {
        mf_respond_error(req, 404, "blog not found");
    } else if (rc != 0) {
        blog_cache_write_unsure(ctx, true, blog_req_user_id(req));
        blog_respond_store_err(req, rc, "delete");
    } else {
        if (rec_published(before))
            blog_cache_invalidate(ctx, id, rec_slug(before), NULL);
        if (rec_on_editor_lists(before))
            blog_cache_touch_editor(ctx);
        blog_cache_touch_author(ctx, blog_req_user_id(req));
        mf_respond_ok(req, "blog deleted successfully", NULL);
    }
    json_decref(before);
}

static void submission(mf_req *req, bool submit)
{
    const char *id = blog_param_id(req);
    if (!id)
        return;
    blog_ctx *ctx = mf_req_app(req);
    blog_why why = BLOG_WHY_NONE;
    int rc =
        blog_store_set_submitted(ctx->mongo, id, blog_req_user_id(req), submit, mf_now_ms(), &why);
    if (rc == MF_ERR_NOT_FOUND)
        mf_respond_error(req, 404, "blog not found");
    else if (rc == MF_ERR_INVALID)
        mf_respond_error(req, 400,
                         mf_req_printf(req, "blog for _id %s is %s", id,
                                       why == BLOG_WHY_ALREADY_SUBMITTED ? "already submitted"
                                                                         : "not submitted"));
    else if (rc != 0) {
        blog_cache_write_unsure(ctx, false, blog_req_user_id(req));
        blog_respond_store_err(req, rc, "submission");
    } else {
        /* public answers do not show the submitted flag: only the lists change */
        blog_cache_touch_editor(ctx);
        blog_cache_touch_author(ctx, blog_req_user_id(req));
        mf_respond_ok(req, submit ? "blog submitted successfully" : "blog withdrawn successfully",
                      NULL);
    }
}

void blog_h_author_submit(mf_req *req)
{
    submission(req, true);
}

void blog_h_author_withdraw(mf_req *req)
{
    submission(req, false);
}

/* The list is scoped to the authenticated author, in the query and in the cache key. */
static void own_list(mf_req *req, blog_list_kind kind)
{
    mf_valid v;
    mf_valid_init(&v);
    blog_list_respond(req, kind, blog_req_user_id(req), &v, "author list");
    mf_valid_release(&v);
}

void blog_h_author_drafts(mf_req *req)
{
    own_list(req, BLOG_LIST_AUTHOR_DRAFTS);
}

void blog_h_author_submitted(mf_req *req)
{
    own_list(req, BLOG_LIST_AUTHOR_SUBMITTED);
}

void blog_h_author_published(mf_req *req)
{
    own_list(req, BLOG_LIST_AUTHOR_PUBLISHED);
}
