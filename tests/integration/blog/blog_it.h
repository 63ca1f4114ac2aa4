/*
 * Blog chores shared by the blog-service integration tests (header-only: each test_*.c is its own
 * executable linked with testsupport only); calls, envelope checks, users and private instances
 * come from api.h. Users are real: signed up on the stack's auth-service and given roles by the
 * dev admin; blogs are created through blog-service. Every name a test creates carries a random
 * token, so tests never see each other's data.
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

#include "api.h"
#include "harness.h"
#include "http_client.h"
#include "micro/alloc.h"
#include "micro/clock.h"
#include "micro/strbuf.h"

#define BT_UNUSED __attribute__((unused))

/* The dev admin, signed in once per test program (the grants of every test share it). */
BT_UNUSED static const th_user *bt_admin(void)
{
    static th_user admin;
    if (!admin.access)
        th_signin_admin(th_api_auth(), &admin);
    return &admin;
}

/* Signs up a fresh user "<tag>-<token>@example.com" named "<tag> <token>" and, when roles (a
 * JSON array like ["AUTHOR"]) is not NULL, gives it those roles as the admin. u: release with
 * th_user_release. Failures name the caller's line. */
#define bt_new_user(u, tag, roles) bt_new_user_at(__FILE__, __LINE__, (u), (tag), (roles))
BT_UNUSED static void bt_new_user_at(const char *file, int line, th_user *u, const char *tag,
                                     const char *roles)
{
    char *t = th_random_hex(6);
    char *email = mf_asprintf("%s-%s@example.com", tag, t);
    char *name = mf_asprintf("%s %s", tag, t);
    th_signup_as_at(file, line, th_api_auth(), u, email, TH_USER_PASSWORD, name);
    free(name);
    free(email);
    free(t);
    if (roles)
        th_grant_roles_at(file, line, th_api_auth(), bt_admin()->access, u->id, roles);
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
BT_UNUSED static char *bt_create(const th_user *author, const char *title, const char *description,
                                 const char *slug, const char *tags)
{
    char *body = bt_blog_body(title, description, slug, tags);
    th_resp r = th_call(th_api_blog(), "POST", "/author", author->access, body);
    th_expect_env(&r, 200, "blog created successfully");
    char *id = mf_strdup(th_jstr(th_data(&r), "_id"));
    th_resp_release(&r);
    free(body);
    return id;
}

/* Submits (as author) and publishes (as editor). */
BT_UNUSED static void bt_publish(const th_user *author, const th_user *editor, const char *id)
{
    char *p = mf_asprintf("/author/submit/id/%s", id);
    th_expect(th_api_blog(), "PUT", p, author->access, NULL, 200, "blog submitted successfully");
    free(p);
    p = mf_asprintf("/editor/publish/id/%s", id);
    th_expect(th_api_blog(), "PUT", p, editor->access, NULL, 200, "blog published successfully");
    free(p);
}

/* GET path (no token); returns the status and, on 200, a new reference to data. */
BT_UNUSED static long bt_get(const char *path, json_t **data)
{
    th_resp r = th_call(th_api_blog(), "GET", path, NULL, NULL);
    long st = r.status;
    if (data)
        *data = st == 200 ? json_incref(th_data(&r)) : NULL;
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
        title = mf_strdup(th_jstr(d, "title"));
    json_decref(d);
    free(p);
    return title;
}

/* Index of the item with _id id in a JSON array of blogs, -1 when absent. */
BT_UNUSED static int bt_index_of(json_t *items, const char *id)
{
    size_t i;
    json_t *v;
    json_array_foreach(items, i, v) if (strcmp(th_jstr(v, "_id"), id) == 0) return (int)i;
    return -1;
}

typedef struct {
    const char *blog; /* blog id */
    const char *name;
} bt_name_cond;

/* th_poll condition: the first page of blog's comments holds one comment, by an author named
 * name (arg: bt_name_cond). */
BT_UNUSED static bool bt_comment_author_is(void *arg)
{
    bt_name_cond *c = arg;
    char *p = mf_asprintf("/comments/id/%s?page=1&limit=10", c->blog);
    json_t *d = NULL;
    bool ok = bt_get(p, &d) == 200 && json_array_size(d) == 1 &&
              strcmp(th_jstr(json_array_get(d, 0), "author.name") ?: "", c->name) == 0;
    json_decref(d);
    free(p);
    return ok;
}

#endif
