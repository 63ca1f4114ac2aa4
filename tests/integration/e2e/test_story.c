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

#include "api.h"
#include "harness.h"
#include "micro/alloc.h"
#include "micro/clock.h"

#define USER_PASSWORD    "e2e-secret-1"
#define EVENT_TIMEOUT_MS 15000
#define POLL_STEP_MS     100
#define PIC_URL          "https://example.com/e2e/avatar.png"

/* What one step hands to the next; NULL/empty until the step that produces it passed. */
static struct {
    th_api gw;    /* the gateway with the dev key; paths carry /auth or /blog */
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

/* ---- HTTP through the gateway ------------------------------------------------------------- */

/* True when the list (array of ItemBlog) holds a blog with that _id. */
static bool list_has(json_t *list, const char *id)
{
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        const char *got = th_jstr(item, "_id");
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
        const char *c = th_jstr(role, "code");
        if (c && strcmp(c, code) == 0)
            return true;
    }
    return false;
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
    th_resp c = th_call(st.gw, "POST", "/blog/author", st.access, text);
    th_expect_env(&c, 200, "blog created successfully");
    json_t *d = th_data(&c);
    assert_true(th_is_hex(th_jstr(d, "_id"), 24));
    assert_string_equal(th_jstr(d, "title"), title);
    assert_string_equal(th_jstr(d, "slug"), slug);
    assert_string_equal(th_jstr(d, "imgUrl"), "https://example.com/e2e/cover.png");
    assert_true(json_is_true(json_object_get(d, "drafted")));
    assert_true(json_is_false(json_object_get(d, "submitted")));
    assert_true(json_is_false(json_object_get(d, "published")));
    assert_string_equal(th_jstr(d, "author._id"), st.user_id);
    char *id = mf_strdup(th_jstr(d, "_id"));
    th_resp_release(&c);

    /* The same slug again is refused. */
    char *msg = mf_asprintf("Blog with slug: %s already exists", slug);
    th_expect(st.gw, "POST", "/blog/author", st.access, text, 400, msg);
    free(msg);
    free(text);
    json_decref(body);
    return id;
}

/* Submits (as author) and publishes (as editor) a blog, checking the state rules on the way. */
static void submit_and_publish(const char *id)
{
    char *path = mf_asprintf("/blog/author/submit/id/%s", id);
    th_expect(st.gw, "PUT", path, st.access, NULL, 200, "blog submitted successfully");
    char *msg = mf_asprintf("blog for _id %s is already submitted", id);
    th_expect(st.gw, "PUT", path, st.access, NULL, 400, msg);
    free(msg);
    free(path);

    path = mf_asprintf("/blog/editor/publish/id/%s", id);
    th_expect(st.gw, "PUT", path, st.access, NULL, 200, "blog published successfully");
    msg = mf_asprintf("blog for _id %s is already published", id);
    th_expect(st.gw, "PUT", path, st.access, NULL, 400, msg);
    free(msg);
    free(path);
}

/* ---- the story ---------------------------------------------------------------------------- */

