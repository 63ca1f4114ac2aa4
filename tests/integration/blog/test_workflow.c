/* The publication workflow end to end (draft -> submit -> publish -> public by id and slug ->
 * unpublish -> public 404), every editor row of API.md section 4, and the list orders. */
#include "blog_it.h"

static th_user author, editor;

static int setup(void **state)
{
    (void)state;
    bt_new_user(&author, "wf-author", "[\"AUTHOR\"]");
    bt_new_user(&editor, "wf-editor", "[\"EDITOR\"]");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    th_user_release(&author);
    th_user_release(&editor);
    return 0;
}

/* GET path (as token, may be NULL) lists first, then second, then third, with maybe other
 * blogs in between. */
static void assert_in_order(const char *path, const char *token, const char *first,
                            const char *second, const char *third)
{
    th_resp r = th_call(th_api_blog(), "GET", path, token, NULL);
    th_expect_env(&r, 200, "success");
    int i1 = bt_index_of(th_data(&r), first), i2 = bt_index_of(th_data(&r), second),
        i3 = bt_index_of(th_data(&r), third);
    assert_true(i1 >= 0 && i1 < i2 && i2 < i3);
    th_resp_release(&r);
}

static void test_full_workflow(void **state)
{
    (void)state;
    char *t = th_random_hex(6);
    char *slug = mf_asprintf("workflow-%s", t);
    char *body = mf_asprintf("{\"title\":\"Workflow %s\",\"description\":\"A blog going all the "
                             "way\",\"draftText\":\"The text v1\",\"slug\":\"%s\",\"imgUrl\":"
                             "\"https://img.example.com/w.png\",\"tags\":[\"WORKFLOW\",\"C\"]}",
                             t, slug);
    th_resp r = th_call(th_api_blog(), "POST", "/author", author.access, body);
    th_expect_env(&r, 200, "blog created successfully");
    json_t *d = th_data(&r);
    char *id = mf_strdup(th_jstr(d, "_id"));
    assert_int_equal(strlen(id), 24);
    assert_true(json_is_true(json_object_get(d, "drafted")));
    assert_true(json_is_false(json_object_get(d, "submitted")));
    assert_true(json_is_false(json_object_get(d, "published")));
    assert_string_equal(th_jstr(d, "imgUrl"), "https://img.example.com/w.png");
    assert_string_equal(th_jstr(d, "draftText"), "The text v1");
    assert_null(json_object_get(d, "text"));
    assert_null(json_object_get(d, "publishedAt"));
    assert_string_equal(th_jstr(json_object_get(d, "author"), "_id"), author.id);
    assert_string_equal(th_jstr(json_object_get(d, "author"), "name"), author.name);
    assert_true(json_real_value(json_object_get(d, "score")) > 0.0099);
    /* RFC3339 UTC with milliseconds */
    assert_int_equal(strlen(th_jstr(d, "createdAt")), 24);
    assert_int_equal(th_jstr(d, "createdAt")[23], 'Z');
    th_resp_release(&r);

    char *pid = mf_asprintf("/id/%s", id), *pslug = mf_asprintf("/slug/%s", slug);
    th_expect(th_api_blog(), "GET", pid, NULL, NULL, 404, "blog not found");
    th_expect(th_api_blog(), "GET", pslug, NULL, NULL, 404, "blog not found");

    char *p = mf_asprintf("/author/submit/id/%s", id);
    th_expect(th_api_blog(), "PUT", p, author.access, NULL, 200, "blog submitted successfully");
    free(p);
    r = th_call(th_api_blog(), "GET", "/editor/submitted?page=1&limit=1000", editor.access, NULL);
    th_expect_env(&r, 200, "success");
    assert_true(bt_index_of(th_data(&r), id) >= 0);
    th_resp_release(&r);

    p = mf_asprintf("/editor/publish/id/%s", id);
    th_expect(th_api_blog(), "PUT", p, editor.access, NULL, 200, "blog published successfully");
    free(p);

    json_t *pub = NULL;
    assert_int_equal(bt_get(pid, &pub), 200);
    assert_string_equal(th_jstr(pub, "text"), "The text v1");
    assert_string_equal(th_jstr(pub, "slug"), slug);
    assert_string_equal(th_jstr(json_object_get(pub, "author"), "_id"), author.id);
    assert_null(json_object_get(pub, "draftText"));
    assert_null(json_object_get(pub, "submitted"));
    char *published_at = mf_strdup(th_jstr(pub, "publishedAt"));
    assert_int_equal(strlen(published_at), 24);
    json_decref(pub);
    assert_int_equal(bt_get(pslug, &pub), 200);
    assert_string_equal(th_jstr(pub, "_id"), id);
    json_decref(pub);

    p = mf_asprintf("/editor/unpublish/id/%s", id);
    th_expect(th_api_blog(), "PUT", p, editor.access, NULL, 200, "blog unpublished successfully");
    free(p);
    th_expect(th_api_blog(), "GET", pid, NULL, NULL, 404, "blog not found");
    th_expect(th_api_blog(), "GET", pslug, NULL, NULL, 404, "blog not found");

    /* republishing needs a new submission; the first publication date is kept */
    p = mf_asprintf("/editor/publish/id/%s", id);
    char *msg = mf_asprintf("blog for _id %s is not submitted", id);
    th_expect(th_api_blog(), "PUT", p, editor.access, NULL, 400, msg);
    free(msg);
    free(p);
    char *upd = mf_asprintf("{\"_id\":\"%s\",\"draftText\":\"The text v2\"}", id);
    th_expect(th_api_blog(), "PUT", "/author", author.access, upd, 200,
              "blog updated successfully");
    free(upd);
    bt_publish(&author, &editor, id);
    assert_int_equal(bt_get(pid, &pub), 200);
    assert_string_equal(th_jstr(pub, "text"), "The text v2");
    assert_string_equal(th_jstr(pub, "publishedAt"), published_at);
    json_decref(pub);

    free(published_at);
    free(pid);
    free(pslug);
    free(id);
    free(body);
    free(slug);
    free(t);
}

