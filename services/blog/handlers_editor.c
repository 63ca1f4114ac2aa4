/* The editor's view: any author's non-deleted blog, and the publication workflow. */
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

void blog_h_editor_get(mf_req *req)
{
    const char *id = blog_param_id(req);
    if (!id)
        return;
    blog_ctx *ctx = mf_req_app(req);
    json_t *rec = NULL;
    int rc = blog_store_get(ctx->mongo, id, NULL, &rec);
    if (rc == MF_ERR_NOT_FOUND)
        mf_respond_error(req, 404, mf_req_printf(req, "%s not found", id));
    else if (rc != 0)
        blog_respond_store_err(req, rc, "editor get");
    else
        mf_respond_ok(req, "success", blog_dto_private(rec));
    json_decref(rec);
}

static const char *why_text(blog_why why)
{
    switch (why) {
    case BLOG_WHY_ALREADY_PUBLISHED:
        return "is already published";
    case BLOG_WHY_NOT_SUBMITTED:
        return "is not submitted";
    case BLOG_WHY_NOT_PUBLISHED:
        return "is not published";
    case BLOG_WHY_ALREADY_SUBMITTED:
        return "is already submitted";
    default:
        return "is invalid";
    }
}

static void publication(mf_req *req, bool publish)
{
    const char *id = blog_param_id(req);
    if (!id)
        return;
    blog_ctx *ctx = mf_req_app(req);
    blog_why why = BLOG_WHY_NONE;
    json_t *before = NULL;
    const char *editor = blog_req_user_id(req);
    int rc = publish ? blog_store_publish(ctx->mongo, id, editor, mf_now_ms(), &why, &before)
                     : blog_store_unpublish(ctx->mongo, id, editor, mf_now_ms(), &why, &before);
    if (rc == MF_ERR_NOT_FOUND) {
        mf_respond_error(req, 404, mf_req_printf(req, "blog for _id %s not found", id));
    } else if (rc == MF_ERR_INVALID) {
        mf_respond_error(req, 400, mf_req_printf(req, "blog for _id %s %s", id, why_text(why)));
    } else if (rc != 0) {
        /* the update may have been applied; before (and so the author) may be unknown */
        blog_cache_write_unsure(
            ctx, true,
            json_string_value(json_object_get(json_object_get(before, "author"), "_id")));
        blog_respond_store_err(req, rc, publish ? "publish" : "unpublish");
    } else {
        /* visible <-> invisible, and the similar lists of other blogs change too */
        blog_cache_invalidate(ctx, id, json_string_value(json_object_get(before, "slug")), NULL);
        blog_cache_touch_editor(ctx);
        /* the author's own lists move the blog between submitted, published and drafts */
        blog_cache_touch_author(
            ctx, json_string_value(json_object_get(json_object_get(before, "author"), "_id")));
        mf_respond_ok(
            req, publish ? "blog published successfully" : "blog unpublished successfully", NULL);
    }
    json_decref(before);
}

void blog_h_editor_publish(mf_req *req)
{
    publication(req, true);
}

void blog_h_editor_unpublish(mf_req *req)
{
    publication(req, false);
}

static void editor_list(mf_req *req, blog_list_kind kind)
{
    mf_valid v;
    mf_valid_init(&v);
    blog_list_respond(req, kind, NULL, &v, "editor list");
    mf_valid_release(&v);
}

void blog_h_editor_submitted(mf_req *req)
{
    editor_list(req, BLOG_LIST_EDITOR_SUBMITTED);
}

void blog_h_editor_published(mf_req *req)
{
    editor_list(req, BLOG_LIST_EDITOR_PUBLISHED);
}
