/* The candidates of a similar list from the read models (readmodel.c, SIMILAR_LUA) against a
 * real redis-server of the test's own: the merge, which reads each set a chunk at a time, must
 * give what sorting every set's first BLOG_RM_CANDIDATES members gives (the newest
 * BLOG_RM_CANDIDATES of their union by publishedAt, then the larger id, the blog itself left
 * out), with sets far longer than a chunk, blogs in several sets and many equal scores. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "micro/alloc.h"
#include "micro/cache_cmd.h"
#include "micro/xorshift.h"

#include "harness.h"
#include "readmodel.h"

#define SETS  5
#define CANDS 400

static const char *const set_keys[SETS] = {"blog:rm:tag:TA", "blog:rm:tag:TB", "blog:rm:kw:alpha",
                                           "blog:rm:kw:beta", "blog:rm:kw:gamma"};

static th_server srv;
static blog_ctx ctx;

static int setup(void **state)
{
    (void)state;
    if (th_redis_start(&srv) != 0)
        return -1;
    ctx.cache = mf_cache_new("127.0.0.1", srv.port, NULL, 5000, 1);
    return ctx.cache ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    mf_cache_free(ctx.cache);
    th_server_stop(&srv);
    return 0;
}

static void cmd(int argc, const char **argv)
{
    assert_int_equal(mf_cache_cmd_int(ctx.cache, argc, argv, NULL), 0);
}

typedef struct {
    char id[25];
    long score;
    unsigned sets; /* bit i: member of set_keys[i] */
} cand;

static int by_score_then_id(const void *pa, const void *pb)
{
    const cand *a = *(const cand *const *)pa, *b = *(const cand *const *)pb;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return -strcmp(a->id, b->id);
}

static void put_record(const char *id, long published_at, const char *title, const char *tags)
{
    char *v = mf_asprintf("1 {\"_id\":\"%s\",\"title\":\"%s\",\"description\":\"gamma\","
                          "\"tags\":%s,\"published\":true,\"status\":true,\"publishedAt\":%ld,"
                          "\"updatedAt\":1,\"author\":{\"_id\":\"u\"}}",
                          id, title, tags, published_at);
    char *k = mf_asprintf("blog:rm:it:%s", id);
    const char *argv[] = {"SET", k, v};
    cmd(3, argv);
    free(k);
    free(v);
}

static unsigned long long rng = 0x2545F4914F6CDD1DULL;
static unsigned next_rand(void)
{
    return mf_xorshift_next(&rng);
}

