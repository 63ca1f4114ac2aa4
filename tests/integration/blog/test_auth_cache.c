/* blog-service keeps auth-service's answers for a token (auth_cache.h), and every change
 * auth-service makes to a session or a user reaches it through auth.invalidate, which NATS has
 * confirmed before auth-service answers: signout, refresh and role changes are seen by blog
 * requests within the time one NATS message takes to be handled. The tests allow WITHIN_MS for
 * it, far below the 30 s cache lifetime, so only the event can explain a pass. A private
 * auth-service + blog-service pair on a private NATS shows that the cache is really used, and
 * dropped when the NATS connection was lost. */
#include <signal.h>

#include "blog_it.h"

#define DRAFTS    "/author/drafts?page=1&limit=1"
#define WITHIN_MS 5000

static th_instance auth_inst, blog_inst;
static th_server nats_srv;

static int stop_extra(void **state)
{
    (void)state;
    if (auth_inst.pid > 0)
        kill(auth_inst.pid, SIGCONT);
    th_instance_stop(&blog_inst);
    th_instance_stop(&auth_inst);
    if (nats_srv.pid > 0 || nats_srv.dir)
        th_server_stop(&nats_srv);
    memset(&nats_srv, 0, sizeof nats_srv);
    return 0;
}

/* Two guarded reads: the second one can only come from the cache. */
static void prime(th_api blog, const char *token)
{
    th_expect(blog, "GET", DRAFTS, token, NULL, 200, "success");
    th_expect(blog, "GET", DRAFTS, token, NULL, 200, "success");
}

/* A fresh AUTHOR of its own, signed in by its sign-up. */
static void fresh_author(th_user *u)
{
    bt_new_user(u, "ac-user", "[\"AUTHOR\"]");
}

static void test_signout(void **state)
{
    (void)state;
    th_user u = {0};
    fresh_author(&u);
    th_user other = {0};
    th_signin_ok(th_api_auth(), &other, u.email, u.password); /* the same user, elsewhere */
    prime(th_api_blog(), u.access);
    prime(th_api_blog(), other.access);

    th_expect(th_api_auth(), "DELETE", "/signout", u.access, NULL, 200, "signout success");
    th_expect_within(th_api_blog(), DRAFTS, u.access, 401,
                     "permission denied: invalid access token", WITHIN_MS);
    /* the user's other session is still valid (dropped from the cache, asked again) */
    th_expect(th_api_blog(), "GET", DRAFTS, other.access, NULL, 200, "success");
    th_user_release(&other);
    th_user_release(&u);
}

static void test_refresh(void **state)
{
    (void)state;
    th_user u = {0};
    fresh_author(&u);
    prime(th_api_blog(), u.access);

    char *body = mf_asprintf("{\"refreshToken\":\"%s\"}", u.refresh);
    th_resp r = th_call(th_api_auth(), "POST", "/token/refresh", u.access, body);
    th_expect_env(&r, 200, "success");
    char *fresh = mf_strdup(th_jstr(th_data(&r), "accessToken"));
    th_resp_release(&r);
    free(body);

    th_expect_within(th_api_blog(), DRAFTS, u.access, 401,
                     "permission denied: invalid access token", WITHIN_MS);
    th_expect(th_api_blog(), "GET", DRAFTS, fresh, NULL, 200, "success");
    free(fresh);
    th_user_release(&u);
}

static void test_roles(void **state)
{
    (void)state;
    th_user u = {0};
    fresh_author(&u);
    prime(th_api_blog(), u.access);
    const char *admin = bt_admin()->access;

    th_grant_roles(th_api_auth(), admin, u.id, "[\"LEARNER\"]");
    th_expect_within(th_api_blog(), DRAFTS, u.access, 403,
                     "permission denied: does not have suffient role", WITHIN_MS);
    th_expect(th_api_blog(), "GET", DRAFTS, u.access, NULL, 403,
              "permission denied: does not have suffient role");
    th_grant_roles(th_api_auth(), admin, u.id, "[\"AUTHOR\"]");
    th_expect_within(th_api_blog(), DRAFTS, u.access, 200, "success", WITHIN_MS);
    th_user_release(&u);
}

