#include "retire.h"

#include <stdlib.h>
#include <string.h>

#include "micro/alloc.h"
#include "micro/error.h"

#include "cache.h"
#include "dto.h"
#include "readmodel.h"

static bool rec_true(const json_t *rec, const char *key)
{
    return json_is_true(json_object_get(rec, key));
}

static const char *rec_str(const json_t *rec, const char *key)
{
    return json_string_value(json_object_get(rec, key));
}

static bool live(const json_t *rec)
{
    return rec && rec_true(rec, "status");
}

/* What anonymous readers see of rec (new reference), NULL when they do not see it. */
static json_t *public_view(const json_t *rec)
{
    return live(rec) && rec_true(rec, "published") ? blog_dto_public(rec) : NULL;
}

/* What a list shows of rec and where it sorts it (new reference), NULL when absent. */
static json_t *list_view(const json_t *rec, bool editor)
{
    if (!live(rec) || (editor && !rec_true(rec, "submitted") && !rec_true(rec, "published")))
        return NULL;
    json_t *v = blog_dto_item(rec);
    static const char *const keys[] = {"drafted", "submitted", "published", "updatedAt"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        json_t *x = json_object_get(rec, keys[i]);
        if (x)
            json_object_set(v, keys[i], x);
    }
    return v;
}

/* True when the two public views (borrowed) differ, and in commentCount only. */
static bool count_only(const json_t *a, const json_t *b)
{
    if (!a || !b || json_equal(a, b))
        return false;
    json_t *x = json_copy((json_t *)a), *y = json_copy((json_t *)b);
    json_object_del(x, "commentCount");
    json_object_del(y, "commentCount");
    bool same = json_equal(x, y);
    json_decref(x);
    json_decref(y);
    return same;
}

/* Compares and drops two views. */
static bool differ(json_t *a, json_t *b)
{
    bool d = (a == NULL) != (b == NULL) || (a && !json_equal(a, b));
    json_decref(a);
    json_decref(b);
    return d;
}

static void add_unique(json_t *set, const char *s)
{
    if (!s)
        return;
    size_t i;
    json_t *v;
    json_array_foreach(set, i, v)
    {
        if (strcmp(json_string_value(v), s) == 0)
            return;
    }
    json_array_append_new(set, json_string(s));
}

static void add_key(blog_retire_plan *p, const char *kind, const char *value)
{
    if (!value)
        return;
    char *k = blog_cache_key(kind, value);
    add_unique(p->keys, k);
    free(k);
}

static void add_public_keys(blog_retire_plan *p, const json_t *rec)
{
    add_key(p, "id", rec_str(rec, "_id"));
    add_key(p, "similar", rec_str(rec, "_id"));
    add_key(p, "slug", rec_str(rec, "slug"));
}

static void add_author(blog_retire_plan *p, const json_t *before, const json_t *after)
{
    const char *a = rec_str(json_object_get(before ? before : after, "author"), "_id");
    if (a)
        add_unique(p->authors, a);
    else
        p->every_author = true; /* whose lists they were is unknown: everyone's */
}

void blog_retire_plan_init(blog_retire_plan *p)
{
    *p = (blog_retire_plan){.keys = json_array(),
                            .authors = json_array(),
                            .blogs = json_array(),
                            .slugs = json_array()};
}

void blog_retire_plan_release(blog_retire_plan *p)
{
    json_decref(p->keys);
    json_decref(p->authors);
    json_decref(p->blogs);
    json_decref(p->slugs);
    *p = (blog_retire_plan){0};
}

void blog_retire_plan_add(blog_retire_plan *p, const json_t *before, const json_t *after)
{
    json_t *pb = public_view(before), *pa = public_view(after);
    if (count_only(pb, pa)) {
        /* both views exist, so both records are live and published, with the same slug */
        add_key(p, "id", rec_str(after, "_id"));
        add_key(p, "slug", rec_str(after, "slug"));
        add_unique(p->blogs, rec_str(after, "_id"));
        add_unique(p->slugs, rec_str(after, "slug"));
        json_decref(pb);
        json_decref(pa);
    } else if (differ(pb, pa)) {
        p->public_answers = true;
        add_public_keys(p, before);
        add_public_keys(p, after);
    }
    if (differ(list_view(before, true), list_view(after, true)))
        p->editor_lists = true;
    if (differ(list_view(before, false), list_view(after, false)))
        add_author(p, before, after);
}

void blog_retire_plan_add_unsure(blog_retire_plan *p, const char *author)
{
    p->public_answers = p->editor_lists = true;
    if (author)
        add_unique(p->authors, author);
    else
        p->every_author = true;
}

void blog_retire_apply(blog_ctx *ctx, const blog_retire_plan *p)
{
    size_t n = json_array_size(p->keys);
    if (n > 0) {
        const char **keys = mf_calloc(n, sizeof *keys);
        for (size_t i = 0; i < n; i++)
            keys[i] = json_string_value(json_array_get(p->keys, i));
        blog_cache_forget(ctx, keys, n);
        free(keys);
    }
    if (p->public_answers) {
        /* retires every answer of the BLOG and SLUG scopes too */
        blog_cache_retire(ctx, BLOG_SCOPE_PUBLIC, NULL);
    } else {
        size_t j;
        json_t *v;
        json_array_foreach(p->blogs, j, v)
            blog_cache_retire(ctx, BLOG_SCOPE_BLOG, json_string_value(v));
        json_array_foreach(p->slugs, j, v)
            blog_cache_retire(ctx, BLOG_SCOPE_SLUG, json_string_value(v));
    }
    if (p->editor_lists)
        blog_cache_retire(ctx, BLOG_SCOPE_EDITOR, NULL);
    if (p->every_author) {
        blog_cache_retire(ctx, BLOG_SCOPE_AUTHOR, NULL);
        return;
    }
    size_t i;
    json_t *a;
    json_array_foreach(p->authors, i, a)
        blog_cache_retire(ctx, BLOG_SCOPE_AUTHOR, json_string_value(a));
}

void blog_retire_write(blog_ctx *ctx, const json_t *before, const json_t *after)
{
    blog_rm_apply(ctx, after);
    blog_retire_plan p;
    blog_retire_plan_init(&p);
    blog_retire_plan_add(&p, before, after);
    blog_retire_apply(ctx, &p);
    blog_retire_plan_release(&p);
}

void blog_retire_unsure(blog_ctx *ctx, const char *author)
{
    blog_retire_plan p;
    blog_retire_plan_init(&p);
    blog_retire_plan_add_unsure(&p, author);
    blog_retire_apply(ctx, &p);
    blog_retire_plan_release(&p);
}

void blog_retire_failed(blog_ctx *ctx, int rc, const char *author)
{
    if (rc != 0 && rc != MF_ERR_NOT_FOUND && rc != MF_ERR_CONFLICT && rc != MF_ERR_STATE)
        blog_retire_unsure(ctx, author);
}

void blog_retire_failed_blog(blog_ctx *ctx, int rc, const char *id, const char *author)
{
    if (rc != 0 && rc != MF_ERR_NOT_FOUND && rc != MF_ERR_CONFLICT && rc != MF_ERR_STATE) {
        blog_rm_suspect(ctx, id);
        blog_retire_unsure(ctx, author);
    }
}
