/*
 * The whole story of API.md told through the gateway only: a new user signs up and in, the
 * dev admin makes them an author and editor, they write, submit and publish blogs that the
 * public reads by id, slug, latest, tag and similarity, a profile rename reaches the public
 * blog through a NATS event, and finally the blog is unpublished and deleted and the user
 * signs out.
 *
 * Only GATEWAY_PORT and DEV_API_KEY are read from the stack: the same binary runs against
 * the Docker compose stack. The steps are separate tests run in order; a step whose input
 * an earlier step failed to produce is skipped, so a report names the first broken step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "http_client.h"
#include "micro/alloc.h"
#include "micro/clock.h"

#define CT_JSON          "application/json; charset=utf-8"
#define ADMIN_EMAIL      "admin@afteracademy.com"
#define ADMIN_PASSWORD   "changeit"
#define USER_PASSWORD    "e2e-secret-1"
#define EVENT_TIMEOUT_MS 15000
#define POLL_STEP_MS     100
#define PIC_URL          "https://example.com/e2e/avatar.png"

/* What one step hands to the next; NULL/empty until the step that produces it passed. */
static struct {
    int port;
    const char *api_key;
    char rnd[17]; /* makes emails, slugs and tags unique per run */
    char *email;  /* as sent: mixed case */
    char *user_id;
    char *access;       /* the user's access token */
    char *refresh;      /* the user's refresh token */
    char *admin_access; /* the dev admin's */
    char *tag;
    char *blog_id;
    char *slug;
    char *other_id; /* the related blog */
    bool roles_granted;
    bool published;
    bool other_published;
} st;

typedef struct {
    th_resp r;
    char *what; /* "METHOD path" for failure messages */
} call;

/* ---- HTTP through the gateway ------------------------------------------------------------- */

/* Sends one request; token and request_id may be NULL. Release with call_release. */
static call api_rid(const char *method, const char *path, const char *token, const char *body,
                    const char *request_id)
{
    call c = {.what = mf_asprintf("%s %s", method, path)};
    char *url = th_url(st.port, path);
    char *key = mf_asprintf("x-api-key: %s", st.api_key);
    char *auth = token ? mf_asprintf("Authorization: Bearer %s", token) : NULL;
    char *rid = request_id ? mf_asprintf("x-request-id: %s", request_id) : NULL;
    const char *headers[4] = {key, NULL, NULL, NULL};
    size_t n = 1;
    if (auth)
        headers[n++] = auth;
    if (rid)
        headers[n++] = rid;
    th_http(method, url, headers, body, &c.r);
    free(url);
    free(key);
    free(auth);
    free(rid);
    return c;
}

static call api(const char *method, const char *path, const char *token, const char *body)
{
    return api_rid(method, path, token, body, NULL);
}

static void call_release(call *c)
{
    th_resp_release(&c->r);
    free(c->what);
    c->what = NULL;
}

/*
 * The response has status want, the envelope shape of API.md section 2 (code string matching
 * the status, numeric status, message, no data on errors), the JSON content type and an
 * x-request-id; message must equal want_msg when that is not NULL.
 */
#define expect_env(c, want, want_msg) expect_env_at(__LINE__, (c), (want), (want_msg))
static void expect_env_at(int line, const call *c, long want, const char *want_msg)
{
    const th_resp *r = &c->r;
    const char *body = r->body ? r->body : "(none)";
    if (r->status != want)
        fail_msg("line %d: %s: status %ld, want %ld; body: %.600s", line, c->what, r->status, want,
                 body);
    if (!json_is_object(r->json))
        fail_msg("line %d: %s: body is not a JSON object: %.600s", line, c->what, body);
    const char *code = json_string_value(json_object_get(r->json, "code"));
    const char *want_code = want < 400 ? "10000" : "10001";
    if (!code || strcmp(code, want_code) != 0)
        fail_msg("line %d: %s: code must be the string \"%s\": %.600s", line, c->what, want_code,
                 body);
    json_t *status = json_object_get(r->json, "status");
    if (!json_is_integer(status) || json_integer_value(status) != want)
        fail_msg("line %d: %s: status must be the number %ld: %.600s", line, c->what, want, body);
    const char *msg = json_string_value(json_object_get(r->json, "message"));
    if (!msg)
        fail_msg("line %d: %s: message missing: %.600s", line, c->what, body);
    if (want_msg && strcmp(msg, want_msg) != 0)
        fail_msg("line %d: %s: message \"%s\", want \"%s\"", line, c->what, msg, want_msg);
    if (want >= 400 && json_object_get(r->json, "data"))
        fail_msg("line %d: %s: an error carries no data: %.600s", line, c->what, body);
    if (!r->content_type || strcmp(r->content_type, CT_JSON) != 0)
        fail_msg("line %d: %s: content-type \"%s\", want \"%s\"", line, c->what,
                 r->content_type ? r->content_type : "(none)", CT_JSON);
    if (!r->request_id || !*r->request_id)
        fail_msg("line %d: %s: no x-request-id in the response", line, c->what);
}

