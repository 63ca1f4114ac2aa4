/* What auth-service tells blog-service about its users (events.c is the NATS side), and the
 * author every answer shows (store_authors.h says why renames are not written into blogs). */
#include "micro/clock.h"
#include "micro/error.h"

#include "cache.h"
#include "ops.h"
#include "store_authors.h"

int blog_op_apply_user(blog_ctx *ctx, const char *id, const char *name, const char *pic,
                       int64_t version)
{
    int rc = blog_store_author_record(ctx->mongo, id, name, pic, version, mf_now_ms());
    /* MF_ERR_STATE: older than what is stored, nothing changed. Any other failure may still
     * have been applied (a timeout): retire as for a success, the event comes again. */
    if (rc == MF_ERR_STATE)
        return rc;
    /* Every public answer that shows an author (blogs by id and slug, comment pages) is under
     * the public generation: moving it retires the user's, before the event is acknowledged,
     * without finding which they are. A read that looked up the old generation and then read
     * the old name stores it under that generation, which is no longer current. Lists show
     * no author (ItemBlog), and private answers are not cached. */
    blog_cache_retire(ctx, BLOG_SCOPE_PUBLIC, NULL);
    return rc;
}

int blog_op_record_new_user(blog_ctx *ctx, const char *id, const char *name, const char *pic,
                            int64_t version)
{
    /* no answer to retire: a new user's blogs and comments, if any, were written with the
     * name auth-service answered (sign-ups are most events) */
    return blog_store_author_record(ctx->mongo, id, name, pic, version, mf_now_ms());
}

void blog_op_forget_user_tokens(blog_ctx *ctx, const char *id)
{
    blog_auth_cache_drop_user(ctx->auth_cache, id);
}

/* The info of user uid: from memo (uid -> stored author, or null: none stored), else read. */
static int author_of(blog_ctx *ctx, json_t *memo, const char *uid, json_t **info)
{
    json_t *known = json_object_get(memo, uid);
    if (known) {
        *info = json_is_null(known) ? NULL : known;
        return 0;
    }
    json_t *got = NULL;
    int rc = blog_store_author_get(ctx->mongo, uid, &got);
    if (rc == MF_ERR_NOT_FOUND) {
        json_object_set_new(memo, uid, json_null());
        *info = NULL;
        return 0;
    }
    if (rc != 0)
        return rc;
    json_object_set_new(memo, uid, got);
    *info = got;
    return 0;
}

static int join_one(blog_ctx *ctx, json_t *memo, json_t *rec)
{
    json_t *a = json_object_get(rec, "author");
    const char *uid = json_string_value(json_object_get(a, "_id"));
    if (!uid)
        return 0;
    json_t *info = NULL;
    int rc = author_of(ctx, memo, uid, &info);
    if (rc != 0 || !info)
        return rc;
    json_t *name = json_object_get(info, "name");
    if (!json_is_string(name))
        return 0; /* a damaged authors document: the sub-document as written */
    json_t *o = json_pack("{s:s,s:O}", "_id", uid, "name", name);
    json_t *pic = json_object_get(info, "profilePicUrl");
    if (json_is_string(pic))
        json_object_set(o, "profilePicUrl", pic);
    json_object_set_new(rec, "author", o);
    return 0;
}

int blog_op_authors_join(blog_ctx *ctx, json_t *recs)
{
    json_t *memo = json_object();
    int rc = 0;
    if (json_is_array(recs)) {
        size_t i;
        json_t *rec;
        json_array_foreach(recs, i, rec)
        {
            if ((rc = join_one(ctx, memo, rec)) != 0)
                break;
        }
    } else if (json_is_object(recs)) {
        rc = join_one(ctx, memo, recs);
    }
    json_decref(memo);
    return rc;
}

json_t *blog_op_joined_answer(blog_ctx *ctx, json_t *rec, json_t *(*dto)(const json_t *rec))
{
    (void)blog_op_authors_join(ctx, rec); /* a single record is joined whole or not at all */
    return dto(rec);
}
