/* What a write retires (services/blog/retire.h), worked out from the record before and after
 * it: every write of the API, with the scopes each one changes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "retire.h"

#define ID     "0123456789abcdef01234567"
#define AUTHOR "6a5d3bd1-3b4b-4c8e-9b43-0b1f9cbbd3a1"

/* A live record in a state: d(rafted), s(ubmitted), p(ublished) flags, a slug and a version. */
static json_t *rec(const char *flags, const char *slug, int version)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:{s:s,s:s},s:b,s:b,s:b,s:b,s:i,s:i,s:[s]}", "_id", ID,
                     "title", "A title", "draftText", "draft", "slug", slug, "author", "_id",
                     AUTHOR, "name", "Ann", "drafted", strchr(flags, 'd') != NULL, "submitted",
                     strchr(flags, 's') != NULL, "published", strchr(flags, 'p') != NULL, "status",
                     1, "updatedAt", version, "publishedAt", 5, "tags", "C");
}

static void expect(json_t *before, json_t *after, bool pub, bool editor, bool author)
{
    blog_retire_plan p;
    blog_retire_plan_init(&p);
    blog_retire_plan_add(&p, before, after);
    assert_int_equal(p.public_answers, pub);
    assert_int_equal(json_array_size(p.keys) > 0, pub);
    assert_int_equal(p.editor_lists, editor);
    assert_false(p.every_author);
    assert_int_equal(json_array_size(p.authors), author ? 1 : 0);
    if (author)
        assert_string_equal(json_string_value(json_array_get(p.authors, 0)), AUTHOR);
    blog_retire_plan_release(&p);
    json_decref(before);
    json_decref(after);
}

static void test_workflow(void **state)
{
    (void)state;
    /* create: a draft only its author lists */
    expect(NULL, rec("d", "a-slug", 1), false, false, true);
    /* update of a draft, of a submitted blog, of a published one */
    expect(rec("d", "a-slug", 1), rec("d", "b-slug", 2), false, false, true);
    expect(rec("ds", "a-slug", 1), rec("ds", "a-slug", 2), false, true, true);
    expect(rec("p", "a-slug", 1), rec("p", "b-slug", 2), true, true, true);
    /* submit and withdraw: public answers do not show the flag, even of a published blog */
    expect(rec("d", "a-slug", 1), rec("ds", "a-slug", 2), false, true, true);
    expect(rec("ds", "a-slug", 1), rec("d", "a-slug", 2), false, true, true);
    expect(rec("p", "a-slug", 1), rec("ps", "a-slug", 2), false, true, true);
    /* publish, unpublish */
    expect(rec("ds", "a-slug", 1), rec("p", "a-slug", 2), true, true, true);
    expect(rec("p", "a-slug", 1), rec("d", "a-slug", 2), true, true, true);
    /* delete of a draft and of a published blog */
    expect(rec("d", "a-slug", 1), NULL, false, false, true);
    expect(rec("p", "a-slug", 1), NULL, true, true, true);
}

/* A published blog's keys: id, similar, and both slugs when it changed. */
static void test_public_keys(void **state)
{
    (void)state;
    json_t *b = rec("p", "a-slug", 1), *a = rec("p", "b-slug", 2);
    blog_retire_plan p;
    blog_retire_plan_init(&p);
    blog_retire_plan_add(&p, b, a);
    const char *want[] = {"blog:id:" ID, "blog:similar:" ID, "blog:slug:a-slug",
                          "blog:slug:b-slug"};
    assert_int_equal(json_array_size(p.keys), 4);
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(json_string_value(json_array_get(p.keys, i)), want[i]);
    blog_retire_plan_release(&p);
    json_decref(b);
    json_decref(a);
}

/* The author renamed: only public answers show the author. */
static void test_author_event(void **state)
{
    (void)state;
    json_t *a = rec("p", "a-slug", 1);
    json_t *b = json_copy(a);
    json_object_set_new(b, "author", json_pack("{s:s}", "_id", AUTHOR));
    expect(b, a, true, false, false);
}

/* A comment moved the count: only that blog's id and slug answers, by their own generations
 * (no list shows the count), not the public one. */
static void test_comment_count(void **state)
{
    (void)state;
    json_t *b = rec("p", "a-slug", 1);
    json_t *a = json_deep_copy(b);
    json_object_set_new(a, "commentCount", json_integer(1));
    blog_retire_plan p;
    blog_retire_plan_init(&p);
    blog_retire_plan_add(&p, b, a);
    assert_false(p.public_answers || p.editor_lists || p.every_author);
    assert_int_equal(json_array_size(p.authors), 0);
    assert_int_equal(json_array_size(p.blogs), 1);
    assert_string_equal(json_string_value(json_array_get(p.blogs, 0)), ID);
    assert_int_equal(json_array_size(p.slugs), 1);
    assert_string_equal(json_string_value(json_array_get(p.slugs, 0)), "a-slug");
    assert_int_equal(json_array_size(p.keys), 2);
    assert_string_equal(json_string_value(json_array_get(p.keys, 0)), "blog:id:" ID);
    assert_string_equal(json_string_value(json_array_get(p.keys, 1)), "blog:slug:a-slug");
    blog_retire_plan_release(&p);
    /* the count and anything else: the public generation, as before */
    json_object_set_new(a, "title", json_string("Another title"));
    blog_retire_plan_init(&p);
    blog_retire_plan_add(&p, b, a);
    assert_true(p.public_answers);
    assert_int_equal(json_array_size(p.blogs), 0);
    blog_retire_plan_release(&p);
    json_decref(b);
    json_decref(a);
}

/* A write that may or may not have happened: everything it could have changed. */
static void test_unsure(void **state)
{
    (void)state;
    blog_retire_plan p;
    blog_retire_plan_init(&p);
    blog_retire_plan_add_unsure(&p, NULL);
    assert_true(p.public_answers && p.editor_lists && p.every_author);
    blog_retire_plan_release(&p);
    blog_retire_plan_init(&p);
    blog_retire_plan_add_unsure(&p, AUTHOR);
    assert_true(p.public_answers && p.editor_lists && !p.every_author);
    assert_int_equal(json_array_size(p.authors), 1);
    blog_retire_plan_release(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_workflow),     cmocka_unit_test(test_public_keys),
        cmocka_unit_test(test_author_event), cmocka_unit_test(test_comment_count),
        cmocka_unit_test(test_unsure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
