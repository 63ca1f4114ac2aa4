/* GET /list/similar/id/:id against the stack: ranking by shared title words (3), other shared
 * words (1) and tags (2), newest first on ties, at most 6, never the blog itself, never
 * unpublished or deleted blogs. Words carry a random token, so only this test's blogs match. */
#include "blog_it.h"

static th_user author, editor;

static int setup(void **state)
{
    (void)state;
    bt_new_user(&author, "si-author", "[\"AUTHOR\"]");
    bt_new_user(&editor, "si-editor", "[\"EDITOR\"]");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    th_user_release(&author);
    th_user_release(&editor);
    return 0;
}

/* Creates and (when publish) publishes a blog; title/description use W1..W4 as the
 * test's unique words. Returns the id (caller frees). */
static char *blog(const char *t, const char *name, const char *title, const char *desc,
                  const char *tags, bool publish)
{
    char *slug = mf_asprintf("sim-%s-%s", name, t);
    char *id = bt_create(&author, title, desc, slug, tags);
    if (publish)
        bt_publish(&author, &editor, id);
    free(slug);
    return id;
}

static void test_ranking(void **state)
{
    (void)state;
    char *t = th_random_hex(6);
    char *w1 = mf_asprintf("alpha%s", t), *w2 = mf_asprintf("beta%s", t),
         *w3 = mf_asprintf("gamma%s", t), *w4 = mf_asprintf("delta%s", t);
    char tag[32];
    snprintf(tag, sizeof tag, "SIM%s", t);
    for (char *c = tag; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 32);
    char *tags = mf_asprintf("[\"%s\"]", tag);
    char *title, *desc;

#define TD(ti, de) (title = mf_asprintf ti, desc = mf_asprintf de)
#define DONE()     (free(title), free(desc))
    TD(("%s %s", w1, w2), ("%s %s", w3, w4));
    char *self = blog(t, "self", title, desc, tags, true);
    DONE();
    TD(("%s %s again", w1, w2), ("nothing in common"));
    char *c6 = blog(t, "c6", title, desc, "[\"OTHER\"]", true); /* 3 + 3 */
    DONE();
    TD(("%s only", w1), ("with %s here", w3));
    char *c4 = blog(t, "c4", title, desc, "[\"OTHER\"]", true); /* 3 + 1 */
    DONE();
    TD(("Unrelated words"), ("mentions %s once", w1));
    char *x1 = blog(t, "x1", title, desc, "[\"OTHER\"]", true); /* cross 1, oldest */
    DONE();
    TD(("Tag only"), ("shares just the tag"));
    char *c2 = blog(t, "c2", title, desc, tags, true); /* 2 */
    DONE();
    TD(("%s alone", w2), ("plain text"));
    char *c3 = blog(t, "c3", title, desc, "[\"OTHER\"]", true); /* 3 */
    DONE();
    TD(("Another one"), ("has %s inside", w4));
    char *x2 = blog(t, "x2", title, desc, "[\"OTHER\"]", true); /* 1 */
    DONE();
    TD(("And another"), ("has %s inside", w3));
    char *x3 = blog(t, "x3", title, desc, "[\"OTHER\"]", true); /* 1, newest of the 1s */
    DONE();
    TD(("%s %s hidden", w1, w2), ("%s", w3));
    char *draft = blog(t, "draft", title, desc, tags, false); /* never published */
    DONE();
    TD(("%s %s deleted", w1, w2), ("%s", w3));
    char *gone = blog(t, "gone", title, desc, tags, true);
    DONE();
#undef TD
#undef DONE
    char *p = mf_asprintf("/author/id/%s", gone);
    th_expect(th_api_blog(), "DELETE", p, author.access, NULL, 200, "blog deleted successfully");
    free(p);

    p = mf_asprintf("/list/similar/id/%s", self);
    th_resp r;
    for (int round = 0; round < 2; round++) { /* second round: from the cache */
        r = th_call(th_api_blog(), "GET", p, NULL, NULL);
        th_expect_env(&r, 200, "success");
        json_t *items = th_data(&r);
        const char *want[] = {c6, c4, c3, c2, x3, x2};
        assert_int_equal(json_array_size(items), 6);
        for (size_t i = 0; i < 6; i++)
            assert_string_equal(th_jstr(json_array_get(items, i), "_id"), want[i]);
        assert_int_equal(bt_index_of(items, self), -1);
        assert_int_equal(bt_index_of(items, draft), -1);
        assert_int_equal(bt_index_of(items, gone), -1);
        assert_int_equal(bt_index_of(items, x1), -1); /* seventh */
        json_t *it = json_array_get(items, 0);
        assert_non_null(json_object_get(it, "slug"));
        assert_non_null(json_object_get(it, "title"));
        assert_null(json_object_get(it, "draftText"));
        assert_null(json_object_get(it, "publishedAt"));
        th_resp_release(&r);
    }
    free(p);
    /* an unpublished blog has no similar list */
    p = mf_asprintf("/list/similar/id/%s", draft);
    th_expect(th_api_blog(), "GET", p, NULL, NULL, 404, "blog not found");
    free(p);

    char *all[] = {self, c6, c4, x1, c2, c3, x2, x3, draft, gone};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(all[i]);
    free(tags);
    free(w1);
    free(w2);
    free(w3);
    free(w4);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ranking),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
