/* Cached lists (services/blog/cache.h): every list type is served from Redis once read, and
 * every write that changes a list is visible in the very next read of it (read, write, read):
 * the author's drafts / submitted / published, the editor's submitted / published, the
 * public latest and by-tag lists. One author's writes leave another author's cached lists in
 * place (and correct). Readers hammering a list never make a write invisible; Redis down
 * keeps lists correct; an invalidation lost while Redis was away is made up for when it
 * comes back with its old data. */
#include <pthread.h>
#include <stdatomic.h>

#include "blog_it.h"
#include "micro/cache.h"

static th_user author, other, editor;
static th_instance inst;
static th_server redis_srv;

static int setup(void **state)
{
    (void)state;
    bt_new_user(&author, "lc-author", "[\"AUTHOR\"]");
    bt_new_user(&other, "lc-other", "[\"AUTHOR\"]");
    bt_new_user(&editor, "lc-editor", "[\"EDITOR\"]");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    th_user_release(&author);
    th_user_release(&other);
    th_user_release(&editor);
    return 0;
}

/* Stops what a test started, also when it failed half-way. */
static int stop_extra(void **state)
{
    (void)state;
    th_instance_stop(&inst);
    if (redis_srv.pid > 0 || redis_srv.dir)
        th_server_stop(&redis_srv);
    memset(&redis_srv, 0, sizeof redis_srv);
    return 0;
}

/* ---- what the cache holds ---- */

/* The list page cached under key, stamped with the current generations gens[0..n): the stamp
 * is the generations joined by '.', then a space, then the JSON (see cache.c). */
static bool stamped(int redis_port, const char *const *gens, size_t n, const char *key)
{
    mf_cache *c = mf_cache_new("127.0.0.1", redis_port, NULL, 1000, 1);
    const char *keys[3];
    for (size_t i = 0; i < n; i++)
        keys[i] = gens[i];
    keys[n] = key;
    char *v[3] = {NULL, NULL, NULL};
    size_t len[3] = {0, 0, 0};
    bool hit = false;
    if (mf_cache_mget(c, keys, n + 1, v, len) == 0 && v[n]) {
        mf_strbuf stamp;
        mf_strbuf_init(&stamp);
        bool all = true;
        for (size_t i = 0; i < n; i++) {
            all = all && v[i];
            mf_strbuf_addf(&stamp, "%s%s", i ? "." : "", v[i] ? v[i] : "");
        }
        hit = all && len[n] > stamp.len + 1 && memcmp(v[n], stamp.buf, stamp.len) == 0 &&
              v[n][stamp.len] == ' ';
        mf_strbuf_release(&stamp);
    }
    for (size_t i = 0; i <= n; i++)
        free(v[i]);
    mf_cache_free(c);
    return hit;
}

static int stack_redis(void)
{
    return atoi(th_stack("REDIS_BLOG_PORT"));
}

typedef enum {
    L_DRAFTS,
    L_SUBMITTED,
    L_PUBLISHED,
    L_ED_SUBMITTED,
    L_ED_PUBLISHED,
    L_LATEST,
    L_TAG
} lkind;

/* A list page of this test: its path, who reads it and its cache key. */
typedef struct {
    lkind kind;
    const th_user *reader; /* NULL: public */
    char *path;
    char *key;
    char *author_gen; /* author lists: "blog:gen:author:<id>" */
} list_ref;

#define LIMIT "100"

static void list_init(list_ref *l, lkind kind, const th_user *reader, const char *tag)
{
    memset(l, 0, sizeof *l);
    l->kind = kind;
    l->reader = reader;
    static const char *const what[] = {"drafts", "submitted", "published"};
    switch (kind) {
    case L_DRAFTS:
    case L_SUBMITTED:
    case L_PUBLISHED:
        l->path = mf_asprintf("/author/%s?page=1&limit=" LIMIT, what[kind]);
        l->key = mf_asprintf("blog:author:%s:1:" LIMIT ":%s", what[kind], reader->id);
        l->author_gen = mf_asprintf("blog:gen:author:%s", reader->id);
        break;
    case L_ED_SUBMITTED:
    case L_ED_PUBLISHED:
        l->path = mf_asprintf("/editor/%s?page=1&limit=" LIMIT, what[kind - L_ED_SUBMITTED + 1]);
        l->key = mf_asprintf("blog:editor:%s:1:" LIMIT, what[kind - L_ED_SUBMITTED + 1]);
        break;
    case L_LATEST:
        l->path = mf_strdup("/list/latest?page=1&limit=" LIMIT);
        l->key = mf_strdup("blog:latest:1:" LIMIT);
        break;
    case L_TAG:
        l->path = mf_asprintf("/list/tag/%s?page=1&limit=" LIMIT, tag);
        l->key = mf_asprintf("blog:tag:1:" LIMIT ":%s", tag);
        break;
    }
}

