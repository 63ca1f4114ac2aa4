/* Public routes of blog-service (API.md section 4) against the stack: health, parameter
 * validation messages of section 2, 404s, and the envelope on every answer. */
#include "blog_it.h"

static void test_health(void **state)
{
    (void)state;
    th_resp r = th_call(th_api_blog(), "GET", "/health", NULL, NULL);
    th_expect_env(&r, 200, "success");
    json_t *d = th_data(&r);
    assert_string_equal(th_jstr(d, "status"), "OK");
    assert_non_null(th_jstr(d, "timestamp"));
    json_t *checks = json_object_get(d, "checks");
    assert_string_equal(th_jstr(checks, "mongo"), "UP");
    assert_string_equal(th_jstr(checks, "redis"), "UP");
    assert_string_equal(th_jstr(checks, "nats"), "UP");
    th_resp_release(&r);
}

static void test_id_param(void **state)
{
    (void)state;
    th_expect(th_api_blog(), "GET", "/id/123", NULL, NULL, 400, "id must be of length 24");
    th_expect(th_api_blog(), "GET", "/id/0123456789abcdef0123456789", NULL, NULL, 400,
              "id must be of length 24");
    th_expect(th_api_blog(), "GET", "/id/zzzzzzzzzzzzzzzzzzzzzzzz", NULL, NULL, 400,
              "id is invalid");
    th_expect(th_api_blog(), "GET", "/id/0123456789abcdef0123456g", NULL, NULL, 400,
              "id is invalid");
    th_expect(th_api_blog(), "GET", "/id/0123456789abcdef01234567", NULL, NULL, 404,
              "blog not found");
    th_expect(th_api_blog(), "GET", "/id/0123456789abcdef01234567/", NULL, NULL, 404,
              "blog not found");
    th_expect(th_api_blog(), "GET", "/list/similar/id/12", NULL, NULL, 400,
              "id must be of length 24");
    th_expect(th_api_blog(), "GET", "/list/similar/id/zzzzzzzzzzzzzzzzzzzzzzzz", NULL, NULL, 400,
              "id is invalid");
    th_expect(th_api_blog(), "GET", "/list/similar/id/0123456789abcdef01234567", NULL, NULL, 404,
              "blog not found");
}

static void test_slug_param(void **state)
{
    (void)state;
    th_expect(th_api_blog(), "GET", "/slug/ab", NULL, NULL, 400,
              "slug must be at least 3 characters");
    /* normalised before validation: "a b?" is "ab" */
    th_expect(th_api_blog(), "GET", "/slug/a%20b%3F", NULL, NULL, 400,
              "slug must be at least 3 characters");
    mf_strbuf sb;
    mf_strbuf_init(&sb);
    mf_strbuf_adds(&sb, "/slug/");
    for (int i = 0; i < 201; i++)
        mf_strbuf_addch(&sb, 'x');
    th_expect(th_api_blog(), "GET", sb.buf, NULL, NULL, 400, "slug must be at most 200 characters");
    mf_strbuf_release(&sb);
    char *t = th_random_hex(6);
    char *p = mf_asprintf("/slug/no-such-%s", t);
    th_expect(th_api_blog(), "GET", p, NULL, NULL, 404, "blog not found");
    free(p);
    free(t);
}

static void test_page_limit(void **state)
{
    (void)state;
    const char *lists[] = {"/list/latest", "/list/tag/GO"};
    for (size_t i = 0; i < 2; i++) {
        char *p;
#define Q(query, msg)                                                                              \
    p = mf_asprintf("%s%s", lists[i], query);                                                      \
    th_expect(th_api_blog(), "GET", p, NULL, NULL, 400, msg);                                      \
    free(p)
        Q("", "page is required, limit is required");
        Q("?page=1", "limit is required");
        Q("?limit=1", "page is required");
        Q("?page=0&limit=10", "page must be min 1");
        Q("?page=1001&limit=10", "page must be max 1000");
        Q("?page=1&limit=0", "limit must be min 1");
        Q("?page=1&limit=1001", "limit must be max 1000");
        Q("?page=abc&limit=10", "page must be a number");
        Q("?page=1&limit=1.5", "limit must be a number");
        Q("?page=x&limit=y", "page must be a number, limit must be a number");
#undef Q
    }
    th_resp r = th_call(th_api_blog(), "GET", "/list/latest?page=1&limit=1000", NULL, NULL);
    th_expect_env(&r, 200, "success");
    assert_true(json_is_array(th_data(&r)));
    th_resp_release(&r);
    /* a page far beyond the data is an empty list, not an error */
    r = th_call(th_api_blog(), "GET", "/list/latest?page=1000&limit=1000", NULL, NULL);
    th_expect_env(&r, 200, "success");
    assert_int_equal(json_array_size(th_data(&r)), 0);
    th_resp_release(&r);
}

static void test_tag_param(void **state)
{
    (void)state;
    th_expect(th_api_blog(), "GET", "/list/tag/go?page=1&limit=10", NULL, NULL, 400,
              "tag must be uppercase");
    th_expect(th_api_blog(), "GET", "/list/tag/Go?page=0&limit=10", NULL, NULL, 400,
              "tag must be uppercase, page must be min 1");
    char *t = th_random_hex(6);
    char *p = mf_asprintf("/list/tag/NOTAG%s?page=1&limit=10", t);
    for (char *c = p + 15; *c && *c != '?'; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 32);
    th_resp r = th_call(th_api_blog(), "GET", p, NULL, NULL);
    th_expect_env(&r, 200, "success");
    assert_int_equal(json_array_size(th_data(&r)), 0);
    th_resp_release(&r);
    free(p);
    free(t);
}

static void test_unknown_routes(void **state)
{
    (void)state;
    th_expect(th_api_blog(), "GET", "/nope", NULL, NULL, 404, "url not found");
    th_expect(th_api_blog(), "GET", "/author", NULL, NULL, 404, "url not found");
    th_expect(th_api_blog(), "POST", "/id/0123456789abcdef01234567", NULL, NULL, 404,
              "url not found");
    th_expect(th_api_blog(), "DELETE", "/editor/id/0123456789abcdef01234567/extra", NULL, NULL, 404,
              "url not found");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_health),     cmocka_unit_test(test_id_param),
        cmocka_unit_test(test_slug_param), cmocka_unit_test(test_page_limit),
        cmocka_unit_test(test_tag_param),  cmocka_unit_test(test_unknown_routes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