static void test_editor_rows(void **state)
{
    (void)state;
    char *t = th_random_hex(6);
    char *slug = mf_asprintf("editor-rows-%s", t);
    char *id = bt_create(&author, "Editor rows", "Checking editor rows", slug, "[\"ED\"]");
    const char *missing = "0123456789abcdef01234567";
    char *p, *msg;

    /* GET /editor/id/:id: any author's blog */
    p = mf_asprintf("/editor/id/%s", id);
    th_resp r = th_call(th_api_blog(), "GET", p, editor.access, NULL);
    th_expect_env(&r, 200, "success");
    assert_string_equal(th_jstr(th_data(&r), "draftText"), "Draft of Editor rows");
    th_resp_release(&r);
    free(p);
    p = mf_asprintf("/editor/id/%s", missing);
    msg = mf_asprintf("%s not found", missing);
    th_expect(th_api_blog(), "GET", p, editor.access, NULL, 404, msg);
    free(msg);
    free(p);
    th_expect(th_api_blog(), "GET", "/editor/id/123", editor.access, NULL, 400,
              "id must be of length 24");

    /* publish */
    p = mf_asprintf("/editor/publish/id/%s", missing);
    msg = mf_asprintf("blog for _id %s not found", missing);
    th_expect(th_api_blog(), "PUT", p, editor.access, NULL, 404, msg);
    free(msg);
    free(p);
    p = mf_asprintf("/editor/publish/id/%s", id);
    msg = mf_asprintf("blog for _id %s is not submitted", id);
    th_expect(th_api_blog(), "PUT", p, editor.access, NULL, 400, msg);
    free(msg);
    free(p);
    bt_publish(&author, &editor, id);
    p = mf_asprintf("/editor/publish/id/%s", id);
    msg = mf_asprintf("blog for _id %s is already published", id);
    th_expect(th_api_blog(), "PUT", p, editor.access, NULL, 400, msg);
    free(msg);
    free(p);

    /* unpublish */
    p = mf_asprintf("/editor/unpublish/id/%s", missing);
    msg = mf_asprintf("blog for _id %s not found", missing);
    th_expect(th_api_blog(), "PUT", p, editor.access, NULL, 404, msg);
    free(msg);
    free(p);
    p = mf_asprintf("/editor/unpublish/id/%s", id);
    th_expect(th_api_blog(), "PUT", p, editor.access, NULL, 200, "blog unpublished successfully");
    msg = mf_asprintf("blog for _id %s is not published", id);
    th_expect(th_api_blog(), "PUT", p, editor.access, NULL, 400, msg);
    free(msg);
    free(p);
    th_expect(th_api_blog(), "PUT", "/editor/unpublish/id/xyz", editor.access, NULL, 400,
              "id must be of length 24");

    /* lists */
    th_expect(th_api_blog(), "GET", "/editor/submitted", editor.access, NULL, 400,
              "page is required, limit is required");
    th_expect(th_api_blog(), "GET", "/editor/published?page=1&limit=5000", editor.access, NULL, 400,
              "limit must be max 1000");

    /* an author is not an editor, an editor is not an author */
    th_expect(th_api_blog(), "GET", "/editor/submitted?page=1&limit=1", author.access, NULL, 403,
              "permission denied: does not have suffient role");
    th_expect(th_api_blog(), "GET", "/author/drafts?page=1&limit=1", editor.access, NULL, 403,
              "permission denied: does not have suffient role");
    free(id);
    free(slug);
    free(t);
}

