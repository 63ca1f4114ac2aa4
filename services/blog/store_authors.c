#include "store_authors.h"

#include <stdio.h>

#include "blog.h"
#include "micro/error.h"
#include "store_blog.h"

/* {$set: {<prefix>name, <prefix>profilePicUrl?, ...}, $unset: {<prefix>profilePicUrl}?}: a
 * picture the user removed is removed here too. now < 0: no updatedAt. */
static blog_mdoc *author_update(const char *prefix, const char *name, const char *pic,
                                int64_t version, int64_t now)
{
    char version_key[32];
    snprintf(version_key, sizeof version_key, "%sversion", prefix);
    char name_key[32], pic_key[32];
    snprintf(name_key, sizeof name_key, "%sname", prefix);
    snprintf(pic_key, sizeof pic_key, "%sprofilePicUrl", prefix);
    blog_mdoc *u = blog_mdoc_new();
    blog_mdoc_begin(u, "$set");
    blog_mdoc_str(u, name_key, name);
    if (pic)
        blog_mdoc_str(u, pic_key, pic);
    /* version 0 (an unversioned event) stores none, so the next unversioned event applies */
    if (version > 0)
        blog_mdoc_int(u, version_key, version);
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

void blog_store_author_version_filter(blog_mdoc *f, const char *prefix, int64_t version)
{
    char key[32];
    snprintf(key, sizeof key, "%sversion", prefix);
    blog_mdoc_begin_array(f, "$or");
    if (version > 0) {
        blog_mdoc_begin(f, NULL);
        blog_mdoc_begin(f, key);
        blog_mdoc_int(f, "$lte", version);
        blog_mdoc_end(f);
        blog_mdoc_end(f);
    }
    blog_mdoc_begin(f, NULL);
    blog_mdoc_begin(f, key);
    blog_mdoc_bool(f, "$exists", false);
    blog_mdoc_end(f);
    blog_mdoc_end(f);
    blog_mdoc_end(f);
}

int blog_store_author_record(blog_mongo *m, const char *id, const char *name, const char *pic,
                             int64_t version, int64_t now)
{
    blog_mdoc *f = blog_mdoc_new();
    blog_mdoc_str(f, "_id", id);
    blog_store_author_version_filter(f, "", version);
    blog_mdoc *u = author_update("", name, pic, version, now);
    /* When the stored document is newer the filter misses, and the upsert's insert of the
     * same _id fails as a duplicate. That also happens when two events of a new author race
     * to insert it: so the duplicate is answered by a plain conditional update, now that the
     * document exists, which decides atomically (no match: the stored one is newer). */
    int rc = blog_mongo_upsert(m, BLOG_COLL_AUTHORS, f, u);
    if (rc == MF_ERR_CONFLICT) {
        int64_t matched = 0;
        rc = blog_mongo_update_one(m, BLOG_COLL_AUTHORS, f, u, &matched);
        if (rc == 0 && matched == 0)
            rc = MF_ERR_STATE;
    }
    blog_mdoc_free(f);
    blog_mdoc_free(u);
    return rc;
}

int blog_store_author_apply(blog_mongo *m, const char *id, const char *name, const char *pic,
                            int64_t version, int64_t now)
{
    int rc = blog_store_author_record(m, id, name, pic, version, now);
    if (rc != 0)
        return rc;

    blog_mdoc *f = blog_mdoc_new();
    blog_mdoc_str(f, "author._id", id);
    /* per blog as well: two consumers applying v1 and v2 may reach the blogs in either order */
    blog_store_author_version_filter(f, "author.", version);
    /* the blogs' own updatedAt stays: the author's lists, ordered by it, do not change */
    blog_mdoc *u = author_update("author.", name, pic, version, -1);
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
