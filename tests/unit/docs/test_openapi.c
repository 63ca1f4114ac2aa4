/*
 * docs/openapi.json against the code: every row of the two services' route tables is a
 * documented operation under its gateway prefix, every documented operation is a route
 * (the health checks, mounted by the server itself, excepted), and the document is
 * internally sound: OpenAPI 3.0.3, the two security schemes, the shared schemas, resolvable
 * $refs and a declared parameter for every {name} in a path.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>
#include <jansson.h>

#include "../../../services/auth/routes.h"
#include "../../../services/blog/routes.h"
#include "micro/alloc.h"
#include "micro/strbuf.h"

static json_t *doc;

static const char *const http_methods[] = {"get",   "put",  "post",    "delete",
                                           "patch", "head", "options", "trace"};
#define N_METHODS (sizeof(http_methods) / sizeof(http_methods[0]))

/* "/auth" + "/profile/id/:id" -> "/auth/profile/id/{id}" (heap, caller frees). */
static char *doc_path(const char *prefix, const char *pattern)
{
    mf_strbuf b;
    mf_strbuf_init(&b);
    mf_strbuf_adds(&b, prefix);
    for (const char *p = pattern; *p;) {
        if (*p == ':') {
            const char *end = strchr(p, '/');
            size_t n = end ? (size_t)(end - p - 1) : strlen(p + 1);
            mf_strbuf_addch(&b, '{');
            mf_strbuf_add(&b, p + 1, n);
            mf_strbuf_addch(&b, '}');
            p += n + 1;
        } else {
            mf_strbuf_addch(&b, *p++);
        }
    }
    size_t len;
    char *s = mf_strbuf_detach(&b, &len);
    mf_strbuf_release(&b);
    return s;
}