static void list_release(list_ref *l)
{
    free(l->path);
    free(l->key);
    free(l->author_gen);
}

static bool list_cached_in(const list_ref *l, int redis_port)
{
    switch (l->kind) {
    case L_DRAFTS:
    case L_SUBMITTED:
    case L_PUBLISHED: {
        const char *g[] = {"blog:gen:authors", l->author_gen};
        return stamped(redis_port, g, 2, l->key);
    }
    case L_ED_SUBMITTED:
    case L_ED_PUBLISHED: {
        const char *g[] = {"blog:gen:editor"};
        return stamped(redis_port, g, 1, l->key);
    }
    default: {
        const char *g[] = {"blog:gen"};
        return stamped(redis_port, g, 1, l->key);
    }
    }
}

static bool list_cached(const list_ref *l)
{
    return list_cached_in(l, stack_redis());
}

/* The list through port (200 asserted); body: the raw response when not NULL (caller
 * frees). New reference. */
static json_t *list_get_at(int port, const list_ref *l, char **body)
{
    th_resp r =
        th_call((th_api){.port = port}, "GET", l->path, l->reader ? l->reader->access : NULL, NULL);
    th_expect_env(&r, 200, "success");
    json_t *d = json_incref(th_data(&r));
    assert_true(json_is_array(d));
    if (body)
        *body = mf_strdup(r.body);
    th_resp_release(&r);
    return d;
}

static json_t *list_get(const list_ref *l)
{
    return list_get_at(th_api_blog().port, l, NULL);
}

/* Reads the list twice: the second answer comes from the cache, byte for byte the first. */
static void prime(const list_ref *l)
{
    char *b1 = NULL, *b2 = NULL;
    json_decref(list_get_at(th_api_blog().port, l, &b1));
    json_decref(list_get_at(th_api_blog().port, l, &b2));
    assert_true(list_cached(l));
    assert_string_equal(b1, b2);
    free(b1);
    free(b2);
}

/* The title of blog id in the list (read now), NULL when it is not listed. Caller frees. */
static char *listed_title(const list_ref *l, const char *id)
{
    json_t *d = list_get(l);
    int i = bt_index_of(d, id);
    char *t = i >= 0 ? mf_strdup(th_jstr(json_array_get(d, (size_t)i), "title")) : NULL;
    json_decref(d);
    return t;
}

#define assert_listed(l, id)                                                                       \
    do {                                                                                           \
        char *t_ = listed_title((l), (id));                                                        \
        if (!t_)                                                                                   \
            fail_msg("%s:%d: %s missing from %s", __FILE__, __LINE__, (id), (l)->path);            \
        free(t_);                                                                                  \
    } while (0)

#define assert_not_listed(l, id)                                                                   \
    do {                                                                                           \
        char *t_ = listed_title((l), (id));                                                        \
        if (t_)                                                                                    \
            fail_msg("%s:%d: %s still in %s", __FILE__, __LINE__, (id), (l)->path);                \
        free(t_);                                                                                  \
    } while (0)

static void assert_title(const list_ref *l, const char *id, const char *title)
{
    char *t = listed_title(l, id);
    assert_non_null(t);
    assert_string_equal(t, title);
    free(t);
}

/* ---- writes ---- */

/* PUT prefix + id as who. */
static void put(const th_user *who, const char *prefix, const char *id, const char *msg)
{
    char *p = mf_asprintf("%s%s", prefix, id);
    th_expect(th_api_blog(), "PUT", p, who->access, NULL, 200, msg);
    free(p);
}

static void submit(const char *id)
{
    put(&author, "/author/submit/id/", id, "blog submitted successfully");
}

static void withdraw(const char *id)
{
    put(&author, "/author/withdraw/id/", id, "blog withdrawn successfully");
}

