/*
 * GET /tags: how many published, non-deleted blogs carry each tag, from the read model in
 * Redis (tag_index.h) that the blog writes keep, so the answer never scans the blogs. When
 * the model is not complete (new or flushed Redis, a change that could not be recorded), one
 * replica rebuilds it from MongoDB while the others count in MongoDB for that request; Redis
 * down, every request counts in MongoDB (a scan of the published blogs: slow at scale, right).
 * Pages are public answers (cache.h): every write that changes a count (publish, unpublish,
 * delete, a tag edit of a published blog) moves the public generation through retire.c.
 */
#include <stdlib.h>
#include <string.h>

#include "micro/alloc.h"
#include "micro/error.h"
#include "micro/log.h"

#include "ops.h"
#include "ops_cached.h"
#include "store_tags.h"
#include "tag_index.h"

static bool counted(const json_t *rec)
{
    return rec && json_is_true(json_object_get(rec, "status")) &&
           json_is_true(json_object_get(rec, "published"));
}

/* Adds sign for each distinct tag of rec into deltas (a blog counts once per tag). */
static void add_tags(json_t *deltas, const json_t *rec, int sign)
{
    json_t *seen = json_object();
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(rec, "tags"), i, t)
    {
        const char *tag = json_string_value(t);
        if (!tag || !*tag || json_object_get(seen, tag))
            continue;
        json_object_set_new(seen, tag, json_true());
        json_int_t cur = json_integer_value(json_object_get(deltas, tag));
        json_object_set_new(deltas, tag, json_integer(cur + sign));
    }
    json_decref(seen);
}

static void record(blog_ctx *ctx, const json_t *deltas)
{
    if (blog_tag_index_apply(ctx, deltas) != 0) {
        atomic_store(&ctx->tags_dirty, true);
        mf_log_warn(NULL, "tag counts not updated: redis unavailable, recounted later");
    }
}

static void unsure(blog_ctx *ctx)
{
    if (blog_tag_index_invalidate(ctx) != 0)
        atomic_store(&ctx->tags_dirty, true);
}

/* Whether rc says a failed write may still have been applied (see retire.h). */
static bool maybe_applied(int rc)
{
    return rc != 0 && rc != MF_ERR_NOT_FOUND && rc != MF_ERR_CONFLICT && rc != MF_ERR_STATE;
}

/* The counts a known write changed: before and after (NULL: gone) as the write saw them. */
static void apply_change(blog_ctx *ctx, const json_t *before, const json_t *after)
{
    if (!counted(before) && !counted(after))
        return;
    json_t *deltas = json_object();
    if (counted(before))
        add_tags(deltas, before, -1);
    if (counted(after))
        add_tags(deltas, after, +1);
    record(ctx, deltas);
    json_decref(deltas);
}

void blog_op_tags_on_write(blog_ctx *ctx, int rc, const json_t *before, const json_t *after)
{
    if ((rc == 0 && !after) || maybe_applied(rc))
        unsure(ctx); /* applied but not read back, or maybe applied */
    else if (rc == 0)
        apply_change(ctx, before, after);
}

void blog_op_tags_on_delete(blog_ctx *ctx, int rc, const json_t *before)
{
    if (maybe_applied(rc))
        unsure(ctx);
    else if (rc == 0)
        apply_change(ctx, before, NULL);
}

/* ---- reads ---- */

/* Tag counts from MongoDB: object tag -> count (new). */
static int count_in_mongo(blog_ctx *ctx, json_t **counts)
{
    json_t *recs = NULL;
    int rc = blog_store_published_tags(ctx->mongo, &recs);
    if (rc != 0)
        return rc;
    json_t *c = json_object();
    size_t i;
    json_t *rec;
    json_array_foreach(recs, i, rec) add_tags(c, rec, +1);
    json_decref(recs);
    *counts = c;
    return 0;
}

