/*
 * blog-seed: bulk-inserts published blogs for `make bench-scale` through blog-service's own
 * store code (blog_store_seed_published: the document create, submit and publish would have
 * left), in batches of 500. The blogs' read models are not written here: the benchmark
 * deletes blog:rm:ready and blog-service's worker rebuilds them from MongoDB, as after a
 * Redis loss.
 *   blog-seed MONGO_URI DB COUNT FIRST AUTHOR_ID AUTHOR_NAME IDS_OUT
 *             [REDIS_PORT HOT AVG HOT_OUT]
 * Blogs FIRST..FIRST+COUNT-1: about 3 KB each, 3 of 100 tags, words from a 3000-word
 * vocabulary, publishedAt one second apart. Every 50th id is appended to IDS_OUT.
 * With REDIS_PORT: comments too, by the same author, as creating them one by one would have
 * left them (blog_store_comments_seed: the documents of blog_store_comment_create, bulk
 * inserted; each blog's commentCount in its document; a quarter of them replies to the latest
 * top-level comment). The first blog gets HOT comments (its id and count are appended to
 * HOT_OUT), every other one 0..2*AVG. Comment read models are written by blog-service's own
 * rebuild of a blog's set (blog_comment_index_rebuild, what the first comment read of a blog
 * without one does): a blog's set is rebuilt from a scan of all comments, which FerretDB 1.x
 * answers in Go over the whole collection, so leaving them to blog-service at a million
 * comments would take hours. Tag counts (GET /tags) likewise: each batch's counts go in with
 * blog_tag_index_apply, what a publish records; the first run (FIRST 0, an empty database)
 * installs the empty set first, as blog-service's own rebuild of an empty database would.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "micro/alloc.h"
#include "micro/cache_cmd.h"
#include "micro/clock.h"
#include "micro/strbuf.h"
#include "micro/xorshift.h"

#include "blog.h"
#include "comment_index.h"
#include "tag_index.h"

#include "mongo.h"
#include "store_blog.h"
#include "store_comments.h"

#define BATCH  500
#define CBATCH 1000 /* comments per insert */
#define VOCAB  3000

static const char *const syl[] = {"ka",  "lo",  "mi",  "ne",  "ru",  "sa",  "ti",  "vo",  "ze",
                                  "bar", "cen", "dor", "fel", "gan", "hul", "jor", "kel", "lum"};

static char vocab[VOCAB][16];

static unsigned long long rng = 88172645463325252ULL;
static unsigned next_rand(void)
{
    return mf_xorshift_next(&rng);
}

/* Zipf-like pick: small ranks are common, as in real text. */
static const char *word(void)
{
    unsigned r = next_rand() % VOCAB;
    return vocab[(r * (next_rand() % VOCAB)) / VOCAB];
}

static void words(mf_strbuf *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            mf_strbuf_addch(b, ' ');
        mf_strbuf_adds(b, word());
    }
}

/* The comments of n blogs (ids[i], published at at[i], counts[i] comments created at
 * at[i] + 1 ms, + 2 ms, ...), bulk inserted CBATCH at a time across blogs, then each blog's
 * read model set by blog-service's rebuild. 0 or the failing call's code. */
