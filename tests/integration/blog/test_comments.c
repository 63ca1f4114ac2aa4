/*
 * Comments and tags (API.md section 4, "Comments and tags") against the stack: every row of
 * the table with its messages and statuses, commentCount on the very next read (cached
 * answers included), visibility following the blog, authors renamed by user.updated, the
 * rate limit, Redis down, and a second blog-service replica on the same MongoDB and Redis.
 */
#include "blog_it.h"
#include "micro/cache.h"
#include "micro/cache_cmd.h"

static th_user author, editor, reader, other;
static th_instance inst;

static int setup(void **state)
{
    (void)state;
    bt_new_user(&author, "cm-author", "[\"AUTHOR\"]");
    bt_new_user(&editor, "cm-editor", "[\"EDITOR\"]");
    bt_new_user(&reader, "cm-reader", NULL); /* a LEARNER: any role may comment */
    bt_new_user(&other, "cm-other", NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    th_user_release(&author);
    th_user_release(&editor);
    th_user_release(&reader);
    th_user_release(&other);
    return 0;
}

static int stop_extra(void **state)
{
    (void)state;
    th_instance_stop(&inst);
    return 0;
}

/* An upper-case random tag "<prefix><hex>" (caller frees). */
static char *new_tag(const char *prefix)
{
    char *t = th_random_hex(5);
    char *tag = mf_asprintf("%s%s", prefix, t);
    for (char *c = tag; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 32);
    free(t);
    return tag;
}

/* A published blog with tags (a JSON array); its _id (caller frees). */
static char *published_blog(const char *tags)
{
    char *t = th_random_hex(6);
    char *slug = mf_asprintf("cm-%s", t);
    char *id = bt_create(&author, "Comment target", "a blog to comment on", slug, tags);
    bt_publish(&author, &editor, id);
    free(slug);
    free(t);
    return id;
}

/* POST a comment on api; returns its _id (caller frees), checking 200. */
static char *comment_at(th_api api, const th_user *u, const char *blog, const char *text,
                        const char *parent)
{
    char *p = mf_asprintf("/comments/id/%s", blog);
    char *body = parent ? mf_asprintf("{\"text\":\"%s\",\"parentId\":\"%s\"}", text, parent)
                        : mf_asprintf("{\"text\":\"%s\"}", text);
    th_resp r = th_call(api, "POST", p, u->access, body);
    th_expect_env(&r, 200, "comment created successfully");
    json_t *d = th_data(&r);
    assert_string_equal(th_jstr(d, "blogId"), blog);
    assert_string_equal(th_jstr(d, "text"), text);
    assert_string_equal(th_jstr(d, "author._id"), u->id);
    assert_true(json_is_false(json_object_get(d, "edited")));
    assert_non_null(th_jstr(d, "createdAt"));
    assert_non_null(th_jstr(d, "updatedAt"));
    if (parent)
        assert_string_equal(th_jstr(d, "parentId"), parent);
    else
        assert_null(json_object_get(d, "parentId"));
    char *id = mf_strdup(th_jstr(d, "_id"));
    assert_true(th_is_hex(id, 24));
    th_resp_release(&r);
    free(body);
    free(p);
    return id;
}

static char *comment(const th_user *u, const char *blog, const char *text, const char *parent)
{
    return comment_at(th_api_blog(), u, blog, text, parent);
}

/* The comment list page of blog on api (must be 200); new reference. */
static json_t *list_at(th_api api, const char *blog, int page, int limit)
{
    char *p = mf_asprintf("/comments/id/%s?page=%d&limit=%d", blog, page, limit);
    th_resp r = th_call(api, "GET", p, NULL, NULL);
    th_expect_env(&r, 200, "success");
    json_t *d = json_incref(th_data(&r));
    assert_true(json_is_array(d));
    th_resp_release(&r);
    free(p);
    return d;
}

static json_t *list(const char *blog)
{
    return list_at(th_api_blog(), blog, 1, 100);
}

/* commentCount of the public blog (twice: the second may be a cache hit) and of the private
 * one, each must be n. */
static void expect_count(const char *blog, long n)
{
    char *p = mf_asprintf("/id/%s", blog);
    for (int i = 0; i < 2; i++) {
        json_t *d = NULL;
        assert_int_equal(bt_get(p, &d), 200);
        assert_int_equal(json_integer_value(json_object_get(d, "commentCount")), n);
        json_decref(d);
    }
    free(p);
    p = mf_asprintf("/editor/id/%s", blog);
    th_resp r = th_call(th_api_blog(), "GET", p, editor.access, NULL);
    th_expect_env(&r, 200, "success");
    assert_int_equal(json_integer_value(json_object_get(th_data(&r), "commentCount")), n);
    th_resp_release(&r);
    free(p);
}

static int index_in(json_t *items, const char *id)
{
    return bt_index_of(items, id);
}

static void test_validation(void **state)
{
    (void)state;
    th_api b = th_api_blog();
    char *blog = published_blog("[\"CMV\"]");
    char *p = mf_asprintf("/comments/id/%s", blog);
    /* ids */
    th_expect(b, "POST", "/comments/id/123", reader.access, "{\"text\":\"x\"}", 400,
              "id must be of length 24");
    th_expect(b, "POST", "/comments/id/zzzzzzzzzzzzzzzzzzzzzzzz", reader.access, "{\"text\":\"x\"}",
              400, "id is invalid");
    th_expect(b, "GET", "/comments/id/123?page=1&limit=10", NULL, NULL, 400,
              "id must be of length 24");
    th_expect(b, "GET", "/comments/id/zzzzzzzzzzzzzzzzzzzzzzzz", NULL, NULL, 400,
              "id is invalid, page is required, limit is required");
    th_expect(b, "PUT", "/comment/id/12", reader.access, "{\"text\":\"x\"}", 400,
              "id must be of length 24");
    th_expect(b, "DELETE", "/comment/id/zzzzzzzzzzzzzzzzzzzzzzzz", reader.access, NULL, 400,
              "id is invalid");
    /* auth */
    th_expect(b, "POST", p, NULL, "{\"text\":\"x\"}", 401,
              "permission denied: missing Authorization");
    th_expect(b, "PUT", "/comment/id/0123456789abcdef01234567", NULL, "{\"text\":\"x\"}", 401,
              "permission denied: missing Authorization");
    th_expect(b, "DELETE", "/comment/id/0123456789abcdef01234567", "not-a-token", NULL, 401, NULL);
    /* text */
    th_expect(b, "POST", p, reader.access, "{}", 400, "text is required");
    th_expect(b, "POST", p, reader.access, "{\"text\":null}", 400, "text is required");
    th_expect(b, "POST", p, reader.access, "{\"text\":\"\"}", 400, "text is required");
    th_expect(b, "POST", p, reader.access, "{\"text\":\"  \\t\\n \"}", 400, "text is required");
    th_expect(b, "POST", p, reader.access, "{\"text\":12}", 400, "text must be a string");
    th_expect(b, "POST", p, reader.access, "not json", 400, NULL);
    th_expect(b, "POST", p, reader.access, "[]", 400, NULL);
    mf_strbuf sb;
    mf_strbuf_init(&sb);
    mf_strbuf_adds(&sb, "{\"text\":\"");
    for (int i = 0; i < 2001; i++)
        mf_strbuf_adds(&sb, "\xc3\xa9"); /* 2001 code points, 4002 bytes */
    mf_strbuf_adds(&sb, "\"}");
    th_expect(b, "POST", p, reader.access, sb.buf, 400, "text must be at most 2000 characters");
    mf_strbuf_release(&sb);
    /* exactly 2000 code points, padded with spaces that are trimmed */
    mf_strbuf_init(&sb);
    mf_strbuf_adds(&sb, "{\"text\":\"   ");
    for (int i = 0; i < 2000; i++)
        mf_strbuf_adds(&sb, "\xc3\xa9");
    mf_strbuf_adds(&sb, "   \"}");
    th_resp r = th_call(b, "POST", p, reader.access, sb.buf);
    th_expect_env(&r, 200, "comment created successfully");
    assert_int_equal(json_string_length(json_object_get(th_data(&r), "text")), 4000);
    th_resp_release(&r);
    mf_strbuf_release(&sb);
    /* parentId */
    th_expect(b, "POST", p, reader.access, "{\"text\":\"x\",\"parentId\":\"12\"}", 400,
              "parentid must be of length 24");
    th_expect(b, "POST", p, reader.access, "{\"text\":\"x\",\"parentId\":5}", 400,
              "parentid must be a string");
    th_expect(b, "POST", p, reader.access, "{\"parentId\":\"zzzzzzzzzzzzzzzzzzzzzzzz\"}", 400,
              "text is required, parentid is invalid");
    th_expect(b, "POST", p, reader.access,
              "{\"text\":\"x\",\"parentId\":\"0123456789abcdef01234567\"}", 400,
              "parent comment not found");
    /* unknown fields and operator-looking values: ignored, stored as given */
    r = th_call(b, "POST", p, reader.access,
                "{\"text\":\"{\\\"$gt\\\":\\\"\\\"}\",\"status\":false,\"edited\":true,"
                "\"author\":{\"_id\":\"x\"},\"blogId\":\"0123456789abcdef01234567\",\"x\":1}");
    th_expect_env(&r, 200, "comment created successfully");
    json_t *d = th_data(&r);
    assert_string_equal(th_jstr(d, "text"), "{\"$gt\":\"\"}");
    assert_string_equal(th_jstr(d, "blogId"), blog);
    assert_string_equal(th_jstr(d, "author._id"), reader.id);
    assert_true(json_is_false(json_object_get(d, "edited")));
    assert_null(json_object_get(d, "x"));
    assert_null(json_object_get(d, "status"));
    char *cid = mf_strdup(th_jstr(d, "_id"));
    th_resp_release(&r);
    json_t *l = list(blog);
    assert_true(index_in(l, cid) >= 0);
    assert_null(json_object_get(json_array_get(l, (size_t)index_in(l, cid)), "x"));
    json_decref(l);
    /* page and limit */
    char *q = mf_asprintf("/comments/id/%s?page=0&limit=1001", blog);
    th_expect(b, "GET", q, NULL, NULL, 400, "page must be min 1, limit must be max 1000");
    free(q);
    /* edit: text rules too */
    q = mf_asprintf("/comment/id/%s", cid);
    th_expect(b, "PUT", q, reader.access, "{\"text\":\" \"}", 400, "text is required");
    th_expect(b, "PUT", q, reader.access, "{}", 400, "text is required");
    free(q);
    free(cid);
    free(p);
    free(blog);
}

/* True when blog-service's Redis holds key stamped with the current generations: blog:gen and
 * own (the blog's or slug's generation key), as services/blog/cache.h stamps them. */
static bool cached_under(const char *key, const char *own)
{
    mf_cache *c = mf_cache_new("127.0.0.1", atoi(th_stack("REDIS_BLOG_PORT")), NULL, 1000, 1);
    const char *keys[] = {"blog:gen", own, key};
    char *v[3] = {0};
    size_t len[3] = {0};
    bool hit = false;
    if (mf_cache_mget(c, keys, 3, v, len) == 0 && v[0] && v[1] && v[2]) {
        char *stamp = mf_asprintf("%s.%s ", v[0], v[1]);
        size_t sl = strlen(stamp);
        hit = len[2] > sl && memcmp(v[2], stamp, sl) == 0;
        free(stamp);
    }
    for (size_t i = 0; i < 3; i++)
        free(v[i]);
    mf_cache_free(c);
    return hit;
}

/* Blog b's by-id, by-slug and first comment page answers are cached and current. */
static bool answers_cached(const char *b, const char *slug)
{
    char *k_id = mf_asprintf("blog:id:%s", b), *g_id = mf_asprintf("blog:gen:blog:%s", b);
    char *k_slug = mf_asprintf("blog:slug:%s", slug),
         *g_slug = mf_asprintf("blog:gen:slug:%s", slug);
    char *k_page = mf_asprintf("blog:comments:page:1:100:%s", b);
    bool ok =
        cached_under(k_id, g_id) && cached_under(k_slug, g_slug) && cached_under(k_page, g_id);
    free(k_id);
    free(g_id);
    free(k_slug);
    free(g_slug);
    free(k_page);
    return ok;
}

/* Reads b by id, by slug and its comment list until all three are cached (a first read may
 * only create the generations, cache.c); *slug (replaced, caller frees). */
static void prime(const char *b, char **slug)
{
    char *p = mf_asprintf("/id/%s", b);
    json_t *d = NULL;
    assert_int_equal(bt_get(p, &d), 200);
    free(*slug); /* primed again: the same slug */
    *slug = mf_strdup(th_jstr(d, "slug"));
    json_decref(d);
    char *ps = mf_asprintf("/slug/%s", *slug);
    for (int i = 0; i < 3 && !answers_cached(b, *slug); i++) {
        assert_int_equal(bt_get(p, &d), 200);
        json_decref(d);
        assert_int_equal(bt_get(ps, &d), 200);
        json_decref(d);
        json_decref(list(b));
    }
    assert_true(answers_cached(b, *slug));
    free(ps);
    free(p);
}

/* A comment write retires its own blog's answers (by id, by slug, comment pages) and no other
 * blog's: at scale, every comment emptying the public cache would ruin its hit rate. */
static void test_comment_retires_only_its_blog(void **state)
{
    (void)state;
    char *a = published_blog("[\"CMT\"]"), *b = published_blog("[\"CMT\"]");
    char *sa = NULL, *sb = NULL;
    prime(a, &sa);
    prime(b, &sb);
    char *c = comment(&reader, a, "only a", NULL);
    assert_false(answers_cached(a, sa));
    assert_true(answers_cached(b, sb));
    expect_count(a, 1); /* right on the very next read, by id ... */
    char *ps = mf_asprintf("/slug/%s", sa);
    json_t *d = NULL;
    assert_int_equal(bt_get(ps, &d), 200); /* ... and by slug */
    assert_int_equal(json_integer_value(json_object_get(d, "commentCount")), 1);
    json_decref(d);
    json_t *l = list(a);
    assert_int_equal(json_array_size(l), 1);
    json_decref(l);
    /* an edit: a's pages again, still not b's */
    prime(a, &sa);
    char *pc = mf_asprintf("/comment/id/%s", c);
    th_expect(th_api_blog(), "PUT", pc, reader.access, "{\"text\":\"edited\"}", 200, NULL);
    assert_true(answers_cached(b, sb));
    l = list(a);
    assert_string_equal(th_jstr(json_array_get(l, 0), "text"), "edited");
    json_decref(l);
    /* a delete */
    prime(a, &sa);
    th_expect(th_api_blog(), "DELETE", pc, reader.access, NULL, 200, NULL);
    assert_true(answers_cached(b, sb));
    expect_count(a, 0);
    free(pc);
    free(ps);
    free(c);
    free(sa);
    free(sb);
    free(a);
    free(b);
}

static void test_blog_not_found(void **state)
{
    (void)state;
    th_api b = th_api_blog();
    th_expect(b, "POST", "/comments/id/0123456789abcdef01234567", reader.access,
              "{\"text\":\"hi\"}", 404, "blog not found");
    th_expect(b, "GET", "/comments/id/0123456789abcdef01234567?page=1&limit=10", NULL, NULL, 404,
              "blog not found");
    /* a draft: not published */
    char *t = th_random_hex(6);
    char *slug = mf_asprintf("cm-draft-%s", t);
    char *draft = bt_create(&author, "Draft", "not published yet", slug, "[\"CMD\"]");
    char *p = mf_asprintf("/comments/id/%s", draft);
    th_expect(b, "POST", p, reader.access, "{\"text\":\"hi\"}", 404, "blog not found");
    free(p);
    p = mf_asprintf("/comments/id/%s?page=1&limit=10", draft);
    th_expect(b, "GET", p, NULL, NULL, 404, "blog not found");
    free(p);
    th_expect(b, "PUT", "/comment/id/0123456789abcdef01234567", reader.access, "{\"text\":\"hi\"}",
              404, "comment not found");
    th_expect(b, "DELETE", "/comment/id/0123456789abcdef01234567", editor.access, NULL, 404,
              "comment not found");
    free(draft);
    free(slug);
    free(t);
}

static void test_thread_count_edit_delete(void **state)
{
    (void)state;
    th_api b = th_api_blog();
    char *blog = published_blog("[\"CMT\"]");
    char *blog2 = published_blog("[\"CMT\"]");
    expect_count(blog, 0);
    json_t *l = list(blog);
    assert_int_equal(json_array_size(l), 0);
    json_decref(l);

    char *c1 = comment(&reader, blog, "first", NULL);
    expect_count(blog, 1);
    char *c2 = comment(&other, blog, "second", NULL);
    char *r1 = comment(&author, blog, "reply to first", c1);
    expect_count(blog, 3);
    /* a reply to a reply, a parent of another blog: one level only, same blog only */
    char *p = mf_asprintf("/comments/id/%s", blog);
    char *body = mf_asprintf("{\"text\":\"deeper\",\"parentId\":\"%s\"}", r1);
    th_expect(b, "POST", p, reader.access, body, 400, "parent comment not found");
    free(body);
    free(p);
    p = mf_asprintf("/comments/id/%s", blog2);
    body = mf_asprintf("{\"text\":\"elsewhere\",\"parentId\":\"%s\"}", c1);
    th_expect(b, "POST", p, reader.access, body, 400, "parent comment not found");
    free(body);
    free(p);

    /* oldest first, top-level and replies together */
    l = list(blog);
    assert_int_equal(json_array_size(l), 3);
    assert_int_equal(index_in(l, c1), 0);
    assert_int_equal(index_in(l, c2), 1);
    assert_int_equal(index_in(l, r1), 2);
    assert_string_equal(th_jstr(json_array_get(l, 2), "parentId"), c1);
    json_decref(l);
    /* pages */
    l = list_at(b, blog, 2, 2);
    assert_int_equal(json_array_size(l), 1);
    assert_int_equal(index_in(l, r1), 0);
    json_decref(l);
    l = list_at(b, blog, 3, 2);
    assert_int_equal(json_array_size(l), 0);
    json_decref(l);

    /* edit: own only; the cached list follows at once */
    char *q = mf_asprintf("/comment/id/%s", c1);
    th_expect(b, "PUT", q, other.access, "{\"text\":\"hijack\"}", 404, "comment not found");
    th_expect(b, "PUT", q, editor.access, "{\"text\":\"hijack\"}", 404, "comment not found");
    th_resp r = th_call(b, "PUT", q, reader.access, "{\"text\":\"  first, edited \"}");
    th_expect_env(&r, 200, "comment updated successfully");
    assert_string_equal(th_jstr(th_data(&r), "text"), "first, edited");
    assert_true(json_is_true(json_object_get(th_data(&r), "edited")));
    th_resp_release(&r);
    l = list(blog);
    assert_string_equal(th_jstr(json_array_get(l, 0), "text"), "first, edited");
    assert_true(json_is_true(json_object_get(json_array_get(l, 0), "edited")));
    json_decref(l);

    /* delete: not by someone else (no moderation role) */
    char *q2 = mf_asprintf("/comment/id/%s", c2);
    th_expect(b, "DELETE", q2, reader.access, NULL, 404, "comment not found");
    th_expect(b, "DELETE", q2, author.access, NULL, 404, "comment not found");
    th_expect(b, "DELETE", q2, other.access, NULL, 200, "comment deleted successfully");
    th_expect(b, "DELETE", q2, other.access, NULL, 404, "comment not found");
    th_expect(b, "PUT", q2, other.access, "{\"text\":\"back?\"}", 404, "comment not found");
    expect_count(blog, 2);
    /* moderation: an editor deletes a top-level comment, its reply goes with it */
    th_expect(b, "DELETE", q, editor.access, NULL, 200, "comment deleted successfully");
    expect_count(blog, 0);
    l = list(blog);
    assert_int_equal(json_array_size(l), 0);
    json_decref(l);
    char *qr = mf_asprintf("/comment/id/%s", r1);
    th_expect(b, "PUT", qr, author.access, "{\"text\":\"orphan\"}", 404, "comment not found");
    th_expect(b, "DELETE", qr, author.access, NULL, 404, "comment not found");
    /* ... and a reply to it is refused */
    p = mf_asprintf("/comments/id/%s", blog);
    body = mf_asprintf("{\"text\":\"late\",\"parentId\":\"%s\"}", c1);
    th_expect(b, "POST", p, reader.access, body, 400, "parent comment not found");
    free(body);
    free(p);
    /* an admin moderates too */
    char *c3 = comment(&reader, blog, "third", NULL);
    char *q3 = mf_asprintf("/comment/id/%s", c3);
    th_expect(b, "DELETE", q3, bt_admin()->access, NULL, 200, "comment deleted successfully");
    expect_count(blog, 0);

    free(q3);
    free(c3);
    free(qr);
    free(q2);
    free(q);
    free(r1);
    free(c2);
    free(c1);
    free(blog2);
    free(blog);
}

/* DEL of blog-service's comment set of blog (the next write rebuilds it from MongoDB), and a
 * stale entry in its replies set: stale_parent has reply stale_reply, which the rebuild must
 * not keep. */
static void drop_comment_index(const char *blog, const char *stale_parent, const char *stale_reply)
{
    mf_cache *c = mf_cache_new("127.0.0.1", atoi(th_stack("REDIS_BLOG_PORT")), NULL, 1000, 1);
    assert_non_null(c);
    char *set = mf_asprintf("blog:comments:%s", blog);
    const char *argv[] = {"DEL", set};
    long long n = 0;
    assert_int_equal(mf_cache_cmd_int(c, 2, argv, &n), 0);
    assert_int_equal(n, 1);
    char *rset = mf_asprintf("blog:comments:replies:%s", blog);
    char *member = mf_asprintf("%s:%s", stale_parent, stale_reply);
    const char *zargv[] = {"ZADD", rset, "0", member};
    assert_int_equal(mf_cache_cmd_int(c, 4, zargv, NULL), 0);
    free(member);
    free(rset);
    free(set);
    mf_cache_free(c);
}

/* The read model of replies (one set per blog): a deleted reply leaves it, so its parent's
 * delete later takes away only the live ones; and the same after a rebuild from MongoDB. */
static void test_reply_index(void **state)
{
    (void)state;
    th_api b = th_api_blog();
    char *blog = published_blog("[\"CMT\"]");
    char *c1 = comment(&editor, blog, "one", NULL);
    char *r1 = comment(&author, blog, "re one a", c1);
    char *r2 = comment(bt_admin(), blog, "re one b", c1);
    char *c2 = comment(bt_admin(), blog, "two", NULL);
    char *r3 = comment(&editor, blog, "re two", c2);
    expect_count(blog, 5);
    char *q = mf_asprintf("/comment/id/%s", r1);
    th_expect(b, "DELETE", q, author.access, NULL, 200, "comment deleted successfully");
    free(q);
    expect_count(blog, 4);
    q = mf_asprintf("/comment/id/%s", c1);
    th_expect(b, "DELETE", q, editor.access, NULL, 200, "comment deleted successfully");
    free(q);
    expect_count(blog, 2); /* c1 and r2, not r1 a second time */
    json_t *l = list(blog);
    assert_int_equal(json_array_size(l), 2);
    assert_int_equal(index_in(l, c2), 0);
    assert_int_equal(index_in(l, r3), 1);
    json_decref(l);

    /* rebuilt from MongoDB (the next write does it): the replies come back with their blog,
     * and only the live ones (r1, deleted, said to be c2's: counted again if it were kept) */
    drop_comment_index(blog, c2, r1);
    char *r4 = comment(&author, blog, "re two again", c2);
    expect_count(blog, 3);
    q = mf_asprintf("/comment/id/%s", c2);
    th_expect(b, "DELETE", q, bt_admin()->access, NULL, 200, "comment deleted successfully");
    free(q);
    expect_count(blog, 0);
    l = list(blog);
    assert_int_equal(json_array_size(l), 0);
    json_decref(l);

    free(r4);
    free(r3);
    free(c2);
    free(r2);
    free(r1);
    free(c1);
    free(blog);
}

/* The count of tag in GET /tags?prefix=tag (0 when absent). */
static long tag_count(const char *tag)
{
    char *p = mf_asprintf("/tags?page=1&limit=10&prefix=%s", tag);
    json_t *d = NULL;
    assert_int_equal(bt_get(p, &d), 200);
    long n = 0;
    size_t i;
    json_t *t;
    json_array_foreach(d, i, t) if (strcmp(th_jstr(t, "tag"), tag) == 0) n =
        (long)json_integer_value(json_object_get(t, "count"));
    json_decref(d);
    free(p);
    return n;
}

static void test_visibility_follows_blog(void **state)
{
    (void)state;
    th_api b = th_api_blog();
    char *tag = new_tag("CMVIS");
    char *tags = mf_asprintf("[\"%s\"]", tag);
    char *blog = published_blog(tags);
    char *c1 = comment(&reader, blog, "visible", NULL);
    assert_int_equal(tag_count(tag), 1);
    char *lp = mf_asprintf("/comments/id/%s?page=1&limit=10", blog);
    bt_get(lp, NULL); /* cached */

    char *p = mf_asprintf("/editor/unpublish/id/%s", blog);
    th_expect(b, "PUT", p, editor.access, NULL, 200, "blog unpublished successfully");
    free(p);
    th_expect(b, "GET", lp, NULL, NULL, 404, "blog not found");
    assert_int_equal(tag_count(tag), 0);
    p = mf_asprintf("/comments/id/%s", blog);
    th_expect(b, "POST", p, reader.access, "{\"text\":\"hidden\"}", 404, "blog not found");
    free(p);
    p = mf_asprintf("/comment/id/%s", c1);
    th_expect(b, "PUT", p, reader.access, "{\"text\":\"hidden\"}", 404, "comment not found");
    free(p);

    bt_publish(&author, &editor, blog);
    json_t *l = list(blog);
    assert_int_equal(json_array_size(l), 1);
    assert_int_equal(index_in(l, c1), 0);
    json_decref(l);
    assert_int_equal(tag_count(tag), 1);
    expect_count(blog, 1);

    p = mf_asprintf("/author/id/%s", blog);
    th_expect(b, "DELETE", p, author.access, NULL, 200, "blog deleted successfully");
    free(p);
    th_expect(b, "GET", lp, NULL, NULL, 404, "blog not found");
    assert_int_equal(tag_count(tag), 0);
    free(lp);
    free(c1);
    free(blog);
    free(tags);
    free(tag);
}

static void test_tags(void **state)
{
    (void)state;
    th_api b = th_api_blog();
    char *pre = new_tag("CMTG");
    char *ta = mf_asprintf("%sA", pre), *tb = mf_asprintf("%sB", pre),
         *tc = mf_asprintf("%sC", pre);
    char *tags1 = mf_asprintf("[\"%s\",\"%s\"]", tb, ta);
    char *tags2 = mf_asprintf("[\"%s\",\"%s\"]", tb, tc);
    char *tags3 = mf_asprintf("[\"%s\",\"%s\",\"%s\"]", tc, tb, tb);
    char *b1 = published_blog(tags1);
    char *b2 = published_blog(tags2);
    char *b3 = published_blog(tags3); /* a tag twice counts once */
    char *q = mf_asprintf("/tags?page=1&limit=10&prefix=%s", pre);
    json_t *d = NULL;
    assert_int_equal(bt_get(q, &d), 200);
    assert_int_equal(json_array_size(d), 3);
    /* count desc, then tag asc */
    assert_string_equal(th_jstr(json_array_get(d, 0), "tag"), tb);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(d, 0), "count")), 3);
    assert_string_equal(th_jstr(json_array_get(d, 1), "tag"), tc);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(d, 1), "count")), 2);
    assert_string_equal(th_jstr(json_array_get(d, 2), "tag"), ta);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(d, 2), "count")), 1);
    json_decref(d);
    /* paginated */
    char *q2 = mf_asprintf("/tags?page=2&limit=2&prefix=%s", pre);
    assert_int_equal(bt_get(q2, &d), 200);
    assert_int_equal(json_array_size(d), 1);
    assert_string_equal(th_jstr(json_array_get(d, 0), "tag"), ta);
    json_decref(d);
    /* a tag edit of a published blog moves the counts (cached page retired) */
    char *upd = mf_asprintf("{\"_id\":\"%s\",\"tags\":[\"%s\"]}", b1, tc);
    th_expect(b, "PUT", "/author", author.access, upd, 200, "blog updated successfully");
    assert_int_equal(tag_count(ta), 0);
    assert_int_equal(tag_count(tb), 2);
    assert_int_equal(tag_count(tc), 3);
    /* without a prefix: a page of every tag, in order */
    assert_int_equal(bt_get("/tags?page=1&limit=1000", &d), 200);
    long prev = -1;
    const char *prev_tag = NULL;
    size_t i;
    json_t *t;
    json_array_foreach(d, i, t)
    {
        long c = (long)json_integer_value(json_object_get(t, "count"));
        assert_true(c > 0);
        if (prev >= 0) {
            assert_true(c <= prev);
            if (c == prev)
                assert_true(strcmp(prev_tag, th_jstr(t, "tag")) < 0);
        }
        prev = c;
        prev_tag = th_jstr(t, "tag");
    }
    json_decref(d);
    /* validation */
    th_expect(b, "GET", "/tags", NULL, NULL, 400, "page is required, limit is required");
    th_expect(b, "GET", "/tags?page=1&limit=10&prefix=go", NULL, NULL, 400,
              "prefix must be uppercase");
    th_expect(b, "GET", "/tags?page=0&limit=10&prefix=Go", NULL, NULL, 400,
              "prefix must be uppercase, page must be min 1");
    free(upd);
    free(q2);
    free(q);
    free(b3);
    free(b2);
    free(b1);
    free(tags3);
    free(tags2);
    free(tags1);
    free(tc);
    free(tb);
    free(ta);
    free(pre);
}

