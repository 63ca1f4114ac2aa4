/* Similarity scoring and ranking: weights (title 3, other shared word 1, tag 2), order
 * (score, publishedAt, _id), self and unrelated blogs excluded, top N. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weights),
        cmocka_unit_test(test_case_insensitive_words),
        cmocka_unit_test(test_rank_order_and_exclusions),
        cmocka_unit_test(test_rank_top_n),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
