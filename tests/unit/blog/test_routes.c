/* The route table: every endpoint of API.md section 4 is routed with the right guard. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "guard.h"
#include "micro/router.h"
#include "routes.h"

static void expect(const mf_router *r, const char *method, const char *path, unsigned guard)
{
    const mf_route *route = mf_router_match(r, method, path, NULL);
    assert_non_null(route);
    assert_int_equal(route->guard, guard);
}

static void test_table(void **state)
{
    (void)state;
    mf_router *r = mf_router_new();
    assert_int_equal(mf_router_add(r, blog_routes, blog_routes_count), 0);
    const char *id = "/0123456789abcdef01234567";
    char p[128];
    expect(r, "GET", "/id/0123456789abcdef01234567", 0);
    expect(r, "GET", "/slug/some-slug", 0);
    expect(r, "GET", "/list/latest", 0);
    expect(r, "GET", "/list/tag/C", 0);
    expect(r, "GET", "/list/similar/id/0123456789abcdef01234567", 0);
    expect(r, "POST", "/author", BLOG_GUARD_AUTHOR);
    expect(r, "PUT", "/author", BLOG_GUARD_AUTHOR);
    snprintf(p, sizeof p, "/author/id%s", id);
    expect(r, "GET", p, BLOG_GUARD_AUTHOR);
    expect(r, "DELETE", p, BLOG_GUARD_AUTHOR);
    snprintf(p, sizeof p, "/author/submit/id%s", id);
    expect(r, "PUT", p, BLOG_GUARD_AUTHOR);
    snprintf(p, sizeof p, "/author/withdraw/id%s", id);
    expect(r, "PUT", p, BLOG_GUARD_AUTHOR);
    expect(r, "GET", "/author/drafts", BLOG_GUARD_AUTHOR);
    expect(r, "GET", "/author/submitted", BLOG_GUARD_AUTHOR);
    expect(r, "GET", "/author/published", BLOG_GUARD_AUTHOR);
    snprintf(p, sizeof p, "/editor/id%s", id);
    expect(r, "GET", p, BLOG_GUARD_EDITOR);
    snprintf(p, sizeof p, "/editor/publish/id%s", id);
    expect(r, "PUT", p, BLOG_GUARD_EDITOR);
    snprintf(p, sizeof p, "/editor/unpublish/id%s", id);
    expect(r, "PUT", p, BLOG_GUARD_EDITOR);
    expect(r, "GET", "/editor/submitted", BLOG_GUARD_EDITOR);
    expect(r, "GET", "/editor/published", BLOG_GUARD_EDITOR);
    snprintf(p, sizeof p, "/comments/id%s", id);
    expect(r, "POST", p, BLOG_GUARD_USER);
    expect(r, "GET", p, 0);
    snprintf(p, sizeof p, "/comment/id%s", id);
    expect(r, "PUT", p, BLOG_GUARD_USER);
    expect(r, "DELETE", p, BLOG_GUARD_USER);
    expect(r, "GET", "/tags", 0);
    assert_int_equal(blog_routes_count, 24);
    assert_null(mf_router_match(r, "DELETE", "/author", NULL));
    mf_router_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
