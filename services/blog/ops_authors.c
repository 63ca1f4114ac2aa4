/* What auth-service tells blog-service about its users (events.c is the NATS side). */
#include "micro/clock.h"

#include "ops.h"
#include "retire.h"
#include "store_authors.h"

int blog_op_apply_user(blog_ctx *ctx, const char *id, const char *name, const char *pic,
                       int64_t version)
{
    /* MF_ERR_STATE (older than what is stored) skips the rest: nothing changed */
    int rc = blog_store_author_apply(ctx->mongo, id, name, pic, version, mf_now_ms());
    if (rc == 0)
        rc = blog_op_comments_apply_user(ctx, id, name, pic, version);
    json_t *published = NULL;
    if (rc == 0)
        rc = blog_store_author_published(ctx->mongo, id, &published);
    if (rc != 0)
        return rc;
    /* Read after the update, the blogs carry the new author already; what they showed before is
     * not known, only that it was another author sub-document (the update changes nothing
     * else, not even updatedAt, so only public answers can differ). */
    blog_retire_plan plan;
    blog_retire_plan_init(&plan);
    size_t i;
    json_t *after;
    json_array_foreach(published, i, after)
    {
        json_t *before = json_copy(after);
        json_object_set_new(before, "author", json_pack("{s:s}", "_id", id));
        blog_retire_plan_add(&plan, before, after);
        json_decref(before);
    }
    /* public answers embed the author: drop them before the event is acknowledged */
    blog_retire_apply(ctx, &plan);
    blog_retire_plan_release(&plan);
    json_decref(published);
    return 0;
}

int blog_op_record_new_user(blog_ctx *ctx, const char *id, const char *name, const char *pic,
                            int64_t version)
{
    /* no blog or comment to rewrite, no answer to retire: one write by _id, not three scans
     * (sign-ups are most events) */
    return blog_store_author_record(ctx->mongo, id, name, pic, version, mf_now_ms());
}

void blog_op_forget_user_tokens(blog_ctx *ctx, const char *id)
{
    blog_auth_cache_drop_user(ctx->auth_cache, id);
}
