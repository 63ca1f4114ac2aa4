/* Local role check after authentication: exact 403 messages of API.md section 3. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "authn.h"

static void check(const char *user_json, const char *role, const char *want)
{
    json_t *u = json_loads(user_json, 0, NULL);
    assert_non_null(u);
    const char *got = blog_role_check(u, role);
    if (want)
        assert_string_equal(got, want);
    else
        assert_null(got);
    json_decref(u);
}

static void test_roles(void **state)
{
    (void)state;
    check("{\"id\":\"u\"}", "AUTHOR", "permission denied: role missing");
    check("{\"id\":\"u\",\"roles\":[]}", "AUTHOR", "permission denied: role missing");
    check("{\"id\":\"u\",\"roles\":null}", "AUTHOR", "permission denied: role missing");
    check("{\"id\":\"u\",\"roles\":[{\"id\":\"1\",\"code\":\"LEARNER\"}]}", "AUTHOR",
          "permission denied: does not have suffient role");
    check("{\"id\":\"u\",\"roles\":[{\"id\":\"1\",\"code\":\"AUTHOR\"}]}", "EDITOR",
          "permission denied: does not have suffient role");
    check("{\"id\":\"u\",\"roles\":[{\"id\":\"1\",\"code\":\"LEARNER\"},{\"id\":\"2\","
          "\"code\":\"AUTHOR\"}]}",
          "AUTHOR", NULL);
    check("{\"id\":\"u\",\"roles\":[{\"id\":\"1\",\"code\":\"author\"}]}", "AUTHOR",
          "permission denied: does not have suffient role");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
