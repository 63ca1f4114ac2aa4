/* Create/update body validation messages (API.md sections 2 and 4) and the response shapes
 * built from a stored record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dto.h"
#include "micro/alloc.h"

#define VALID_CREATE                                                                               \
    "{\"title\":\"Title\",\"description\":\"Description\",\"draftText\":\"text\","                 \
    "\"slug\":\"my slug/part?\",\"imgUrl\":\"https://img.example/x.png\",\"tags\":[\"C\"]}"

/* Message of validating body with create (or update), "" when valid. Caller frees. */
static char *message(const char *body, bool update)
{
    json_t *j = json_loads(body, 0, NULL);
    assert_non_null(j);
    blog_input in;
    mf_valid v;
    mf_valid_init(&v);
    if (update)
        blog_dto_update(j, &in, &v);
    else
        blog_dto_create(j, &in, &v);
    char *msg = strdup(mf_valid_message(&v));
    mf_valid_release(&v);
    blog_input_release(&in);
    json_decref(j);
    return msg;
}

static void expect(const char *body, bool update, const char *want)
{
    char *got = message(body, update);
    assert_string_equal(got, want);
    free(got);
}

static void test_create_empty_body(void **state)
{
    (void)state;
    expect("{}", false,
           "title is required, description is required, drafttext is required, slug is "
           "required, imgurl is required, tags is required");
}

static void test_create_valid_and_normalised(void **state)
{
    (void)state;
    json_t *j = json_loads(VALID_CREATE, 0, NULL);
    blog_input in;
    mf_valid v;
    mf_valid_init(&v);
    assert_true(blog_dto_create(j, &in, &v));
    assert_string_equal(in.slug, "myslug-part");
    assert_string_equal(in.title, "Title");
    assert_int_equal(json_array_size(in.tags), 1);
    blog_input_release(&in);
    mf_valid_release(&v);
    json_decref(j);
}

static void test_create_rules(void **state)
{
    (void)state;
    expect("{\"title\":\"ab\",\"description\":\"d\",\"draftText\":\"\",\"slug\":\"a b\","
           "\"imgUrl\":\"not a uri\",\"tags\":[]}",
           false,
           "title must be at least 3 characters, description must be at least 3 characters, "
           "drafttext is required, slug must be at least 3 characters, imgurl is not a valid "
           "URI, tags is required");
    expect("{\"title\":\"abc\",\"description\":\"abc\",\"draftText\":\"x\",\"slug\":\"abc\","
           "\"imgUrl\":\"https://x.io\",\"tags\":[\"ok\",\"OK\",\"\"]}",
           false, "tags[0] must be uppercase, tags[2] is required");
}

static void test_wrong_types_and_operators(void **state)
{
    (void)state;
    expect("{\"title\":{\"$gt\":\"\"},\"description\":123,\"draftText\":true,\"slug\":[1],"
           "\"imgUrl\":null,\"tags\":\"C\"}",
           false,
           "title must be a string, description must be a string, drafttext must be a string, "
           "slug must be a string, imgurl is required, tags must be an array");
    /* an operator-looking string is a valid string value */
    expect("{\"title\":\"{\\\"$gt\\\":\\\"\\\"}\",\"description\":\"$where\",\"draftText\":\"x\","
           "\"slug\":\"{\\\"$gt\\\":\\\"\\\"}\",\"imgUrl\":\"https://x.io\",\"tags\":[\"C\"]}",
           false, "");
}

static void test_too_many_tags(void **state)
{
    (void)state;
    expect("{\"title\":\"abc\",\"description\":\"abc\",\"draftText\":\"x\",\"slug\":\"abc\","
           "\"imgUrl\":\"https://x.io\",\"tags\":[\"A\",\"B\",\"C\",\"D\",\"E\",\"F\",\"G\","
           "\"H\",\"I\",\"J\",\"K\",\"L\",\"M\",\"N\",\"O\",\"P\",\"Q\",\"R\",\"S\",\"T\",\"U\"]}",
           false, "tags must have at most 20 items");
}

static void test_update_rules(void **state)
{
    (void)state;
    expect("{}", true, "_id is required");
    expect("{\"_id\":\"123\"}", true, "_id must be of length 24");
    expect("{\"_id\":\"zzzzzzzzzzzzzzzzzzzzzzzz\"}", true, "_id is invalid");
    expect("{\"_id\":\"0123456789abcdef01234567\"}", true, "");
    expect("{\"_id\":\"0123456789abcdef01234567\",\"draftText\":\"\"}", true,
           "drafttext is required");
    expect("{\"_id\":\"0123456789abcdef01234567\",\"title\":\"\",\"tags\":[],\"slug\":\"??\"}",
           true,
           "title must be at least 3 characters, slug must be at least 3 characters, "
           "tags is required");
    expect("{\"_id\":\"0123456789abcdef01234567\",\"title\":null}", true, "");
}

static void test_update_fields(void **state)
{
    (void)state;
    json_t *j = json_loads("{\"_id\":\"0123456789abcdef01234567\",\"slug\":\"new slug\","
                           "\"published\":true,\"status\":false}",
                           0, NULL);
    blog_input in;
    mf_valid v;
    mf_valid_init(&v);
    assert_true(blog_dto_update(j, &in, &v));
    assert_string_equal(in.id, "0123456789abcdef01234567");
    assert_string_equal(in.slug, "newslug");
    assert_null(in.title);
    assert_null(in.tags);
    blog_input_release(&in);
    mf_valid_release(&v);
    json_decref(j);
}

