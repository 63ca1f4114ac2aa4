#include "store_list.h"

#include "micro/error.h"

#include "blog.h"
#include "dto.h"
#include "similar.h"
#include "store_blog.h"

/* Fields of an ItemBlog, plus extra (NULL: none; ranking similar lists needs publishedAt). */
static blog_mdoc *item_projection(const char *extra)
{
    static const char *const fields[] = {"title", "description", "slug", "imgUrl", "score", "tags"};
    blog_mdoc *p = blog_mdoc_projection(fields, sizeof fields / sizeof fields[0]);
    if (extra)
        blog_mdoc_int(p, extra, 1);
    return p;
}

/* Fills the filter and sort of a list; returns the field it sorts by. */
static const char *list_query(blog_list_kind kind, const char *arg, blog_mdoc *f, blog_mdoc *s)
{
    bool by_author = kind == BLOG_LIST_AUTHOR_DRAFTS || kind == BLOG_LIST_AUTHOR_SUBMITTED ||
                     kind == BLOG_LIST_AUTHOR_PUBLISHED;
    if (by_author)
        blog_mdoc_str(f, "author._id", arg);
    blog_mdoc_bool(f, "status", true);
    switch (kind) {
    case BLOG_LIST_LATEST:
    case BLOG_LIST_TAG:
        blog_mdoc_bool(f, "published", true);
        if (kind == BLOG_LIST_TAG)
            blog_mdoc_str(f, "tags", arg);
        blog_mdoc_int(s, "publishedAt", -1);
        blog_mdoc_int(s, "_id", -1); /* total order: stable pages */
        return "publishedAt";
    case BLOG_LIST_AUTHOR_DRAFTS:
        blog_mdoc_bool(f, "drafted", true);
        break;
    case BLOG_LIST_AUTHOR_SUBMITTED:
    case BLOG_LIST_EDITOR_SUBMITTED:
        blog_mdoc_bool(f, "submitted", true);
        break;
    case BLOG_LIST_AUTHOR_PUBLISHED:
    case BLOG_LIST_EDITOR_PUBLISHED:
        blog_mdoc_bool(f, "published", true);
        break;
    }
    blog_mdoc_int(s, "updatedAt", -1);
    blog_mdoc_int(s, "_id", -1);
    return "updatedAt";
}

static int run_list(blog_mongo *m, blog_mdoc *f, blog_mdoc *s, long page, long limit, json_t **recs)
{
    blog_mdoc *p = item_projection(NULL);
    int rc = blog_mongo_find(m, BLOG_COLL_BLOGS, f, p, s, (int64_t)(page - 1) * limit, limit, recs);
    blog_mdoc_free(f);
    blog_mdoc_free(s);
    blog_mdoc_free(p);
    return rc;
}

int blog_store_list(blog_mongo *m, blog_list_kind kind, const char *arg, long page, long limit,
                    json_t **recs)
{
    blog_mdoc *f = blog_mdoc_new();
    blog_mdoc *s = blog_mdoc_new();
    list_query(kind, arg, f, s);
    return run_list(m, f, s, page, limit, recs);
}

int blog_store_list_after(blog_mongo *m, blog_list_kind kind, const char *arg, long page,
                          long limit, const char *after, json_t **recs)
{
    blog_mdoc *cf = blog_mdoc_new();
    blog_mdoc_oid(cf, "_id", after);
    json_t *cursor = NULL;
    int rc = blog_mongo_find_one(m, BLOG_COLL_BLOGS, cf, NULL, &cursor);
    blog_mdoc_free(cf);
    if (rc == MF_ERR_NOT_FOUND) {
        *recs = json_array();
        return 0;
    }
    if (rc != 0)
        return rc;
    blog_mdoc *f = blog_mdoc_new();
    blog_mdoc *s = blog_mdoc_new();
    const char *field = list_query(kind, arg, f, s);
    json_t *v = json_object_get(cursor, field);
    int64_t at = json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
    /* $or: [{field: {$lt: at}}, {field: at, _id: {$lt: after}}] */
    blog_mdoc_begin_array(f, "$or");
    blog_mdoc_begin(f, NULL);
    blog_mdoc_begin(f, field);
    blog_mdoc_date(f, "$lt", at);
    blog_mdoc_end(f);
    blog_mdoc_end(f);
    blog_mdoc_begin(f, NULL);
    blog_mdoc_date(f, field, at);
    blog_mdoc_begin(f, "_id");
    blog_mdoc_oid(f, "$lt", after);
    blog_mdoc_end(f);
    blog_mdoc_end(f);
    blog_mdoc_end(f);
    json_decref(cursor);
    return run_list(m, f, s, page, limit, recs);
}

int blog_store_similar_candidates(blog_mongo *m, const json_t *self, json_t **recs)
{
    blog_mdoc *f = blog_store_public_filter();
    blog_mdoc_begin(f, "_id");
    blog_mdoc_oid(f, "$ne", json_string_value(json_object_get(self, "_id")));
    blog_mdoc_end(f);
    blog_mdoc_begin_array(f, "$or");
    blog_mdoc_begin(f, NULL);
    blog_mdoc_begin(f, "keywords");
    blog_mdoc_str_array(f, "$in", json_object_get(self, "keywords"), BLOG_KEYWORDS_MAX);
    blog_mdoc_end(f);
    blog_mdoc_end(f);
    blog_mdoc_begin(f, NULL);
    blog_mdoc_begin(f, "tags");
    blog_mdoc_str_array(f, "$in", json_object_get(self, "tags"), BLOG_TAGS_MAX);
    blog_mdoc_end(f);
    blog_mdoc_end(f);
    blog_mdoc_end(f);
    blog_mdoc *s = blog_mdoc_new();
    blog_mdoc_int(s, "publishedAt", -1);
    blog_mdoc_int(s, "_id", -1);
    blog_mdoc *p = item_projection("publishedAt");
    int rc = blog_mongo_find(m, BLOG_COLL_BLOGS, f, p, s, 0, BLOG_SIMILAR_CANDIDATES, recs);
    blog_mdoc_free(f);
    blog_mdoc_free(s);
    blog_mdoc_free(p);
    return rc;
}
