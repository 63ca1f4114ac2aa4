/* Router: pattern parsing, matching, precedence and parameters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "micro/error.h"
#include "micro/router.h"

static void h_a(mf_req *req)
{
    (void)req;
}
static void h_b(mf_req *req)
{
    (void)req;
}

/* The value of parameter name in p as a NUL-terminated string in buf. */
static const char *param(const mf_params *p, const char *name, char *buf, size_t size)
{
    for (size_t i = 0; i < p->count; i++) {
        if (strcmp(p->items[i].name, name) == 0) {
            snprintf(buf, size, "%.*s", (int)p->items[i].value_len, p->items[i].value_start);
            return buf;
        }
    }
    return NULL;
}

static const mf_route blog_routes[] = {
    {"GET", "/health", h_a, 0},
    {"GET", "/id/:id", h_a, 0},
    {"GET", "/slug/:slug", h_a, 0},
    {"GET", "/list/latest", h_a, 0},
    {"GET", "/list/tag/:tag", h_a, 0},
    {"GET", "/list/similar/id/:id", h_a, 0},
    {"POST", "/author", h_a, 1},
    {"PUT", "/author", h_b, 1},
    {"GET", "/author/id/:id", h_a, 1},
    {"DELETE", "/author/id/:id", h_b, 1},
    {"PUT", "/author/submit/id/:id", h_a, 1},
    {"GET", "/author/drafts", h_a, 1},
    {"GET", "/:a/x/:b", h_a, 0},
    {"GET", "/", h_b, 0},
};
#define NBLOG (sizeof(blog_routes) / sizeof(blog_routes[0]))

static int setup(void **state)
{
    mf_router *r = mf_router_new();
    if (mf_router_add(r, blog_routes, NBLOG) != 0)
        return -1;
    *state = r;
    return 0;
}

static int teardown(void **state)
{
    mf_router_free(*state);
    return 0;
}

static void test_static_match(void **state)
{
    mf_router *r = *state;
    mf_params p;
    const mf_route *rt = mf_router_match(r, "GET", "/health", &p);
    assert_ptr_equal(rt, &blog_routes[0]);
    assert_int_equal(p.count, 0);
    assert_ptr_equal(mf_router_match(r, "GET", "/author/drafts", NULL), &blog_routes[11]);
    assert_null(mf_router_match(r, "GET", "/healthz", NULL));
    assert_null(mf_router_match(r, "GET", "/health/x", NULL));
    assert_null(mf_router_match(r, "GET", "/heal", NULL));
    assert_null(mf_router_match(r, "GET", "/nope", NULL));
}

static void test_root(void **state)
{
    mf_router *r = *state;
    mf_params p;
    assert_ptr_equal(mf_router_match(r, "GET", "/", &p), &blog_routes[13]);
    assert_int_equal(p.count, 0);
    assert_null(mf_router_match(r, "GET", "//", NULL));
    assert_null(mf_router_match(r, "GET", "", NULL));
    assert_null(mf_router_match(r, "POST", "/", NULL));
}

static void test_param_at_end(void **state)
{
    mf_router *r = *state;
    mf_params p;
    char buf[64];
    const mf_route *rt = mf_router_match(r, "GET", "/id/65f1c0ffee0000000000abcd", &p);
    assert_ptr_equal(rt, &blog_routes[1]);
    assert_int_equal(p.count, 1);
    assert_string_equal(p.items[0].name, "id");
    assert_string_equal(param(&p, "id", buf, sizeof(buf)), "65f1c0ffee0000000000abcd");
    assert_int_equal(p.items[0].value_len, 24);

    rt = mf_router_match(r, "GET", "/list/similar/id/abc", &p);
    assert_ptr_equal(rt, &blog_routes[5]);
    assert_string_equal(param(&p, "id", buf, sizeof(buf)), "abc");
}

