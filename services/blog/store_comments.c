#include "store_comments.h"

#include <stdlib.h>

#include "micro/alloc.h"
#include "micro/error.h"

#include "blog.h"

int blog_store_comments_ensure_indexes(blog_mongo *m)
{
    blog_mdoc *k = blog_mdoc_new();
    blog_mdoc_int(k, "blogId", 1);
    blog_mdoc_int(k, "createdAt", 1);
    int rc =
        blog_mongo_create_index(m, BLOG_COLL_COMMENTS, "blogId_createdAt", k, BLOG_INDEX_PLAIN);
    blog_mdoc_free(k);
    if (rc != 0)
        return rc;
    k = blog_mdoc_new();
    blog_mdoc_int(k, "author._id", 1);
    rc = blog_mongo_create_index(m, BLOG_COLL_COMMENTS, "author", k, BLOG_INDEX_PLAIN);
    blog_mdoc_free(k);
    return rc;
}

static const char *rec_str(const json_t *rec, const char *key)
{
    return json_string_value(json_object_get(rec, key));
}

/* {_id: id}: the only filter the request path sends. */
static blog_mdoc *by_id(const char *id)
{
    blog_mdoc *f = blog_mdoc_new();
    blog_mdoc_oid(f, "_id", id);
    return f;
}

/* The document of a new live comment (fields one by one: only validated values, never the
 * body itself). */
static blog_mdoc *comment_doc(const char *id, const char *blog_id, const char *parent_id,
                              const char *text, const json_t *user, int64_t now)
{
    const char *name = rec_str(user, "name");
    const char *pic = rec_str(user, "profilePicUrl");
    blog_mdoc *d = blog_mdoc_new();
    blog_mdoc_oid(d, "_id", id);
    blog_mdoc_oid(d, "blogId", blog_id);
    if (parent_id)
        blog_mdoc_oid(d, "parentId", parent_id);
    blog_mdoc_str(d, "text", text);
    blog_mdoc_begin(d, "author");
    blog_mdoc_str(d, "_id", rec_str(user, "id"));
    blog_mdoc_str(d, "name", name ? name : "");
    if (pic)
        blog_mdoc_str(d, "profilePicUrl", pic);
    blog_mdoc_end(d);
    blog_mdoc_bool(d, "status", true);
    blog_mdoc_bool(d, "edited", false);
    blog_mdoc_date(d, "createdAt", now);
    blog_mdoc_date(d, "updatedAt", now);
    return d;
}

int blog_store_comment_create(blog_mongo *m, const char *blog_id, const char *parent_id,
                              const char *text, const json_t *user, int64_t now, json_t **rec)
{
    *rec = NULL;
    const char *uid = rec_str(user, "id");
    const char *name = rec_str(user, "name");
    const char *pic = rec_str(user, "profilePicUrl");
    if (!uid)
        return MF_ERR;
    char id[25];
    blog_mongo_new_oid(id);
    blog_mdoc *d = comment_doc(id, blog_id, parent_id, text, user, now);
    int rc = blog_mongo_insert(m, BLOG_COLL_COMMENTS, d);
    blog_mdoc_free(d);
    if (rc != 0)
        return rc;
    json_t *author = json_pack("{s:s,s:s}", "_id", uid, "name", name ? name : "");
    if (pic)
        json_object_set_new(author, "profilePicUrl", json_string(pic));
    json_t *r = json_pack("{s:s,s:s,s:s,s:o,s:b,s:b,s:I,s:I}", "_id", id, "blogId", blog_id, "text",
                          text, "author", author, "status", 1, "edited", 0, "createdAt",
                          (json_int_t)now, "updatedAt", (json_int_t)now);
    if (parent_id)
        json_object_set_new(r, "parentId", json_string(parent_id));
    *rec = r;
    return 0;
}

