/* A blog as its author (own, non-deleted blogs only: the owner is in every filter) or an
 * editor (any author's) sees it: PrivateBlog. */
#include "micro/clock.h"
#include "micro/error.h"

#include "ops.h"
#include "retire.h"

int blog_op_create_blog(blog_ctx *ctx, const blog_input *in, const json_t *user, json_t **blog)
{
    json_t *after = NULL;
    /* the unique index decides, so two racing creates cannot both win */
    int rc = blog_store_create(ctx->mongo, in, user, mf_now_ms(), &after);
    if (rc == 0) {
        blog_retire_write(ctx, NULL, after);
        *blog = blog_op_joined_answer(ctx, after, blog_dto_private);
    } else {
        /* the insert may have been applied (a timeout): its id is not known here */
        blog_retire_failed_blog(ctx, rc, NULL, json_string_value(json_object_get(user, "id")));
    }
    json_decref(after);
    return rc;
}

int blog_op_update_blog(blog_ctx *ctx, const blog_input *in, const char *author, json_t **blog)
{
    json_t *before = NULL, *after = NULL;
    int rc = blog_store_update(ctx->mongo, in, author, mf_now_ms(), &before, &after);
    if (rc == 0) {
        blog_retire_write(ctx, before, after);
        *blog = blog_op_joined_answer(ctx, after, blog_dto_private);
    } else {
        blog_retire_failed_blog(ctx, rc, in->id, author);
    }
    blog_op_tags_on_write(ctx, rc, before, after);
    json_decref(before);
    json_decref(after);
    return rc;
}

int blog_op_delete_blog(blog_ctx *ctx, const char *id, const char *author)
{
    json_t *before = NULL;
    json_t *after = NULL;
    int rc = blog_store_delete(ctx->mongo, id, author, mf_now_ms(), &before, &after);
    if (rc == 0)
        blog_retire_write(ctx, before, after);
    else
        blog_retire_failed_blog(ctx, rc, id, author);
    blog_op_tags_on_delete(ctx, rc, before);
    json_decref(before);
    json_decref(after);
    return rc;
}

int blog_op_get_blog(blog_ctx *ctx, const char *id, const char *author, json_t **blog)
{
    json_t *rec = NULL;
    int rc = blog_store_get(ctx->mongo, id, author, &rec);
    if (rc == 0)
        rc = blog_op_authors_join(ctx, rec);
    if (rc == 0)
        *blog = blog_dto_private(rec);
    json_decref(rec);
    return rc;
}