/* One round: fresh data, the script's answer against the sort. */
static void round_of(int n, int score_range, unsigned set_mask, long self_score)
{
    const char *flush[] = {"FLUSHALL"};
    cmd(1, flush);
    const char *ready[] = {"SET", BLOG_RM_READY_KEY, "1"};
    cmd(3, ready);
    const char *self = "ffffffffffffffffffffffff";
    put_record(self, self_score, "alpha beta", "[\"TA\",\"TB\"]");
    char self_sc[24];
    snprintf(self_sc, sizeof self_sc, "%ld", self_score);
    for (int s = 0; s < SETS; s++) {
        const char *argv[] = {"ZADD", set_keys[s], self_sc, self};
        cmd(4, argv);
    }
    cand *c = mf_calloc((size_t)n, sizeof *c);
    for (int i = 0; i < n; i++) {
        snprintf(c[i].id, sizeof c[i].id, "%024x", next_rand());
        c[i].score = 1 + (long)(next_rand() % (unsigned)score_range);
        c[i].sets = (1u + next_rand() % ((1u << SETS) - 1)) & set_mask;
        if (!c[i].sets)
            c[i].sets = set_mask & -set_mask; /* at least one */
        put_record(c[i].id, c[i].score, "other", "[]");
        char score[24];
        snprintf(score, sizeof score, "%ld", c[i].score);
        for (int s = 0; s < SETS; s++) {
            if (!(c[i].sets & (1u << s)))
                continue;
            const char *argv[] = {"ZADD", set_keys[s], score, c[i].id};
            cmd(4, argv);
        }
    }
    /* expected: each set's first BLOG_RM_CANDIDATES (self included, as ZREVRANGE reads it),
     * their union without self, sorted, the first BLOG_RM_CANDIDATES */
    cand **all = mf_calloc((size_t)n, sizeof *all), **pick = mf_calloc((size_t)n, sizeof *pick);
    bool *in = mf_calloc((size_t)n, sizeof *in);
    for (int s = 0; s < SETS; s++) {
        size_t m = 0;
        for (int i = 0; i < n; i++)
            if (c[i].sets & (1u << s))
                all[m++] = &c[i];
        qsort(all, m, sizeof *all, by_score_then_id);
        /* self sorts first among equal scores: 'f...' is the largest id */
        size_t depth = BLOG_RM_CANDIDATES, above = 0;
        for (size_t k = 0; k < m; k++)
            above += all[k]->score > self_score ||
                     (all[k]->score == self_score && strcmp(all[k]->id, self) > 0);
        for (size_t k = 0; k < m && k < depth - (above < depth ? 1 : 0); k++)
            in[all[k] - c] = true;
    }
    size_t np = 0;
    for (int i = 0; i < n; i++)
        if (in[i])
            pick[np++] = &c[i];
    qsort(pick, np, sizeof *pick, by_score_then_id);
    if (np > BLOG_RM_CANDIDATES)
        np = BLOG_RM_CANDIDATES;

    json_t *got_self = NULL, *cands = NULL;
    assert_int_equal(blog_rm_similar_candidates(&ctx, self, &got_self, &cands), 0);
    assert_int_equal(json_array_size(cands), np);
    for (size_t k = 0; k < np; k++)
        assert_string_equal(json_string_value(json_object_get(json_array_get(cands, k), "_id")),
                            pick[k]->id);
    json_decref(got_self);
    json_decref(cands);
    free(in);
    free(pick);
    free(all);
    free(c);
}

static void test_merge_is_the_sort(void **state)
{
    (void)state;
    const unsigned all = (1u << SETS) - 1;
    round_of(CANDS, 60, all, 30);    /* sets of ~200, many ties */
    round_of(CANDS, 10000, all, 30); /* few ties */
    round_of(40, 5, all, 3);         /* sets shorter than BLOG_RM_CANDIDATES, longer than a chunk */
    round_of(3, 5, all, 3);          /* shorter than a chunk */
    /* every candidate in one set, self the newest of it: that set's first 100 hold 99 of them,
     * the 100th newest must not come from beyond */
    round_of(CANDS, 1000000, 1u, 2000000);
}

/* The encoding of key ("listpack", "skiplist", ...), heap string. */
static char *encoding_of(const char *key)
{
    const char *argv[] = {"OBJECT", "ENCODING", key};
    mf_reply *r = mf_cache_command(ctx.cache, 3, argv, NULL);
    assert_non_null(r);
    assert_int_equal(r->type, MF_REPLY_STR);
    char *out = mf_strdup(r->str);
    mf_reply_free(r);
    return out;
}

/* Applies published blog id, titled title (its one keyword), at score (publishedAt and
 * updatedAt), and answers ZCARD of key. */
static long long apply_titled(const char *id, const char *title, long score, const char *key)
{
    json_t *rec =
        json_pack("{ss ss ss sb sb sI sI s{ss} s[]}", "_id", id, "title", title, "description", "",
                  "published", 1, "status", 1, "publishedAt", (json_int_t)score, "updatedAt",
                  (json_int_t)score, "author", "_id", "u", "tags");
    blog_rm_apply(&ctx, rec);
    json_decref(rec);
    const char *card[] = {"ZCARD", key};
    long long n = 0;
    assert_int_equal(mf_cache_cmd_int(ctx.cache, 2, card, &n), 0);
    return n;
}