/* Publishes three blogs in the order B, C, A: latest/tag lists show A, C, B; editor lists
 * and author lists are by updatedAt. */
static void test_list_orders(void **state)
{
    (void)state;
    char *t = th_random_hex(6);
    char tag[32];
    snprintf(tag, sizeof tag, "ORD%s", t);
    for (char *c = tag; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 32);
    char *tags = mf_asprintf("[\"%s\"]", tag);
    char *sa = mf_asprintf("order-a-%s", t), *sb = mf_asprintf("order-b-%s", t),
         *sc = mf_asprintf("order-c-%s", t);
    char *a = bt_create(&author, "Order A", "first created", sa, tags);
    char *b = bt_create(&author, "Order B", "second created", sb, tags);
    char *c = bt_create(&author, "Order C", "third created", sc, tags);
    bt_publish(&author, &editor, b);
    bt_publish(&author, &editor, c);
    bt_publish(&author, &editor, a);

    char *p = mf_asprintf("/list/tag/%s?page=1&limit=10", tag);
    th_resp r = th_call(th_api_blog(), "GET", p, NULL, NULL);
    th_expect_env(&r, 200, "success");
    json_t *items = th_data(&r);
    assert_int_equal(json_array_size(items), 3);
    assert_string_equal(th_jstr(json_array_get(items, 0), "_id"), a);
    assert_string_equal(th_jstr(json_array_get(items, 1), "_id"), c);
    assert_string_equal(th_jstr(json_array_get(items, 2), "_id"), b);
    /* ItemBlog shape */
    json_t *it = json_array_get(items, 0);
    assert_string_equal(th_jstr(it, "slug"), sa);
    assert_non_null(json_object_get(it, "tags"));
    assert_non_null(json_object_get(it, "imgUrl"));
    assert_null(json_object_get(it, "draftText"));
    assert_null(json_object_get(it, "text"));
    assert_null(json_object_get(it, "author"));
    th_resp_release(&r);
    free(p);

    /* pagination: page 2 of size 2 is the oldest */
    p = mf_asprintf("/list/tag/%s?page=2&limit=2", tag);
    r = th_call(th_api_blog(), "GET", p, NULL, NULL);
    th_expect_env(&r, 200, "success");
    assert_int_equal(json_array_size(th_data(&r)), 1);
    assert_string_equal(th_jstr(json_array_get(th_data(&r), 0), "_id"), b);
    th_resp_release(&r);
    free(p);

    /* latest: A before C before B (other tests' blogs may sit in between); the author's and
     * the editor's published lists: updatedAt desc = publication order reversed */
    assert_in_order("/list/latest?page=1&limit=1000", NULL, a, c, b);
    assert_in_order("/author/published?page=1&limit=1000", author.access, a, c, b);
    assert_in_order("/editor/published?page=1&limit=1000", editor.access, a, c, b);

    free(a);
    free(b);
    free(c);
    free(sa);
    free(sb);
    free(sc);
    free(tags);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_workflow),
        cmocka_unit_test(test_editor_rows),
        cmocka_unit_test(test_list_orders),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
