/*
 * Helpers shared by the blog-service integration tests (header-only: each test_*.c is its own
 * executable linked with testsupport only). Users are real: signed up on the stack's
 * auth-service and given roles by the dev admin; blogs are created through blog-service.
 * Every name a test creates carries a random token, so tests never see each other's data.
 */
#ifndef BLOG_IT_H
#define BLOG_IT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "http_client.h"
#include "micro/alloc.h"
#include "micro/clock.h"
#include "micro/strbuf.h"

#define BT_UNUSED __attribute__((unused))

typedef struct {
    char *id;
    char *token;
    char *name;
} bt_user;

BT_UNUSED static int bt_blog_port(void)
{
    return atoi(th_stack("BLOG_PORT"));
}

BT_UNUSED static int bt_auth_port(void)
{
    return atoi(th_stack("AUTH_PORT"));
}

/* One HTTP call; token (or NULL) goes in "Authorization: Bearer". r: release with
 * th_resp_release. */
BT_UNUSED static void bt_call(int port, const char *method, const char *path, const char *token,
                              const char *body, th_resp *r)
{
    char *url = th_url(port, path);
    char *authz = token ? mf_asprintf("Authorization: Bearer %s", token) : NULL;
    const char *headers[3] = {"Content-Type: application/json", authz, NULL};
    th_http(method, url, headers, body, r);
    free(authz);
    free(url);
}

BT_UNUSED static void bt_blog(const char *method, const char *path, const char *token,
                              const char *body, th_resp *r)
{
    bt_call(bt_blog_port(), method, path, token, body, r);
}

/* The response is the envelope with this status and message. */
#define bt_assert_env(r, st, msg)                                                                  \
    do {                                                                                           \
        th_resp *r_ = (r);                                                                         \
        if (r_->status != (st) || !r_->json)                                                       \
            fail_msg("%s:%d: expected %d, got %ld: %s", __FILE__, __LINE__, (int)(st), r_->status, \
                     r_->body ? r_->body : "(none)");                                              \
        assert_string_equal(json_string_value(json_object_get(r_->json, "code")),                  \
                            (st) / 100 == 2 ? "10000" : "10001");                                  \
        assert_int_equal(json_integer_value(json_object_get(r_->json, "status")), (st));           \
        assert_string_equal(json_string_value(json_object_get(r_->json, "message")), (msg));       \
        assert_non_null(r_->content_type);                                                         \
        assert_string_equal(r_->content_type, "application/json; charset=utf-8");                  \
    } while (0)

/* Calls blog-service and checks the envelope in one go. */
#define bt_expect(method, path, token, body, st, msg)                                              \
    do {                                                                                           \
        th_resp rr_;                                                                               \
        bt_blog((method), (path), (token), (body), &rr_);                                          \
        bt_assert_env(&rr_, (st), (msg));                                                          \
        th_resp_release(&rr_);                                                                     \
    } while (0)

BT_UNUSED static json_t *bt_data(th_resp *r)
{
    return json_object_get(r->json, "data");
}

BT_UNUSED static const char *bt_str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* A random lower-case hex token of 12 characters. Caller frees. */
BT_UNUSED static char *bt_token(void)
{
    char hex[13];
    assert_int_equal(mf_random_hex(6, hex, sizeof hex), 0);
    return mf_strdup(hex);
}

BT_UNUSED static void bt_user_release(bt_user *u)
{
    free(u->id);
    free(u->token);
    free(u->name);
    memset(u, 0, sizeof *u);
}

static void bt_take_user(bt_user *u, th_resp *r)
{
    json_t *d = bt_data(r);
    u->id = mf_strdup(bt_str(json_object_get(d, "user"), "id"));
    u->name = mf_strdup(bt_str(json_object_get(d, "user"), "name"));
    u->token = mf_strdup(bt_str(json_object_get(d, "tokens"), "accessToken"));
}

/* The dev admin (all roles), signed in once per test program. */
BT_UNUSED static const bt_user *bt_admin(void)
{
    static bt_user admin;
    if (admin.token)
        return &admin;
    th_resp r;
    bt_call(bt_auth_port(), "POST", "/signin/basic", NULL,
            "{\"email\":\"admin@afteracademy.com\",\"password\":\"changeit\"}", &r);
    bt_assert_env(&r, 200, "success");
    bt_take_user(&admin, &r);
    th_resp_release(&r);
    return &admin;
}

/* Signs up a fresh user and, when roles (a JSON array like ["AUTHOR"]) is not NULL, gives
 * it those roles as the admin. */
BT_UNUSED static void bt_new_user(bt_user *u, const char *tag, const char *roles)
{
    memset(u, 0, sizeof *u);
    char *t = bt_token();
    char *body = mf_asprintf("{\"email\":\"%s-%s@example.com\",\"password\":\"secret-pw-1\","
                             "\"name\":\"%s %s\"}",
                             tag, t, tag, t);
    th_resp r;
    bt_call(bt_auth_port(), "POST", "/signup/basic", NULL, body, &r);
    bt_assert_env(&r, 200, "success");
    bt_take_user(u, &r);
    th_resp_release(&r);
    free(body);
    free(t);
    if (!roles)
        return;
    char *path = mf_asprintf("/roles/user/id/%s", u->id);
    char *rb = mf_asprintf("{\"roles\":%s}", roles);
    bt_call(bt_auth_port(), "PUT", path, bt_admin()->token, rb, &r);
    bt_assert_env(&r, 200, "roles updated successfully");
    th_resp_release(&r);
    free(rb);
    free(path);
}

