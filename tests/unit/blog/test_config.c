/* blog-service configuration table: the defaults of COMMON conventions and bounds checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "config.h"

/* NULL-terminated name/value pairs. */
static const char *lookup(const char *name, void *ctx)
{
    const char *const *kv = ctx;
    for (size_t i = 0; kv[i]; i += 2)
        if (strcmp(kv[i], name) == 0)
            return kv[i + 1];
    return NULL;
}

static void test_defaults(void **state)
{
    (void)state;
    const char *none[] = {NULL};
    char *err = NULL;
    mf_config *c = mf_config_parse(blog_config_opts, blog_config_nopts, lookup, none, &err);
    assert_non_null(c);
    assert_string_equal(mf_config_str(c, "HOST"), "127.0.0.1");
    assert_int_equal(mf_config_int(c, "PORT"), 8081);
    assert_int_equal(mf_config_int(c, "HTTP_THREADS"), 8); /* measured, see config.c */
    assert_int_equal(mf_config_int(c, "HTTP_MAX_BODY"), 1048576);
    assert_string_equal(mf_config_str(c, "NATS_URL"), "nats://127.0.0.1:4222");
    assert_int_equal(mf_config_int(c, "REDIS_PORT"), 6379);
    assert_string_equal(mf_config_str(c, "MONGO_URI"), "mongodb://127.0.0.1:27017");
    assert_string_equal(mf_config_str(c, "MONGO_DB"), "blogs");
    assert_int_equal(mf_config_int(c, "AUTH_TIMEOUT_MS"), 2000);
    mf_config_free(c);
}

static void test_bad_values(void **state)
{
    (void)state;
    const char *bad_timeout[] = {"AUTH_TIMEOUT_MS", "0", NULL};
    char *err = NULL;
    assert_null(mf_config_parse(blog_config_opts, blog_config_nopts, lookup, bad_timeout, &err));
    assert_non_null(err);
    assert_non_null(strstr(err, "AUTH_TIMEOUT_MS"));
    free(err);
    err = NULL;
    const char *empty_uri[] = {"MONGO_URI", "", NULL};
    assert_null(mf_config_parse(blog_config_opts, blog_config_nopts, lookup, empty_uri, &err));
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_bad_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
