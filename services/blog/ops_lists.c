/*
 * Every paged list (public, author's own, editor's), cached per page under the generation of
 * the list's scope (see cache.h), so a write retires the lists it changes all at once. A miss
 * reads the list's read model (readmodel.h: one sorted-set range, whatever the page), and
 * MongoDB only while the models are not ready.
 */
#include <stdlib.h>

#include "micro/alloc.h"
#include "micro/error.h"

#include "ops.h"
#include "ops_cached.h"
#include "readmodel.h"

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

typedef struct {
    blog_list_kind kind;
    const char *arg;
    long page, limit;
    const char *after;
} list_page;

/* The page in MongoDB: the blogs after the cursor blog sort after its publishedAt or
 * updatedAt, ties by smaller _id, as in the read model. Only while the models are not ready. */
static int read_page_mongo(blog_ctx *ctx, const list_page *lp, json_t **recs)
{
    if (!lp->after)
        return blog_store_list(ctx->mongo, lp->kind, lp->arg, lp->page, lp->limit, recs);
    return blog_store_list_after(ctx->mongo, lp->kind, lp->arg, lp->page, lp->limit, lp->after,
                                 recs);
}

static int read_page(blog_ctx *ctx, const void *arg, json_t **data)
{
    const list_page *lp = arg;
    json_t *recs = NULL;
    int rc = blog_rm_list(ctx, lp->kind, lp->arg, lp->page, lp->limit, lp->after, &recs);
    if (rc == MF_ERR_UNAVAILABLE)
        rc = read_page_mongo(ctx, lp, &recs);
    if (rc == 0)
        *data = blog_dto_items(recs);
    json_decref(recs);
    return rc;
}

int blog_op_list_blogs(blog_ctx *ctx, blog_list_kind kind, const char *arg, long page, long limit,
                       blog_answer *out)
{
    return blog_op_list_blogs_after(ctx, kind, arg, page, limit, NULL, out);
}

int blog_op_list_blogs_after(blog_ctx *ctx, blog_list_kind kind, const char *arg, long page,
                             long limit, const char *after, blog_answer *out)
{
    blog_cache_scope scope = BLOG_SCOPE_PUBLIC;
    char *key = blog_list_cache_key(kind, arg, page, limit, &scope);
    if (key && after) {
        /* "blog:after:<24 hex>:" cannot be the start of any other key */
        char *k = mf_asprintf("blog:after:%s:%s", after, key);
        free(key);
        key = k;
    }
    const list_page lp = {kind, arg, page, limit, after};
    return blog_cached_read(ctx, scope, scope == BLOG_SCOPE_AUTHOR ? arg : NULL, key,
                            BLOG_TTL_LIST_S, read_page, &lp, out);
}
