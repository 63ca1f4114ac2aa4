/* The workflow: an author submits (or withdraws) a draft, an editor publishes (or unpublishes)
 * it. Each step is one conditional transition in the store. */
#include "micro/clock.h"
#include "micro/error.h"

#include "ops.h"
#include "retire.h"

/* owner: the author whose blog it must be (NULL: any author's); actor: who does it. */
static int move(blog_ctx *ctx, const char *id, const char *owner, blog_transition t,
                const char *actor, blog_why *why)
{
    json_t *before = NULL, *after = NULL;
    int rc =
        blog_store_transition(ctx->mongo, id, owner, t, actor, mf_now_ms(), why, &before, &after);
    if (rc == 0)
        blog_retire_write(ctx, before, after);
    else
        blog_retire_failed_blog(ctx, rc, id, owner);
    blog_op_tags_on_write(ctx, rc, before, after);
    json_decref(before);
    json_decref(after);
    return rc;
}

int blog_op_submit_blog(blog_ctx *ctx, const char *id, const char *author, blog_why *why)
{
    return move(ctx, id, author, BLOG_SUBMIT, author, why);
}

int blog_op_withdraw_blog(blog_ctx *ctx, const char *id, const char *author, blog_why *why)
{
    return move(ctx, id, author, BLOG_WITHDRAW, author, why);
}

int blog_op_publish_blog(blog_ctx *ctx, const char *id, const char *editor, blog_why *why)
{
    return move(ctx, id, NULL, BLOG_PUBLISH, editor, why);
}

int blog_op_unpublish_blog(blog_ctx *ctx, const char *id, const char *editor, blog_why *why)
{
    return move(ctx, id, NULL, BLOG_UNPUBLISH, editor, why);
}