int blog_store_comments_seed(blog_mongo *m, blog_comment_seed *in, size_t n, const json_t *user)
{
    if (!rec_str(user, "id") || n == 0)
        return MF_ERR;
    blog_mdoc **docs = mf_calloc(n, sizeof *docs);
    for (size_t i = 0; i < n; i++) {
        if (!in[i].id[0])
            blog_mongo_new_oid(in[i].id);
        docs[i] = comment_doc(in[i].id, in[i].blog_id, in[i].parent_id, in[i].text, user,
                              in[i].created_at);
    }
    int rc = blog_mongo_insert_many(m, BLOG_COLL_COMMENTS, (const blog_mdoc *const *)docs, n);
    for (size_t i = 0; i < n; i++)
        blog_mdoc_free(docs[i]);
    free(docs);
    return rc;
}

int blog_store_comment_get(blog_mongo *m, const char *id, json_t **rec)
{
    blog_mdoc *f = by_id(id);
    int rc = blog_mongo_find_one(m, BLOG_COLL_COMMENTS, f, NULL, rec);
    blog_mdoc_free(f);
    return rc;
}

int blog_store_comments_get(blog_mongo *m, const json_t *ids, json_t **recs)
{
    *recs = NULL;
    json_t *by = NULL;
    int rc = blog_mongo_find_ids(m, BLOG_COLL_COMMENTS, ids, true, NULL, &by);
    if (rc != 0)
        return rc;
    /* in the order of ids, each once */
    json_t *out = json_array();
    size_t i;
    json_t *id;
    json_array_foreach(ids, i, id)
    {
        const char *k = json_string_value(id);
        json_t *rec = k ? json_object_get(by, k) : NULL;
        if (rec) {
            json_array_append(out, rec);
            json_object_del(by, k);
        }
    }
    json_decref(by);
    *recs = out;
    return 0;
}

/* $set of fields on comment id, matched by _id only. */
static int set_by_id(blog_mongo *m, const char *coll, const char *id, blog_mdoc *u)
{
    blog_mdoc *f = by_id(id);
    int64_t matched = 0;
    int rc = blog_mongo_update_one(m, coll, f, u, &matched);
    blog_mdoc_free(f);
    blog_mdoc_free(u);
    if (rc == 0 && matched == 0)
        rc = MF_ERR_NOT_FOUND;
    return rc;
}

int blog_store_comment_set_text(blog_mongo *m, const char *id, const char *text, int64_t now)
{
    blog_mdoc *u = blog_mdoc_new();
    blog_mdoc_begin(u, "$set");
    blog_mdoc_str(u, "text", text);
    blog_mdoc_bool(u, "edited", true);
    blog_mdoc_date(u, "updatedAt", now);
    blog_mdoc_end(u);
    return set_by_id(m, BLOG_COLL_COMMENTS, id, u);
}

int blog_store_comment_delete(blog_mongo *m, const char *id, int64_t now)
{
    blog_mdoc *u = blog_mdoc_new();
    blog_mdoc_begin(u, "$set");
    blog_mdoc_bool(u, "status", false);
    blog_mdoc_date(u, "updatedAt", now);
    blog_mdoc_end(u);
    return set_by_id(m, BLOG_COLL_COMMENTS, id, u);
}

/* Upper bound of one blog's comments read at once (a rebuild or a fallback read). */
#define COMMENTS_OF_BLOG_MAX 1000000

int blog_store_comments_of_blog(blog_mongo *m, const char *blog_id, json_t **recs)
{
    blog_mdoc *f = blog_mdoc_new();
    blog_mdoc_oid(f, "blogId", blog_id);
    blog_mdoc_bool(f, "status", true);
    blog_mdoc *s = blog_mdoc_new();
    blog_mdoc_int(s, "createdAt", 1);
    blog_mdoc_int(s, "_id", 1);
    int rc = blog_mongo_find(m, BLOG_COLL_COMMENTS, f, NULL, s, 0, COMMENTS_OF_BLOG_MAX, recs);
    blog_mdoc_free(f);
    blog_mdoc_free(s);
    return rc;
}

int blog_store_blog_comment_count_add(blog_mongo *m, const char *blog_id, int64_t delta)
{
    blog_mdoc *u = blog_mdoc_new();
    blog_mdoc_begin(u, "$inc");
    blog_mdoc_int(u, "commentCount", delta);
    blog_mdoc_end(u);
    return set_by_id(m, BLOG_COLL_BLOGS, blog_id, u);
}