static void publish(const char *id)
{
    put(&editor, "/editor/publish/id/", id, "blog published successfully");
}

static void unpublish(const char *id)
{
    put(&editor, "/editor/unpublish/id/", id, "blog unpublished successfully");
}

static void delete_blog(const char *id)
{
    char *p = mf_asprintf("/author/id/%s", id);
    th_expect(th_api_blog(), "DELETE", p, author.access, NULL, 200, "blog deleted successfully");
    free(p);
}

static void retitle(const char *id, const char *title)
{
    char *body = mf_asprintf("{\"_id\":\"%s\",\"title\":\"%s\"}", id, title);
    th_expect(th_api_blog(), "PUT", "/author", author.access, body, 200,
              "blog updated successfully");
    free(body);
}

/* Upper-case tag with a random part, so no other test lists under it. */
static char *new_tag(const char *prefix)
{
    char *t = th_random_hex(6);
    char *tag = mf_asprintf("%s%s", prefix, t);
    for (char *p = tag; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    free(t);
    return tag;
}

static char *new_slug(void)
{
    char *t = th_random_hex(6);
    char *slug = mf_asprintf("lc-%s", t);
    free(t);
    return slug;
}

static char *create(const th_user *who, const char *title, const char *tag)
{
    char *slug = new_slug();
    char *tags = mf_asprintf("[\"%s\"]", tag);
    char *id = bt_create(who, title, "a blog of the list cache tests", slug, tags);
    free(tags);
    free(slug);
    return id;
}

/* ---- the other author: cached lists untouched by the first author's writes ---- */

typedef struct {
    list_ref drafts;
    char *id;
} bystander;

static void bystander_init(bystander *b, const char *tag)
{
    b->id = create(&other, "Bystander draft", tag);
    list_init(&b->drafts, L_DRAFTS, &other, NULL);
    prime(&b->drafts);
}

/* Still cached (its generation did not move) and right. */
static void bystander_check(const bystander *b, const char *not_id)
{
    assert_true(list_cached(&b->drafts));
    json_t *d = list_get(&b->drafts);
    assert_true(bt_index_of(d, b->id) >= 0);
    assert_int_equal(bt_index_of(d, not_id), -1);
    json_decref(d);
}

static void bystander_release(bystander *b)
{
    list_release(&b->drafts);
    free(b->id);
}

/* ---- tests ---- */

static void test_author_lists(void **state)
{
    (void)state;
    char *tag = new_tag("LCA");
    bystander by;
    bystander_init(&by, tag);
    list_ref drafts, submitted, published;
    list_init(&drafts, L_DRAFTS, &author, NULL);
    list_init(&submitted, L_SUBMITTED, &author, NULL);
    list_init(&published, L_PUBLISHED, &author, NULL);

    prime(&drafts);
    char *id = create(&author, "Author list one", tag);
    assert_title(&drafts, id, "Author list one");
    bystander_check(&by, id);

    prime(&drafts);
    retitle(id, "Author list one, renamed");
    assert_title(&drafts, id, "Author list one, renamed");
    bystander_check(&by, id);

    prime(&submitted);
    submit(id);
    assert_listed(&submitted, id);

    prime(&submitted);
    withdraw(id);
    assert_not_listed(&submitted, id);
    bystander_check(&by, id);

    submit(id);
    prime(&drafts);
    prime(&submitted);
    prime(&published);
    publish(id); /* by the editor, on the author's lists */
    assert_listed(&published, id);
    assert_not_listed(&submitted, id);
    assert_not_listed(&drafts, id);
    bystander_check(&by, id);

    prime(&published);
    prime(&drafts);
    unpublish(id);
    assert_not_listed(&published, id);
    assert_listed(&drafts, id);

    prime(&drafts);
    delete_blog(id);
    assert_not_listed(&drafts, id);
    bystander_check(&by, id);

    free(id);
    list_release(&drafts);
    list_release(&submitted);
    list_release(&published);
    bystander_release(&by);
    free(tag);
}

static void test_editor_lists(void **state)
{
    (void)state;
    char *tag = new_tag("LCE");
    list_ref sub, pub;
    list_init(&sub, L_ED_SUBMITTED, &editor, NULL);
    list_init(&pub, L_ED_PUBLISHED, &editor, NULL);
    char *id = create(&author, "Editor list one", tag);

    prime(&sub);
    submit(id);
    assert_title(&sub, id, "Editor list one");

    prime(&sub);
    retitle(id, "Editor list one, renamed while submitted");
    assert_title(&sub, id, "Editor list one, renamed while submitted");

    prime(&sub);
    withdraw(id);
    assert_not_listed(&sub, id);

    submit(id);
    prime(&sub);
    prime(&pub);
    publish(id);
    assert_not_listed(&sub, id);
    assert_listed(&pub, id);

    prime(&pub);
    retitle(id, "Editor list one, renamed while published");
    assert_title(&pub, id, "Editor list one, renamed while published");

    prime(&pub);
    unpublish(id);
    assert_not_listed(&pub, id);

    submit(id);
    publish(id);
    prime(&pub);
    delete_blog(id);
    assert_not_listed(&pub, id);

    /* a draft-only write leaves the editor lists cached */
    prime(&sub);
    char *draft = create(&author, "Editor list draft", tag);
    assert_true(list_cached(&sub));
    free(draft);

    free(id);
    list_release(&sub);
    list_release(&pub);
    free(tag);
}

static void test_public_lists(void **state)
{
    (void)state;
    char *tag = new_tag("LCP"), *tag2 = new_tag("LCQ");
    list_ref latest, by_tag, by_tag2;
    list_init(&latest, L_LATEST, NULL, NULL);
    list_init(&by_tag, L_TAG, NULL, tag);
    list_init(&by_tag2, L_TAG, NULL, tag2);
    char *id = create(&author, "Public list one", tag);
    submit(id);

    prime(&latest);
    prime(&by_tag);
    publish(id);
    assert_title(&latest, id, "Public list one");
    assert_title(&by_tag, id, "Public list one");

    prime(&latest);
    prime(&by_tag);
    retitle(id, "Public list one, renamed");
    assert_title(&latest, id, "Public list one, renamed");
    assert_title(&by_tag, id, "Public list one, renamed");

    /* moved to another tag */
    prime(&by_tag);
    prime(&by_tag2);
    char *body = mf_asprintf("{\"_id\":\"%s\",\"tags\":[\"%s\"]}", id, tag2);
    th_expect(th_api_blog(), "PUT", "/author", author.access, body, 200,
              "blog updated successfully");
    free(body);
    assert_not_listed(&by_tag, id);
    assert_listed(&by_tag2, id);

    prime(&latest);
    prime(&by_tag2);
    unpublish(id);
    assert_not_listed(&latest, id);
    assert_not_listed(&by_tag2, id);

    submit(id);
    publish(id);
    prime(&latest);
    delete_blog(id);
    assert_not_listed(&latest, id);

    /* writes nobody sees publicly leave the public lists cached */
    prime(&latest);
    char *draft = create(&author, "Public list draft", tag);
    submit(draft);
    retitle(draft, "Public list draft, renamed");
    assert_true(list_cached(&latest));
    assert_not_listed(&latest, draft);
    free(draft);

    free(id);
    list_release(&latest);
    list_release(&by_tag);
    list_release(&by_tag2);
    free(tag);
    free(tag2);
}

typedef struct {
    const list_ref *list;
    atomic_bool stop;
} reader_arg;

static void *reader(void *arg)
{
    reader_arg *a = arg;
    while (!atomic_load(&a->stop)) {
        th_resp r = th_call(th_api_blog(), "GET", a->list->path,
                            a->list->reader ? a->list->reader->access : NULL, NULL);
        th_resp_release(&r);
    }
    return NULL;
}

/* Readers keep refilling the author's cached drafts list while the title changes: the read
 * that follows each successful update always shows it (no late fill of an older page). */
static void test_no_stale_list_under_concurrency(void **state)
{
    (void)state;
    char *tag = new_tag("LCC");
    list_ref drafts;
    list_init(&drafts, L_DRAFTS, &author, NULL);
    char *id = create(&author, "Concurrent list", tag);
    prime(&drafts);
    enum { READERS = 4, ROUNDS = 15 };
    reader_arg ra = {.list = &drafts};
    atomic_init(&ra.stop, false);
    pthread_t th[READERS];
    for (int i = 0; i < READERS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, reader, &ra), 0);
    int stale = 0;
    for (int round = 0; round < ROUNDS; round++) {
        char *title = mf_asprintf("Concurrent list round %d", round);
        char *body = mf_asprintf("{\"_id\":\"%s\",\"title\":\"%s\"}", id, title);
        th_resp r = th_call(th_api_blog(), "PUT", "/author", author.access, body);
        bool ok = r.status == 200;
        th_resp_release(&r);
        char *got = listed_title(&drafts, id);
        if (!ok || !got || strcmp(got, title) != 0)
            stale++;
        free(got);
        free(body);
        free(title);
    }
    atomic_store(&ra.stop, true);
    for (int i = 0; i < READERS; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(stale, 0);
    assert_true(list_cached(&drafts)); /* the readers did use the cache */
    free(id);
    list_release(&drafts);
    free(tag);
}

/* A second blog-service whose Redis port has nobody listening: lists follow every write. */
static void test_lists_without_redis(void **state)
{
    (void)state;
    char *port = mf_asprintf("REDIS_PORT=%d", th_free_port());
    const char *env[] = {port, NULL};
    th_instance_start(&inst, "blog", env);
    free(port);
    char *tag = new_tag("LCN");
    list_ref drafts, latest, sub;
    list_init(&drafts, L_DRAFTS, &author, NULL);
    list_init(&latest, L_LATEST, NULL, NULL);
    list_init(&sub, L_ED_SUBMITTED, &editor, NULL);
    json_decref(list_get_at(inst.port, &drafts, NULL));

    char *slug = new_slug();
    char *body = bt_blog_body("No Redis list", "lists without a cache", slug, "[\"NOREDIS\"]");
    free(slug);
    th_resp r = th_call(inst.api, "POST", "/author", author.access, body);
    th_expect_env(&r, 200, "blog created successfully");
    char *id = mf_strdup(th_jstr(th_data(&r), "_id"));
    th_resp_release(&r);
    free(body);
    json_t *d = list_get_at(inst.port, &drafts, NULL);
    assert_true(bt_index_of(d, id) >= 0);
    json_decref(d);

    char *p = mf_asprintf("/author/submit/id/%s", id);
    r = th_call(inst.api, "PUT", p, author.access, NULL);
    th_expect_env(&r, 200, "blog submitted successfully");
    th_resp_release(&r);
    free(p);
    d = list_get_at(inst.port, &sub, NULL);
    assert_true(bt_index_of(d, id) >= 0);
    json_decref(d);

    json_decref(list_get_at(inst.port, &latest, NULL));
    p = mf_asprintf("/editor/publish/id/%s", id);
    r = th_call(inst.api, "PUT", p, editor.access, NULL);
    th_expect_env(&r, 200, "blog published successfully");
    th_resp_release(&r);
    free(p);
    d = list_get_at(inst.port, &latest, NULL);
    assert_true(bt_index_of(d, id) >= 0);
    json_decref(d);
    d = list_get_at(inst.port, &sub, NULL);
    assert_int_equal(bt_index_of(d, id), -1);
    json_decref(d);

    free(id);
    list_release(&drafts);
    list_release(&latest);
    list_release(&sub);
    free(tag);
    th_instance_stop(&inst);
}

/* The raw value of key in the Redis on port (NULL when missing). Caller frees. */
static char *raw_get(int port, const char *key, size_t *len)
{
    mf_cache *c = mf_cache_new("127.0.0.1", port, NULL, 1000, 1);
    char *v = mf_cache_get(c, key, len);
    mf_cache_free(c);
    return v;
}

static void raw_set(int port, const char *key, const char *v, size_t len)
{
    mf_cache *c = mf_cache_new("127.0.0.1", port, NULL, 1000, 1);
    assert_int_equal(mf_cache_set(c, key, v, len, 600), 0);
    mf_cache_free(c);
}

typedef struct {
    const list_ref *list;
    int redis_port;
    const char *id;
    const char *old; /* the page Redis came back with */
    size_t old_len;
    int stale;
} recover_arg;

/* Every read shows the blog; true once the instance has cached a new page under the
 * current generations (so it uses Redis again). */
static bool cached_again(void *arg)
{
    recover_arg *a = arg;
    json_t *d = list_get_at(inst.port, a->list, NULL);
    if (bt_index_of(d, a->id) < 0)
        a->stale++;
    json_decref(d);
    size_t len = 0;
    char *now = raw_get(a->redis_port, a->list->key, &len);
    bool renewed = now && !(len == a->old_len && memcmp(now, a->old, len) == 0);
    free(now);
    return renewed && list_cached_in(a->list, a->redis_port);
}

/* Redis goes away, a write cannot move the generation, Redis comes back with its old data
 * (as a persistent Redis would): the old cached page must not come back with it. */
static void test_lost_invalidation(void **state)
{
    (void)state;
    assert_int_equal(th_redis_start(&redis_srv), 0);
    char *port = mf_asprintf("REDIS_PORT=%d", redis_srv.port);
    const char *env[] = {port, NULL};
    th_instance_start(&inst, "blog", env);
    free(port);
    char *tag = new_tag("LCL");
    list_ref drafts, latest, sub;
    list_init(&drafts, L_DRAFTS, &author, NULL);
    list_init(&latest, L_LATEST, NULL, NULL);
    list_init(&sub, L_ED_SUBMITTED, &editor, NULL);
    /* the first read creates the generations, the second fills, the third hits */
    const list_ref *all[] = {&drafts, &latest, &sub};
    for (size_t i = 0; i < 3; i++) {
        for (int n = 0; n < 3; n++)
            json_decref(list_get_at(inst.port, all[i], NULL));
        assert_true(list_cached_in(all[i], redis_srv.port));
    }

    /* what a persistent Redis would bring back */
    const char *keys[] = {"blog:gen", "blog:gen:editor", "blog:gen:authors", drafts.author_gen,
                          drafts.key};
    enum { NKEYS = sizeof keys / sizeof keys[0] };
    char *saved[NKEYS];
    size_t saved_len[NKEYS];
    for (size_t i = 0; i < NKEYS; i++) {
        saved[i] = raw_get(redis_srv.port, keys[i], &saved_len[i]);
        assert_non_null(saved[i]);
    }

    th_server_kill(&redis_srv);
    char *slug = new_slug();
    char *body = bt_blog_body("Lost invalidation", "written while Redis was away", slug, "[\"L\"]");
    free(slug);
    th_resp r = th_call(inst.api, "POST", "/author", author.access, body);
    th_expect_env(&r, 200, "blog created successfully");
    char *id = mf_strdup(th_jstr(th_data(&r), "_id"));
    th_resp_release(&r);
    free(body);
    json_t *d = list_get_at(inst.port, &drafts, NULL);
    assert_true(bt_index_of(d, id) >= 0);
    json_decref(d);

    assert_int_equal(th_server_restart(&redis_srv, false), 0);
    for (size_t i = 0; i < NKEYS; i++)
        raw_set(redis_srv.port, keys[i], saved[i], saved_len[i]);
    recover_arg ra = {&drafts, redis_srv.port, id, saved[NKEYS - 1], saved_len[NKEYS - 1], 0};
    assert_true(th_poll(cached_again, &ra, 10000));
    assert_int_equal(ra.stale, 0);
    /* and it was a recovery, not luck: the shared generations moved */
    for (size_t i = 0; i < 3; i++) {
        size_t len = 0;
        char *now = raw_get(redis_srv.port, keys[i], &len);
        assert_non_null(now);
        if (len == saved_len[i] && memcmp(now, saved[i], len) == 0)
            fail_msg("generation %s did not move (%s)", keys[i], now);
        free(now);
    }
    d = list_get_at(inst.port, &drafts, NULL);
    assert_true(bt_index_of(d, id) >= 0);
    json_decref(d);

    for (size_t i = 0; i < NKEYS; i++)
        free(saved[i]);
    free(id);
    list_release(&drafts);
    list_release(&latest);
    list_release(&sub);
    free(tag);
    th_instance_stop(&inst);
    th_server_stop(&redis_srv);
    memset(&redis_srv, 0, sizeof redis_srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_author_lists),
        cmocka_unit_test(test_editor_lists),
        cmocka_unit_test(test_public_lists),
        cmocka_unit_test(test_no_stale_list_under_concurrency),
        cmocka_unit_test_teardown(test_lists_without_redis, stop_extra),
        cmocka_unit_test_teardown(test_lost_invalidation, stop_extra),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