static void test_params_in_middle(void **state)
{
    mf_router *r = *state;
    mf_params p;
    char buf[64];
    const mf_route *rt = mf_router_match(r, "GET", "/first/x/second", &p);
    assert_ptr_equal(rt, &blog_routes[12]);
    assert_int_equal(p.count, 2);
    /* names are usable C strings even when the parameter is not the last segment */
    assert_string_equal(p.items[0].name, "a");
    assert_string_equal(p.items[1].name, "b");
    assert_string_equal(param(&p, "a", buf, sizeof(buf)), "first");
    assert_string_equal(param(&p, "b", buf, sizeof(buf)), "second");
    assert_null(mf_router_match(r, "GET", "/first/y/second", NULL));
    assert_null(mf_router_match(r, "GET", "/first/x", NULL));
}

static void test_trailing_slash(void **state)
{
    mf_router *r = *state;
    mf_params p;
    char buf[64];
    assert_ptr_equal(mf_router_match(r, "GET", "/health/", NULL), &blog_routes[0]);
    assert_ptr_equal(mf_router_match(r, "GET", "/list/latest/", NULL), &blog_routes[3]);
    const mf_route *rt = mf_router_match(r, "GET", "/slug/hello-world/", &p);
    assert_ptr_equal(rt, &blog_routes[2]);
    /* the slash is not part of the value */
    assert_string_equal(param(&p, "slug", buf, sizeof(buf)), "hello-world");
    assert_int_equal(p.items[0].value_len, 11);
    /* only one trailing slash is tolerated */
    assert_null(mf_router_match(r, "GET", "/health//", NULL));
}

static void test_empty_segments_do_not_match_params(void **state)
{
    mf_router *r = *state;
    assert_null(mf_router_match(r, "GET", "/id/", NULL));
    assert_null(mf_router_match(r, "GET", "/id//", NULL));
    assert_null(mf_router_match(r, "GET", "//x/b", NULL));
    assert_null(mf_router_match(r, "GET", "/a/x/", NULL));
    assert_null(mf_router_match(r, "GET", "/a/x//", NULL));
    assert_null(mf_router_match(r, "GET", "/list/tag//", NULL));
    assert_null(mf_router_match(r, "GET", "/list//latest", NULL));
    assert_null(mf_router_match(r, "GET", "//health", NULL));
}

static void test_static_beats_param(void **state)
{
    (void)state;
    /* the parameter route is declared first: precedence must not depend on order */
    static const mf_route rs[] = {
        {"GET", "/list/:tag", h_a, 0}, {"GET", "/list/latest", h_b, 0}, {"GET", "/:x/y", h_a, 0},
        {"GET", "/z/:w", h_b, 0},      {"GET", "/:p/:q/c", h_a, 0},     {"GET", "/:p/b/:r", h_b, 0},
    };
    mf_router *r = mf_router_new();
    assert_int_equal(mf_router_add(r, rs, 6), 0);
    mf_params p;
    assert_ptr_equal(mf_router_match(r, "GET", "/list/latest", &p), &rs[1]);
    assert_int_equal(p.count, 0);
    assert_ptr_equal(mf_router_match(r, "GET", "/list/other", &p), &rs[0]);
    assert_int_equal(p.count, 1);
    /* leftmost static segment decides */
    assert_ptr_equal(mf_router_match(r, "GET", "/z/y", NULL), &rs[3]);
    assert_ptr_equal(mf_router_match(r, "GET", "/q/y", NULL), &rs[2]);
    assert_ptr_equal(mf_router_match(r, "GET", "/a/b/c", NULL), &rs[5]);
    assert_ptr_equal(mf_router_match(r, "GET", "/a/d/c", NULL), &rs[4]);
    mf_router_free(r);
}