static json_t *data_of(const call *c)
{
    return json_object_get(c->r.json, "data");
}

static const char *str_at(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* True when the list (array of ItemBlog) holds a blog with that _id. */
static bool list_has(json_t *list, const char *id)
{
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        const char *got = str_at(item, "_id");
        if (got && strcmp(got, id) == 0)
            return true;
    }
    return false;
}

static bool has_role(json_t *user, const char *code)
{
    size_t i;
    json_t *role;
    json_array_foreach(json_object_get(user, "roles"), i, role)
    {
        const char *c = str_at(role, "code");
        if (c && strcmp(c, code) == 0)
            return true;
    }
    return false;
}

static bool is_hex24(const char *s)
{
    if (!s || strlen(s) != 24)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

static bool is_jwt(const char *s)
{
    int dots = 0;
    for (const char *p = s ? s : ""; *p; p++)
        dots += *p == '.';
    return s && dots == 2 && strlen(s) > 20;
}

static void sleep_ms(int ms)
{
    usleep((useconds_t)ms * 1000);
}

/* Creates a blog as the user; returns its _id (heap) or fails the test. */
static char *create_blog(const char *title, const char *description, const char *slug)
{
    json_t *body = json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:[s,s]}", "title", title, "description", description, "draftText",
        "The draft text of an end-to-end story, long enough to read.", "slug", slug, "imgUrl",
        "https://example.com/e2e/cover.png", "tags", st.tag, "E2E");
    char *text = json_dumps(body, JSON_COMPACT);
    call c = api("POST", "/blog/author", st.access, text);
    expect_env(&c, 200, "blog created successfully");
    json_t *d = data_of(&c);
    assert_true(is_hex24(str_at(d, "_id")));
    assert_string_equal(str_at(d, "title"), title);
    assert_string_equal(str_at(d, "slug"), slug);
    assert_string_equal(str_at(d, "imgUrl"), "https://example.com/e2e/cover.png");
    assert_true(json_is_true(json_object_get(d, "drafted")));
    assert_true(json_is_false(json_object_get(d, "submitted")));
    assert_true(json_is_false(json_object_get(d, "published")));
    assert_string_equal(str_at(json_object_get(d, "author"), "_id"), st.user_id);
    char *id = mf_strdup(str_at(d, "_id"));
    call_release(&c);

    /* The same slug again is refused. */
    c = api("POST", "/blog/author", st.access, text);
    char *msg = mf_asprintf("Blog with slug: %s already exists", slug);
    expect_env(&c, 400, msg);
    free(msg);
    call_release(&c);
    free(text);
    json_decref(body);
    return id;
}

/* Submits (as author) and publishes (as editor) a blog, checking the state rules on the way. */
static void submit_and_publish(const char *id)
{
    char *path = mf_asprintf("/blog/author/submit/id/%s", id);
    call c = api("PUT", path, st.access, NULL);
    expect_env(&c, 200, "blog submitted successfully");
    call_release(&c);
    c = api("PUT", path, st.access, NULL);
    char *msg = mf_asprintf("blog for _id %s is already submitted", id);
    expect_env(&c, 400, msg);
    free(msg);
    call_release(&c);
    free(path);

    path = mf_asprintf("/blog/editor/publish/id/%s", id);
    c = api("PUT", path, st.access, NULL);
    expect_env(&c, 200, "blog published successfully");
    call_release(&c);
    c = api("PUT", path, st.access, NULL);
    msg = mf_asprintf("blog for _id %s is already published", id);
    expect_env(&c, 400, msg);
    free(msg);
    call_release(&c);
    free(path);
}

