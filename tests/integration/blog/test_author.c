/* Author routes (API.md section 4): validation messages, duplicate slugs (also racing),
 * update/get/delete/submit/withdraw rows, authentication and authorization failures, BOLA,
 * mass assignment and operator injection. */
#include <pthread.h>

#include "blog_it.h"

static th_user author, other, editor, learner;

static int setup(void **state)
{
    (void)state;
    bt_new_user(&author, "au-author", "[\"AUTHOR\"]");
    bt_new_user(&other, "au-other", "[\"AUTHOR\"]");
    bt_new_user(&editor, "au-editor", "[\"EDITOR\"]");
    bt_new_user(&learner, "au-learner", NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    th_user_release(&author);
    th_user_release(&other);
    th_user_release(&editor);
    th_user_release(&learner);
    return 0;
}

static void test_authentication_failures(void **state)
{
    (void)state;
    th_resp r;
    char *url = th_url(th_api_blog().port, "/author/drafts?page=1&limit=1");
    const char *none[] = {NULL};
    th_http("GET", url, none, NULL, &r);
    th_expect_env(&r, 401, "permission denied: missing Authorization");
    th_resp_release(&r);
    const char *basic[] = {"Authorization: Basic abc", NULL};
    th_http("GET", url, basic, NULL, &r);
    th_expect_env(&r, 401, "permission denied: invalid Authorization");
    th_resp_release(&r);
    free(url);
    th_expect(th_api_blog(), "GET", "/author/drafts?page=1&limit=1", "not-a-jwt", NULL, 401,
              "permission denied: invalid access token");
    th_expect(th_api_blog(), "POST", "/author", learner.access, "{}", 403,
              "permission denied: does not have suffient role");
    th_expect(th_api_blog(), "PUT", "/editor/publish/id/0123456789abcdef01234567", learner.access,
              NULL, 403, "permission denied: does not have suffient role");
}

static void test_create_validation(void **state)
{
    (void)state;
    th_expect(th_api_blog(), "POST", "/author", author.access, "{}", 400,
              "title is required, description is required, drafttext is required, slug is "
              "required, imgurl is required, tags is required");
    th_expect(th_api_blog(), "POST", "/author", author.access, "{\"title\":", 400,
              "invalid JSON body");
    th_expect(th_api_blog(), "POST", "/author", author.access,
              "{\"title\":\"ab\",\"description\":\"cd\",\"draftText\":\"x\",\"slug\":\"a /?\","
              "\"imgUrl\":\"no uri\",\"tags\":[\"lower\"]}",
              400,
              "title must be at least 3 characters, description must be at least 3 characters, "
              "slug must be at least 3 characters, imgurl is not a valid URI, tags[0] must be "
              "uppercase");
    th_expect(th_api_blog(), "POST", "/author", author.access,
              "{\"title\":\"abc\",\"description\":\"abc\",\"draftText\":\"x\",\"slug\":\"abc\","
              "\"imgUrl\":\"https://x.io\",\"tags\":[]}",
              400, "tags is required");
    /* wrong JSON types */
    th_expect(th_api_blog(), "POST", "/author", author.access,
              "{\"title\":1,\"description\":[],\"draftText\":{},\"slug\":true,\"imgUrl\":2,"
              "\"tags\":\"A\"}",
              400,
              "title must be a string, description must be a string, drafttext must be a string, "
              "slug must be a string, imgurl must be a string, tags must be an array");
    mf_strbuf big;
    mf_strbuf_init(&big);
    for (int i = 0; i < 501; i++)
        mf_strbuf_addch(&big, 'T');
    char *body = mf_asprintf("{\"title\":\"%s\",\"description\":\"abc\",\"draftText\":\"x\","
                             "\"slug\":\"abc\",\"imgUrl\":\"https://x.io\",\"tags\":[\"A\"]}",
                             big.buf);
    th_expect(th_api_blog(), "POST", "/author", author.access, body, 400,
              "title must be at most 500 characters");
    free(body);
    mf_strbuf_release(&big);
}

/* What a page shows must be safe to link and to print (API.md section 4): imgUrl an http(s)
 * URL or an absolute path, a slug without control characters. */
static void test_link_and_slug_bounds(void **state)
{
    (void)state;
    const char *bad_img[] = {"javascript:alert(1)",
                             "data:text/html;base64,PHNjcmlwdD4=", "//evil.example.com/x.png",
                             "ftp://x.io/a.png", "vbscript:x"};
    for (size_t i = 0; i < sizeof(bad_img) / sizeof(bad_img[0]); i++) {
        char *body = mf_asprintf("{\"title\":\"abc\",\"description\":\"abc\",\"draftText\":"
                                 "\"x\",\"slug\":\"abc\",\"imgUrl\":\"%s\",\"tags\":[\"A\"]}",
                                 bad_img[i]);
        th_expect(th_api_blog(), "POST", "/author", author.access, body, 400,
                  "imgurl is not a valid URI");
        free(body);
    }
    th_expect(th_api_blog(), "POST", "/author", author.access,
              "{\"title\":\"abc\",\"description\":\"abc\",\"draftText\":\"x\",\"slug\":"
              "\"ab\\u0001cd\",\"imgUrl\":\"https://x.io\",\"tags\":[\"A\"]}",
              400, "slug is invalid");
    char *t = th_random_hex(6);
    char *slug = mf_asprintf("abs-path-%s", t);
    char *body = mf_asprintf("{\"title\":\"abc\",\"description\":\"abc\",\"draftText\":\"x\","
                             "\"slug\":\"%s\",\"imgUrl\":\"/images/cover.png\",\"tags\":[\"A\"]}",
                             slug);
    th_resp r = th_call(th_api_blog(), "POST", "/author", author.access, body);
    th_expect_env(&r, 200, "blog created successfully");
    assert_string_equal(th_jstr(th_data(&r), "imgUrl"), "/images/cover.png");
    th_resp_release(&r);
    free(body);
    free(slug);
    free(t);
}

static void test_duplicate_slug(void **state)
{
    (void)state;
    char *t = th_random_hex(6);
    char *slug = mf_asprintf("dup-%s", t);
    char *id = bt_create(&author, "Duplicate one", "first of two", slug, "[\"DUP\"]");
    /* normalised before the check: "dup-<t> ?" is the same slug */
    char *spaced = mf_asprintf("dup-%s ?", t);
    char *body = bt_blog_body("Duplicate two", "second of two", spaced, "[\"DUP\"]");
    char *msg = mf_asprintf("Blog with slug: %s already exists", slug);
    th_expect(th_api_blog(), "POST", "/author", other.access, body, 400, msg);
    /* a deleted blog keeps its slug */
    char *p = mf_asprintf("/author/id/%s", id);
    th_expect(th_api_blog(), "DELETE", p, author.access, NULL, 200, "blog deleted successfully");
    th_expect(th_api_blog(), "POST", "/author", other.access, body, 400, msg);
    free(p);
    free(msg);
    free(body);
    free(spaced);
    free(id);
    free(slug);
    free(t);
}

typedef struct {
    const char *body;
    long status;
    char *message;
} race_arg;

static void *race_create(void *arg)
{
    race_arg *a = arg;
    th_resp r = th_call(th_api_blog(), "POST", "/author", author.access, a->body);
    a->status = r.status;
    a->message = mf_strdup(r.json ? th_jstr(r.json, "message") : "");
    th_resp_release(&r);
    return NULL;
}

static void test_duplicate_slug_race(void **state)
{
    (void)state;
    enum { N = 8 };
    char *t = th_random_hex(6);
    char *slug = mf_asprintf("race-%s", t);
    char *body = bt_blog_body("Racing creates", "all at once", slug, "[\"RACE\"]");
    pthread_t th[N];
    race_arg args[N];
    for (int i = 0; i < N; i++) {
        args[i] = (race_arg){.body = body};
        assert_int_equal(pthread_create(&th[i], NULL, race_create, &args[i]), 0);
    }
    int ok = 0, dup = 0;
    char *msg = mf_asprintf("Blog with slug: %s already exists", slug);
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        if (args[i].status == 200)
            ok++;
        else if (args[i].status == 400 && strcmp(args[i].message, msg) == 0)
            dup++;
        free(args[i].message);
    }
    assert_int_equal(ok, 1);
    assert_int_equal(dup, N - 1);
    free(msg);
    free(body);
    free(slug);
    free(t);
}