static void test_method_exact(void **state)
{
    mf_router *r = *state;
    assert_ptr_equal(mf_router_match(r, "POST", "/author", NULL), &blog_routes[6]);
    assert_ptr_equal(mf_router_match(r, "PUT", "/author", NULL), &blog_routes[7]);
    assert_ptr_equal(mf_router_match(r, "DELETE", "/author/id/1", NULL), &blog_routes[9]);
    assert_null(mf_router_match(r, "get", "/health", NULL));
    assert_null(mf_router_match(r, "GETX", "/health", NULL));
    assert_null(mf_router_match(r, "GE", "/health", NULL));
    assert_null(mf_router_match(r, "PATCH", "/author", NULL));
    assert_null(mf_router_match(r, "GET", "/author", NULL));
    assert_null(mf_router_match(r, NULL, "/health", NULL));
}

static void test_path_without_slash(void **state)
{
    mf_router *r = *state;
    mf_params p;
    p.count = 5;
    assert_null(mf_router_match(r, "GET", "health", &p));
    assert_int_equal(p.count, 0);
    assert_null(mf_router_match(r, "GET", NULL, NULL));
}

static void test_case_sensitive_path(void **state)
{
    mf_router *r = *state;
    assert_null(mf_router_match(r, "GET", "/Health", NULL));
    assert_null(mf_router_match(r, "GET", "/LIST/latest", NULL));
}

static void test_params_no_match_clears(void **state)
{
    mf_router *r = *state;
    mf_params p;
    assert_non_null(mf_router_match(r, "GET", "/id/x", &p));
    assert_int_equal(p.count, 1);
    assert_null(mf_router_match(r, "GET", "/nothing/here/at/all", &p));
    assert_int_equal(p.count, 0);
}

static void test_reject_malformed(void **state)
{
    (void)state;
    static const mf_route bad[][1] = {
        {{"GET", "health", h_a, 0}},   {{"GET", "", h_a, 0}},
        {{"GET", "/a/:", h_a, 0}},     {{"GET", "/:/b", h_a, 0}},
        {{"GET", "/a//b", h_a, 0}},    {{"GET", "//", h_a, 0}},
        {{"GET", "/a/:x/:x", h_a, 0}}, {{"GET", "/:a/:b/:c/:d/:e/:f/:g/:h/:i", h_a, 0}},
        {{"GET", NULL, h_a, 0}},       {{NULL, "/a", h_a, 0}},
        {{"", "/a", h_a, 0}},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        mf_router *r = mf_router_new();
        assert_int_equal(mf_router_add(r, bad[i], 1), MF_ERR_INVALID);
        mf_router_free(r);
    }
    /* exactly MF_ROUTER_MAX_PARAMS is fine */
    static const mf_route eight[] = {{"GET", "/:a/:b/:c/:d/:e/:f/:g/:h", h_a, 0}};
    mf_router *r = mf_router_new();
    assert_int_equal(mf_router_add(r, eight, 1), 0);
    mf_params p;
    assert_ptr_equal(mf_router_match(r, "GET", "/1/2/3/4/5/6/7/8", &p), &eight[0]);
    assert_int_equal(p.count, 8);
    assert_string_equal(p.items[7].name, "h");
    assert_int_equal(p.items[7].value_start[0], '8');
    mf_router_free(r);
}

static void test_reject_duplicates(void **state)
{
    mf_router *r = *state;
    static const mf_route dup1[] = {{"GET", "/health", h_b, 0}};
    static const mf_route dup2[] = {{"GET", "/health/", h_b, 0}};
    static const mf_route dup3[] = {{"GET", "/id/:other", h_b, 0}};
    static const mf_route other_method[] = {{"POST", "/health", h_b, 0}};
    assert_int_equal(mf_router_add(r, dup1, 1), MF_ERR_INVALID);
    assert_int_equal(mf_router_add(r, dup2, 1), MF_ERR_INVALID);
    assert_int_equal(mf_router_add(r, dup3, 1), MF_ERR_INVALID);
    /* the failed adds left the router unchanged */
    assert_ptr_equal(mf_router_match(r, "GET", "/health", NULL), &blog_routes[0]);
    assert_int_equal(mf_router_add(r, other_method, 1), 0);
    assert_ptr_equal(mf_router_match(r, "POST", "/health", NULL), &other_method[0]);
}

