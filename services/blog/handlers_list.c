/*
 * Every paged list (public, author's own, editor's) is answered here, from the cache when
 * it holds the page under the current generation of the list's scope (see cache.h).
 */
#include "micro/alloc.h"

#include "blog.h"
#include "cache.h"
#include "dto.h"
#include "handlers.h"
#include "request.h"
#include "store_list.h"

char *blog_list_cache_key(blog_list_kind kind, const char *arg, long page, long limit,
                          blog_cache_scope *scope)
{
    /* arg (a tag) comes last: it may hold ':', the numbers cannot */
    switch (kind) {
    case BLOG_LIST_LATEST:
        *scope = BLOG_SCOPE_PUBLIC;
        return mf_asprintf("blog:latest:%ld:%ld", page, limit);
    case BLOG_LIST_TAG:
        *scope = BLOG_SCOPE_PUBLIC;
        return mf_asprintf("blog:tag:%ld:%ld:%s", page, limit, arg);
    case BLOG_LIST_AUTHOR_DRAFTS:
        *scope = BLOG_SCOPE_AUTHOR;
        return mf_asprintf("blog:author:drafts:%ld:%ld:%s", page, limit, arg);
    case BLOG_LIST_AUTHOR_SUBMITTED:
        *scope = BLOG_SCOPE_AUTHOR;
        return mf_asprintf("blog:author:submitted:%ld:%ld:%s", page, limit, arg);
    case BLOG_LIST_AUTHOR_PUBLISHED:
        *scope = BLOG_SCOPE_AUTHOR;
        return mf_asprintf("blog:author:published:%ld:%ld:%s", page, limit, arg);
    case BLOG_LIST_EDITOR_SUBMITTED:
        *scope = BLOG_SCOPE_EDITOR;
        return mf_asprintf("blog:editor:submitted:%ld:%ld", page, limit);
    case BLOG_LIST_EDITOR_PUBLISHED:
        *scope = BLOG_SCOPE_EDITOR;
        return mf_asprintf("blog:editor:published:%ld:%ld", page, limit);
    }
    return NULL;
}

void blog_list_respond(mf_req *req, blog_list_kind kind, const char *arg, mf_valid *v,
                       const char *what)
{
    long page = 0, limit = 0;
    if (!blog_query_page(req, v, &page, &limit))
        return;
    blog_ctx *ctx = mf_req_app(req);
    blog_cache_scope scope = BLOG_SCOPE_PUBLIC;
    char *key = blog_list_cache_key(kind, arg, page, limit, &scope);
    blog_cache_slot slot;
    if (blog_respond_cached(req, scope, scope == BLOG_SCOPE_AUTHOR ? arg : NULL, key, &slot))
        return;
    json_t *recs = NULL;
    int rc = blog_store_list(ctx->mongo, kind, arg, page, limit, &recs);
    if (rc != 0) {
        blog_respond_store_err(req, rc, what);
    } else {
        json_t *items = blog_dto_items(recs);
        blog_cache_fill(ctx, &slot, items, BLOG_TTL_LIST_S);
        mf_respond_ok(req, "success", items);
    }
    json_decref(recs);
    blog_cache_slot_release(&slot);
}
