/* Public reads: never call auth-service, served from the cache when possible. */
#include <stdlib.h>

#include "micro/error.h"
#include "micro/valid.h"

#include "blog.h"
#include "cache.h"
#include "dto.h"
#include "handlers.h"
#include "request.h"
#include "similar.h"
#include "store.h"
#include "store_list.h"

#define MSG_NOT_FOUND "blog not found"

/* Cached PublicBlog by id or by slug. */
static void public_blog(mf_req *req, bool by_id, const char *value)
{
    blog_ctx *ctx = mf_req_app(req);
    blog_cache_slot slot;
    if (blog_respond_cached(req, BLOG_SCOPE_PUBLIC, NULL,
                            blog_cache_key(by_id ? "id" : "slug", value), &slot))
        return;
    json_t *rec = NULL;
    int rc = by_id ? blog_store_public_by_id(ctx->mongo, value, &rec)
                   : blog_store_public_by_slug(ctx->mongo, value, &rec);
    if (rc == MF_ERR_NOT_FOUND) {
        mf_respond_error(req, 404, MSG_NOT_FOUND);
    } else if (rc != 0) {
        blog_respond_store_err(req, rc, "public blog");
    } else {
        json_t *data = blog_dto_public(rec);
        blog_cache_fill(ctx, &slot, data, BLOG_TTL_BLOG_S);
        mf_respond_ok(req, "success", data);
    }
    json_decref(rec);
    blog_cache_slot_release(&slot);
}

void blog_h_public_by_id(mf_req *req)
{
    const char *id = blog_param_id(req);
    if (id)
        public_blog(req, true, id);
}

void blog_h_public_by_slug(mf_req *req)
{
    const char *raw = mf_req_param(req, "slug");
    char *slug = blog_slug_normalize(raw ? raw : "");
    mf_valid v;
    mf_valid_init(&v);
    if (mf_valid_check_str(&v, "slug", slug, MF_V_REQUIRED, BLOG_SLUG_MIN, BLOG_SLUG_MAX))
        public_blog(req, false, slug);
    else
        mf_respond_error(req, 400, mf_valid_message(&v));
    mf_valid_release(&v);
    free(slug);
}

void blog_h_list_latest(mf_req *req)
{
    mf_valid v;
    mf_valid_init(&v);
    blog_list_respond(req, BLOG_LIST_LATEST, NULL, &v, "latest list");
    mf_valid_release(&v);
}

void blog_h_list_tag(mf_req *req)
{
    const char *tag = mf_req_param(req, "tag");
    mf_valid v;
    mf_valid_init(&v);
    mf_valid_check_str(&v, "tag", tag, MF_V_REQUIRED | MF_V_UPPER, 0, BLOG_TAG_MAX);
    blog_list_respond(req, BLOG_LIST_TAG, tag, &v, "tag list");
    mf_valid_release(&v);
}

void blog_h_list_similar(mf_req *req)
{
    const char *id = blog_param_id(req);
    if (!id)
        return;
    blog_ctx *ctx = mf_req_app(req);
    blog_cache_slot slot;
    if (blog_respond_cached(req, BLOG_SCOPE_PUBLIC, NULL, blog_cache_key("similar", id), &slot))
        return;
    json_t *self = NULL, *cands = NULL;
    int rc = blog_store_public_by_id(ctx->mongo, id, &self);
    if (rc == 0)
        rc = blog_store_similar_candidates(ctx->mongo, self, &cands);
    if (rc == MF_ERR_NOT_FOUND) {
        mf_respond_error(req, 404, MSG_NOT_FOUND);
    } else if (rc != 0) {
        blog_respond_store_err(req, rc, "similar");
    } else {
        json_t *best = blog_similar_rank(self, cands, BLOG_SIMILAR_TOP);
        json_t *items = blog_dto_items(best);
        json_decref(best);
        blog_cache_fill(ctx, &slot, items, BLOG_TTL_SIMILAR_S);
        mf_respond_ok(req, "success", items);
    }
    json_decref(self);
    json_decref(cands);
    blog_cache_slot_release(&slot);
}
