#include "store_authors.h"

#include "blog.h"
#include "micro/error.h"

/* {$set: {name, profilePicUrl?, version?, updatedAt}, $unset: {profilePicUrl}?}: a picture
 * the user removed is removed here too. */
static blog_mdoc *author_update(const char *name, const char *pic, int64_t version, int64_t now)
{
    blog_mdoc *u = blog_mdoc_new();
    blog_mdoc_begin(u, "$set");
    blog_mdoc_str(u, "name", name);
    if (pic)
        blog_mdoc_str(u, "profilePicUrl", pic);
    /* version 0 (an unversioned event) stores none, so the next unversioned event applies */
    if (version > 0)
        blog_mdoc_int(u, "version", version);
    blog_mdoc_date(u, "updatedAt", now);
    blog_mdoc_end(u);
    if (!pic) {
        blog_mdoc_begin(u, "$unset");
        blog_mdoc_str(u, "profilePicUrl", "");
        blog_mdoc_end(u);
    }
    return u;
}

/* {$or: [{version: {$lte: version}}, {version: {$exists: false}}]} (version 0: the second
 * alone) */
static void version_filter(blog_mdoc *f, int64_t version)
{
    blog_mdoc_begin_array(f, "$or");
    if (version > 0) {
        blog_mdoc_begin(f, NULL);
        blog_mdoc_begin(f, "version");
        blog_mdoc_int(f, "$lte", version);
        blog_mdoc_end(f);
        blog_mdoc_end(f);
    }
    blog_mdoc_begin(f, NULL);
    blog_mdoc_begin(f, "version");
    blog_mdoc_bool(f, "$exists", false);
    blog_mdoc_end(f);
    blog_mdoc_end(f);
    blog_mdoc_end(f);
}

int blog_store_author_record(blog_mongo *m, const char *id, const char *name, const char *pic,
                             int64_t version, int64_t now)
{
    /* {_id} with more conditions is still a lookup by _id on every backend (FerretDB with
     * scripts/ferretdb-sqlite-id.patch, mongod by its _id index) */
    blog_mdoc *f = blog_mdoc_new();
    blog_mdoc_str(f, "_id", id);
    version_filter(f, version);
    blog_mdoc *u = author_update(name, pic, version, now);
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

int blog_store_authors_get(blog_mongo *m, const json_t *ids, json_t **by_id)
{
    static const char *const fields[] = {"name", "profilePicUrl"};
    blog_mdoc *p = blog_mdoc_projection(fields, sizeof fields / sizeof fields[0]);
    int rc = blog_mongo_find_ids(m, BLOG_COLL_AUTHORS, ids, false, p, by_id);
    blog_mdoc_free(p);
    return rc;
}
