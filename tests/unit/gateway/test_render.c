/* gateway/render: placeholders, the per-service locations, and values that bash's pattern
 * substitution would otherwise mangle. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "micro/alloc.h"

/* Rendered configuration with extra "NAME=value" variables (NULL-terminated); caller frees. */
static char *render(const char *const *vars)
{
    const char *src = getenv("CMICRO_SOURCE_DIR");
    assert_non_null(src);
    char *dir = th_tmpdir("render");
    assert_non_null(dir);
    char *tmpl = mf_asprintf("%s/gateway/nginx.conf.in", src);
    char *script = mf_asprintf("%s/gateway/render", src);
    char *out = mf_asprintf("%s/nginx.conf", dir);
    char *prefix = mf_asprintf("GATEWAY_PREFIX=%s", dir);
    const char *argv[24] = {"env", "GATEWAY_LISTEN=127.0.0.1:1", prefix,
                            "AUTH_SERVERS=server 127.0.0.1:2;", "BLOG_SERVERS=server 127.0.0.1:3;"};
    size_t n = 5;
    for (size_t i = 0; vars && vars[i] && n < 20; i++)
        argv[n++] = vars[i];
    argv[n++] = script;
    argv[n++] = tmpl;
    argv[n] = NULL;
    assert_int_equal(th_run(argv, out, 10000), 0);
    char *text = th_read_file(out);
    assert_non_null(text);
    th_rmrf(dir);
    free(dir);
    free(tmpl);
    free(script);
    free(out);
    free(prefix);
    return text;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void test_every_placeholder_replaced(void **state)
{
    (void)state;
    char *conf = render(NULL);
    assert_null(strstr(conf, "@SERVICE"));
    assert_int_equal(count(conf, "@BURST@"), 0);
    /* one block per service, from the one template */
    assert_int_equal(count(conf, "location /auth/ {"), 1);
    assert_int_equal(count(conf, "location /blog/ {"), 1);
    assert_int_equal(count(conf, "location = /auth {"), 1);
    assert_int_equal(count(conf, "location = /blog {"), 1);
    assert_int_equal(count(conf, "location @auth_public {"), 1);
    assert_int_equal(count(conf, "location @blog_public {"), 1);
    assert_int_equal(count(conf, "location @auth_keyed {"), 1);
    assert_int_equal(count(conf, "location @blog_keyed {"), 1);
    assert_int_equal(count(conf, "proxy_pass http://auth_service;"), 3);
    assert_int_equal(count(conf, "proxy_pass http://blog_service;"), 2);
    /* the server's error pages, and again in each location that has error pages of its own */
    assert_int_equal(count(conf, "error_page 413 /_gw/413;"), 6);
    free(conf);
}

static void test_ampersand_and_backslash_kept(void **state)
{
    (void)state;
    const char *vars[] = {"GATEWAY_ERROR_LOG=/tmp/a&b\\c.log", NULL};
    char *conf = render(vars);
    assert_non_null(strstr(conf, "error_log /tmp/a&b\\c.log warn;"));
    free(conf);
}

/* Replica addresses become a primary that a failure takes out for a while and a backup that is
 * never taken out, so a service all of whose replicas failed is tried again at the next
 * request (503 while it is down, served as soon as it is back). */
static void test_upstreams_primary_and_backup(void **state)
{
    (void)state;
    const char *vars[] = {"AUTH_SERVERS=", "BLOG_SERVERS=", "AUTH_UPSTREAMS=auth:8080",
                          "BLOG_UPSTREAMS=10.0.0.1:8081 10.0.0.2:8081", NULL};
    char *conf = render(vars);
    assert_int_equal(count(conf, "server auth:8080 max_fails=1 fail_timeout=3s;"), 1);
    assert_int_equal(count(conf, "server auth:8080 max_fails=0 backup;"), 1);
    assert_int_equal(count(conf, "max_fails=1 fail_timeout=3s;"), 3);
    assert_int_equal(count(conf, "server 10.0.0.2:8081 max_fails=0 backup;"), 1);
    assert_int_equal(count(conf, "backup;"), 3);
    free(conf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_placeholder_replaced),
        cmocka_unit_test(test_ampersand_and_backslash_kept),
        cmocka_unit_test(test_upstreams_primary_and_backup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