static void test_rate_limit(void **state)
{
    (void)state;
    th_user u;
    bt_new_user(&u, "cm-flood", NULL);
    char *blog = published_blog("[\"CMRL\"]");
    for (int i = 0; i < 10; i++) {
        char *id = comment(&u, blog, "flood", NULL);
        free(id);
    }
    char *p = mf_asprintf("/comments/id/%s", blog);
    th_expect(th_api_blog(), "POST", p, u.access, "{\"text\":\"one too many\"}", 429,
              "too many comments");
    /* another user is not limited by it */
    char *id = comment(&reader, blog, "not me", NULL);
    expect_count(blog, 11);
    free(id);
    free(p);
    free(blog);
    th_user_release(&u);
}

static void test_author_rename(void **state)
{
    (void)state;
    th_user u;
    bt_new_user(&u, "cm-renamed", NULL);
    char *blog = published_blog("[\"CMRN\"]");
    char *id = comment(&u, blog, "who am I", NULL);
    bt_name_cond c = {blog, u.name};
    assert_true(bt_comment_author_is(&c)); /* cached now */
    char *t = th_random_hex(4);
    char *name = mf_asprintf("Renamed %s", t);
    char *body = mf_asprintf("{\"name\":\"%s\"}", name);
    th_expect(th_api_auth(), "PUT", "/profile/mine", u.access, body, 200,
              "profile updated successfully");
    c.name = name;
    assert_true(th_poll(bt_comment_author_is, &c, 10000));
    free(body);
    free(name);
    free(t);
    free(id);
    free(blog);
    th_user_release(&u);
}

