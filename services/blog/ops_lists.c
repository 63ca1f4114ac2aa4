/*
 * Every paged list (public, author's own, editor's), cached per page under the generation of
 * the list's scope (see cache.h), so a write retires the lists it changes all at once.
 */
#include "micro/alloc.h"

#include "ops.h"
#include "ops_cached.h"

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
} list_page;

static int read_page(blog_ctx *ctx, const void *arg, json_t **data)
{
    const list_page *lp = arg;
    json_t *recs = NULL;
    int rc = blog_store_list(ctx->mongo, lp->kind, lp->arg, lp->page, lp->limit, &recs);
    if (rc == 0)
        *data = blog_dto_items(recs);
    json_decref(recs);
    return rc;
}

int blog_op_list_blogs(blog_ctx *ctx, blog_list_kind kind, const char *arg, long page, long limit,
                       blog_answer *out)
{
    blog_cache_scope scope = BLOG_SCOPE_PUBLIC;
    char *key = blog_list_cache_key(kind, arg, page, limit, &scope);
    const list_page lp = {kind, arg, page, limit};
    return blog_cached_read(ctx, scope, scope == BLOG_SCOPE_AUTHOR ? arg : NULL, key,
                            BLOG_TTL_LIST_S, read_page, &lp, out);
}