typedef struct {
    const char *path, *token, *name;
} author_probe;

static bool shows_author(void *arg)
{
    const author_probe *p = arg;
    th_resp r = th_call(th_api_blog(), "GET", p->path, p->token, NULL);
    const char *got = r.status == 200 ? th_jstr(th_data(&r), "author.name") : NULL;
    bool same = got && strcmp(got, p->name) == 0;
    th_resp_release(&r);
    return same;
}

/* A blog created right after a rename shows the new name: the author comes from the
 * authenticated user, whose cached copy auth.invalidate drops (and user.updated rewrites the
 * author of every blog, should the blog have been created in between). */
static void test_rename(void **state)
{
    (void)state;
    th_user u = {0};
    fresh_author(&u);
    prime(th_api_blog(), u.access);

    char *t = th_random_hex(6);
    char *name = mf_asprintf("Renamed %s", t);
    char *body = mf_asprintf("{\"name\":\"%s\"}", name);
    th_expect(th_api_auth(), "PUT", "/profile/mine", u.access, body, 200,
              "profile updated successfully");
    char *slug = mf_asprintf("ac-rename-%s", t);
    char *id = bt_create(&u, "After the rename", "Who wrote this one", slug, "[\"AC\"]");
    char *path = mf_asprintf("/author/id/%s", id);
    author_probe p = {path, u.access, name};
    if (!th_poll(shows_author, &p, WITHIN_MS))
        fail_msg("blog %s does not show the author's new name %s", id, name);
    free(path);
    free(id);
    free(slug);
    free(body);
    free(name);
    free(t);
    th_user_release(&u);
}

/* The private pair: a paused auth-service cannot answer, so only the cache can. */
static void test_cache_used_and_dropped_on_disconnect(void **state)
{
    (void)state;
    assert_int_equal(th_nats_start(&nats_srv, true), 0);
    char *url = mf_asprintf("NATS_URL=nats://127.0.0.1:%d", nats_srv.port);
    const char *auth_env[] = {url, NULL};
    const char *blog_env[] = {url, "AUTH_TIMEOUT_MS=300", NULL};
    th_instance_start(&auth_inst, "auth", auth_env);
    th_instance_start(&blog_inst, "blog", blog_env);

    th_user u = {0};
    fresh_author(&u);
    th_user unseen = {0};
    th_signin_ok(th_api_auth(), &unseen, u.email, u.password);
    th_expect(blog_inst.api, "GET", DRAFTS, u.access, NULL, 200, "success");

    assert_int_equal(kill(auth_inst.pid, SIGSTOP), 0);
    /* auth-service cannot answer: a token never seen gets 503, the cached one is served */
    th_expect(blog_inst.api, "GET", DRAFTS, unseen.access, NULL, 503, "service unavailable");
    th_expect(blog_inst.api, "GET", DRAFTS, u.access, NULL, 200, "success");

    /* NATS goes away and comes back: an auth.invalidate may have been missed meanwhile */
    th_server_kill(&nats_srv);
    assert_int_equal(th_server_restart(&nats_srv, true), 0);
    th_expect_within(blog_inst.api, "/health", NULL, 200, NULL, 15000);
    th_expect(blog_inst.api, "GET", DRAFTS, u.access, NULL, 503, "service unavailable");

    /* auth-service back (it reconnects in the background): answered again */
    assert_int_equal(kill(auth_inst.pid, SIGCONT), 0);
    th_expect_within(blog_inst.api, DRAFTS, u.access, 200, "success", 15000);
    th_user_release(&unseen);
    th_user_release(&u);
    free(url);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signout),
        cmocka_unit_test(test_refresh),
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_rename),
        cmocka_unit_test_teardown(test_cache_used_and_dropped_on_disconnect, stop_extra),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