/* Keyword sets keep the newest BLOG_RM_WORD_CAP in place (the apply of readmodel.c): never
 * more, not even for the moment of a join, so that Redis keeps each as one listpack (a sorted
 * set that went over zset-max-listpack-entries once stays a skiplist in Redis 7.0, three times
 * the memory); and what they keep is the newest of every blog applied, ties by the larger id. */
static void test_word_set_capped_in_place(void **state)
{
    (void)state;
    const char *flush[] = {"FLUSHALL"};
    cmd(1, flush);
    const char *key = "blog:rm:kw:zebra";
    enum { N = 3 * BLOG_RM_WORD_CAP };
    cand *c = mf_calloc(N, sizeof *c);
    cand **order = mf_calloc(N, sizeof *order);
    for (int i = 0; i < N; i++) {
        snprintf(c[i].id, sizeof c[i].id, "%024x", next_rand());
        c[i].score = 1 + (long)(next_rand() % 200); /* ties */
        order[i] = &c[i];
        assert_int_equal(apply_titled(c[i].id, "zebra", c[i].score, key),
                         i + 1 < BLOG_RM_WORD_CAP ? i + 1 : BLOG_RM_WORD_CAP);
        char *enc = encoding_of(key);
        assert_string_equal(enc, "listpack");
        free(enc);
    }
    qsort(order, N, sizeof *order, by_score_then_id);
    const char *range[] = {"ZREVRANGE", key, "0", "-1"};
    char **items = NULL;
    size_t n = 0;
    assert_int_equal(mf_cache_cmd_strings(ctx.cache, 4, range, &items, &n), 0);
    assert_int_equal(n, BLOG_RM_WORD_CAP);
    for (size_t k = 0; k < n; k++)
        assert_string_equal(items[k], order[k]->id);
    mf_cache_strings_free(items, n);
    free(order);
    free(c);

    /* a set from a larger cap (40 over this one): a blog joins only when it is newer than the
     * cap-th newest, and the set is cut to the newest cap */
    const char *yak = "blog:rm:kw:yak";
    enum { OVER = BLOG_RM_WORD_CAP + 40 };
    for (int k = 0; k < OVER; k++) {
        char id[25], score[24];
        snprintf(id, sizeof id, "%024x", 0x100000u + (unsigned)k);
        snprintf(score, sizeof score, "%d", 1000 + 2 * k); /* rank k */
        const char *argv[] = {"ZADD", yak, score, id};
        cmd(4, argv);
    }
    static const struct {
        const char *id;
        long score;
        bool joins;
    } joins[] = {
        {"aaaaaaaaaaaaaaaaaaaaaaa1", 1021, false}, /* newer than rank 0, older than rank 40 */
        {"aaaaaaaaaaaaaaaaaaaaaaa2", 1101, true},  /* newer than rank 50 */
    };
    for (size_t w = 0; w < sizeof joins / sizeof joins[0]; w++) {
        assert_int_equal(apply_titled(joins[w].id, "yak", joins[w].score, yak), BLOG_RM_WORD_CAP);
        const char *score_of[] = {"ZSCORE", yak, joins[w].id};
        long long sc = 0;
        assert_int_equal(mf_cache_cmd_int(ctx.cache, 3, score_of, &sc), 0);
        assert_int_equal(sc, joins[w].joins ? joins[w].score : 0);
    }
    /* the oldest kept: after the join of 1101, the newest 127 of the seeded ones stay, so the
     * oldest of them is rank OVER - 127 of the seed */
    const char *oldest[] = {"ZRANGE", yak, "0", "0", "WITHSCORES"};
    assert_int_equal(mf_cache_cmd_strings(ctx.cache, 5, oldest, &items, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(atol(items[1]), 1000 + 2 * (OVER - (BLOG_RM_WORD_CAP - 1)));
    mf_cache_strings_free(items, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge_is_the_sort),
        cmocka_unit_test(test_word_set_capped_in_place),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
