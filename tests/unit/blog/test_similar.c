/* Similarity scoring and ranking: weights (title 3, other shared word 1, tag 2), order
 * (score, publishedAt, _id), self and unrelated blogs excluded, top N. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "micro/xorshift.h"
#include "similar.h"

static json_t *blog(const char *id, const char *title, const char *desc, const char *tags,
                    json_int_t published_at)
{
    return json_pack("{s:s,s:s,s:s,s:o,s:I}", "_id", id, "title", title, "description", desc,
                     "tags", json_loads(tags, 0, NULL), "publishedAt", published_at);
}

static void test_weights(void **state)
{
    (void)state;
    json_t *a = blog("a", "Rust ownership", "memory safety", "[\"RUST\",\"SAFE\"]", 1);
    json_t *title2 = blog("b", "Rust ownership rules", "nothing shared", "[]", 1);
    json_t *desc1 = blog("c", "unrelated", "memory", "[]", 1);
    json_t *cross = blog("d", "memory", "unrelated text", "[]", 1);
    json_t *tags = blog("e", "zzz", "yyy", "[\"SAFE\",\"RUST\",\"RUST\"]", 1);
    json_t *none = blog("f", "Gardening", "plants", "[\"GARDEN\"]", 1);
    assert_int_equal(blog_similar_score(a, title2), 2 * BLOG_SIMILAR_W_TITLE);
    assert_int_equal(blog_similar_score(a, desc1), BLOG_SIMILAR_W_WORD);
    assert_int_equal(blog_similar_score(a, cross), BLOG_SIMILAR_W_WORD);
    assert_int_equal(blog_similar_score(a, tags), 2 * BLOG_SIMILAR_W_TAG);
    assert_int_equal(blog_similar_score(a, none), 0);
    json_decref(a);
    json_decref(title2);
    json_decref(desc1);
    json_decref(cross);
    json_decref(tags);
    json_decref(none);
}

static void test_case_insensitive_words(void **state)
{
    (void)state;
    json_t *a = blog("a", "RUST Guide", "x1", "[]", 1);
    json_t *b = blog("b", "rust tips", "x2", "[]", 1);
    assert_int_equal(blog_similar_score(a, b), BLOG_SIMILAR_W_TITLE);
    json_decref(a);
    json_decref(b);
}

static const char *id_at(json_t *arr, size_t i)
{
    return json_string_value(json_object_get(json_array_get(arr, i), "_id"));
}

static void test_rank_order_and_exclusions(void **state)
{
    (void)state;
    json_t *self = blog("s", "Rust ownership", "memory safety", "[\"RUST\"]", 10);
    json_t *c = json_array();
    json_array_append_new(c, blog("s", "Rust ownership", "memory safety", "[\"RUST\"]", 10));
    json_array_append_new(c, blog("low", "cooking", "pasta", "[\"RUST\"]", 50));       /* 2 */
    json_array_append_new(c, blog("high", "Rust ownership", "x", "[]", 1));            /* 6 */
    json_array_append_new(c, blog("mid-old", "Rust", "memory", "[]", 5));              /* 4 */
    json_array_append_new(c, blog("mid-new", "Ownership", "safety", "[]", 7));         /* 4 */
    json_array_append_new(c, blog("tie-a", "rust", "memory", "[]", 5));                /* 4 */
    json_array_append_new(c, blog("zero", "gardening", "plants", "[\"GARDEN\"]", 99)); /* 0 */
    json_t *r = blog_similar_rank(self, c, BLOG_SIMILAR_TOP);
    assert_int_equal(json_array_size(r), 5);
    assert_string_equal(id_at(r, 0), "high");
    assert_string_equal(id_at(r, 1), "mid-new"); /* same score: newer first */
    assert_string_equal(id_at(r, 2), "tie-a");   /* same score and date: larger _id first */
    assert_string_equal(id_at(r, 3), "mid-old");
    assert_string_equal(id_at(r, 4), "low");
    json_decref(r);
    json_decref(c);
    json_decref(self);
}

static void test_rank_top_n(void **state)
{
    (void)state;
    json_t *self = blog("s", "Rust", "x", "[]", 1);
    json_t *c = json_array();
    char id[8];
    for (int i = 0; i < 10; i++) {
        snprintf(id, sizeof id, "c%d", i);
        json_array_append_new(c, blog(id, "rust", "y", "[]", i));
    }
    json_t *r = blog_similar_rank(self, c, BLOG_SIMILAR_TOP);
    assert_int_equal(json_array_size(r), BLOG_SIMILAR_TOP);
    assert_string_equal(id_at(r, 0), "c9");
    assert_string_equal(id_at(r, 5), "c4");
    json_decref(r);
    json_t *empty = json_array();
    r = blog_similar_rank(self, empty, BLOG_SIMILAR_TOP);
    assert_int_equal(json_array_size(r), 0);
    json_decref(r);
    json_decref(empty);
    json_decref(c);
    json_decref(self);
}

/* ---- the scoring rule, written the plain way (the implementation before the hashed word
 * sets of similar.c): the fast one must give the same keywords and scores ---- */

static int ref_contains(const json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (strcmp(json_string_value(v), s) == 0) return 1;
    return 0;
}

static json_t *ref_words(const char *text, size_t max)
{
    json_t *out = json_array();
    char w[512];
    size_t len = 0;
    for (const unsigned char *p = (const unsigned char *)text;; p++) {
        unsigned char c = *p;
        int word =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
        if (c && word) {
            if (len < sizeof w - 1)
                w[len] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
            len++;
            continue;
        }
        if (len >= 2 && len <= 64) {
            w[len] = '\0';
            json_t *s = json_string(w);
            if (s && !blog_is_stop_word(w) && json_array_size(out) < max && !ref_contains(out, w))
                json_array_append(out, s);
            json_decref(s);
        }
        len = 0;
        if (!c)
            break;
    }
    return out;
}

