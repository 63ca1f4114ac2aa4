#include "store_blog.h"

#include <stdlib.h>
#include <string.h>

#include "micro/alloc.h"
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

/* The record with _id id, whatever its state. The filter is {_id} alone on purpose: it is
 * the one filter every MongoDB-wire backend serves from its _id index (FerretDB 1.x pushes
 * nothing else down), so state and ownership are checked here, in C, by the callers. */
static int find_by_id(blog_mongo *m, const char *id, json_t **rec)
{
    blog_mdoc *f = blog_mdoc_new();
    blog_mdoc_oid(f, "_id", id);
    return find_one_free(m, f, rec);
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

/* A version strictly later than the one read, so the optimistic filter always moves on. */
static int64_t next_version(const json_t *old, int64_t now)
{
    int64_t prev = rec_ms(old, "updatedAt");
    return now > prev ? now : prev + 1;
}

/* ---- indexes ---- */

typedef struct {
    const char *name;
    blog_index_flags flags;
    const char *keys[4];
    int dirs[4];
} index_spec;

static const index_spec indexes[] = {
    {"slug_unique", BLOG_INDEX_UNIQUE, {"slug"}, {1}},
    {"status_published_publishedAt",
     BLOG_INDEX_PLAIN,
     {"status", "published", "publishedAt"},
     {1, 1, -1}},
    {"tags_status_published_publishedAt",
     BLOG_INDEX_PLAIN,
     {"tags", "status", "published", "publishedAt"},
     {1, 1, 1, -1}},
    {"author_updatedAt", BLOG_INDEX_PLAIN, {"author._id", "updatedAt"}, {1, -1}},
    {"keywords", BLOG_INDEX_PLAIN, {"keywords"}, {1}},
};

int blog_store_ensure_indexes(blog_mongo *m)
{
    for (size_t i = 0; i < sizeof indexes / sizeof indexes[0]; i++) {
        blog_mdoc *k = blog_mdoc_new();
        for (size_t j = 0; j < 4 && indexes[i].keys[j]; j++)
            blog_mdoc_int(k, indexes[i].keys[j], indexes[i].dirs[j]);
        int rc = blog_mongo_create_index(m, BLOG_COLL_BLOGS, indexes[i].name, k, indexes[i].flags);
        blog_mdoc_free(k);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* ---- reads ---- */

blog_mdoc *blog_store_public_filter(void)
{
    blog_mdoc *f = blog_mdoc_new();
    blog_mdoc_bool(f, "status", true);
    blog_mdoc_bool(f, "published", true);
    return f;
}

int blog_store_public_by_id(blog_mongo *m, const char *id, json_t **rec)
{
    int rc = find_by_id(m, id, rec);
    if (rc == 0 && !(rec_bool(*rec, "status") && rec_bool(*rec, "published"))) {
        json_decref(*rec);
        *rec = NULL;
        rc = MF_ERR_NOT_FOUND;
    }
    return rc;
}

int blog_store_public_by_slug(blog_mongo *m, const char *slug, json_t **rec)
{
    blog_mdoc *f = blog_store_public_filter();
    blog_mdoc_str(f, "slug", slug);
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
    int rc = find_by_id(m, id, rec);
    if (rc != 0)
        return rc;
    const char *author = rec_str(json_object_get(*rec, "author"), "_id");
    if (!rec_bool(*rec, "status") || (owner && (!author || strcmp(author, owner) != 0))) {
        json_decref(*rec);
        *rec = NULL;
        return MF_ERR_NOT_FOUND;
    }
    return 0;
}

/* ---- writes ---- */

/* Every write builds what it sends (d, BSON) and what it stored (j, the record as mongo.h
 * reads it back) field by field in the same call, so no write reads back what it wrote. */
typedef struct {
    blog_mdoc *d;
    json_t *j; /* the object fields go to (borrowed) */
} dual;

static void dual_str(dual *w, const char *key, const char *value)
{
    blog_mdoc_str(w->d, key, value);
    json_object_set_new(w->j, key, json_string(value ? value : ""));
}

static void dual_bool(dual *w, const char *key, bool value)
{
    blog_mdoc_bool(w->d, key, value);
    json_object_set_new(w->j, key, json_boolean(value));
}

static void dual_date(dual *w, const char *key, int64_t ms)
{
    blog_mdoc_date(w->d, key, ms);
    json_object_set_new(w->j, key, json_integer(ms));
}

static void dual_str_array(dual *w, const char *key, json_t *strings, size_t max)
{
    blog_mdoc_str_array(w->d, key, strings, max);
    json_t *a = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(strings, i, v)
    {
        if (json_array_size(a) >= max)
            break;
        if (json_is_string(v))
            json_array_append(a, v);
    }
    json_object_set_new(w->j, key, a);
}

static void set_keywords(dual *w, const char *title, const char *description)
{
    json_t *kw = blog_keywords(title, description);
    dual_str_array(w, "keywords", kw, BLOG_KEYWORDS_MAX);
    json_decref(kw);
}

/* The document of a new blog by user (and its record, *rec). published_at 0: a draft, as
 * create writes it; else as create, submit and publish leave it (the benchmark's seeding). */
static blog_mdoc *new_doc(const blog_input *in, const json_t *user, int64_t now,
                          int64_t published_at, json_t **rec_out)
{
    const char *uid = rec_str(user, "id");
    const char *name = rec_str(user, "name");
    const char *pic = rec_str(user, "profilePicUrl");
    char id[25];
    blog_mongo_new_oid(id);
    /* Field by field: nothing from the body is stored but the validated fields. */
    json_t *rec = json_object();
    dual w = {blog_mdoc_new(), rec};
    blog_mdoc_oid(w.d, "_id", id);
    json_object_set_new(rec, "_id", json_string(id));
    dual_str(&w, "title", in->title);
    dual_str(&w, "description", in->description);
    dual_str(&w, "draftText", in->draft_text);
    if (published_at)
        dual_str(&w, "text", in->draft_text);
    dual_str_array(&w, "tags", in->tags, BLOG_TAGS_MAX);
    json_t *author = json_object();
    json_object_set_new(rec, "author", author);
    blog_mdoc_begin(w.d, "author");
    w.j = author;
    dual_str(&w, "_id", uid);
    dual_str(&w, "name", name ? name : "");
    if (pic)
        dual_str(&w, "profilePicUrl", pic);
    blog_mdoc_end(w.d);
    w.j = rec;
    dual_str(&w, "imgUrl", in->img_url);
    dual_str(&w, "slug", in->slug);
    blog_mdoc_double(w.d, "score", 0.01);
    json_object_set_new(rec, "score", json_real(0.01));
    dual_bool(&w, "submitted", false);
    dual_bool(&w, "drafted", published_at == 0);
    dual_bool(&w, "published", published_at != 0);
    dual_bool(&w, "status", true);
    set_keywords(&w, in->title, in->description);
    dual_str(&w, "createdBy", uid);
    dual_str(&w, "updatedBy", uid);
    dual_date(&w, "createdAt", now);
    dual_date(&w, "updatedAt", published_at ? published_at : now);
    if (published_at)
        dual_date(&w, "publishedAt", published_at);
    *rec_out = rec;
    return w.d;
}

int blog_store_create(blog_mongo *m, const blog_input *in, const json_t *user, int64_t now,
                      json_t **after)
{
    if (!rec_str(user, "id"))
        return MF_ERR;
    json_t *rec = NULL;
    blog_mdoc *d = new_doc(in, user, now, 0, &rec);
    int rc = blog_mongo_insert(m, BLOG_COLL_BLOGS, d);
    blog_mdoc_free(d);
    if (rc != 0) {
        json_decref(rec);
        return rc;
    }
    *after = rec;
    return 0;
}

int blog_store_seed_published(blog_mongo *m, const blog_input *in, size_t n, const json_t *user,
                              const int64_t *published_at, const int64_t *comment_counts,
                              json_t **recs)
{
    if (!rec_str(user, "id") || n == 0)
        return MF_ERR;
    blog_mdoc **docs = mf_calloc(n, sizeof *docs);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *rec = NULL;
        docs[i] = new_doc(&in[i], user, published_at[i], published_at[i], &rec);
        if (comment_counts && comment_counts[i] > 0) {
            blog_mdoc_int(docs[i], "commentCount", comment_counts[i]);
            json_object_set_new(rec, "commentCount", json_integer((json_int_t)comment_counts[i]));
        }
        json_array_append_new(out, rec);
    }
    int rc = blog_mongo_insert_many(m, BLOG_COLL_BLOGS, (const blog_mdoc *const *)docs, n);
    for (size_t i = 0; i < n; i++)
        blog_mdoc_free(docs[i]);
    free(docs);
    if (rc != 0) {
        json_decref(out);
        return rc;
    }
    *recs = out;
    return 0;
}

/* The $set of an update: the present fields of in (keywords follow title and description). */
static void set_input(dual *u, const blog_input *in, const json_t *old)
{
    if (in->title)
        dual_str(u, "title", in->title);
    if (in->description)
        dual_str(u, "description", in->description);
    if (in->draft_text)
        dual_str(u, "draftText", in->draft_text);
    if (in->slug)
        dual_str(u, "slug", in->slug);
    if (in->img_url)
        dual_str(u, "imgUrl", in->img_url);
    if (in->tags)
        dual_str_array(u, "tags", in->tags, BLOG_TAGS_MAX);
    if (in->title || in->description)
        set_keywords(u, in->title ? in->title : rec_str(old, "title"),
                     in->description ? in->description : rec_str(old, "description"));
}

/* The $set of a transition from the record old. */
static void set_transition(dual *u, blog_transition t, const json_t *old, int64_t now)
{
    switch (t) {
    case BLOG_SUBMIT:
    case BLOG_WITHDRAW:
        dual_bool(u, "submitted", t == BLOG_SUBMIT);
        return;
    case BLOG_PUBLISH:
    case BLOG_UNPUBLISH:
        dual_bool(u, "drafted", t == BLOG_UNPUBLISH);
        dual_bool(u, "submitted", false);
        dual_bool(u, "published", t == BLOG_PUBLISH);
        if (t == BLOG_PUBLISH) {
            const char *draft = rec_str(old, "draftText");
            dual_str(u, "text", draft ? draft : "");
            int64_t first = rec_ms(old, "publishedAt");
            dual_date(u, "publishedAt", first ? first : now);
        }
        return;
    }
}

/* Why old is not in the state t needs (NONE: it is). */
static blog_why refusal(blog_transition t, const json_t *old)
{
    bool published = rec_bool(old, "published"), submitted = rec_bool(old, "submitted");
    switch (t) {
    case BLOG_SUBMIT:
        return submitted ? BLOG_WHY_ALREADY_SUBMITTED : BLOG_WHY_NONE;
    case BLOG_WITHDRAW:
        return submitted ? BLOG_WHY_NONE : BLOG_WHY_NOT_SUBMITTED;
    case BLOG_PUBLISH:
        return published ? BLOG_WHY_ALREADY_PUBLISHED
                         : (submitted ? BLOG_WHY_NONE : BLOG_WHY_NOT_SUBMITTED);
    case BLOG_UNPUBLISH:
        return published ? BLOG_WHY_NONE : BLOG_WHY_NOT_PUBLISHED;
    }
    return BLOG_WHY_NONE;
}

/* What one write does: an update (in) or a transition (t), by actor. */
typedef struct {
    const blog_input *in; /* NULL: a transition */
    blog_transition t;
    const char *actor;
    int64_t now;
} change;

/* Read, check, conditional $set on the version read (and, for a transition, on the state
 * checked), retried when another write came first. On 0 *before is the record read and
 * *after the record the $set made of it (worked out here: nothing is read back). */
static int write_read_version(blog_mongo *m, const char *id, const char *owner, const change *c,
                              blog_why *why, json_t **before, json_t **after)
{
    for (int attempt = 0; attempt < STORE_RETRIES; attempt++) {
        json_t *old = NULL;
        int rc = blog_store_get(m, id, owner, &old);
        if (rc != 0)
            return rc;
        blog_why refused = c->in ? BLOG_WHY_NONE : refusal(c->t, old);
        if (refused != BLOG_WHY_NONE) {
            *why = refused;
            json_decref(old);
            return MF_ERR_STATE;
        }
        blog_mdoc *f = own_filter(id, owner);
        blog_mdoc_date(f, "updatedAt", rec_ms(old, "updatedAt"));
        if (!c->in) {
            blog_mdoc_bool(f, "published", rec_bool(old, "published"));
            blog_mdoc_bool(f, "submitted", rec_bool(old, "submitted"));
        }
        json_t *rec = json_deep_copy(old);
        dual u = {blog_mdoc_new(), rec};
        blog_mdoc_begin(u.d, "$set");
        if (c->in)
            set_input(&u, c->in, old);
        else
            set_transition(&u, c->t, old, c->now);
        dual_str(&u, "updatedBy", c->actor);
        dual_date(&u, "updatedAt", next_version(old, c->now));
        blog_mdoc_end(u.d);
        int64_t matched = 0;
        rc = blog_mongo_update_one(m, BLOG_COLL_BLOGS, f, u.d, &matched);
        blog_mdoc_free(f);
        blog_mdoc_free(u.d);
        if (rc == 0 && matched > 0) {
            *before = old;
            *after = rec;
            return 0;
        }
        json_decref(rec);
        json_decref(old);
        if (rc != 0)
            return rc;
        /* changed or deleted meanwhile: read again */
    }
    return MF_ERR;
}

int blog_store_update(blog_mongo *m, const blog_input *in, const char *owner, int64_t now,
                      json_t **before, json_t **after)
{
    *before = *after = NULL;
    blog_why why = BLOG_WHY_NONE;
    const change c = {.in = in, .actor = owner, .now = now};
    return write_read_version(m, in->id, owner, &c, &why, before, after);
}

int blog_store_transition(blog_mongo *m, const char *id, const char *owner, blog_transition t,
                          const char *actor, int64_t now, blog_why *why, json_t **before,
                          json_t **after)
{
    *why = BLOG_WHY_NONE;
    *before = *after = NULL;
    const change c = {.t = t, .actor = actor, .now = now};
    return write_read_version(m, id, owner, &c, why, before, after);
}

int blog_store_delete(blog_mongo *m, const char *id, const char *owner, int64_t now,
                      json_t **before, json_t **after)
{
    *before = *after = NULL;
    for (int attempt = 0; attempt < STORE_RETRIES; attempt++) {
        json_t *old = NULL;
        int rc = blog_store_get(m, id, owner, &old);
        if (rc != 0)
            return rc;
        /* on the version read, and to a later one, so that the read models (readmodel.h),
         * which order a blog's writes by updatedAt, see the delete as its last word */
        blog_mdoc *f = own_filter(id, owner);
        blog_mdoc_date(f, "updatedAt", rec_ms(old, "updatedAt"));
        blog_mdoc *u = blog_mdoc_new();
        blog_mdoc_begin(u, "$set");
        blog_mdoc_bool(u, "status", false);
        blog_mdoc_str(u, "updatedBy", owner);
        blog_mdoc_date(u, "updatedAt", next_version(old, now));
        blog_mdoc_end(u);
        int64_t matched = 0;
        rc = blog_mongo_update_one(m, BLOG_COLL_BLOGS, f, u, &matched);
        blog_mdoc_free(f);
        blog_mdoc_free(u);
        if (rc == 0 && matched > 0) {
            *after = json_deep_copy(old);
            json_object_set_new(*after, "status", json_false());
            json_object_set_new(*after, "updatedBy", json_string(owner));
            json_object_set_new(*after, "updatedAt", json_integer(next_version(old, now)));
            *before = old;
            return 0;
        }
        json_decref(old);
        if (rc != 0)
            return rc;
        /* changed or deleted meanwhile: read again */
    }
    return MF_ERR;
}
