/* Keyword extraction for similar blogs: normalisation, stop-words, deduplication, bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "micro/strbuf.h"
#include "similar.h"

/* "a,b,c" of a JSON string array, for compact assertions. Caller frees. */
static char *joined(json_t *arr)
{
    mf_strbuf sb;
    mf_strbuf_init(&sb);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (i)
            mf_strbuf_addch(&sb, ',');
        mf_strbuf_adds(&sb, json_string_value(v));
    }
    json_decref(arr);
    char *out = mf_strbuf_detach(&sb, NULL);
    mf_strbuf_release(&sb); /* detach leaves an initialised (allocated) buffer */
    return out;
}

static void check_words(const char *text, const char *want)
{
    char *got = joined(blog_words(text, BLOG_WORDS_MAX));
    assert_string_equal(got, want);
    free(got);
}

static void test_lowercase_and_split(void **state)
{
    (void)state;
    check_words("Hello, World! C17/POSIX-threads", "hello,world,c17,posix,threads");
    check_words("", "");
    check_words("   ...  ", "");
}

static void test_stop_words_and_short_words_removed(void **state)
{
    (void)state;
    check_words("The Art of the C language, and a bit of it", "art,language,bit");
    assert_true(blog_is_stop_word("the"));
    assert_true(blog_is_stop_word("with"));
    assert_false(blog_is_stop_word("rust"));
}

static void test_deduplicated_in_first_order(void **state)
{
    (void)state;
    check_words("Rust rust RUST go Go rust", "rust,go");
}

static void test_utf8_kept_as_word(void **state)
{
    (void)state;
    check_words("Café crème", "café,crème");
}

/* A word of bytes that are not valid UTF-8 (truncated, Latin-1, a surrogate) is no keyword:
 * keywords are stored as JSON strings. */
static void test_invalid_utf8_not_a_word(void **state)
{
    (void)state;
    check_words("caf\xc3 ok \xe9t\xe9 \xed\xa0\x80x fine", "ok,fine");
}

static void test_long_words_dropped(void **state)
{
    (void)state;
    char word[80];
    memset(word, 'x', 70);
    word[70] = '\0';
    mf_strbuf sb;
    mf_strbuf_init(&sb);
    mf_strbuf_addf(&sb, "ok %s fine", word);
    check_words(sb.buf, "ok,fine");
    mf_strbuf_release(&sb);
}

static void test_bounded(void **state)
{
    (void)state;
    mf_strbuf sb;
    mf_strbuf_init(&sb);
    for (int i = 0; i < 100; i++)
        mf_strbuf_addf(&sb, "word%d ", i);
    json_t *w = blog_words(sb.buf, BLOG_WORDS_MAX);
    assert_int_equal(json_array_size(w), BLOG_WORDS_MAX);
    assert_string_equal(json_string_value(json_array_get(w, 0)), "word0");
    json_decref(w);
    json_t *k = blog_keywords(sb.buf, sb.buf);
    assert_int_equal(json_array_size(k), BLOG_WORDS_MAX); /* same words: deduplicated */
    json_decref(k);
    mf_strbuf_release(&sb);
}

static void test_keywords_title_then_description(void **state)
{
    (void)state;
    char *got = joined(blog_keywords("Rust ownership", "Ownership and borrowing in Rust"));
    assert_string_equal(got, "rust,ownership,borrowing");
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lowercase_and_split),
        cmocka_unit_test(test_stop_words_and_short_words_removed),
        cmocka_unit_test(test_deduplicated_in_first_order),
        cmocka_unit_test(test_utf8_kept_as_word),
        cmocka_unit_test(test_invalid_utf8_not_a_word),
        cmocka_unit_test(test_long_words_dropped),
        cmocka_unit_test(test_bounded),
        cmocka_unit_test(test_keywords_title_then_description),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