/* A second blog-service on the same MongoDB and Redis: what one replica writes, the other
 * lists on the very next request, its cached page notwithstanding. */
static void test_replica(void **state)
{
    (void)state;
    th_instance_start(&inst, "blog", NULL);
    char *blog = published_blog("[\"CMREP\"]");
    json_t *l = list_at(inst.api, blog, 1, 10);
    json_decref(list_at(inst.api, blog, 1, 10)); /* cached on the replica */
    assert_int_equal(json_array_size(l), 0);
    json_decref(l);
    char *c1 = comment(&reader, blog, "via the stack's replica", NULL);
    l = list_at(inst.api, blog, 1, 10);
    assert_int_equal(index_in(l, c1), 0);
    json_decref(l);
    char *c2 = comment_at(inst.api, &other, blog, "via the second replica", c1);
    l = list(blog);
    assert_int_equal(json_array_size(l), 2);
    assert_int_equal(index_in(l, c2), 1);
    json_decref(l);
    char *q = mf_asprintf("/comment/id/%s", c1);
    th_expect(inst.api, "DELETE", q, reader.access, NULL, 200, "comment deleted successfully");
    l = list(blog);
    assert_int_equal(json_array_size(l), 0);
    json_decref(l);
    expect_count(blog, 0);
    free(q);
    free(c2);
    free(c1);
    free(blog);
    th_instance_stop(&inst);
}