static int seed_comments(blog_mongo *m, blog_ctx *ctx, const json_t *user, const char *const *ids,
                         const int64_t *at, const int64_t *counts, size_t n)
{
    blog_comment_seed *cs = mf_calloc(CBATCH, sizeof *cs);
    mf_strbuf *texts = mf_calloc(CBATCH, sizeof *texts);
    char(*parents)[25] = mf_calloc(CBATCH, sizeof *parents);
    json_t **visible = mf_calloc(n, sizeof *visible);
    int rc = 0;
    size_t used = 0;
    for (size_t b = 0; b < n && rc == 0; b++) {
        visible[b] = json_array();
        char last_top[25] = "";
        for (int64_t k = 0; k < counts[b] && rc == 0; k++) {
            blog_comment_seed *c = &cs[used];
            mf_strbuf_init(&texts[used]);
            words(&texts[used], 8 + next_rand() % 20);
            *c = (blog_comment_seed){
                .blog_id = ids[b], .text = texts[used].buf, .created_at = at[b] + k + 1};
            blog_mongo_new_oid(c->id);
            /* a quarter are replies to the latest top-level comment before them */
            if (last_top[0] && next_rand() % 4 == 0) {
                memcpy(parents[used], last_top, sizeof last_top);
                c->parent_id = parents[used];
            } else {
                memcpy(last_top, c->id, sizeof last_top);
            }
            json_t *v =
                json_pack("{s:s,s:I}", "_id", c->id, "createdAt", (json_int_t)c->created_at);
            if (c->parent_id)
                json_object_set_new(v, "parentId", json_string(c->parent_id));
            json_array_append_new(visible[b], v);
            used++;
            bool last = b == n - 1 && k == counts[b] - 1;
            if (used == CBATCH || last) {
                rc = blog_store_comments_seed(m, cs, used, user);
                for (size_t i = 0; i < used; i++)
                    mf_strbuf_release(&texts[i]);
                used = 0;
            }
        }
    }
    if (used > 0 && rc == 0) /* the last blogs had no comments */
        rc = blog_store_comments_seed(m, cs, used, user);
    for (size_t i = 0; i < used; i++)
        mf_strbuf_release(&texts[i]);
    for (size_t b = 0; b < n; b++) {
        if (rc == 0 && counts[b] > 0)
            rc = blog_comment_index_rebuild(ctx, ids[b], visible[b]);
        json_decref(visible[b]);
    }
    free(visible);
    free(parents);
    free(texts);
    free(cs);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 8 && argc != 12) {
        fprintf(stderr, "usage: blog-seed MONGO_URI DB COUNT FIRST AUTHOR_ID AUTHOR_NAME IDS_OUT "
                        "[REDIS_PORT HOT AVG HOT_OUT]\n");
        return 2;
    }
    blog_ctx ctx = {0};
    long hot = 0, avg = 0;
    FILE *hot_out = NULL;
    if (argc == 12) {
        ctx.cache = mf_cache_new("127.0.0.1", (int)strtol(argv[8], NULL, 10), NULL, 10000, 1);
        hot = strtol(argv[9], NULL, 10);
        avg = strtol(argv[10], NULL, 10);
        hot_out = fopen(argv[11], "a");
        if (!ctx.cache || !hot_out)
            return 1;
    }
    long count = strtol(argv[3], NULL, 10), first = strtol(argv[4], NULL, 10);
    FILE *ids = fopen(argv[7], "a");
    blog_mongo *m = blog_mongo_new(argv[1], argv[2], 5000, 600000);
    if (!m || !ids || count <= 0)
        return 1;
    for (size_t i = 0; i < VOCAB; i++) {
        size_t k = i;
        vocab[i][0] = '\0';
        size_t len = 0;
        do {
            const char *s = syl[k % 18];
            size_t sl = strlen(s);
            memcpy(vocab[i] + len, s, sl + 1);
            len += sl;
            k /= 18;
        } while (k && len < 10);
    }
    rng += (unsigned long long)first * 2654435761ULL;
    json_t *user = json_pack("{ssss}", "id", argv[5], "name", argv[6]);
    int64_t base = mf_now_ms() - (int64_t)(first + count) * 1000;
    if (ctx.cache && first == 0) {
        bool won = false, installed = false;
        long long writes = 0;
        json_t *none = json_object();
        if (blog_tag_index_rebuild_begin(&ctx, &won, &writes) != 0 || !won ||
            blog_tag_index_rebuild_finish(&ctx, writes, none, &installed) != 0 || !installed) {
            fprintf(stderr, "blog-seed: tag counts not installed\n");
            return 1;
        }
        json_decref(none);
    }
    int64_t t0 = mf_mono_ms(), comment_ms = 0;
    long comments = 0;
    for (long done = 0; done < count;) {
        size_t n = (size_t)(count - done < BATCH ? count - done : BATCH);
        blog_input in[BATCH];
        int64_t at[BATCH], counts[BATCH];
        mf_strbuf sb[BATCH][4];
        json_t *tags[BATCH];
        for (size_t i = 0; i < n; i++) {
            long k = first + done + (long)i;
            for (int j = 0; j < 4; j++)
                mf_strbuf_init(&sb[i][j]);
            words(&sb[i][0], 4 + next_rand() % 6);
            words(&sb[i][1], 20 + next_rand() % 20);
            words(&sb[i][2], 380 + next_rand() % 80);
            mf_strbuf_addf(&sb[i][3], "seed-%ld", k);
            tags[i] = json_array();
            for (int t = 0; t < 3; t++) {
                char tag[16];
                snprintf(tag, sizeof tag, "TAG%02u", (next_rand() % 100));
                json_array_append_new(tags[i], json_string(tag));
            }
            in[i] = (blog_input){.title = sb[i][0].buf,
                                 .description = sb[i][1].buf,
                                 .draft_text = sb[i][2].buf,
                                 .slug = sb[i][3].buf,
                                 .img_url = "/img/seed.png",
                                 .tags = tags[i]};
            at[i] = base + (int64_t)k * 1000;
            counts[i] = !ctx.cache   ? 0
                        : k == first ? hot
                        : avg > 0    ? (int64_t)(next_rand() % (unsigned)(2 * avg + 1))
                                     : 0;
        }
        json_t *recs = NULL;
        int rc = blog_store_seed_published(m, in, n, user, at, counts, &recs);
        for (size_t i = 0; i < n; i++) {
            for (int j = 0; j < 4; j++)
                mf_strbuf_release(&sb[i][j]);
        }
        if (rc != 0) {
            fprintf(stderr, "blog-seed: insert failed (%d)\n", rc);
            return 1;
        }
        int64_t c0 = mf_mono_ms();
        const char *bids[BATCH];
        for (size_t i = 0; i < n; i++) {
            bids[i] = json_string_value(json_object_get(json_array_get(recs, i), "_id"));
            comments += counts[i];
            if (hot_out && done + (long)i == 0)
                fprintf(hot_out, "%s %lld\n", bids[i], (long long)counts[i]);
        }
        if (ctx.cache && rc == 0)
            rc = seed_comments(m, &ctx, user, bids, at, counts, n);
        if (ctx.cache && rc == 0) {
            json_t *deltas = json_object();
            for (size_t i = 0; i < n; i++) {
                json_t *seen = json_object();
                size_t j;
                json_t *t;
                json_array_foreach(tags[i], j, t)
                {
                    const char *tag = json_string_value(t);
                    if (json_object_get(seen, tag))
                        continue;
                    json_object_set_new(seen, tag, json_true());
                    json_int_t cur = json_integer_value(json_object_get(deltas, tag));
                    json_object_set_new(deltas, tag, json_integer(cur + 1));
                }
                json_decref(seen);
            }
            /* in parts: one apply takes (MF_CACHE_CMD_MAX_ARGS - 5) / 2 tags, a publish's at most
             */
            json_t *part = json_object();
            const char *tag;
            json_t *d;
            json_object_foreach(deltas, tag, d)
            {
                json_object_set(part, tag, d);
                if (json_object_size(part) == (MF_CACHE_CMD_MAX_ARGS - 5) / 2) {
                    rc = rc ? rc : blog_tag_index_apply(&ctx, part);
                    json_object_clear(part);
                }
            }
            rc = rc ? rc : blog_tag_index_apply(&ctx, part);
            json_decref(part);
            json_decref(deltas);
        }
        for (size_t i = 0; i < n; i++)
            json_decref(tags[i]);
        comment_ms += mf_mono_ms() - c0;
        if (rc != 0) {
            fprintf(stderr, "blog-seed: comments failed (%d)\n", rc);
            return 1;
        }
        for (size_t i = 0; i < n; i++)
            if ((done + (long)i) % 50 == 0)
                fprintf(ids, "%s\n",
                        json_string_value(json_object_get(json_array_get(recs, i), "_id")));
        json_decref(recs);
        done += (long)n;
    }
    fprintf(stderr, "blog-seed: %ld blogs and %ld comments in %lld ms (comments %lld ms)\n", count,
            comments, (long long)(mf_mono_ms() - t0), (long long)comment_ms);
    if (hot_out)
        fclose(hot_out);
    if (ctx.cache)
        mf_cache_free(ctx.cache);
    json_decref(user);
    fclose(ids);
    blog_mongo_free(m);
    return 0;
}