static json_t *record(void)
{
    return json_loads(
        "{\"_id\":\"0123456789abcdef01234567\",\"title\":\"T\",\"description\":\"D\","
        "\"text\":\"pub\",\"draftText\":\"draft\",\"slug\":\"s\",\"imgUrl\":\"https://i\","
        "\"score\":0.01,\"tags\":[\"A\"],\"submitted\":false,\"drafted\":false,"
        "\"published\":true,\"status\":true,\"keywords\":[\"t\"],\"createdBy\":\"u\","
        "\"publishedAt\":1700000000123,\"createdAt\":0,\"updatedAt\":1700000000000,"
        "\"author\":{\"_id\":\"u\",\"name\":\"N\",\"secret\":1}}",
        0, NULL);
}

static void assert_keys(json_t *o, const char *const *keys, size_t n)
{
    assert_int_equal(json_object_size(o), n);
    for (size_t i = 0; i < n; i++)
        assert_non_null(json_object_get(o, keys[i]));
}

static void test_shapes(void **state)
{
    (void)state;
    json_t *rec = record();
    json_t *pub = blog_dto_public(rec);
    const char *pk[] = {"_id",    "title", "description", "text",        "slug",        "author",
                        "imgUrl", "score", "tags",        "publishedAt", "commentCount"};
    assert_keys(pub, pk, 11);
    /* a blog written before comments existed shows 0 */
    assert_int_equal(json_integer_value(json_object_get(pub, "commentCount")), 0);
    assert_string_equal(json_string_value(json_object_get(pub, "publishedAt")),
                        "2023-11-14T22:13:20.123Z");
    assert_int_equal(json_object_size(json_object_get(pub, "author")), 2);

    json_t *priv = blog_dto_private(rec);
    const char *vk[] = {"_id",       "title",       "description", "text",        "draftText",
                        "slug",      "author",      "imgUrl",      "score",       "tags",
                        "submitted", "drafted",     "published",   "publishedAt", "createdAt",
                        "updatedAt", "commentCount"};
    assert_keys(priv, vk, 17);
    assert_string_equal(json_string_value(json_object_get(priv, "createdAt")),
                        "1970-01-01T00:00:00.000Z");

    json_t *item = blog_dto_item(rec);
    const char *ik[] = {"_id", "title", "description", "slug", "imgUrl", "score", "tags"};
    assert_keys(item, ik, 7);

    json_t *recs = json_pack("[O,O]", rec, rec);
    json_t *items = blog_dto_items(recs);
    assert_int_equal(json_array_size(items), 2);

    json_decref(items);
    json_decref(recs);
    json_decref(item);
    json_decref(priv);
    json_decref(pub);
    json_decref(rec);
}

static void test_optional_fields_omitted(void **state)
{
    (void)state;
    json_t *rec = json_loads("{\"_id\":\"x\",\"title\":\"T\",\"draftText\":\"d\"}", 0, NULL);
    json_t *priv = blog_dto_private(rec);
    assert_null(json_object_get(priv, "text"));
    assert_null(json_object_get(priv, "imgUrl"));
    assert_null(json_object_get(priv, "publishedAt"));
    json_decref(priv);
    json_decref(rec);
}

/* The comment text rule: trimmed, 1..2000 code points; parentId optional ObjectId. */
static void test_comment_body(void **state)
{
    (void)state;
    static const struct {
        const char *body, *msg, *text;
    } cases[] = {
        {"{}", "text is required", NULL},
        {"{\"text\":null}", "text is required", NULL},
        {"{\"text\":\" \\t\\r\\n \"}", "text is required", NULL},
        {"{\"text\":true}", "text must be a string", NULL},
        {"{\"text\":\"a\\u0000b\"}", "text must be a string", NULL},
        {"{\"text\":\"  hi there \\n\"}", "", "hi there"},
        {"{\"text\":\"x\",\"parentId\":\"abc\"}", "parentid must be of length 24", NULL},
        {"{\"text\":\"x\",\"parentId\":[]}", "parentid must be a string", NULL},
        {"{\"text\":\"x\",\"parentId\":null}", "", "x"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *j = json_loads(cases[i].body, JSON_ALLOW_NUL, NULL);
        assert_non_null(j);
        mf_valid v;
        mf_valid_init(&v);
        char *text = NULL;
        const char *parent = NULL;
        blog_dto_comment_text(j, &v, &text);
        blog_dto_comment_parent(j, &v, &parent);
        assert_string_equal(mf_valid_message(&v), cases[i].msg);
        if (cases[i].text)
            assert_string_equal(text, cases[i].text);
        free(text);
        mf_valid_release(&v);
        json_decref(j);
    }
    /* 2000 code points (two bytes each) pass, 2001 fail */
    for (int n = 2000; n <= 2001; n++) {
        char *buf = mf_calloc((size_t)n * 2 + 1, 1);
        for (int k = 0; k < n; k++)
            memcpy(buf + 2 * k, "\xc3\xa9", 2);
        json_t *j = json_pack("{s:s}", "text", buf);
        mf_valid v;
        mf_valid_init(&v);
        char *text = NULL;
        assert_int_equal(blog_dto_comment_text(j, &v, &text), n == 2000);
        assert_string_equal(mf_valid_message(&v),
                            n == 2000 ? "" : "text must be at most 2000 characters");
        free(text);
        free(buf);
        mf_valid_release(&v);
        json_decref(j);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_empty_body),
        cmocka_unit_test(test_create_valid_and_normalised),
        cmocka_unit_test(test_create_rules),
        cmocka_unit_test(test_wrong_types_and_operators),
        cmocka_unit_test(test_too_many_tags),
        cmocka_unit_test(test_update_rules),
        cmocka_unit_test(test_update_fields),
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_optional_fields_omitted),
        cmocka_unit_test(test_comment_body),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