/* A second blog-service whose Redis port has nobody listening: comments and tags work from
 * MongoDB, and what it wrote is right on the stack's instance too. */
static void test_redis_down(void **state)
{
    (void)state;
    char *port = mf_asprintf("REDIS_PORT=%d", th_free_port());
    const char *env[] = {port, NULL};
    th_instance_start(&inst, "blog", env);
    free(port);
    char *tag = new_tag("CMNR");
    char *tags = mf_asprintf("[\"%s\"]", tag);
    char *blog = published_blog(tags);
    char *c1 = comment_at(inst.api, &reader, blog, "no redis", NULL);
    char *r1 = comment_at(inst.api, &other, blog, "still none", c1);
    json_t *l = list_at(inst.api, blog, 1, 10);
    assert_int_equal(json_array_size(l), 2);
    assert_int_equal(index_in(l, r1), 1);
    json_decref(l);
    char *p = mf_asprintf("/tags?page=1&limit=10&prefix=%s", tag);
    th_resp r = th_call(inst.api, "GET", p, NULL, NULL);
    th_expect_env(&r, 200, "success");
    assert_int_equal(json_array_size(th_data(&r)), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(th_data(&r), 0), "count")),
                     1);
    th_resp_release(&r);
    free(p);
    char *q = mf_asprintf("/comment/id/%s", c1);
    th_expect(inst.api, "PUT", q, reader.access, "{\"text\":\"edited\"}", 200,
              "comment updated successfully");
    th_expect(inst.api, "DELETE", q, editor.access, NULL, 200, "comment deleted successfully");
    l = list_at(inst.api, blog, 1, 10);
    assert_int_equal(json_array_size(l), 0);
    json_decref(l);
    th_instance_stop(&inst);
    /* the stack's instance (with Redis) rebuilds what it could not see */
    l = list(blog);
    assert_int_equal(json_array_size(l), 0);
    json_decref(l);
    expect_count(blog, 0);
    char *c2 = comment(&reader, blog, "redis is back", NULL);
    l = list(blog);
    assert_int_equal(json_array_size(l), 1);
    json_decref(l);
    free(c2);
    free(q);
    free(r1);
    free(c1);
    free(blog);
    free(tags);
    free(tag);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_blog_not_found),
        cmocka_unit_test(test_comment_retires_only_its_blog),
        cmocka_unit_test(test_thread_count_edit_delete),
        cmocka_unit_test(test_reply_index),
        cmocka_unit_test(test_visibility_follows_blog),
        cmocka_unit_test(test_tags),
        cmocka_unit_test(test_rate_limit),
        cmocka_unit_test(test_author_rename),
        cmocka_unit_test_teardown(test_replica, stop_extra),
        cmocka_unit_test_teardown(test_redis_down, stop_extra),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