static void test_mass_assignment(void **state)
{
    (void)state;
    char *t = th_random_hex(6);
    char *body = mf_asprintf(
        "{\"title\":\"Mass assignment\",\"description\":\"tries to set protected fields\","
        "\"draftText\":\"x\",\"slug\":\"mass-%s\",\"imgUrl\":\"https://x.io/i.png\","
        "\"tags\":[\"MASS\"],\"published\":true,\"submitted\":true,\"drafted\":false,"
        "\"status\":false,\"score\":99,\"_id\":\"aaaaaaaaaaaaaaaaaaaaaaaa\",\"text\":\"pub\","
        "\"publishedAt\":\"2020-01-01T00:00:00.000Z\",\"author\":{\"_id\":\"%s\",\"name\":\"X\"},"
        "\"createdBy\":\"%s\",\"keywords\":[\"evil\"]}",
        t, other.id, other.id);
    th_resp r = th_call(th_api_blog(), "POST", "/author", author.access, body);
    th_expect_env(&r, 200, "blog created successfully");
    json_t *d = th_data(&r);
    char *id = mf_strdup(th_jstr(d, "_id"));
    assert_string_not_equal(id, "aaaaaaaaaaaaaaaaaaaaaaaa");
    assert_true(json_is_false(json_object_get(d, "published")));
    assert_true(json_is_false(json_object_get(d, "submitted")));
    assert_true(json_is_true(json_object_get(d, "drafted")));
    assert_true(json_real_value(json_object_get(d, "score")) < 0.02);
    assert_null(json_object_get(d, "text"));
    assert_null(json_object_get(d, "publishedAt"));
    assert_string_equal(th_jstr(json_object_get(d, "author"), "_id"), author.id);
    assert_string_equal(th_jstr(json_object_get(d, "author"), "name"), author.name);
    th_resp_release(&r);
    /* status stayed true: the author sees it, the public does not (not published) */
    char *p = mf_asprintf("/author/id/%s", id);
    th_expect(th_api_blog(), "GET", p, author.access, NULL, 200, "success");
    free(p);
    p = mf_asprintf("/id/%s", id);
    th_expect(th_api_blog(), "GET", p, NULL, NULL, 404, "blog not found");
    free(p);
    th_expect(th_api_blog(), "GET", "/id/aaaaaaaaaaaaaaaaaaaaaaaa", NULL, NULL, 404,
              "blog not found");
    /* the same on update: protected fields are ignored */
    char *upd = mf_asprintf("{\"_id\":\"%s\",\"published\":true,\"status\":false,\"score\":5,"
                            "\"author\":{\"_id\":\"%s\"}}",
                            id, other.id);
    r = th_call(th_api_blog(), "PUT", "/author", author.access, upd);
    th_expect_env(&r, 200, "blog updated successfully");
    assert_true(json_is_false(json_object_get(th_data(&r), "published")));
    assert_string_equal(th_jstr(json_object_get(th_data(&r), "author"), "_id"), author.id);
    th_resp_release(&r);
    p = mf_asprintf("/author/id/%s", id);
    th_expect(th_api_blog(), "GET", p, author.access, NULL, 200, "success");
    char *msg = mf_asprintf("%s not found", id);
    th_expect(th_api_blog(), "GET", p, other.access, NULL, 404, msg);
    free(msg);
    free(p);
    free(upd);
    free(id);
    free(body);
    free(t);
}

