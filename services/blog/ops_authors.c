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

static const char *author_id(const json_t *rec)
{
    return json_string_value(json_object_get(json_object_get(rec, "author"), "_id"));
}

/* rec's author from the stored info of the authors (by_id: user id -> info). */
static void join_one(const json_t *by_id, json_t *rec)
{
    const char *uid = author_id(rec);
    json_t *info = uid ? json_object_get(by_id, uid) : NULL;
    if (!info)
        return; /* no event applied for that user: the sub-document as written */
    json_t *name = json_object_get(info, "name");
    if (!json_is_string(name))
        return; /* a damaged authors document: the same */
    json_t *o = json_pack("{s:s,s:O}", "_id", uid, "name", name);
    json_t *pic = json_object_get(info, "profilePicUrl");
    if (json_is_string(pic))
        json_object_set(o, "profilePicUrl", pic);
    json_object_set_new(rec, "author", o);
}

int blog_op_authors_join(blog_ctx *ctx, json_t *recs)
{
    json_t *one = json_is_object(recs) ? json_pack("[O]", recs) : NULL;
    json_t *all = one ? one : recs;
    /* the distinct authors, asked in one query (a page of comments is mostly a few) */
    json_t *seen = json_object(), *ids = json_array();
    size_t i;
    json_t *rec;
    json_array_foreach(all, i, rec)
    {
        const char *uid = author_id(rec);
        if (uid && !json_object_get(seen, uid) && json_array_size(ids) < BLOG_MONGO_IDS_MAX) {
            json_object_set_new(seen, uid, json_true());
            json_array_append_new(ids, json_string(uid));
        }
    }
    json_decref(seen);
    json_t *by_id = NULL;
    int rc = blog_store_authors_get(ctx->mongo, ids, &by_id);
    json_decref(ids);
    if (rc == 0) {
        json_array_foreach(all, i, rec) join_one(by_id, rec);
    }
    json_decref(by_id);
    json_decref(one);
    return rc;
}

json_t *blog_op_joined_answer(blog_ctx *ctx, json_t *rec, json_t *(*dto)(const json_t *rec))
{
    (void)blog_op_authors_join(ctx, rec); /* a single record is joined whole or not at all */
    return dto(rec);
}
