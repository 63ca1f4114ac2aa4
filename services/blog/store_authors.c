#include "store_authors.h"

#include <stdio.h>

#include "blog.h"
#include "store_blog.h"

/* {$set: {<prefix>name, <prefix>profilePicUrl?, ...}, $unset: {<prefix>profilePicUrl}?}: a
 * picture the user removed is removed here too. now < 0: no updatedAt. */
static blog_mdoc *author_update(const char *prefix, const char *name, const char *pic, int64_t now)
{
    char name_key[32], pic_key[32];
    snprintf(name_key, sizeof name_key, "%sname", prefix);
    snprintf(pic_key, sizeof pic_key, "%sprofilePicUrl", prefix);
    blog_mdoc *u = blog_mdoc_new();
    blog_mdoc_begin(u, "$set");
    blog_mdoc_str(u, name_key, name);
    if (pic)
        blog_mdoc_str(u, pic_key, pic);
    if (now >= 0)
        blog_mdoc_date(u, "updatedAt", now);
    blog_mdoc_end(u);
    if (!pic) {
        blog_mdoc_begin(u, "$unset");
        blog_mdoc_str(u, pic_key, "");
        blog_mdoc_end(u);
    }
    return u;
}

int blog_store_author_apply(blog_mongo *m, const char *id, const char *name, const char *pic,
                            int64_t now)
{
    blog_mdoc *f = blog_mdoc_new();
    blog_mdoc_str(f, "_id", id);
    blog_mdoc *u = author_update("", name, pic, now);
    int rc = blog_mongo_upsert(m, BLOG_COLL_AUTHORS, f, u);
    blog_mdoc_free(f);
    blog_mdoc_free(u);
    if (rc != 0)
        return rc;

    f = blog_mdoc_new();
    blog_mdoc_str(f, "author._id", id);
    /* the blogs' own updatedAt stays: the author's lists, ordered by it, do not change */
    u = author_update("author.", name, pic, -1);
    rc = blog_mongo_update_many(m, BLOG_COLL_BLOGS, f, u);
    blog_mdoc_free(f);
    blog_mdoc_free(u);
    return rc;
}

int blog_store_author_published(blog_mongo *m, const char *id, json_t **recs)
{
    blog_mdoc *f = blog_store_public_filter();
    blog_mdoc_str(f, "author._id", id);
    static const char *const fields[] = {"slug", "author", "published", "status"};
    blog_mdoc *p = blog_mdoc_projection(fields, sizeof fields / sizeof fields[0]);
    /* bounded: an author with more published blogs than this relies on the generation bump
     * that follows the deletion anyway */
    int rc = blog_mongo_find(m, BLOG_COLL_BLOGS, f, p, NULL, 0, 10000, recs);
    blog_mdoc_free(f);
    blog_mdoc_free(p);
    return rc;
}