static void test_signup(void **state)
{
    (void)state;
    th_expect(st.gw, "POST", "/auth/signup/basic", NULL, "{}", 400,
              "email is required, password is required, name is required");

    char *body = mf_asprintf("{\"email\":\"%s\",\"password\":\"%s\",\"name\":\"Story Teller\"}",
                             st.email, USER_PASSWORD);
    th_resp c = th_call(st.gw, "POST", "/auth/signup/basic", NULL, body);
    th_expect_env(&c, 200, "success");
    json_t *user = json_object_get(th_data(&c), "user");
    json_t *tokens = json_object_get(th_data(&c), "tokens");
    char *lower = mf_strdup(st.email);
    for (char *p = lower; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    /* Emails are stored lower-cased. */
    assert_string_equal(th_jstr(user, "email"), lower);
    assert_string_equal(th_jstr(user, "name"), "Story Teller");
    assert_int_equal(json_array_size(json_object_get(user, "roles")), 1);
    assert_true(has_role(user, "LEARNER"));
    assert_true(is_jwt(th_jstr(tokens, "accessToken")));
    assert_true(is_jwt(th_jstr(tokens, "refreshToken")));
    assert_non_null(th_jstr(user, "id"));
    st.user_id = mf_strdup(th_jstr(user, "id"));
    th_resp_release(&c);

    /* The same address, in lower case this time, is already taken. */
    free(body);
    body = mf_asprintf("{\"email\":\"%s\",\"password\":\"%s\",\"name\":\"Story Teller\"}", lower,
                       USER_PASSWORD);
    th_expect(st.gw, "POST", "/auth/signup/basic", NULL, body, 400, "user already registered");
    free(lower);
    free(body);
}

static void test_signin(void **state)
{
    (void)state;
    if (!st.user_id)
        skip();
    char *bad = mf_asprintf("{\"email\":\"%s\",\"password\":\"wrong-password\"}", st.email);
    th_expect(st.gw, "POST", "/auth/signin/basic", NULL, bad, 401, "invalid email or password");
    free(bad);

    char *body = mf_asprintf("{\"email\":\"%s\",\"password\":\"%s\"}", st.email, USER_PASSWORD);
    th_resp c = th_call(st.gw, "POST", "/auth/signin/basic", NULL, body);
    free(body);
    th_expect_env(&c, 200, "success");
    json_t *user = json_object_get(th_data(&c), "user");
    assert_string_equal(th_jstr(user, "id"), st.user_id);
    const char *access = th_jstr(th_data(&c), "tokens.accessToken");
    assert_true(is_jwt(access));
    st.access = mf_strdup(access);
    st.refresh = mf_strdup(th_jstr(th_data(&c), "tokens.refreshToken"));
    th_resp_release(&c);

    c = th_call(st.gw, "GET", "/auth/profile/mine", st.access, NULL);
    th_expect_env(&c, 200, "success");
    assert_string_equal(th_jstr(th_data(&c), "id"), st.user_id);
    th_resp_release(&c);

    /* The public profile shows no email. */
    char *path = mf_asprintf("/auth/profile/id/%s", st.user_id);
    c = th_call(st.gw, "GET", path, NULL, NULL);
    free(path);
    th_expect_env(&c, 200, "success");
    assert_string_equal(th_jstr(th_data(&c), "name"), "Story Teller");
    assert_null(json_object_get(th_data(&c), "email"));
    th_resp_release(&c);
}

static void test_refresh(void **state)
{
    (void)state;
    if (!st.access)
        skip();
    th_expect(st.gw, "POST", "/auth/token/refresh", st.access, "{}", 400,
              "refreshtoken is required");

    char *body = mf_asprintf("{\"refreshToken\":\"%s\"}", st.refresh);
    th_resp c = th_call(st.gw, "POST", "/auth/token/refresh", st.access, body);
    th_expect_env(&c, 200, "success");
    const char *access = th_jstr(th_data(&c), "accessToken");
    const char *refresh = th_jstr(th_data(&c), "refreshToken");
    assert_true(is_jwt(access));
    assert_true(is_jwt(refresh));
    assert_string_not_equal(access, st.access);
    char *old = st.access;
    st.access = mf_strdup(access);
    free(st.refresh);
    st.refresh = mf_strdup(refresh);
    th_resp_release(&c);

    /* The old pair died with its session. */
    th_expect(st.gw, "GET", "/auth/profile/mine", old, NULL, 401,
              "permission denied: invalid access token");
    th_expect(st.gw, "POST", "/auth/token/refresh", old, body, 401, NULL);
    free(old);
    free(body);

    c = th_call(st.gw, "GET", "/auth/profile/mine", st.access, NULL);
    th_expect_env(&c, 200, "success");
    assert_string_equal(th_jstr(th_data(&c), "id"), st.user_id);
    th_resp_release(&c);
}

static void test_admin_grants_roles(void **state)
{
    (void)state;
    if (!st.access)
        skip();
    /* A learner can neither write blogs nor grant roles. */
    th_expect(st.gw, "POST", "/blog/author", st.access, "{}", 403,
              "permission denied: does not have suffient role");
    char *path = mf_asprintf("/auth/roles/user/id/%s", st.user_id);
    th_expect(st.gw, "PUT", path, st.access, "{\"roles\":[\"ADMIN\"]}", 403,
              "permission denied: does not have suffient role");

    th_resp c =
        th_call(st.gw, "POST", "/auth/signin/basic", NULL,
                "{\"email\":\"" TH_ADMIN_EMAIL "\",\"password\":\"" TH_ADMIN_PASSWORD "\"}");
    th_expect_env(&c, 200, "success");
    json_t *admin = json_object_get(th_data(&c), "user");
    assert_true(has_role(admin, "ADMIN"));
    st.admin_access = mf_strdup(th_jstr(th_data(&c), "tokens.accessToken"));
    th_resp_release(&c);

    th_expect(st.gw, "PUT", path, st.admin_access, "{\"roles\":[]}", 400, NULL);

    c = th_call(st.gw, "PUT", path, st.admin_access,
                "{\"roles\":[\"LEARNER\",\"AUTHOR\",\"EDITOR\"]}");
    th_expect_env(&c, 200, "roles updated successfully");
    json_t *user = th_data(&c);
    assert_string_equal(th_jstr(user, "id"), st.user_id);
    assert_int_equal(json_array_size(json_object_get(user, "roles")), 3);
    assert_true(has_role(user, "AUTHOR"));
    assert_true(has_role(user, "EDITOR"));
    assert_true(has_role(user, "LEARNER"));
    assert_false(has_role(user, "ADMIN"));
    th_resp_release(&c);
    free(path);

    /* The user's existing token carries the new roles at once. */
    c = th_call(st.gw, "GET", "/auth/profile/mine", st.access, NULL);
    th_expect_env(&c, 200, "success");
    assert_true(has_role(th_data(&c), "AUTHOR"));
    th_resp_release(&c);
    /* blog-service had that token cached as a LEARNER's (the 403 above): auth.invalidate drops it.
     */
    th_expect_within(st.gw, "/blog/author/drafts?page=1&limit=10", st.access, 200, "success", 5000);
    st.roles_granted = true;
}

static void test_create_blog(void **state)
{
    (void)state;
    if (!st.roles_granted)
        skip();
    th_expect(st.gw, "POST", "/blog/author", st.access, "{}", 400,
              "title is required, description is required, drafttext is required, slug is "
              "required, imgurl is required, tags is required");

    char *title = mf_asprintf("Distributed tracing with request ids %s", st.rnd);
    st.blog_id = create_blog(title,
                             "How one request id follows a request through a gateway, two "
                             "services and a message bus.",
                             st.slug);
    free(title);

    /* Drafts are not public. */
    char *path = mf_asprintf("/blog/id/%s", st.blog_id);
    th_expect(st.gw, "GET", path, NULL, NULL, 404, "blog not found");
    free(path);

    /* The author sees the draft. */
    path = mf_asprintf("/blog/author/id/%s", st.blog_id);
    th_resp c = th_call(st.gw, "GET", path, st.access, NULL);
    th_expect_env(&c, 200, "success");
    assert_string_equal(th_jstr(th_data(&c), "_id"), st.blog_id);
    assert_non_null(th_jstr(th_data(&c), "draftText"));
    th_resp_release(&c);
    free(path);
}

static void test_submit_publish(void **state)
{
    (void)state;
    if (!st.blog_id)
        skip();
    /* Publishing needs a submitted blog. */
    char *path = mf_asprintf("/blog/editor/publish/id/%s", st.blog_id);
    char *msg = mf_asprintf("blog for _id %s is not submitted", st.blog_id);
    th_expect(st.gw, "PUT", path, st.access, NULL, 400, msg);
    free(msg);
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
    th_call_opts o = {.request_id = rid};
    th_resp c = th_call_opt(st.gw, "GET", path, &o, NULL);
    free(path);
    th_expect_env(&c, 200, "success");
    assert_string_equal(c.request_id, rid);
    json_t *b = th_data(&c);
    assert_string_equal(th_jstr(b, "_id"), st.blog_id);
    assert_string_equal(th_jstr(b, "slug"), st.slug);
    assert_string_equal(th_jstr(b, "text"),
                        "The draft text of an end-to-end story, long enough to read.");
    assert_string_equal(th_jstr(b, "imgUrl"), "https://example.com/e2e/cover.png");
    assert_string_equal(th_jstr(b, "author._id"), st.user_id);
    assert_string_equal(th_jstr(b, "author.name"), "Story Teller");
    assert_non_null(th_jstr(b, "publishedAt"));
    assert_true(json_is_number(json_object_get(b, "score")));
    assert_int_equal(json_array_size(json_object_get(b, "tags")), 2);
    /* PublicBlog shape: no private fields. */
    assert_null(json_object_get(b, "draftText"));
    assert_null(json_object_get(b, "submitted"));
    assert_null(json_object_get(b, "createdBy"));
    th_resp_release(&c);

    path = mf_asprintf("/blog/slug/%s", st.slug);
    c = th_call(st.gw, "GET", path, NULL, NULL);
    free(path);
    th_expect_env(&c, 200, "success");
    assert_string_equal(th_jstr(th_data(&c), "_id"), st.blog_id);
    th_resp_release(&c);

    c = th_call(st.gw, "GET", "/blog/list/latest?page=1&limit=20", NULL, NULL);
    th_expect_env(&c, 200, "success");
    assert_true(json_is_array(th_data(&c)));
    assert_true(list_has(th_data(&c), st.blog_id));
    /* ItemBlog shape: no text. */
    assert_null(json_object_get(json_array_get(th_data(&c), 0), "text"));
    th_resp_release(&c);

    th_expect(st.gw, "GET", "/blog/list/latest?page=1", NULL, NULL, 400, "limit is required");

    path = mf_asprintf("/blog/list/tag/%s?page=1&limit=10", st.tag);
    c = th_call(st.gw, "GET", path, NULL, NULL);
    free(path);
    th_expect_env(&c, 200, "success");
    assert_int_equal(json_array_size(th_data(&c)), 1);
    assert_true(list_has(th_data(&c), st.blog_id));
    th_resp_release(&c);

    th_expect(st.gw, "GET", "/blog/list/tag/lower?page=1&limit=10", NULL, NULL, 400,
              "tag must be uppercase");
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
    th_resp c = th_call(st.gw, "GET", path, NULL, NULL);
    free(path);
    th_expect_env(&c, 200, "success");
    assert_true(json_array_size(th_data(&c)) <= 6);
    assert_true(list_has(th_data(&c), st.blog_id));
    assert_false(list_has(th_data(&c), st.other_id));
    th_resp_release(&c);

    path = mf_asprintf("/blog/list/similar/id/%s", st.blog_id);
    c = th_call(st.gw, "GET", path, NULL, NULL);
    free(path);
    th_expect_env(&c, 200, "success");
    assert_true(list_has(th_data(&c), st.other_id));
    assert_false(list_has(th_data(&c), st.blog_id));
    th_resp_release(&c);

    path = mf_asprintf("/blog/list/tag/%s?page=1&limit=10", st.tag);
    c = th_call(st.gw, "GET", path, NULL, NULL);
    free(path);
    th_expect_env(&c, 200, "success");
    assert_int_equal(json_array_size(th_data(&c)), 2);
    /* Latest first. */
    assert_string_equal(th_jstr(th_data(&c), "0._id"), st.other_id);
    th_resp_release(&c);
}

static void test_profile_rename_reaches_blog(void **state)
{
    (void)state;
    if (!st.published)
        skip();
    /* Read once first so that a cached copy exists that the event must invalidate. */
    char *path = mf_asprintf("/blog/id/%s", st.blog_id);
    th_expect(st.gw, "GET", path, NULL, NULL, 200, "success");

    char *name = mf_asprintf("Renamed %s", st.rnd);
    char *body = mf_asprintf("{\"name\":\"%s\",\"profilePicUrl\":\"%s\"}", name, PIC_URL);
    th_resp c = th_call(st.gw, "PUT", "/auth/profile/mine", st.access, body);
    free(body);
    th_expect_env(&c, 200, "profile updated successfully");
    assert_string_equal(th_jstr(th_data(&c), "name"), name);
    assert_string_equal(th_jstr(th_data(&c), "profilePicUrl"), PIC_URL);
    th_resp_release(&c);

    /* user.updated travels over JetStream: poll the public blog until it shows the name. */
    int64_t deadline = mf_mono_ms() + EVENT_TIMEOUT_MS;
    char *seen = NULL;
    for (;;) {
        c = th_call(st.gw, "GET", path, NULL, NULL);
        th_expect_env(&c, 200, "success");
        free(seen);
        seen = mf_strdup(th_jstr(th_data(&c), "author.name"));
        th_resp_release(&c);
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
    c = th_call(st.gw, "GET", spath, NULL, NULL);
    th_expect_env(&c, 200, "success");
    assert_string_equal(th_jstr(th_data(&c), "author.name"), name);
    assert_string_equal(th_jstr(th_data(&c), "author.profilePicUrl"), PIC_URL);
    th_resp_release(&c);
    free(spath);
    free(name);
    free(path);
}

/* A reader comments, the author replies, the count and the tags follow, an editor moderates:
 * all through the gateway. */
static void test_comments(void **state)
{
    (void)state;
    if (!st.published)
        skip();
    th_user reader;
    char *email = mf_asprintf("e2e-reader-%s@example.com", st.rnd);
    th_api auth = st.gw;
    auth.prefix = "/auth";
    th_signup_as(auth, &reader, email, TH_USER_PASSWORD, "Story Reader");
    free(email);

    char *path = mf_asprintf("/blog/comments/id/%s", st.blog_id);
    th_expect(st.gw, "POST", path, NULL, "{\"text\":\"hi\"}", 401,
              "permission denied: missing Authorization");
    th_expect(st.gw, "POST", path, reader.access, "{\"text\":\"   \"}", 400, "text is required");
    th_resp c = th_call(st.gw, "POST", path, reader.access, "{\"text\":\"Great story!\"}");
    th_expect_env(&c, 200, "comment created successfully");
    char *top = mf_strdup(th_jstr(th_data(&c), "_id"));
    assert_string_equal(th_jstr(th_data(&c), "author.name"), "Story Reader");
    th_resp_release(&c);
    char *body = mf_asprintf("{\"text\":\"Thank you.\",\"parentId\":\"%s\"}", top);
    c = th_call(st.gw, "POST", path, st.access, body);
    th_expect_env(&c, 200, "comment created successfully");
    char *reply = mf_strdup(th_jstr(th_data(&c), "_id"));
    assert_string_equal(th_jstr(th_data(&c), "parentId"), top);
    th_resp_release(&c);
    free(body);

    char *list = mf_asprintf("/blog/comments/id/%s?page=1&limit=10", st.blog_id);
    c = th_call(st.gw, "GET", list, NULL, NULL);
    th_expect_env(&c, 200, "success");
    assert_int_equal(json_array_size(th_data(&c)), 2);
    assert_string_equal(th_jstr(json_array_get(th_data(&c), 0), "_id"), top);
    assert_string_equal(th_jstr(json_array_get(th_data(&c), 1), "_id"), reply);
    th_resp_release(&c);
    char *blog = mf_asprintf("/blog/id/%s", st.blog_id);
    c = th_call(st.gw, "GET", blog, NULL, NULL);
    th_expect_env(&c, 200, "success");
    assert_int_equal(json_integer_value(json_object_get(th_data(&c), "commentCount")), 2);
    th_resp_release(&c);

    char *tags = mf_asprintf("/blog/tags?page=1&limit=10&prefix=%s", st.tag);
    c = th_call(st.gw, "GET", tags, NULL, NULL);
    th_expect_env(&c, 200, "success");
    assert_string_equal(th_jstr(json_array_get(th_data(&c), 0), "tag"), st.tag);
    assert_true(json_integer_value(json_object_get(json_array_get(th_data(&c), 0), "count")) >= 1);
    th_resp_release(&c);

    /* the reader edits; the editor (the story's user also holds EDITOR) moderates */
    char *one = mf_asprintf("/blog/comment/id/%s", top);
    c = th_call(st.gw, "PUT", one, reader.access, "{\"text\":\"Great story, really.\"}");
    th_expect_env(&c, 200, "comment updated successfully");
    assert_true(json_is_true(json_object_get(th_data(&c), "edited")));
    th_resp_release(&c);
    th_expect(st.gw, "DELETE", one, st.access, NULL, 200, "comment deleted successfully");
    th_expect(st.gw, "DELETE", one, reader.access, NULL, 404, "comment not found");
    c = th_call(st.gw, "GET", list, NULL, NULL);
    th_expect_env(&c, 200, "success");
    assert_int_equal(json_array_size(th_data(&c)), 0); /* the reply went with it */
    th_resp_release(&c);
    c = th_call(st.gw, "GET", blog, NULL, NULL);
    th_expect_env(&c, 200, "success");
    assert_int_equal(json_integer_value(json_object_get(th_data(&c), "commentCount")), 0);
    th_resp_release(&c);

    free(one);
    free(tags);
    free(blog);
    free(list);
    free(reply);
    free(top);
    free(path);
    th_user_release(&reader);
}

static void test_unpublish(void **state)
{
    (void)state;
    if (!st.published)
        skip();
    char *path = mf_asprintf("/blog/editor/unpublish/id/%s", st.blog_id);
    th_expect(st.gw, "PUT", path, st.access, NULL, 200, "blog unpublished successfully");
    char *msg = mf_asprintf("blog for _id %s is not published", st.blog_id);
    th_expect(st.gw, "PUT", path, st.access, NULL, 400, msg);
    free(msg);
    free(path);

    path = mf_asprintf("/blog/id/%s", st.blog_id);
    th_expect(st.gw, "GET", path, NULL, NULL, 404, "blog not found");
    free(path);
    path = mf_asprintf("/blog/slug/%s", st.slug);
    th_expect(st.gw, "GET", path, NULL, NULL, 404, "blog not found");
    free(path);
    path = mf_asprintf("/blog/list/tag/%s?page=1&limit=10", st.tag);
    th_resp c = th_call(st.gw, "GET", path, NULL, NULL);
    th_expect_env(&c, 200, "success");
    assert_false(list_has(th_data(&c), st.blog_id));
    th_resp_release(&c);
    free(path);
}

static void test_delete(void **state)
{
    (void)state;
    if (!st.blog_id)
        skip();
    char *path = mf_asprintf("/blog/author/id/%s", st.blog_id);
    th_expect(st.gw, "DELETE", path, st.access, NULL, 200, "blog deleted successfully");
    th_expect(st.gw, "DELETE", path, st.access, NULL, 404, "blog not found");
    char *msg = mf_asprintf("%s not found", st.blog_id);
    th_expect(st.gw, "GET", path, st.access, NULL, 404, msg);
    free(msg);
    free(path);

    /* Deleting a published blog takes it off the public reads at once. */
    if (st.other_published) {
        char *pub = mf_asprintf("/blog/id/%s", st.other_id);
        th_expect(st.gw, "GET", pub, NULL, NULL, 200, "success");
        path = mf_asprintf("/blog/author/id/%s", st.other_id);
        th_expect(st.gw, "DELETE", path, st.access, NULL, 200, "blog deleted successfully");
        free(path);
        th_expect(st.gw, "GET", pub, NULL, NULL, 404, "blog not found");
        free(pub);
    }
}

static void test_signout(void **state)
{
    (void)state;
    if (!st.access)
        skip();
    th_expect(st.gw, "DELETE", "/auth/signout", st.access, NULL, 200, "signout success");

    th_expect(st.gw, "GET", "/auth/profile/mine", st.access, NULL, 401,
              "permission denied: invalid access token");
    /* blog-service passes auth-service's answer on unchanged, once auth.invalidate has reached
     * its cache of that token (one NATS message; far below the cache's 30 s). */
    th_expect_within(st.gw, "/blog/author/drafts?page=1&limit=10", st.access, 401,
                     "permission denied: invalid access token", 5000);
    th_expect(st.gw, "DELETE", "/auth/signout", st.access, NULL, 401,
              "permission denied: invalid access token");
    th_expect(st.gw, "GET", "/auth/profile/mine", NULL, NULL, 401,
              "permission denied: missing Authorization");

    if (st.admin_access) {
        th_expect(st.gw, "DELETE", "/auth/signout", st.admin_access, NULL, 200, "signout success");
    }
}

static int setup(void **state)
{
    (void)state;
    st.gw = th_api_gateway("");
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
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_unpublish),
        cmocka_unit_test(test_delete),
        cmocka_unit_test(test_signout),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