static void test_operator_injection(void **state)
{
    (void)state;
    /* operator objects where strings are expected: plain type errors */
    th_expect(th_api_blog(), "POST", "/author", author.access,
              "{\"title\":{\"$gt\":\"\"},\"description\":\"abc\",\"draftText\":\"x\","
              "\"slug\":{\"$ne\":null},\"imgUrl\":\"https://x.io\",\"tags\":[{\"$gt\":\"\"}]}",
              400, "title must be a string, slug must be a string, tags[0] must be a string");
    th_expect(th_api_blog(), "PUT", "/author", author.access, "{\"_id\":{\"$gt\":\"\"}}", 400,
              "_id must be a string");
    /* operator-looking strings are stored and matched as plain strings */
    char *t = th_random_hex(6);
    char *slug = mf_asprintf("{\\\"$gt\\\":\\\"%s\\\"}", t);
    char *body = mf_asprintf("{\"title\":\"{\\\"$gt\\\":\\\"\\\"}\",\"description\":\"$where "
                             "1\",\"draftText\":\"x\",\"slug\":\"%s\",\"imgUrl\":"
                             "\"https://x.io\",\"tags\":[\"$GT\"]}",
                             slug);
    th_resp r = th_call(th_api_blog(), "POST", "/author", author.access, body);
    th_expect_env(&r, 200, "blog created successfully");
    char *id = mf_strdup(th_jstr(th_data(&r), "_id"));
    assert_string_equal(th_jstr(th_data(&r), "title"), "{\"$gt\":\"\"}");
    char *stored_slug = mf_strdup(th_jstr(th_data(&r), "slug"));
    th_resp_release(&r);
    bt_publish(&author, &editor, id);
    /* the exact string finds it (URL-encoded), an operator-looking other string does not */
    mf_strbuf path;
    mf_strbuf_init(&path);
    mf_strbuf_adds(&path, "/slug/");
    for (const char *c = stored_slug; *c; c++)
        mf_strbuf_addf(&path, "%%%02X", (unsigned char)*c);
    json_t *d = NULL;
    assert_int_equal(bt_get(path.buf, &d), 200);
    assert_string_equal(th_jstr(d, "_id"), id);
    json_decref(d);
    th_expect(th_api_blog(), "GET", "/slug/%7B%22%24ne%22%3A%22x%22%7D", NULL, NULL, 404,
              "blog not found");
    th_expect(th_api_blog(), "GET", "/slug/%7B%22%24gt%22%3A%22%22%7D", NULL, NULL, 404,
              "blog not found");
    mf_strbuf_release(&path);
    free(stored_slug);
    free(id);
    free(body);
    free(slug);
    free(t);
}

