#include "authors.h"

#include "blog.h"

int blog_authors_apply(blog_mongo *m, const char *id, const char *name, const char *pic,
                       int64_t now)
{
    blog_mdoc *f = blog_mdoc_new();
    blog_mdoc_str(f, "_id", id);
    blog_mdoc *u = blog_mdoc_new();
    blog_mdoc_begin(u, "$set");
    blog_mdoc_str(u, "name", name);
    if (pic)
        blog_mdoc_str(u, "profilePicUrl", pic);
    blog_mdoc_date(u, "updatedAt", now);
    blog_mdoc_end(u);
    if (!pic) {
        blog_mdoc_begin(u, "$unset");
        blog_mdoc_str(u, "profilePicUrl", "");
        blog_mdoc_end(u);
    }
    int rc = blog_mongo_update(m, BLOG_COLL_AUTHORS, f, u, false, true, NULL);
    blog_mdoc_free(f);
    blog_mdoc_free(u);
    if (rc != 0)
        return rc;

    f = blog_mdoc_new();
    blog_mdoc_str(f, "author._id", id);
    u = blog_mdoc_new();
    blog_mdoc_begin(u, "$set");
    blog_mdoc_str(u, "author.name", name);
    if (pic)
        blog_mdoc_str(u, "author.profilePicUrl", pic);
    blog_mdoc_end(u);
    if (!pic) {
        blog_mdoc_begin(u, "$unset");
        blog_mdoc_str(u, "author.profilePicUrl", "");
        blog_mdoc_end(u);
    }
    rc = blog_mongo_update(m, BLOG_COLL_BLOGS, f, u, true, false, NULL);
    blog_mdoc_free(f);
    blog_mdoc_free(u);
    return rc;
}

int blog_authors_published(blog_mongo *m, const char *id, json_t **recs)
{
    blog_mdoc *f = blog_mdoc_new();
    blog_mdoc_str(f, "author._id", id);
    blog_mdoc_bool(f, "status", true);
    blog_mdoc_bool(f, "published", true);
    blog_mdoc *p = blog_mdoc_new();
    blog_mdoc_int(p, "slug", 1);
    /* bounded: an author with more published blogs than this relies on the generation bump
     * that follows the deletion anyway */
    int rc = blog_mongo_find(m, BLOG_COLL_BLOGS, f, p, NULL, 0, 10000, recs);
    blog_mdoc_free(f);
    blog_mdoc_free(p);
    return rc;
}
