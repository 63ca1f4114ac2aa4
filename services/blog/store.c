#include "store.h"

#include "micro/error.h"

#include "blog.h"
#include "similar.h"

/* Optimistic updates (filter on the updatedAt that was read) retry this often under
 * contention before giving up with MF_ERR. */
#define STORE_RETRIES 5

static int find_one_free(blog_mongo *m, blog_mdoc *filter, json_t **rec)
{
    int rc = blog_mongo_find_one(m, BLOG_COLL_BLOGS, filter, NULL, rec);
    blog_mdoc_free(filter);
    return rc;
}

static int64_t rec_ms(const json_t *rec, const char *key)
{
    json_t *v = json_object_get(rec, key);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

static bool rec_bool(const json_t *rec, const char *key)
{
    return json_is_true(json_object_get(rec, key));
}

static const char *rec_str(const json_t *rec, const char *key)
{
    return json_string_value(json_object_get(rec, key));
}

static void out_or_free(json_t **out, json_t *rec)
{
    if (out)
        *out = rec;
    else
        json_decref(rec);
}

/* ---- indexes ---- */

static int index1(blog_mongo *m, const char *name, bool unique, const char *const *keys,
                  const int *dirs, size_t n)
{
    blog_mdoc *k = blog_mdoc_new();
    for (size_t i = 0; i < n; i++)
        blog_mdoc_int(k, keys[i], dirs[i]);
    int rc = blog_mongo_create_index(m, BLOG_COLL_BLOGS, name, k, unique);
    blog_mdoc_free(k);
    return rc;
}

int blog_store_ensure_indexes(blog_mongo *m)
{
    int rc;
    {
        const char *k[] = {"slug"};
        const int d[] = {1};
        if ((rc = index1(m, "slug_unique", true, k, d, 1)) != 0)
            return rc;
    }
    {
        const char *k[] = {"status", "published", "publishedAt"};
        const int d[] = {1, 1, -1};
        if ((rc = index1(m, "status_published_publishedAt", false, k, d, 3)) != 0)
            return rc;
    }
    {
        const char *k[] = {"tags", "status", "published", "publishedAt"};
        const int d[] = {1, 1, 1, -1};
        if ((rc = index1(m, "tags_status_published_publishedAt", false, k, d, 4)) != 0)
            return rc;
    }
    {
        const char *k[] = {"author._id", "updatedAt"};
        const int d[] = {1, -1};
        if ((rc = index1(m, "author_updatedAt", false, k, d, 2)) != 0)
            return rc;
    }
    {
        const char *k[] = {"keywords"};
        const int d[] = {1};
        if ((rc = index1(m, "keywords", false, k, d, 1)) != 0)
            return rc;
    }
    return 0;
}

/* ---- reads ---- */

int blog_store_public_by_id(blog_mongo *m, const char *id, json_t **rec)
{
    blog_mdoc *f = blog_mdoc_new();
    blog_mdoc_oid(f, "_id", id);
    blog_mdoc_bool(f, "status", true);
    blog_mdoc_bool(f, "published", true);
    return find_one_free(m, f, rec);
}

int blog_store_public_by_slug(blog_mongo *m, const char *slug, json_t **rec)
{
    blog_mdoc *f = blog_mdoc_new();
    blog_mdoc_str(f, "slug", slug);
    blog_mdoc_bool(f, "status", true);
    blog_mdoc_bool(f, "published", true);
    return find_one_free(m, f, rec);
}

/* {_id, [author._id,] status: true} */
static blog_mdoc *own_filter(const char *id, const char *owner)
{
    blog_mdoc *f = blog_mdoc_new();
    blog_mdoc_oid(f, "_id", id);
    if (owner)
        blog_mdoc_str(f, "author._id", owner);
    blog_mdoc_bool(f, "status", true);
    return f;
}

int blog_store_get(blog_mongo *m, const char *id, const char *owner, json_t **rec)
{
    return find_one_free(m, own_filter(id, owner), rec);
}

/* ---- create / update ---- */

static void set_keywords(blog_mdoc *d, const char *title, const char *description)
{
    json_t *kw = blog_keywords(title, description);
    blog_mdoc_str_array(d, "keywords", kw, BLOG_KEYWORDS_MAX);
    json_decref(kw);
}

int blog_store_create(blog_mongo *m, const blog_input *in, const json_t *user, int64_t now,
                      json_t **rec)
{
    const char *uid = rec_str(user, "id");
    const char *name = rec_str(user, "name");
    const char *pic = rec_str(user, "profilePicUrl");
    if (!uid)
        return MF_ERR;
    char id[25];
    blog_mongo_new_oid(id);
    /* Field by field: nothing from the body is stored but the validated fields. */
    blog_mdoc *d = blog_mdoc_new();
    blog_mdoc_oid(d, "_id", id);
    blog_mdoc_str(d, "title", in->title);
    blog_mdoc_str(d, "description", in->description);
    blog_mdoc_str(d, "draftText", in->draft_text);
    blog_mdoc_str_array(d, "tags", in->tags, BLOG_TAGS_MAX);
    blog_mdoc_begin(d, "author");
    blog_mdoc_str(d, "_id", uid);
    blog_mdoc_str(d, "name", name ? name : "");
    if (pic)
        blog_mdoc_str(d, "profilePicUrl", pic);
    blog_mdoc_end(d);
    blog_mdoc_str(d, "imgUrl", in->img_url);
    blog_mdoc_str(d, "slug", in->slug);
    blog_mdoc_double(d, "score", 0.01);
    blog_mdoc_bool(d, "submitted", false);
    blog_mdoc_bool(d, "drafted", true);
    blog_mdoc_bool(d, "published", false);
    blog_mdoc_bool(d, "status", true);
    set_keywords(d, in->title, in->description);
    blog_mdoc_str(d, "createdBy", uid);
    blog_mdoc_str(d, "updatedBy", uid);
    blog_mdoc_date(d, "createdAt", now);
    blog_mdoc_date(d, "updatedAt", now);
    int rc = blog_mongo_insert(m, BLOG_COLL_BLOGS, d);
    blog_mdoc_free(d);
    if (rc != 0)
        return rc;
    return blog_store_get(m, id, NULL, rec);
}

int blog_store_update(blog_mongo *m, const blog_input *in, const char *owner, int64_t now,
                      json_t **before, json_t **after)
{
    for (int attempt = 0; attempt < STORE_RETRIES; attempt++) {
        json_t *old = NULL;
        int rc = blog_store_get(m, in->id, owner, &old);
        if (rc != 0)
            return rc;
        blog_mdoc *f = own_filter(in->id, owner);
        blog_mdoc_date(f, "updatedAt", rec_ms(old, "updatedAt"));
        blog_mdoc *u = blog_mdoc_new();
        blog_mdoc_begin(u, "$set");
        if (in->title)
            blog_mdoc_str(u, "title", in->title);
        if (in->description)
            blog_mdoc_str(u, "description", in->description);
        if (in->draft_text)
            blog_mdoc_str(u, "draftText", in->draft_text);
        if (in->slug)
            blog_mdoc_str(u, "slug", in->slug);
        if (in->img_url)
            blog_mdoc_str(u, "imgUrl", in->img_url);
        if (in->tags)
            blog_mdoc_str_array(u, "tags", in->tags, BLOG_TAGS_MAX);
        if (in->title || in->description)
            set_keywords(u, in->title ? in->title : rec_str(old, "title"),
                         in->description ? in->description : rec_str(old, "description"));
        blog_mdoc_str(u, "updatedBy", owner);
        /* strictly later than the version read, so the optimistic filter always moves on */
        int64_t prev = rec_ms(old, "updatedAt");
        blog_mdoc_date(u, "updatedAt", now > prev ? now : prev + 1);
        blog_mdoc_end(u);
        int64_t matched = 0;
        rc = blog_mongo_update(m, BLOG_COLL_BLOGS, f, u, false, false, &matched);
        blog_mdoc_free(f);
        blog_mdoc_free(u);
        if (rc != 0 || matched == 0) {
            json_decref(old);
            if (rc != 0)
                return rc;
            continue; /* changed or deleted meanwhile: read again */
        }
        if (after) {
            rc = blog_store_get(m, in->id, owner, after);
            if (rc != 0) {
                json_decref(old);
                return rc;
            }
        }
        out_or_free(before, old);
        return 0;
    }
    return MF_ERR;
}

int blog_store_delete(blog_mongo *m, const char *id, const char *owner, int64_t now,
                      json_t **before)
{
    json_t *old = NULL;
    int rc = blog_store_get(m, id, owner, &old);
    if (rc != 0)
        return rc;
    blog_mdoc *f = own_filter(id, owner);
    blog_mdoc *u = blog_mdoc_new();
    blog_mdoc_begin(u, "$set");
    blog_mdoc_bool(u, "status", false);
    blog_mdoc_str(u, "updatedBy", owner);
    blog_mdoc_date(u, "updatedAt", now);
    blog_mdoc_end(u);
    int64_t matched = 0;
    rc = blog_mongo_update(m, BLOG_COLL_BLOGS, f, u, false, false, &matched);
    blog_mdoc_free(f);
    blog_mdoc_free(u);
    if (rc == 0 && matched == 0)
        rc = MF_ERR_NOT_FOUND;
    if (rc != 0) {
        json_decref(old);
        return rc;
    }
    out_or_free(before, old);
    return 0;
}

int blog_store_set_submitted(blog_mongo *m, const char *id, const char *owner, bool submit,
                             int64_t now, blog_why *why)
{
    *why = BLOG_WHY_NONE;
    blog_mdoc *f = own_filter(id, owner);
    blog_mdoc_bool(f, "submitted", !submit);
    blog_mdoc *u = blog_mdoc_new();
    blog_mdoc_begin(u, "$set");
    blog_mdoc_bool(u, "submitted", submit);
    blog_mdoc_str(u, "updatedBy", owner);
    blog_mdoc_date(u, "updatedAt", now);
    blog_mdoc_end(u);
    int64_t matched = 0;
    int rc = blog_mongo_update(m, BLOG_COLL_BLOGS, f, u, false, false, &matched);
    blog_mdoc_free(f);
    blog_mdoc_free(u);
    if (rc != 0 || matched > 0)
        return rc;
    /* Nothing matched: either not this author's live blog, or not in the needed state. */
    json_t *rec = NULL;
    rc = blog_store_get(m, id, owner, &rec);
    if (rc != 0)
        return rc;
    json_decref(rec);
    *why = submit ? BLOG_WHY_ALREADY_SUBMITTED : BLOG_WHY_NOT_SUBMITTED;
    return MF_ERR_INVALID;
}

/* Shared by publish and unpublish: read, check the state, conditional update, retry. */
static int publication(blog_mongo *m, const char *id, const char *editor, int64_t now, bool publish,
                       blog_why *why, json_t **before)
{
    *why = BLOG_WHY_NONE;
    for (int attempt = 0; attempt < STORE_RETRIES; attempt++) {
        json_t *old = NULL;
        int rc = blog_store_get(m, id, NULL, &old);
        if (rc != 0)
            return rc;
        bool published = rec_bool(old, "published"), submitted = rec_bool(old, "submitted");
        if (publish && (published || !submitted)) {
            *why = published ? BLOG_WHY_ALREADY_PUBLISHED : BLOG_WHY_NOT_SUBMITTED;
            json_decref(old);
            return MF_ERR_INVALID;
        }
        if (!publish && !published) {
            *why = BLOG_WHY_NOT_PUBLISHED;
            json_decref(old);
            return MF_ERR_INVALID;
        }
        int64_t prev = rec_ms(old, "updatedAt");
        blog_mdoc *f = own_filter(id, NULL);
        blog_mdoc_bool(f, "published", published);
        blog_mdoc_date(f, "updatedAt", prev);
        blog_mdoc *u = blog_mdoc_new();
        blog_mdoc_begin(u, "$set");
        blog_mdoc_bool(u, "drafted", !publish);
        blog_mdoc_bool(u, "submitted", false);
        blog_mdoc_bool(u, "published", publish);
        if (publish) {
            const char *draft = rec_str(old, "draftText");
            blog_mdoc_str(u, "text", draft ? draft : "");
            int64_t first = rec_ms(old, "publishedAt");
            blog_mdoc_date(u, "publishedAt", first ? first : now);
        }
        blog_mdoc_str(u, "updatedBy", editor);
        blog_mdoc_date(u, "updatedAt", now > prev ? now : prev + 1);
        blog_mdoc_end(u);
        int64_t matched = 0;
        rc = blog_mongo_update(m, BLOG_COLL_BLOGS, f, u, false, false, &matched);
        blog_mdoc_free(f);
        blog_mdoc_free(u);
        if (rc == 0 && matched > 0) {
            out_or_free(before, old);
            return 0;
        }
        json_decref(old);
        if (rc != 0)
            return rc;
    }
    return MF_ERR;
}

int blog_store_publish(blog_mongo *m, const char *id, const char *editor, int64_t now,
                       blog_why *why, json_t **before)
{
    return publication(m, id, editor, now, true, why, before);
}

int blog_store_unpublish(blog_mongo *m, const char *id, const char *editor, int64_t now,
                         blog_why *why, json_t **before)
{
    return publication(m, id, editor, now, false, why, before);
}
