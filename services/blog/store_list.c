#include "store_list.h"

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

int blog_store_list(blog_mongo *m, blog_list_kind kind, const char *arg, long page, long limit,
                    json_t **recs)
{
    blog_mdoc *f = blog_mdoc_new();
    blog_mdoc *s = blog_mdoc_new();
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
        break;
    case BLOG_LIST_AUTHOR_DRAFTS:
        blog_mdoc_bool(f, "drafted", true);
        blog_mdoc_int(s, "updatedAt", -1);
        break;
    case BLOG_LIST_AUTHOR_SUBMITTED:
    case BLOG_LIST_EDITOR_SUBMITTED:
        blog_mdoc_bool(f, "submitted", true);
        blog_mdoc_int(s, "updatedAt", -1);
        break;
    case BLOG_LIST_AUTHOR_PUBLISHED:
    case BLOG_LIST_EDITOR_PUBLISHED:
        blog_mdoc_bool(f, "published", true);
        blog_mdoc_int(s, "updatedAt", -1);
        break;
    }
    blog_mdoc_int(s, "_id", -1); /* total order: stable pages */
    blog_mdoc *p = item_projection(NULL);
    int rc = blog_mongo_find(m, BLOG_COLL_BLOGS, f, p, s, (int64_t)(page - 1) * limit, limit, recs);
    blog_mdoc_free(f);
    blog_mdoc_free(s);
    blog_mdoc_free(p);
    return rc;
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