/* ---- the story ---------------------------------------------------------------------------- */

static void test_signup(void **state)
{
    (void)state;
    call c = api("POST", "/auth/signup/basic", NULL, "{}");
    expect_env(&c, 400, "email is required, password is required, name is required");
    call_release(&c);

    char *body = mf_asprintf("{\"email\":\"%s\",\"password\":\"%s\",\"name\":\"Story Teller\"}",
                             st.email, USER_PASSWORD);
    c = api("POST", "/auth/signup/basic", NULL, body);
    expect_env(&c, 200, "success");
    json_t *user = json_object_get(data_of(&c), "user");
    json_t *tokens = json_object_get(data_of(&c), "tokens");
    char *lower = mf_strdup(st.email);
    for (char *p = lower; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    /* Emails are stored lower-cased. */
    assert_string_equal(str_at(user, "email"), lower);
    assert_string_equal(str_at(user, "name"), "Story Teller");
    assert_int_equal(json_array_size(json_object_get(user, "roles")), 1);
    assert_true(has_role(user, "LEARNER"));
    assert_true(is_jwt(str_at(tokens, "accessToken")));
    assert_true(is_jwt(str_at(tokens, "refreshToken")));
    assert_non_null(str_at(user, "id"));
    st.user_id = mf_strdup(str_at(user, "id"));
    call_release(&c);

    /* The same address, in lower case this time, is already taken. */
    free(body);
    body = mf_asprintf("{\"email\":\"%s\",\"password\":\"%s\",\"name\":\"Story Teller\"}", lower,
                       USER_PASSWORD);
    c = api("POST", "/auth/signup/basic", NULL, body);
    expect_env(&c, 400, "user already registered");
    call_release(&c);
    free(lower);
    free(body);
}

static void test_signin(void **state)
{
    (void)state;
    if (!st.user_id)
        skip();
    char *bad = mf_asprintf("{\"email\":\"%s\",\"password\":\"wrong-password\"}", st.email);
    call c = api("POST", "/auth/signin/basic", NULL, bad);
    expect_env(&c, 401, "invalid email or password");
    call_release(&c);
    free(bad);

    char *body = mf_asprintf("{\"email\":\"%s\",\"password\":\"%s\"}", st.email, USER_PASSWORD);
    c = api("POST", "/auth/signin/basic", NULL, body);
    free(body);
    expect_env(&c, 200, "success");
    json_t *user = json_object_get(data_of(&c), "user");
    assert_string_equal(str_at(user, "id"), st.user_id);
    const char *access = str_at(json_object_get(data_of(&c), "tokens"), "accessToken");
    assert_true(is_jwt(access));
    st.access = mf_strdup(access);
    st.refresh = mf_strdup(str_at(json_object_get(data_of(&c), "tokens"), "refreshToken"));
    call_release(&c);

    c = api("GET", "/auth/profile/mine", st.access, NULL);
    expect_env(&c, 200, "success");
    assert_string_equal(str_at(data_of(&c), "id"), st.user_id);
    call_release(&c);

    /* The public profile shows no email. */
    char *path = mf_asprintf("/auth/profile/id/%s", st.user_id);
    c = api("GET", path, NULL, NULL);
    free(path);
    expect_env(&c, 200, "success");
    assert_string_equal(str_at(data_of(&c), "name"), "Story Teller");
    assert_null(json_object_get(data_of(&c), "email"));
    call_release(&c);
}

static void test_refresh(void **state)
{
    (void)state;
    if (!st.access)
        skip();
    call c = api("POST", "/auth/token/refresh", st.access, "{}");
    expect_env(&c, 400, "refreshtoken is required");
    call_release(&c);

    char *body = mf_asprintf("{\"refreshToken\":\"%s\"}", st.refresh);
    c = api("POST", "/auth/token/refresh", st.access, body);
    expect_env(&c, 200, "success");
    const char *access = str_at(data_of(&c), "accessToken");
    const char *refresh = str_at(data_of(&c), "refreshToken");
    assert_true(is_jwt(access));
    assert_true(is_jwt(refresh));
    assert_string_not_equal(access, st.access);
    char *old = st.access;
    st.access = mf_strdup(access);
    free(st.refresh);
    st.refresh = mf_strdup(refresh);
    call_release(&c);

    /* The old pair died with its session. */
    c = api("GET", "/auth/profile/mine", old, NULL);
    expect_env(&c, 401, "permission denied: invalid access token");
    call_release(&c);
    c = api("POST", "/auth/token/refresh", old, body);
    expect_env(&c, 401, NULL);
    call_release(&c);
    free(old);
    free(body);

    c = api("GET", "/auth/profile/mine", st.access, NULL);
    expect_env(&c, 200, "success");
    assert_string_equal(str_at(data_of(&c), "id"), st.user_id);
    call_release(&c);
}

static void test_admin_grants_roles(void **state)
{
    (void)state;
    if (!st.access)
        skip();
    /* A learner can neither write blogs nor grant roles. */
    call c = api("POST", "/blog/author", st.access, "{}");
    expect_env(&c, 403, "permission denied: does not have suffient role");
    call_release(&c);
    char *path = mf_asprintf("/auth/roles/user/id/%s", st.user_id);
    c = api("PUT", path, st.access, "{\"roles\":[\"ADMIN\"]}");
    expect_env(&c, 403, "permission denied: does not have suffient role");
    call_release(&c);

    c = api("POST", "/auth/signin/basic", NULL,
            "{\"email\":\"" ADMIN_EMAIL "\",\"password\":\"" ADMIN_PASSWORD "\"}");
    expect_env(&c, 200, "success");
    json_t *admin = json_object_get(data_of(&c), "user");
    assert_true(has_role(admin, "ADMIN"));
    st.admin_access = mf_strdup(str_at(json_object_get(data_of(&c), "tokens"), "accessToken"));
    call_release(&c);

    c = api("PUT", path, st.admin_access, "{\"roles\":[]}");
    expect_env(&c, 400, NULL);
    call_release(&c);

    c = api("PUT", path, st.admin_access, "{\"roles\":[\"LEARNER\",\"AUTHOR\",\"EDITOR\"]}");
    expect_env(&c, 200, "roles updated successfully");
    json_t *user = data_of(&c);
    assert_string_equal(str_at(user, "id"), st.user_id);
    assert_int_equal(json_array_size(json_object_get(user, "roles")), 3);
    assert_true(has_role(user, "AUTHOR"));
    assert_true(has_role(user, "EDITOR"));
    assert_true(has_role(user, "LEARNER"));
    assert_false(has_role(user, "ADMIN"));
    call_release(&c);
    free(path);

    /* The user's existing token carries the new roles at once. */
    c = api("GET", "/auth/profile/mine", st.access, NULL);
    expect_env(&c, 200, "success");
    assert_true(has_role(data_of(&c), "AUTHOR"));
    call_release(&c);
    st.roles_granted = true;
}

static void test_create_blog(void **state)
{
    (void)state;
    if (!st.roles_granted)
        skip();
    call c = api("POST", "/blog/author", st.access, "{}");
    expect_env(&c, 400,
               "title is required, description is required, drafttext is required, slug is "
               "required, imgurl is required, tags is required");
    call_release(&c);

    char *title = mf_asprintf("Distributed tracing with request ids %s", st.rnd);
    st.blog_id = create_blog(title,
                             "How one request id follows a request through a gateway, two "
                             "services and a message bus.",
                             st.slug);
    free(title);

    /* Drafts are not public. */
    char *path = mf_asprintf("/blog/id/%s", st.blog_id);
    c = api("GET", path, NULL, NULL);
    expect_env(&c, 404, "blog not found");
    call_release(&c);
    free(path);

    /* The author sees the draft. */
    path = mf_asprintf("/blog/author/id/%s", st.blog_id);
    c = api("GET", path, st.access, NULL);
    expect_env(&c, 200, "success");
    assert_string_equal(str_at(data_of(&c), "_id"), st.blog_id);
    assert_non_null(str_at(data_of(&c), "draftText"));
    call_release(&c);
    free(path);
}

static void test_submit_publish(void **state)
{
    (void)state;
    if (!st.blog_id)
        skip();
    /* Publishing needs a submitted blog. */
    char *path = mf_asprintf("/blog/editor/publish/id/%s", st.blog_id);
    call c = api("PUT", path, st.access, NULL);
    char *msg = mf_asprintf("blog for _id %s is not submitted", st.blog_id);
    expect_env(&c, 400, msg);
    free(msg);
    call_release(&c);
    free(path);

    submit_and_publish(st.blog_id);
    st.published = true;
}

static void test_public_reads(void **state)
{
    (void)state;
    if (!st.published)
        skip();
    const char *rid = "e2e-story-public-read";
    char *path = mf_asprintf("/blog/id/%s", st.blog_id);
    call c = api_rid("GET", path, NULL, NULL, rid);
    free(path);
    expect_env(&c, 200, "success");
    assert_string_equal(c.r.request_id, rid);
    json_t *b = data_of(&c);
    assert_string_equal(str_at(b, "_id"), st.blog_id);
    assert_string_equal(str_at(b, "slug"), st.slug);
    assert_string_equal(str_at(b, "text"),
                        "The draft text of an end-to-end story, long enough to read.");
    assert_string_equal(str_at(b, "imgUrl"), "https://example.com/e2e/cover.png");
    assert_string_equal(str_at(json_object_get(b, "author"), "_id"), st.user_id);
    assert_string_equal(str_at(json_object_get(b, "author"), "name"), "Story Teller");
    assert_non_null(str_at(b, "publishedAt"));
    assert_true(json_is_number(json_object_get(b, "score")));
    assert_int_equal(json_array_size(json_object_get(b, "tags")), 2);
    /* PublicBlog shape: no private fields. */
    assert_null(json_object_get(b, "draftText"));
    assert_null(json_object_get(b, "submitted"));
    assert_null(json_object_get(b, "createdBy"));
    call_release(&c);

    path = mf_asprintf("/blog/slug/%s", st.slug);
    c = api("GET", path, NULL, NULL);
    free(path);
    expect_env(&c, 200, "success");
    assert_string_equal(str_at(data_of(&c), "_id"), st.blog_id);
    call_release(&c);

    c = api("GET", "/blog/list/latest?page=1&limit=20", NULL, NULL);
    expect_env(&c, 200, "success");
    assert_true(json_is_array(data_of(&c)));
    assert_true(list_has(data_of(&c), st.blog_id));
    /* ItemBlog shape: no text. */
    assert_null(json_object_get(json_array_get(data_of(&c), 0), "text"));
    call_release(&c);

    c = api("GET", "/blog/list/latest?page=1", NULL, NULL);
    expect_env(&c, 400, "limit is required");
    call_release(&c);

    path = mf_asprintf("/blog/list/tag/%s?page=1&limit=10", st.tag);
    c = api("GET", path, NULL, NULL);
    free(path);
    expect_env(&c, 200, "success");
    assert_int_equal(json_array_size(data_of(&c)), 1);
    assert_true(list_has(data_of(&c), st.blog_id));
    call_release(&c);

    c = api("GET", "/blog/list/tag/lower?page=1&limit=10", NULL, NULL);
    expect_env(&c, 400, "tag must be uppercase");
    call_release(&c);
}

static void test_similar(void **state)
{
    (void)state;
    if (!st.published)
        skip();
    char *title = mf_asprintf("Request ids in distributed tracing %s", st.rnd);
    char *slug = mf_asprintf("%s-related", st.slug);
    st.other_id = create_blog(
        title, "Following one request id through a gateway and services, a related story.", slug);
    free(title);
    free(slug);
    submit_and_publish(st.other_id);
    st.other_published = true;

    char *path = mf_asprintf("/blog/list/similar/id/%s", st.other_id);
    call c = api("GET", path, NULL, NULL);
    free(path);
    expect_env(&c, 200, "success");
    assert_true(json_array_size(data_of(&c)) <= 6);
    assert_true(list_has(data_of(&c), st.blog_id));
    assert_false(list_has(data_of(&c), st.other_id));
    call_release(&c);

    path = mf_asprintf("/blog/list/similar/id/%s", st.blog_id);
    c = api("GET", path, NULL, NULL);
    free(path);
    expect_env(&c, 200, "success");
    assert_true(list_has(data_of(&c), st.other_id));
    assert_false(list_has(data_of(&c), st.blog_id));
    call_release(&c);

    path = mf_asprintf("/blog/list/tag/%s?page=1&limit=10", st.tag);
    c = api("GET", path, NULL, NULL);
    free(path);
    expect_env(&c, 200, "success");
    assert_int_equal(json_array_size(data_of(&c)), 2);
    /* Latest first. */
    assert_string_equal(str_at(json_array_get(data_of(&c), 0), "_id"), st.other_id);
    call_release(&c);
}

static void test_profile_rename_reaches_blog(void **state)
{
    (void)state;
    if (!st.published)
        skip();
    /* Read once first so that a cached copy exists that the event must invalidate. */
    char *path = mf_asprintf("/blog/id/%s", st.blog_id);
    call c = api("GET", path, NULL, NULL);
    expect_env(&c, 200, "success");
    call_release(&c);

    char *name = mf_asprintf("Renamed %s", st.rnd);
    char *body = mf_asprintf("{\"name\":\"%s\",\"profilePicUrl\":\"%s\"}", name, PIC_URL);
    c = api("PUT", "/auth/profile/mine", st.access, body);
    free(body);
    expect_env(&c, 200, "profile updated successfully");
    assert_string_equal(str_at(data_of(&c), "name"), name);
    assert_string_equal(str_at(data_of(&c), "profilePicUrl"), PIC_URL);
    call_release(&c);

    /* user.updated travels over JetStream: poll the public blog until it shows the name. */
    int64_t deadline = mf_mono_ms() + EVENT_TIMEOUT_MS;
    char *seen = NULL;
    for (;;) {
        c = api("GET", path, NULL, NULL);
        expect_env(&c, 200, "success");
        free(seen);
        seen = mf_strdup(str_at(json_object_get(data_of(&c), "author"), "name"));
        call_release(&c);
        if (strcmp(seen, name) == 0 || mf_mono_ms() > deadline)
            break;
        sleep_ms(POLL_STEP_MS);
    }
    if (strcmp(seen, name) != 0)
        fail_msg("author name on the public blog is still \"%s\" after %d ms, want \"%s\"", seen,
                 EVENT_TIMEOUT_MS, name);
    free(seen);

    /* By slug too (a separate cache entry). */
    char *spath = mf_asprintf("/blog/slug/%s", st.slug);
    c = api("GET", spath, NULL, NULL);
    expect_env(&c, 200, "success");
    assert_string_equal(str_at(json_object_get(data_of(&c), "author"), "name"), name);
    assert_string_equal(str_at(json_object_get(data_of(&c), "author"), "profilePicUrl"), PIC_URL);
    call_release(&c);
    free(spath);
    free(name);
    free(path);
}

static void test_unpublish(void **state)
{
    (void)state;
    if (!st.published)
        skip();
    char *path = mf_asprintf("/blog/editor/unpublish/id/%s", st.blog_id);
    call c = api("PUT", path, st.access, NULL);
    expect_env(&c, 200, "blog unpublished successfully");
    call_release(&c);
    c = api("PUT", path, st.access, NULL);
    char *msg = mf_asprintf("blog for _id %s is not published", st.blog_id);
    expect_env(&c, 400, msg);
    free(msg);
    call_release(&c);
    free(path);

    path = mf_asprintf("/blog/id/%s", st.blog_id);
    c = api("GET", path, NULL, NULL);
    expect_env(&c, 404, "blog not found");
    call_release(&c);
    free(path);
    path = mf_asprintf("/blog/slug/%s", st.slug);
    c = api("GET", path, NULL, NULL);
    expect_env(&c, 404, "blog not found");
    call_release(&c);
    free(path);
    path = mf_asprintf("/blog/list/tag/%s?page=1&limit=10", st.tag);
    c = api("GET", path, NULL, NULL);
    expect_env(&c, 200, "success");
    assert_false(list_has(data_of(&c), st.blog_id));
    call_release(&c);
    free(path);
}

static void test_delete(void **state)
{
    (void)state;
    if (!st.blog_id)
        skip();
    char *path = mf_asprintf("/blog/author/id/%s", st.blog_id);
    call c = api("DELETE", path, st.access, NULL);
    expect_env(&c, 200, "blog deleted successfully");
    call_release(&c);
    c = api("DELETE", path, st.access, NULL);
    expect_env(&c, 404, "blog not found");
    call_release(&c);
    c = api("GET", path, st.access, NULL);
    char *msg = mf_asprintf("%s not found", st.blog_id);
    expect_env(&c, 404, msg);
    free(msg);
    call_release(&c);
    free(path);

    /* Deleting a published blog takes it off the public reads at once. */
    if (st.other_published) {
        char *pub = mf_asprintf("/blog/id/%s", st.other_id);
        c = api("GET", pub, NULL, NULL);
        expect_env(&c, 200, "success");
        call_release(&c);
        path = mf_asprintf("/blog/author/id/%s", st.other_id);
        c = api("DELETE", path, st.access, NULL);
        expect_env(&c, 200, "blog deleted successfully");
        call_release(&c);
        free(path);
        c = api("GET", pub, NULL, NULL);
        expect_env(&c, 404, "blog not found");
        call_release(&c);
        free(pub);
    }
}

static void test_signout(void **state)
{
    (void)state;
    if (!st.access)
        skip();
    call c = api("DELETE", "/auth/signout", st.access, NULL);
    expect_env(&c, 200, "signout success");
    call_release(&c);

    c = api("GET", "/auth/profile/mine", st.access, NULL);
    expect_env(&c, 401, "permission denied: invalid access token");
    call_release(&c);
    /* blog-service asks auth-service, and passes its answer on unchanged. */
    c = api("GET", "/blog/author/drafts?page=1&limit=10", st.access, NULL);
    expect_env(&c, 401, "permission denied: invalid access token");
    call_release(&c);
    c = api("DELETE", "/auth/signout", st.access, NULL);
    expect_env(&c, 401, "permission denied: invalid access token");
    call_release(&c);
    c = api("GET", "/auth/profile/mine", NULL, NULL);
    expect_env(&c, 401, "permission denied: missing Authorization");
    call_release(&c);

    if (st.admin_access) {
        c = api("DELETE", "/auth/signout", st.admin_access, NULL);
        expect_env(&c, 200, "signout success");
        call_release(&c);
    }
}

static int setup(void **state)
{
    (void)state;
    st.port = atoi(th_stack("GATEWAY_PORT"));
    st.api_key = th_stack("DEV_API_KEY");
    char hex[17];
    if (mf_random_hex(4, hex, sizeof(hex)) != 0)
        return -1;
    snprintf(st.rnd, sizeof(st.rnd), "%s", hex);
    st.email = mf_asprintf("E2E.Story-%s@Example.com", st.rnd);
    st.slug = mf_asprintf("e2e-story-%s", st.rnd);
    /* Tags are upper case: digits map to letters so the tag is A-Z only. */
    char tag[24] = "E2ESTORY";
    size_t n = strlen(tag);
    for (const char *p = st.rnd; *p && n < sizeof(tag) - 1; p++)
        tag[n++] = (*p >= '0' && *p <= '9') ? (char)('G' + (*p - '0')) : (char)(*p - 'a' + 'A');
    tag[n] = '\0';
    st.tag = mf_strdup(tag);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(st.email);
    free(st.user_id);
    free(st.access);
    free(st.refresh);
    free(st.admin_access);
    free(st.tag);
    free(st.blog_id);
    free(st.slug);
    free(st.other_id);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signup),
        cmocka_unit_test(test_signin),
        cmocka_unit_test(test_refresh),
        cmocka_unit_test(test_admin_grants_roles),
        cmocka_unit_test(test_create_blog),
        cmocka_unit_test(test_submit_publish),
        cmocka_unit_test(test_public_reads),
        cmocka_unit_test(test_similar),
        cmocka_unit_test(test_profile_rename_reaches_blog),
        cmocka_unit_test(test_unpublish),
        cmocka_unit_test(test_delete),
        cmocka_unit_test(test_signout),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