static void test_update_rows(void **state)
{
    (void)state;
    char *t = th_random_hex(6);
    char *s1 = mf_asprintf("upd-one-%s", t), *s2 = mf_asprintf("upd-two-%s", t);
    char *id = bt_create(&author, "Update me", "original description", s1, "[\"UPD\"]");
    char *id2 = bt_create(&author, "Other blog", "has the second slug", s2, "[\"UPD\"]");
    th_expect(th_api_blog(), "PUT", "/author", author.access, "{}", 400, "_id is required");
    th_expect(th_api_blog(), "PUT", "/author", author.access, "{\"_id\":\"12\"}", 400,
              "_id must be of length 24");
    th_expect(th_api_blog(), "PUT", "/author", author.access,
              "{\"_id\":\"zzzzzzzzzzzzzzzzzzzzzzzz\"}", 400, "_id is invalid");
    th_expect(th_api_blog(), "PUT", "/author", author.access,
              "{\"_id\":\"0123456789abcdef01234567\",\"title\":\"Fine title\"}", 404,
              "Blog with id: 0123456789abcdef01234567 does not exists");
    char *b = mf_asprintf("{\"_id\":\"%s\",\"draftText\":\"\"}", id);
    th_expect(th_api_blog(), "PUT", "/author", author.access, b, 400, "drafttext is required");
    free(b);
    b = mf_asprintf("{\"_id\":\"%s\",\"title\":\"x\",\"imgUrl\":\"bad\",\"tags\":[\"a\"]}", id);
    th_expect(th_api_blog(), "PUT", "/author", author.access, b, 400,
              "title must be at least 3 characters, imgurl is not a valid URI, tags[0] must be "
              "uppercase");
    free(b);
    b = mf_asprintf("{\"_id\":\"%s\",\"slug\":\"%s\"}", id, s2);
    char *msg = mf_asprintf("Blog with slug: %s already exists", s2);
    th_expect(th_api_blog(), "PUT", "/author", author.access, b, 400, msg);
    free(msg);
    free(b);
    /* own slug again is fine; fields change, others stay */
    b = mf_asprintf("{\"_id\":\"%s\",\"slug\":\"%s\",\"title\":\"Updated title\","
                    "\"description\":\"updated description\",\"draftText\":\"new draft\","
                    "\"imgUrl\":\"https://x.io/new.png\",\"tags\":[\"NEW\",\"TAGS\"]}",
                    id, s1);
    th_resp r = th_call(th_api_blog(), "PUT", "/author", author.access, b);
    th_expect_env(&r, 200, "blog updated successfully");
    json_t *d = th_data(&r);
    assert_string_equal(th_jstr(d, "title"), "Updated title");
    assert_string_equal(th_jstr(d, "description"), "updated description");
    assert_string_equal(th_jstr(d, "draftText"), "new draft");
    assert_string_equal(th_jstr(d, "imgUrl"), "https://x.io/new.png");
    assert_string_equal(th_jstr(d, "slug"), s1);
    assert_int_equal(json_array_size(json_object_get(d, "tags")), 2);
    assert_string_not_equal(th_jstr(d, "updatedAt"), th_jstr(d, "createdAt"));
    th_resp_release(&r);
    free(b);
    /* only _id: nothing changes but updatedAt */
    b = mf_asprintf("{\"_id\":\"%s\"}", id);
    r = th_call(th_api_blog(), "PUT", "/author", author.access, b);
    th_expect_env(&r, 200, "blog updated successfully");
    assert_string_equal(th_jstr(th_data(&r), "title"), "Updated title");
    th_resp_release(&r);
    free(b);
    free(id2);
    free(id);
    free(s1);
    free(s2);
    free(t);
}

