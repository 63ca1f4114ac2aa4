/* Local role check after authentication: exact 403 messages of API.md section 3; the exp
 * claim the auth cache reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "auth_client.h"
#include "guard.h"
#include "micro/alloc.h"
#include "micro/base64url.h"
#include "micro/error.h"

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

/* "Bearer <header>.<payload>.sig" with payload = base64url of claims (heap, caller frees). */
static char *bearer(const char *claims)
{
    char *p = mf_b64url_encode(claims, strlen(claims));
    char *h = mf_asprintf("Bearer eyJhbGciOiJSUzI1NiJ9.%s.c2ln", p);
    free(p);
    return h;
}

static void exp_of(const char *header, int want_rc, int64_t want)
{
    int64_t got = -1;
    assert_int_equal(blog_bearer_exp(header, &got), want_rc);
    if (want_rc == 0)
        assert_true(got == want);
    else
        assert_true(got == -1); /* untouched */
}

/* The cache lifetime is capped by exp, read from a token auth-service has just accepted. */
static void test_bearer_exp(void **state)
{
    (void)state;
    char *h = bearer("{\"sub\":\"u\",\"exp\":1900000000}");
    exp_of(h, 0, 1900000000);
    free(h);
    h = bearer("{\"exp\":\"1900000000\"}"); /* not a number */
    exp_of(h, MF_ERR_INVALID, 0);
    free(h);
    h = bearer("{\"sub\":\"u\"}"); /* no exp */
    exp_of(h, MF_ERR_INVALID, 0);
    free(h);
    h = bearer("[1,2]");
    exp_of(h, MF_ERR_INVALID, 0);
    free(h);
    exp_of(NULL, MF_ERR_INVALID, 0);
    exp_of("", MF_ERR_INVALID, 0);
    exp_of("Basic abc.def.ghi", MF_ERR_INVALID, 0);
    exp_of("Bearer abc", MF_ERR_INVALID, 0);
    exp_of("Bearer abc.def", MF_ERR_INVALID, 0);
    exp_of("Bearer abc.!!!.ghi", MF_ERR_INVALID, 0); /* not base64url */
    exp_of("Bearer abc..ghi", MF_ERR_INVALID, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_bearer_exp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