static json_t *ref_keywords(const char *title, const char *description)
{
    json_t *out = ref_words(title, BLOG_WORDS_MAX);
    json_t *d = ref_words(description, BLOG_WORDS_MAX);
    size_t i;
    json_t *v;
    json_array_foreach(d, i, v)
    {
        if (json_array_size(out) < BLOG_KEYWORDS_MAX && !ref_contains(out, json_string_value(v)))
            json_array_append(out, v);
    }
    json_decref(d);
    return out;
}

static int ref_score(const json_t *a, const json_t *b)
{
    const char *at = json_string_value(json_object_get(a, "title"));
    const char *bt = json_string_value(json_object_get(b, "title"));
    json_t *ta = ref_words(at, BLOG_WORDS_MAX), *tb = ref_words(bt, BLOG_WORDS_MAX);
    json_t *ka = ref_keywords(at, json_string_value(json_object_get(a, "description")));
    json_t *kb = ref_keywords(bt, json_string_value(json_object_get(b, "description")));
    int score = 0;
    size_t i;
    json_t *v;
    json_array_foreach(ka, i, v)
    {
        const char *w = json_string_value(v);
        if (ref_contains(kb, w))
            score += ref_contains(ta, w) && ref_contains(tb, w) ? BLOG_SIMILAR_W_TITLE
                                                                : BLOG_SIMILAR_W_WORD;
    }
    json_t *seen = json_array();
    json_array_foreach(json_object_get(a, "tags"), i, v)
    {
        const char *t = json_string_value(v);
        if (!ref_contains(seen, t) && ref_contains(json_object_get(b, "tags"), t)) {
            score += BLOG_SIMILAR_W_TAG;
            json_array_append(seen, v);
        }
    }
    json_decref(seen);
    json_decref(ta);
    json_decref(tb);
    json_decref(ka);
    json_decref(kb);
    return score;
}

static unsigned long long rng = 0x9E3779B97F4A7C15ULL;
static unsigned next_rand(void)
{
    return mf_xorshift_next(&rng);
}

/* A text from a small vocabulary, so that words repeat within it and across texts: case,
 * stop-words, one-letter and over-long words, UTF-8, and more words than the bounds. */
static void random_text(char *out, size_t cap, size_t words)
{
    static const char *const vocab[] = {
        "Rust",
        "rust",
        "RUST",
        "memory",
        "safety",
        "the",
        "and",
        "a",
        "x",
        "go",
        "C17",
        "\xc3\xa9t\xc3\xa9",
        "k8s",
        "data-base",
        "over",
        "Ownership",
        "ownership",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "scale",
        "blog",
        "tags",
        "w1",
        "w2",
        "w3",
        "w4",
        "w5",
        "w6",
        "w7",
        "w8",
        "w9"};
    size_t n = sizeof vocab / sizeof vocab[0], len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < words; i++) {
        char num[16] = "";
        const char *w = vocab[next_rand() % n];
        if (next_rand() % 3 == 0)
            snprintf(num, sizeof num, "%u", next_rand() % 90);
        int k = snprintf(out + len, cap - len, "%s%s%s", i ? (next_rand() % 4 ? " " : ", ") : "", w,
                         num);
        if (k < 0 || (size_t)k >= cap - len)
            break;
        len += (size_t)k;
    }
}

static json_t *random_blog(int i)
{
    char title[2048], desc[4096], id[16];
    random_text(title, sizeof title, 1 + next_rand() % 40);
    random_text(desc, sizeof desc, next_rand() % 80);
    snprintf(id, sizeof id, "r%03d", i);
    json_t *tags = json_array();
    for (unsigned t = next_rand() % 5; t > 0; t--) {
        char tag[8];
        snprintf(tag, sizeof tag, "T%u", next_rand() % 6);
        json_array_append_new(tags, json_string(tag));
    }
    return json_pack("{s:s,s:s,s:s,s:o,s:I}", "_id", id, "title", title, "description", desc,
                     "tags", tags, "publishedAt", (json_int_t)(next_rand() % 5));
}

static void test_same_as_plain_rule(void **state)
{
    (void)state;
    json_t *blogs = json_array();
    for (int i = 0; i < 120; i++)
        json_array_append_new(blogs, random_blog(i));
    assert_int_equal(json_array_size(blogs), 120);
    int nonzero = 0;
    for (size_t i = 0; i < json_array_size(blogs); i++) {
        json_t *a = json_array_get(blogs, i);
        const char *t = json_string_value(json_object_get(a, "title"));
        const char *d = json_string_value(json_object_get(a, "description"));
        json_t *k = blog_keywords(t, d), *rk = ref_keywords(t, d);
        assert_true(json_equal(k, rk));
        json_decref(k);
        json_decref(rk);
        for (size_t j = 0; j < json_array_size(blogs); j++) {
            json_t *b = json_array_get(blogs, j);
            int s = blog_similar_score(a, b);
            assert_int_equal(s, ref_score(a, b));
            nonzero += s > 0;
        }
    }
    assert_true(nonzero > 1000); /* the texts do share words: the comparison means something */
    json_decref(blogs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weights),
        cmocka_unit_test(test_case_insensitive_words),
        cmocka_unit_test(test_rank_order_and_exclusions),
        cmocka_unit_test(test_rank_top_n),
        cmocka_unit_test(test_same_as_plain_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