static void test_get_delete_submit_withdraw(void **state)
{
    (void)state;
    char *t = th_random_hex(6);
    char *slug = mf_asprintf("rows-%s", t);
    char *id = bt_create(&author, "Row checks", "get delete submit withdraw", slug, "[\"ROW\"]");
    const char *missing = "0123456789abcdef01234567";
    char *p, *msg;

    p = mf_asprintf("/author/id/%s", id);
    th_resp r = th_call(th_api_blog(), "GET", p, author.access, NULL);
    th_expect_env(&r, 200, "success");
    assert_string_equal(th_jstr(th_data(&r), "_id"), id);
    assert_non_null(json_object_get(th_data(&r), "draftText"));
    th_resp_release(&r);
    free(p);
    p = mf_asprintf("/author/id/%s", missing);
    msg = mf_asprintf("%s not found", missing);
    th_expect(th_api_blog(), "GET", p, author.access, NULL, 404, msg);
    free(msg);
    th_expect(th_api_blog(), "DELETE", p, author.access, NULL, 404, "blog not found");
    free(p);
    th_expect(th_api_blog(), "GET", "/author/id/xyz", author.access, NULL, 400,
              "id must be of length 24");
    th_expect(th_api_blog(), "DELETE", "/author/id/zzzzzzzzzzzzzzzzzzzzzzzz", author.access, NULL,
              400, "id is invalid");

    /* submit / withdraw state checks */
    p = mf_asprintf("/author/withdraw/id/%s", id);
    msg = mf_asprintf("blog for _id %s is not submitted", id);
    th_expect(th_api_blog(), "PUT", p, author.access, NULL, 400, msg);
    free(msg);
    free(p);
    p = mf_asprintf("/author/submit/id/%s", id);
    th_expect(th_api_blog(), "PUT", p, author.access, NULL, 200, "blog submitted successfully");
    msg = mf_asprintf("blog for _id %s is already submitted", id);
    th_expect(th_api_blog(), "PUT", p, author.access, NULL, 400, msg);
    free(msg);
    free(p);
    r = th_call(th_api_blog(), "GET", "/author/submitted?page=1&limit=1000", author.access, NULL);
    th_expect_env(&r, 200, "success");
    assert_true(bt_index_of(th_data(&r), id) >= 0);
    th_resp_release(&r);
    p = mf_asprintf("/author/withdraw/id/%s", id);
    th_expect(th_api_blog(), "PUT", p, author.access, NULL, 200, "blog withdrawn successfully");
    free(p);
    p = mf_asprintf("/author/submit/id/%s", missing);
    th_expect(th_api_blog(), "PUT", p, author.access, NULL, 404, "blog not found");
    free(p);
    p = mf_asprintf("/author/withdraw/id/%s", missing);
    th_expect(th_api_blog(), "PUT", p, author.access, NULL, 404, "blog not found");
    free(p);
    th_expect(th_api_blog(), "GET", "/author/drafts", author.access, NULL, 400,
              "page is required, limit is required");

    /* delete: gone everywhere */
    r = th_call(th_api_blog(), "GET", "/author/drafts?page=1&limit=1000", author.access, NULL);
    assert_true(bt_index_of(th_data(&r), id) >= 0);
    th_resp_release(&r);
    p = mf_asprintf("/author/id/%s", id);
    th_expect(th_api_blog(), "DELETE", p, author.access, NULL, 200, "blog deleted successfully");
    th_expect(th_api_blog(), "DELETE", p, author.access, NULL, 404, "blog not found");
    msg = mf_asprintf("%s not found", id);
    th_expect(th_api_blog(), "GET", p, author.access, NULL, 404, msg);
    free(p);
    p = mf_asprintf("/editor/id/%s", id);
    th_expect(th_api_blog(), "GET", p, editor.access, NULL, 404, msg);
    free(msg);
    free(p);
    p = mf_asprintf("/author/submit/id/%s", id);
    th_expect(th_api_blog(), "PUT", p, author.access, NULL, 404, "blog not found");
    free(p);
    char *b = mf_asprintf("{\"_id\":\"%s\",\"title\":\"Revived?\"}", id);
    msg = mf_asprintf("Blog with id: %s does not exists", id);
    th_expect(th_api_blog(), "PUT", "/author", author.access, b, 404, msg);
    free(msg);
    free(b);
    r = th_call(th_api_blog(), "GET", "/author/drafts?page=1&limit=1000", author.access, NULL);
    assert_int_equal(bt_index_of(th_data(&r), id), -1);
    th_resp_release(&r);
    free(id);
    free(slug);
    free(t);
}

