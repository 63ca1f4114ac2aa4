/* Public reads: published, non-deleted blogs, cached under the public generation. A blog is
 * read by _id; a slug becomes an _id, and a similar list gets its candidates, from the read
 * models (readmodel.h), and from MongoDB only while those are not ready. */
#include <stdlib.h>
#include <string.h>

#include "micro/error.h"

#include "ops.h"
#include "ops_cached.h"
#include "readmodel.h"
#include "similar.h"

typedef int (*public_find_fn)(blog_mongo *m, const char *value, json_t **rec);

/* PublicBlog of the record find returns for value. */
static int read_public(blog_ctx *ctx, public_find_fn find, const char *value, json_t **data)
{
    json_t *rec = NULL;
    int rc = find(ctx->mongo, value, &rec);
    if (rc == 0)
        rc = blog_op_authors_join(ctx, rec);
    if (rc == 0)
        *data = blog_dto_public(rec);
    json_decref(rec);
    return rc;
}

static int read_by_id(blog_ctx *ctx, const void *id, json_t **data)
{
    return read_public(ctx, blog_store_public_by_id, id, data);
}

static int read_by_slug(blog_ctx *ctx, const void *slug, json_t **data)
{
    char *id = NULL;
    int rc = blog_rm_slug(ctx, slug, &id);
    if (rc == MF_ERR_UNAVAILABLE)
        return read_public(ctx, blog_store_public_by_slug, slug, data);
    if (rc != 0)
        return rc;
    json_t *rec = NULL;
    rc = blog_store_public_by_id(ctx->mongo, id, &rec);
    free(id);
    /* the slug key is moved by the same apply as the record: a mismatch is a write between
     * the two reads, and the blog has left that slug */
    if (rc == 0 && strcmp(json_string_value(json_object_get(rec, "slug")) ?: "", slug) != 0)
        rc = MF_ERR_NOT_FOUND;
    if (rc == 0)
        rc = blog_op_authors_join(ctx, rec);
    if (rc == 0)
        *data = blog_dto_public(rec);
    json_decref(rec);
    return rc;
}

int blog_op_get_public_blog_by_id(blog_ctx *ctx, const char *id, blog_answer *out)
{
    return blog_cached_read(ctx, BLOG_SCOPE_BLOG, id, blog_cache_key("id", id), BLOG_TTL_BLOG_S,
                            read_by_id, id, out);
}

int blog_op_get_public_blog_by_slug(blog_ctx *ctx, const char *slug, blog_answer *out)
{
    return blog_cached_read(ctx, BLOG_SCOPE_SLUG, slug, blog_cache_key("slug", slug),
                            BLOG_TTL_BLOG_S, read_by_slug, slug, out);
}

static int read_similar(blog_ctx *ctx, const void *id, json_t **data)
{
    json_t *self = NULL, *cands = NULL;
    int rc = blog_rm_similar_candidates(ctx, id, &self, &cands);
    if (rc == MF_ERR_UNAVAILABLE) {
        rc = blog_store_public_by_id(ctx->mongo, id, &self);
        if (rc == 0)
            rc = blog_store_similar_candidates(ctx->mongo, self, &cands);
    }
    if (rc == 0) {
        json_t *best = blog_similar_rank(self, cands, BLOG_SIMILAR_TOP);
        *data = blog_dto_items(best);
        json_decref(best);
    }
    json_decref(self);
    json_decref(cands);
    return rc;
}

int blog_op_list_similar_blogs(blog_ctx *ctx, const char *id, blog_answer *out)
{
    return blog_cached_read(ctx, BLOG_SCOPE_PUBLIC, NULL, blog_cache_key("similar", id),
                            BLOG_TTL_SIMILAR_S, read_similar, id, out);
}