static int by_count_then_tag(const void *a, const void *b)
{
    const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
    json_int_t cx = json_integer_value(json_object_get(x, "count"));
    json_int_t cy = json_integer_value(json_object_get(y, "count"));
    if (cx != cy)
        return cx > cy ? -1 : 1;
    return strcmp(json_string_value(json_object_get(x, "tag")),
                  json_string_value(json_object_get(y, "tag")));
}

/* counts as the sorted array of {"tag","count"} (new). */
static json_t *sorted(const json_t *counts)
{
    size_t n = json_object_size(counts), k = 0;
    json_t **items = mf_calloc(n > 0 ? n : 1, sizeof *items);
    const char *tag;
    json_t *c;
    json_object_foreach((json_t *)counts, tag, c)
    {
        if (json_integer_value(c) > 0)
            items[k++] = json_pack("{s:s,s:I}", "tag", tag, "count", json_integer_value(c));
    }
    qsort(items, k, sizeof *items, by_count_then_tag);
    json_t *arr = json_array();
    for (size_t i = 0; i < k; i++)
        json_array_append_new(arr, items[i]);
    free(items);
    return arr;
}

typedef struct {
    const char *prefix;
    long page, limit;
} tag_page;

/* The page of all (sorted, borrowed) that tp asks for (new array). */
static json_t *slice(const json_t *all, const tag_page *tp)
{
    json_t *out = json_array();
    size_t plen = tp->prefix ? strlen(tp->prefix) : 0;
    size_t skip = (size_t)((tp->page - 1) * tp->limit), taken = 0, i;
    json_t *t;
    json_array_foreach(all, i, t)
    {
        if (taken == (size_t)tp->limit)
            break;
        if (plen && strncmp(json_string_value(json_object_get(t, "tag")), tp->prefix, plen) != 0)
            continue;
        if (skip > 0) {
            skip--;
            continue;
        }
        json_array_append(out, t);
        taken++;
    }
    return out;
}

/* From the read model: *data, or *complete false. */
static int read_index(blog_ctx *ctx, const tag_page *tp, json_t **data, bool *complete)
{
    if (!tp->prefix)
        return blog_tag_index_page(ctx, (tp->page - 1) * tp->limit, tp->limit, data, complete);
    /* the set is bounded by the number of distinct tags: filtered here */
    json_t *all = NULL;
    int rc = blog_tag_index_all(ctx, &all, complete);
    if (rc == 0 && *complete)
        *data = slice(all, tp);
    json_decref(all);
    return rc;
}

static int read_tags(blog_ctx *ctx, const void *arg, json_t **data)
{
    const tag_page *tp = arg;
    if (atomic_load(&ctx->tags_dirty) && blog_tag_index_invalidate(ctx) == 0)
        atomic_store(&ctx->tags_dirty, false);
    bool complete = false;
    bool up = read_index(ctx, tp, data, &complete) == 0;
    if (up && complete)
        return 0;
    json_t *counts = NULL;
    bool won = false;
    long long writes = 0;
    if (up)
        blog_tag_index_rebuild_begin(ctx, &won, &writes);
    int rc = count_in_mongo(ctx, &counts);
    if (won) {
        /* a failed count installs nothing: -1 is never the change counter */
        json_t *none = json_object();
        bool installed = false;
        blog_tag_index_rebuild_finish(ctx, rc == 0 ? writes : -1, rc == 0 ? counts : none,
                                      &installed);
        json_decref(none);
        mf_log_info(NULL, "tag index rebuild %s", installed ? "installed" : "not installed");
    }
    if (rc != 0)
        return rc;
    json_t *all = sorted(counts);
    *data = slice(all, tp);
    json_decref(all);
    json_decref(counts);
    return 0;
}

int blog_op_list_tags(blog_ctx *ctx, const char *prefix, long page, long limit, blog_answer *out)
{
    const tag_page tp = {prefix, page, limit};
    char *key = mf_asprintf("blog:tagcounts:%ld:%ld:%s", page, limit, prefix ? prefix : "");
    return blog_cached_read(ctx, BLOG_SCOPE_PUBLIC, NULL, key, BLOG_TTL_LIST_S, read_tags, &tp,
                            out);
}
