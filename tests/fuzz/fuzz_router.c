/* Router matching (micro/router.h) with the real route tables of both services. The input is
 * "<method> <path>"; without a space, the whole input is a GET path. */
#include <stdbool.h>
#include <string.h>

#include "../../services/auth/routes.h"
#include "../../services/blog/routes.h"
#include "fuzz_support.h"
#include "micro/alloc.h"
#include "micro/router.h"

static mf_router *auth_router, *blog_router;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    auth_router = mf_router_new();
    blog_router = mf_router_new();
    FUZZ_CHECK(mf_router_add(auth_router, auth_routes, auth_routes_count) == 0);
    FUZZ_CHECK(mf_router_add(blog_router, blog_routes, blog_routes_count) == 0);
    return 0;
}

/* A match names a route of the method asked, and every parameter is a non-empty slice of
 * one segment of the path. */
static void check(const mf_router *r, const char *method, const char *path)
{
    mf_params p;
    memset(&p, 0xA5, sizeof(p)); /* garbage in: match must set what it reports */
    const mf_route *route = mf_router_match(r, method, path, &p);
    if (!route)
        return;
    FUZZ_CHECK(strcmp(route->method, method) == 0);
    FUZZ_CHECK(p.count <= MF_ROUTER_MAX_PARAMS);
    size_t len = strlen(path);
    for (size_t i = 0; i < p.count; i++) {
        const char *v = p.items[i].value_start;
        FUZZ_CHECK(p.items[i].name && *p.items[i].name);
        FUZZ_CHECK(v >= path && v + p.items[i].value_len <= path + len);
        FUZZ_CHECK(p.items[i].value_len > 0);
        FUZZ_CHECK(!memchr(v, '/', p.items[i].value_len));
    }
    /* without params: the same answer */
    FUZZ_CHECK(mf_router_match(r, method, path, NULL) == route);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* method and path are C strings by the time they reach the router (libmicrohttpd) */
    char *s = mf_strndup((const char *)data, size);
    char *sp = strchr(s, ' ');
    const char *method = "GET", *path = s;
    if (sp) {
        *sp = '\0';
        method = s;
        path = sp + 1;
    }
    check(auth_router, method, path);
    check(blog_router, method, path);
    free(s);
    return 0;
}
