/*
 * blog-seed: bulk-inserts published blogs for `make bench-scale` through blog-service's own
 * store code (blog_store_seed_published: the document create, submit and publish would have
 * left), in batches of 500. The read models are not written here: the benchmark deletes
 * blog:rm:ready and blog-service's worker rebuilds them from MongoDB, as after a Redis loss.
 *   blog-seed MONGO_URI DB COUNT FIRST AUTHOR_ID AUTHOR_NAME IDS_OUT
 * Blogs FIRST..FIRST+COUNT-1: about 3 KB each, 3 of 100 tags, words from a 3000-word
 * vocabulary, publishedAt one second apart. Every 50th id is appended to IDS_OUT.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "micro/alloc.h"
#include "micro/clock.h"
#include "micro/strbuf.h"

#include "mongo.h"
#include "store_blog.h"

#define BATCH 500
#define VOCAB 3000

static const char *const syl[] = {"ka",  "lo",  "mi",  "ne",  "ru",  "sa",  "ti",  "vo",  "ze",
                                  "bar", "cen", "dor", "fel", "gan", "hul", "jor", "kel", "lum"};

static char vocab[VOCAB][16];

static unsigned long long rng = 88172645463325252ULL;
static unsigned next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng >> 11);
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

int main(int argc, char **argv)
{
    if (argc != 8) {
        fprintf(stderr,
                "usage: blog-seed MONGO_URI DB COUNT FIRST AUTHOR_ID AUTHOR_NAME IDS_OUT\n");
        return 2;
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
    int64_t t0 = mf_mono_ms();
    for (long done = 0; done < count;) {
        size_t n = (size_t)(count - done < BATCH ? count - done : BATCH);
        blog_input in[BATCH];
        int64_t at[BATCH];
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
        }
        json_t *recs = NULL;
        int rc = blog_store_seed_published(m, in, n, user, at, &recs);
        for (size_t i = 0; i < n; i++) {
            for (int j = 0; j < 4; j++)
                mf_strbuf_release(&sb[i][j]);
            json_decref(tags[i]);
        }
        if (rc != 0) {
            fprintf(stderr, "blog-seed: insert failed (%d)\n", rc);
            return 1;
        }
        for (size_t i = 0; i < n; i++)
            if ((done + (long)i) % 50 == 0)
                fprintf(ids, "%s\n",
                        json_string_value(json_object_get(json_array_get(recs, i), "_id")));
        json_decref(recs);
        done += (long)n;
    }
    fprintf(stderr, "blog-seed: %ld blogs in %lld ms\n", count, (long long)(mf_mono_ms() - t0));
    json_decref(user);
    fclose(ids);
    blog_mongo_free(m);
    return 0;
}