static char *lower(const char *s)
{
    char *out = mf_strdup(s);
    for (char *p = out; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return out;
}

static json_t *operation(const char *path, const char *method)
{
    return json_object_get(json_object_get(json_object_get(doc, "paths"), path), method);
}

/* Is (method, path) a row of one of the route tables or a health check? */
static bool is_route(const char *method, const char *path)
{
    if (strcmp(method, "get") == 0 &&
        (strcmp(path, "/auth/health") == 0 || strcmp(path, "/blog/health") == 0))
        return true;
    struct {
        const char *prefix;
        const mf_route *rows;
        size_t n;
    } tables[] = {{"/auth", auth_routes, auth_routes_count},
                  {"/blog", blog_routes, blog_routes_count}};
    for (size_t t = 0; t < 2; t++) {
        for (size_t i = 0; i < tables[t].n; i++) {
            char *p = doc_path(tables[t].prefix, tables[t].rows[i].pattern);
            char *m = lower(tables[t].rows[i].method);
            bool same = strcmp(p, path) == 0 && strcmp(m, method) == 0;
            free(p);
            free(m);
            if (same)
                return true;
        }
    }
    return false;
}

/* Resolves "#/a/b/c" in the document; NULL when it points nowhere. */
static json_t *resolve(const char *ref)
{
    if (strncmp(ref, "#/", 2) != 0)
        return NULL;
    json_t *node = doc;
    char *copy = mf_strdup(ref + 2);
    char *save = NULL;
    for (char *tok = strtok_r(copy, "/", &save); tok && node; tok = strtok_r(NULL, "/", &save))
        node = json_object_get(node, tok);
    free(copy);
    return node;
}

/* The object itself, or what its $ref points to. */
static json_t *deref(json_t *obj)
{
    const char *ref = json_string_value(json_object_get(obj, "$ref"));
    return ref ? resolve(ref) : obj;
}

static int setup(void **state)
{
    (void)state;
    const char *src = getenv("CMICRO_SOURCE_DIR");
    if (!src) {
        fprintf(stderr, "CMICRO_SOURCE_DIR is not set (run through ctest)\n");
        return -1;
    }
    char *path = mf_asprintf("%s/docs/openapi.json", src);
    json_error_t err;
    doc = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
    if (!doc)
        fprintf(stderr, "%s:%d: %s\n", path, err.line, err.text);
    free(path);
    return doc ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    json_decref(doc);
    return 0;
}

static void test_doc_header(void **state)
{
    (void)state;
    assert_string_equal(json_string_value(json_object_get(doc, "openapi")), "3.0.3");
    assert_non_null(json_string_value(json_object_get(json_object_get(doc, "info"), "title")));
    assert_non_null(json_string_value(json_object_get(json_object_get(doc, "info"), "version")));

    json_t *schemes = json_object_get(json_object_get(doc, "components"), "securitySchemes");
    json_t *key = json_object_get(schemes, "apiKey");
    assert_string_equal(json_string_value(json_object_get(key, "type")), "apiKey");
    assert_string_equal(json_string_value(json_object_get(key, "in")), "header");
    assert_string_equal(json_string_value(json_object_get(key, "name")), "x-api-key");
    json_t *bearer = json_object_get(schemes, "bearer");
    assert_string_equal(json_string_value(json_object_get(bearer, "type")), "http");
    assert_string_equal(json_string_value(json_object_get(bearer, "scheme")), "bearer");
    assert_string_equal(json_string_value(json_object_get(bearer, "bearerFormat")), "JWT");

    const char *schemas[] = {"Envelope", "Error",      "User",        "UserPublic",
                             "Tokens",   "PublicBlog", "PrivateBlog", "ItemBlog"};
    json_t *all = json_object_get(json_object_get(doc, "components"), "schemas");
    for (size_t i = 0; i < sizeof(schemas) / sizeof(schemas[0]); i++)
        if (!json_is_object(json_object_get(all, schemas[i])))
            fail_msg("components.schemas.%s missing", schemas[i]);
    /* The envelope: code is a string, status a number. */
    json_t *env = json_object_get(json_object_get(all, "Envelope"), "properties");
    assert_string_equal(json_string_value(json_object_get(json_object_get(env, "code"), "type")),
                        "string");
    assert_string_equal(json_string_value(json_object_get(json_object_get(env, "status"), "type")),
                        "integer");
}

static void test_every_route_documented(void **state)
{
    (void)state;
    struct {
        const char *prefix;
        const mf_route *rows;
        size_t n;
    } tables[] = {{"/auth", auth_routes, auth_routes_count},
                  {"/blog", blog_routes, blog_routes_count}};
    int missing = 0;
    for (size_t t = 0; t < 2; t++) {
        assert_true(tables[t].n > 0);
        for (size_t i = 0; i < tables[t].n; i++) {
            char *p = doc_path(tables[t].prefix, tables[t].rows[i].pattern);
            char *m = lower(tables[t].rows[i].method);
            if (!json_is_object(operation(p, m))) {
                fprintf(stderr, "not documented: %s %s\n", tables[t].rows[i].method, p);
                missing++;
            }
            free(p);
            free(m);
        }
    }
    if (!json_is_object(operation("/auth/health", "get")))
        missing++;
    if (!json_is_object(operation("/blog/health", "get")))
        missing++;
    assert_int_equal(missing, 0);
}

static void test_every_operation_is_a_route(void **state)
{
    (void)state;
    const char *path;
    json_t *item;
    int extra = 0, ops = 0;
    json_object_foreach(json_object_get(doc, "paths"), path, item)
    {
        const char *key;
        json_t *op;
        json_object_foreach(item, key, op)
        {
            bool is_method = false;
            for (size_t i = 0; i < N_METHODS; i++)
                is_method |= strcmp(key, http_methods[i]) == 0;
            if (!is_method)
                continue; /* "parameters", "summary" ... */
            ops++;
            if (!is_route(key, path)) {
                fprintf(stderr, "documented but no such route: %s %s\n", key, path);
                extra++;
            }
        }
    }
    assert_int_equal(extra, 0);
    assert_int_equal(ops, (int)(auth_routes_count + blog_routes_count + 2));
}

/* Every {name} in a path is declared as a path parameter of the operation or the path item;
 * every operation has a 200 response, an operationId, and (unless it is a health check, which
 * the gateway lets through without a key) the gateway's 401 and 403. */
static void test_operations_well_formed(void **state)
{
    (void)state;
    const char *path;
    json_t *item;
    json_object_foreach(json_object_get(doc, "paths"), path, item)
    {
        for (size_t m = 0; m < N_METHODS; m++) {
            json_t *op = json_object_get(item, http_methods[m]);
            if (!op)
                continue;
            if (!json_string_value(json_object_get(op, "operationId")))
                fail_msg("%s %s: no operationId", http_methods[m], path);
            json_t *responses = json_object_get(op, "responses");
            if (!json_object_get(responses, "200"))
                fail_msg("%s %s: no 200 response", http_methods[m], path);
            bool health = strstr(path, "/health") != NULL;
            if (!health &&
                (!json_object_get(responses, "401") || !json_object_get(responses, "403")))
                fail_msg("%s %s: the gateway's 401/403 are not documented", http_methods[m], path);
            for (const char *p = strchr(path, '{'); p; p = strchr(p + 1, '{')) {
                const char *end = strchr(p, '}');
                assert_non_null(end);
                char *name = mf_strndup(p + 1, (size_t)(end - p - 1));
                bool declared = false;
                json_t *lists[] = {json_object_get(op, "parameters"),
                                   json_object_get(item, "parameters")};
                for (size_t l = 0; l < 2; l++) {
                    size_t i;
                    json_t *param;
                    json_array_foreach(lists[l], i, param)
                    {
                        json_t *d = deref(param);
                        const char *n = json_string_value(json_object_get(d, "name"));
                        const char *in = json_string_value(json_object_get(d, "in"));
                        if (n && in && strcmp(n, name) == 0 && strcmp(in, "path") == 0 &&
                            json_is_true(json_object_get(d, "required")))
                            declared = true;
                    }
                }
                if (!declared)
                    fail_msg("%s %s: path parameter {%s} not declared (required, in: path)",
                             http_methods[m], path, name);
                free(name);
            }
        }
    }
}

static int check_refs(json_t *node)
{
    int bad = 0;
    if (json_is_object(node)) {
        const char *key;
        json_t *v;
        json_object_foreach(node, key, v)
        {
            if (strcmp(key, "$ref") == 0 && json_is_string(v)) {
                if (!resolve(json_string_value(v))) {
                    fprintf(stderr, "dangling $ref %s\n", json_string_value(v));
                    bad++;
                }
            } else {
                bad += check_refs(v);
            }
        }
    } else if (json_is_array(node)) {
        size_t i;
        json_t *v;
        json_array_foreach(node, i, v)
        {
            bad += check_refs(v);
        }
    }
    return bad;
}

static void test_refs_resolve(void **state)
{
    (void)state;
    assert_int_equal(check_refs(doc), 0);
    /* And the check itself notices a dangling one. */
    assert_null(resolve("#/components/schemas/NoSuchSchema"));
}

static void test_doc_path_mapping(void **state)
{
    (void)state;
    char *p = doc_path("/blog", "/list/similar/id/:id");
    assert_string_equal(p, "/blog/list/similar/id/{id}");
    free(p);
    p = doc_path("/auth", "/signout");
    assert_string_equal(p, "/auth/signout");
    free(p);
    p = doc_path("/x", "/:a/b/:c");
    assert_string_equal(p, "/x/{a}/b/{c}");
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doc_path_mapping),
        cmocka_unit_test(test_doc_header),
        cmocka_unit_test(test_every_route_documented),
        cmocka_unit_test(test_every_operation_is_a_route),
        cmocka_unit_test(test_operations_well_formed),
        cmocka_unit_test(test_refs_resolve),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