static void test_reject_duplicate_within_table(void **state)
{
    (void)state;
    static const mf_route t[] = {
        {"GET", "/a", h_a, 0},
        {"GET", "/b", h_a, 0},
        {"GET", "/a", h_b, 0},
    };
    mf_router *r = mf_router_new();
    assert_int_equal(mf_router_add(r, t, 3), MF_ERR_INVALID);
    /* nothing of the failed table was kept */
    assert_null(mf_router_match(r, "GET", "/a", NULL));
    assert_null(mf_router_match(r, "GET", "/b", NULL));
    assert_int_equal(mf_router_add(r, t, 2), 0);
    assert_ptr_equal(mf_router_match(r, "GET", "/b", NULL), &t[1]);
    mf_router_free(r);
}

static void count_route(const mf_route *route, void *ctx)
{
    const mf_route **seen = ctx;
    size_t i = 0;
    while (seen[i])
        i++;
    seen[i] = route;
}

static void test_each_in_order(void **state)
{
    mf_router *r = *state;
    const mf_route *seen[NBLOG + 2] = {0};
    mf_router_each(r, count_route, seen);
    for (size_t i = 0; i < NBLOG; i++)
        assert_ptr_equal(seen[i], &blog_routes[i]);
    assert_null(seen[NBLOG]);
}

static void test_many_tables(void **state)
{
    (void)state;
    static const mf_route t1[] = {{"GET", "/one", h_a, 0}};
    static const mf_route t2[] = {{"GET", "/two/:x", h_b, 0}};
    mf_router *r = mf_router_new();
    assert_int_equal(mf_router_add(r, t1, 1), 0);
    assert_int_equal(mf_router_add(r, t2, 1), 0);
    assert_int_equal(mf_router_add(r, NULL, 0), 0);
    assert_ptr_equal(mf_router_match(r, "GET", "/one", NULL), &t1[0]);
    assert_ptr_equal(mf_router_match(r, "GET", "/two/2", NULL), &t2[0]);
    mf_router_free(r);
    mf_router_free(NULL);
}

static void test_param_value_with_specials(void **state)
{
    mf_router *r = *state;
    mf_params p;
    char buf[64];
    /* the server decodes nothing: the raw segment is handed over */
    assert_ptr_equal(mf_router_match(r, "GET", "/slug/a%20b:c", &p), &blog_routes[2]);
    assert_string_equal(param(&p, "slug", buf, sizeof(buf)), "a%20b:c");
    assert_ptr_equal(mf_router_match(r, "GET", "/list/tag/\xC3\x89T\xC3\x89", &p), &blog_routes[4]);
    assert_string_equal(param(&p, "tag", buf, sizeof(buf)), "\xC3\x89T\xC3\x89");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_static_match, setup, teardown),
        cmocka_unit_test_setup_teardown(test_root, setup, teardown),
        cmocka_unit_test_setup_teardown(test_param_at_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_params_in_middle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trailing_slash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_segments_do_not_match_params, setup, teardown),
        cmocka_unit_test(test_static_beats_param),
        cmocka_unit_test_setup_teardown(test_method_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_path_without_slash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_case_sensitive_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_params_no_match_clears, setup, teardown),
        cmocka_unit_test(test_reject_malformed),
        cmocka_unit_test_setup_teardown(test_reject_duplicates, setup, teardown),
        cmocka_unit_test(test_reject_duplicate_within_table),
        cmocka_unit_test_setup_teardown(test_each_in_order, setup, teardown),
        cmocka_unit_test(test_many_tables),
        cmocka_unit_test_setup_teardown(test_param_value_with_specials, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