/* Broken object-level authorization: another author gets 404 for everything, and the blog
 * is unchanged afterwards. */
static void test_bola(void **state)
{
    (void)state;
    char *t = th_random_hex(6);
    char *slug = mf_asprintf("bola-%s", t);
    char *id = bt_create(&author, "Mine only", "nobody else may touch", slug, "[\"BOLA\"]");
    char *p, *msg;
    p = mf_asprintf("/author/id/%s", id);
    msg = mf_asprintf("%s not found", id);
    th_expect(th_api_blog(), "GET", p, other.access, NULL, 404, msg);
    free(msg);
    th_expect(th_api_blog(), "DELETE", p, other.access, NULL, 404, "blog not found");
    free(p);
    char *b = mf_asprintf("{\"_id\":\"%s\",\"title\":\"Hijacked\"}", id);
    msg = mf_asprintf("Blog with id: %s does not exists", id);
    th_expect(th_api_blog(), "PUT", "/author", other.access, b, 404, msg);
    free(msg);
    free(b);
    p = mf_asprintf("/author/submit/id/%s", id);
    th_expect(th_api_blog(), "PUT", p, other.access, NULL, 404, "blog not found");
    free(p);
    p = mf_asprintf("/author/withdraw/id/%s", id);
    th_expect(th_api_blog(), "PUT", p, other.access, NULL, 404, "blog not found");
    free(p);
    th_resp r =
        th_call(th_api_blog(), "GET", "/author/drafts?page=1&limit=1000", other.access, NULL);
    assert_int_equal(bt_index_of(th_data(&r), id), -1);
    th_resp_release(&r);
    /* still intact for its owner */
    p = mf_asprintf("/author/id/%s", id);
    r = th_call(th_api_blog(), "GET", p, author.access, NULL);
    th_expect_env(&r, 200, "success");
    assert_string_equal(th_jstr(th_data(&r), "title"), "Mine only");
    assert_true(json_is_false(json_object_get(th_data(&r), "submitted")));
    th_resp_release(&r);
    free(p);
    free(id);
    free(slug);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_authentication_failures),    cmocka_unit_test(test_create_validation),
        cmocka_unit_test(test_link_and_slug_bounds),       cmocka_unit_test(test_duplicate_slug),
        cmocka_unit_test(test_duplicate_slug_race),        cmocka_unit_test(test_mass_assignment),
        cmocka_unit_test(test_operator_injection),         cmocka_unit_test(test_update_rows),
        cmocka_unit_test(test_get_delete_submit_withdraw), cmocka_unit_test(test_bola),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