/* Body of a valid create request. Caller frees. */
BT_UNUSED static char *bt_blog_body(const char *title, const char *description, const char *slug,
                                    const char *tags)
{
    return mf_asprintf("{\"title\":\"%s\",\"description\":\"%s\",\"draftText\":\"Draft of %s\","
                       "\"slug\":\"%s\",\"imgUrl\":\"https://img.example.com/cover.png\","
                       "\"tags\":%s}",
                       title, description, title, slug, tags);
}

/* Creates a draft as author; returns its _id (caller frees). */
BT_UNUSED static char *bt_create(const bt_user *author, const char *title, const char *description,
                                 const char *slug, const char *tags)
{
    char *body = bt_blog_body(title, description, slug, tags);
    th_resp r;
    bt_blog("POST", "/author", author->token, body, &r);
    bt_assert_env(&r, 200, "blog created successfully");
    char *id = mf_strdup(bt_str(bt_data(&r), "_id"));
    th_resp_release(&r);
    free(body);
    return id;
}

/* Submits (as author) and publishes (as editor). */
BT_UNUSED static void bt_publish(const bt_user *author, const bt_user *editor, const char *id)
{
    char *p = mf_asprintf("/author/submit/id/%s", id);
    bt_expect("PUT", p, author->token, NULL, 200, "blog submitted successfully");
    free(p);
    p = mf_asprintf("/editor/publish/id/%s", id);
    bt_expect("PUT", p, editor->token, NULL, 200, "blog published successfully");
    free(p);
}

/* GET path (no token); returns the status and, on 200, a new reference to data. */
BT_UNUSED static long bt_get(const char *path, json_t **data)
{
    th_resp r;
    bt_blog("GET", path, NULL, NULL, &r);
    long st = r.status;
    if (data)
        *data = st == 200 ? json_incref(bt_data(&r)) : NULL;
    th_resp_release(&r);
    return st;
}

/* Public title of blog id (via path kind "id" or "slug"), NULL when not 200. Caller frees. */
BT_UNUSED static char *bt_public_title(const char *kind, const char *value)
{
    char *p = mf_asprintf("/%s/%s", kind, value);
    json_t *d = NULL;
    char *title = NULL;
    if (bt_get(p, &d) == 200)
        title = mf_strdup(bt_str(d, "title"));
    json_decref(d);
    free(p);
    return title;
}

/* Index of the item with _id id in a JSON array of blogs, -1 when absent. */
BT_UNUSED static int bt_index_of(json_t *items, const char *id)
{
    size_t i;
    json_t *v;
    json_array_foreach(items, i, v) if (strcmp(bt_str(v, "_id"), id) == 0) return (int)i;
    return -1;
}

/* ---- a second blog-service instance (same stack env file, some variables overridden) ---- */

typedef struct {
    pid_t pid;
    int port;
    char *dir; /* temp dir with its log, removed by bt_instance_stop */
    char *log;
} bt_instance;

/* Starts blog-service with BLOG_ENV_FILE and the NULL-terminated NAME, VALUE pairs set in
 * its environment (plus PORT), and waits for its port. */
BT_UNUSED static void bt_instance_start(bt_instance *in, const char *const *overrides)
{
    memset(in, 0, sizeof *in);
    in->port = th_free_port();
    char *bin = mf_asprintf("%s/services/blog/blog-service", getenv("CMICRO_BUILD_DIR"));
    in->dir = th_tmpdir("blog-it");
    in->log = mf_asprintf("%s/blog.log", in->dir);
    char port[16];
    snprintf(port, sizeof port, "%d", in->port);
    /* the child inherits the environment: set, spawn, then restore */
    setenv("ENV_FILE", th_stack("BLOG_ENV_FILE"), 1);
    setenv("PORT", port, 1);
    for (size_t i = 0; overrides && overrides[i]; i += 2)
        setenv(overrides[i], overrides[i + 1], 1);
    const char *argv[] = {bin, NULL};
    in->pid = th_spawn(argv, in->log);
    unsetenv("ENV_FILE");
    unsetenv("PORT");
    for (size_t i = 0; overrides && overrides[i]; i += 2)
        unsetenv(overrides[i]);
    free(bin);
    assert_true(in->pid > 0);
    if (th_wait_port(in->port, 30000) != 0) {
        th_stop(in->pid, 5000);
        fail_msg("second blog-service did not listen (log: %s)", in->log);
    }
}

BT_UNUSED static void bt_instance_stop(bt_instance *in)
{
    if (in->pid > 0)
        th_stop(in->pid, 10000);
    in->pid = 0;
    if (in->dir)
        th_rmrf(in->dir);
    free(in->dir);
    free(in->log);
    in->dir = in->log = NULL;
}

#endif
