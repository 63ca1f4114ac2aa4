/* Cache invalidation (API.md section 4, "Caching"): every write that changes a public
 * answer is visible to the very next read, cached answers included (read, write, read);
 * author renames arrive through user.updated events; Redis down keeps the service working
 * (health DOWN); auth-service unreachable gives 503. */
#include <mongoc/mongoc.h>
#include <pthread.h>
#include <stdatomic.h>

#include "blog_it.h"
#include "micro/cache.h"
#include "micro/jetstream.h"
#include "micro/nats.h"

static th_user author, editor;
static th_instance inst;
static th_server nats_srv;

static int setup(void **state)
{
    (void)state;
    bt_new_user(&author, "ca-author", "[\"AUTHOR\"]");
    bt_new_user(&editor, "ca-editor", "[\"EDITOR\"]");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    th_user_release(&author);
    th_user_release(&editor);
    return 0;
}

/* Stops what a test started, also when it failed half-way. */
static int stop_extra(void **state)
{
    (void)state;
    th_instance_stop(&inst);
    if (nats_srv.pid > 0 || nats_srv.dir)
        th_server_stop(&nats_srv);
    memset(&nats_srv, 0, sizeof nats_srv);
    return 0;
}

/* Reads a public path twice, so the second answer can come from the cache. */
static void prime(const char *path)
{
    bt_get(path, NULL);
    bt_get(path, NULL);
}

/* The item with _id id in the similar list of blog of (NULL when absent). New reference. */
static json_t *similar_item(const char *of, const char *id)
{
    char *p = mf_asprintf("/list/similar/id/%s", of);
    json_t *d = NULL;
    assert_int_equal(bt_get(p, &d), 200);
    free(p);
    int i = bt_index_of(d, id);
    json_t *item = i >= 0 ? json_incref(json_array_get(d, (size_t)i)) : NULL;
    json_decref(d);
    return item;
}

/* True when blog-service's Redis holds the public answer of kind/value stamped with the
 * current generation(s) (proves the reads above were cached, so the checks below test
 * invalidation). By id and by slug the stamp is "<blog:gen>.<blog:gen:blog|slug:<value>>",
 * else "<blog:gen>" (services/blog/cache.h). */
static bool cached(const char *kind, const char *value)
{
    mf_cache *c = mf_cache_new("127.0.0.1", atoi(th_stack("REDIS_BLOG_PORT")), NULL, 1000, 1);
    char *key = mf_asprintf("blog:%s:%s", kind, value);
    char *own = strcmp(kind, "id") == 0     ? mf_asprintf("blog:gen:blog:%s", value)
                : strcmp(kind, "slug") == 0 ? mf_asprintf("blog:gen:slug:%s", value)
                                            : NULL;
    const char *keys[] = {"blog:gen", key, own};
    size_t n = own ? 3 : 2;
    char *v[3] = {0};
    size_t len[3] = {0};
    bool hit = false;
    if (mf_cache_mget(c, keys, n, v, len) == 0 && v[0] && v[1] && (n == 2 || v[2])) {
        char *stamp = n == 3 ? mf_asprintf("%s.%s", v[0], v[2]) : mf_asprintf("%s", v[0]);
        size_t sl = strlen(stamp);
        hit = len[1] > sl + 1 && memcmp(v[1], stamp, sl) == 0 && v[1][sl] == ' ';
        free(stamp);
    }
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(own);
    free(key);
    mf_cache_free(c);
    return hit;
}

typedef struct {
    char *t;
    char *slug, *id;   /* the blog that changes */
    char *xslug, *xid; /* a published neighbour whose similar list shows it */
    char *pid, *pslug; /* "/id/<id>", "/slug/<slug>" */
} pair;

/* Two published blogs sharing title words, public answers primed in the cache. */
/* The same two blogs, published and never read (no cached answer yet). */
static void pair_new_unread(pair *p)
{
    p->t = th_random_hex(6);
    char *title = mf_asprintf("Cache%s original", p->t);
    p->slug = mf_asprintf("cache-%s", p->t);
    p->xslug = mf_asprintf("cache-x-%s", p->t);
    p->id = bt_create(&author, title, "cached description", p->slug, "[\"CACHE\"]");
    char *xtitle = mf_asprintf("Cache%s neighbour", p->t);
    p->xid = bt_create(&author, xtitle, "another description", p->xslug, "[\"CACHE\"]");
    bt_publish(&author, &editor, p->id);
    bt_publish(&author, &editor, p->xid);
    p->pid = mf_asprintf("/id/%s", p->id);
    p->pslug = mf_asprintf("/slug/%s", p->slug);
    free(title);
    free(xtitle);
}

static void pair_new(pair *p)
{
    pair_new_unread(p);
    char *title = mf_asprintf("Cache%s original", p->t);
    prime(p->pid);
    prime(p->pslug);
    json_t *item = similar_item(p->xid, p->id);
    assert_non_null(item);
    assert_string_equal(th_jstr(item, "title"), title);
    json_decref(item);
    item = similar_item(p->xid, p->id); /* second read: from the cache */
    assert_non_null(item);
    json_decref(item);
    assert_true(cached("id", p->id));
    assert_true(cached("slug", p->slug));
    assert_true(cached("similar", p->xid));
    free(title);
}

static void pair_free(pair *p)
{
    free(p->t);
    free(p->slug);
    free(p->id);
    free(p->xslug);
    free(p->xid);
    free(p->pid);
    free(p->pslug);
}

static void test_update_invalidates(void **state)
{
    (void)state;
    pair p;
    pair_new(&p);
    char *title = mf_asprintf("Cache%s renamed", p.t);
    char *slug2 = mf_asprintf("cache-new-%s", p.t);
    char *body =
        mf_asprintf("{\"_id\":\"%s\",\"title\":\"%s\",\"slug\":\"%s\"}", p.id, title, slug2);
    th_expect(th_api_blog(), "PUT", "/author", author.access, body, 200,
              "blog updated successfully");
    char *got = bt_public_title("id", p.id);
    assert_non_null(got);
    assert_string_equal(got, title);
    free(got);
    th_expect(th_api_blog(), "GET", p.pslug, NULL, NULL, 404, "blog not found");
    got = bt_public_title("slug", slug2);
    assert_non_null(got);
    assert_string_equal(got, title);
    free(got);
    json_t *item = similar_item(p.xid, p.id);
    assert_non_null(item);
    assert_string_equal(th_jstr(item, "title"), title);
    assert_string_equal(th_jstr(item, "slug"), slug2);
    json_decref(item);
    free(body);
    free(slug2);
    free(title);
    pair_free(&p);
}

static void test_publish_unpublish_invalidate(void **state)
{
    (void)state;
    pair p;
    pair_new(&p);
    char *path = mf_asprintf("/editor/unpublish/id/%s", p.id);
    th_expect(th_api_blog(), "PUT", path, editor.access, NULL, 200,
              "blog unpublished successfully");
    free(path);
    th_expect(th_api_blog(), "GET", p.pid, NULL, NULL, 404, "blog not found");
    th_expect(th_api_blog(), "GET", p.pslug, NULL, NULL, 404, "blog not found");
    char *sim = mf_asprintf("/list/similar/id/%s", p.id);
    th_expect(th_api_blog(), "GET", sim, NULL, NULL, 404, "blog not found");
    assert_null(similar_item(p.xid, p.id));
    prime(p.pid);
    /* published again: visible at once, with the new text */
    char *body = mf_asprintf("{\"_id\":\"%s\",\"draftText\":\"second edition\"}", p.id);
    th_expect(th_api_blog(), "PUT", "/author", author.access, body, 200,
              "blog updated successfully");
    bt_publish(&author, &editor, p.id);
    json_t *d = NULL;
    assert_int_equal(bt_get(p.pid, &d), 200);
    assert_string_equal(th_jstr(d, "text"), "second edition");
    json_decref(d);
    assert_int_equal(bt_get(p.pslug, NULL), 200);
    th_expect(th_api_blog(), "GET", sim, NULL, NULL, 200, "success");
    json_t *item = similar_item(p.xid, p.id);
    assert_non_null(item);
    json_decref(item);
    free(body);
    free(sim);
    pair_free(&p);
}

static void test_delete_invalidates(void **state)
{
    (void)state;
    pair p;
    pair_new(&p);
    char *path = mf_asprintf("/author/id/%s", p.id);
    th_expect(th_api_blog(), "DELETE", path, author.access, NULL, 200, "blog deleted successfully");
    free(path);
    th_expect(th_api_blog(), "GET", p.pid, NULL, NULL, 404, "blog not found");
    th_expect(th_api_blog(), "GET", p.pslug, NULL, NULL, 404, "blog not found");
    assert_null(similar_item(p.xid, p.id));
    th_resp r = th_call(th_api_blog(), "GET", "/list/latest?page=1&limit=1000", NULL, NULL);
    assert_int_equal(bt_index_of(th_data(&r), p.id), -1);
    th_resp_release(&r);
    pair_free(&p);
}

/* Raw body of GET path (200 asserted). Caller frees. */
static char *raw_body(const char *path)
{
    th_resp r = th_call(th_api_blog(), "GET", path, NULL, NULL);
    th_expect_env(&r, 200, "success");
    char *b = mf_strdup(r.body);
    th_resp_release(&r);
    return b;
}

/* A cached answer is spliced into the envelope unparsed: byte for byte what MongoDB gave. */
static void test_hit_equals_miss(void **state)
{
    (void)state;
    pair p;
    pair_new(&p);
    char *sim = mf_asprintf("/list/similar/id/%s", p.xid);
    const char *paths[] = {p.pid, p.pslug, sim};
    for (size_t i = 0; i < 3; i++) {
        /* a public write retires everything: the first read misses, the second hits */
        char *body = mf_asprintf("{\"_id\":\"%s\",\"description\":\"round %zu\"}", p.id, i);
        th_expect(th_api_blog(), "PUT", "/author", author.access, body, 200,
                  "blog updated successfully");
        free(body);
        char *miss = raw_body(paths[i]);
        char *hit = raw_body(paths[i]);
        assert_true(cached(i == 0   ? "id"
                           : i == 1 ? "slug"
                                    : "similar",
                           i == 0   ? p.id
                           : i == 1 ? p.slug
                                    : p.xid));
        assert_string_equal(hit, miss);
        json_t *j = json_loads(hit, 0, NULL);
        assert_non_null(j);
        json_decref(j);
        free(miss);
        free(hit);
    }
    free(sim);
    pair_free(&p);
}

typedef struct {
    const char *path;
    atomic_bool stop;
} reader_arg;

static void *reader(void *arg)
{
    reader_arg *a = arg;
    while (!atomic_load(&a->stop))
        bt_get(a->path, NULL);
    return NULL;
}

/* Readers hammer the cached answer while the title changes: the read that follows each
 * successful update always shows that update (no late cache fill of an older answer). */
static void test_no_stale_read_under_concurrency(void **state)
{
    (void)state;
    pair p;
    pair_new(&p);
    enum { READERS = 4, ROUNDS = 15 };
    reader_arg ra = {.path = p.pid};
    atomic_init(&ra.stop, false);
    pthread_t th[READERS];
    for (int i = 0; i < READERS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, reader, &ra), 0);
    int stale = 0;
    for (int round = 0; round < ROUNDS; round++) {
        char *title = mf_asprintf("Cache%s round %d", p.t, round);
        char *body = mf_asprintf("{\"_id\":\"%s\",\"title\":\"%s\"}", p.id, title);
        th_resp r = th_call(th_api_blog(), "PUT", "/author", author.access, body);
        bool ok = r.status == 200;
        th_resp_release(&r);
        char *got = bt_public_title("id", p.id);
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
    pair_free(&p);
}

/* cmicro_blog_cache_fills_total{result="<result>"} on blog-service's own /metrics. */
static long fills(const char *result)
{
    th_resp r = th_call(th_api_blog(), "GET", "/metrics", NULL, NULL);
    assert_int_equal(r.status, 200);
    char *needle = mf_asprintf("cmicro_blog_cache_fills_total{result=\"%s\"} ", result);
    const char *at = r.body ? strstr(r.body, needle) : NULL;
    long v = at ? atol(at + strlen(needle)) : 0;
    free(needle);
    th_resp_release(&r);
    return v;
}

typedef struct {
    const char *path;
    pthread_barrier_t *go;
    atomic_int ok;
} burst_arg;

static void *burst_reader(void *arg)
{
    burst_arg *a = arg;
    pthread_barrier_wait(a->go);
    if (bt_get(a->path, NULL) == 200)
        atomic_fetch_add(&a->ok, 1);
    return NULL;
}

/* Issue 11's concurrent-miss rule: many requests missing one key at once (a blog nobody read
 * yet) make ONE MongoDB read; the others answer from its fill (ops_cached.c). */
static void test_concurrent_misses_one_read(void **state)
{
    (void)state;
    pair p;
    pair_new_unread(&p);
    enum { N = 12 };
    long read0 = fills("read"), shared0 = fills("shared"), late0 = fills("late");
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, N);
    burst_arg a = {.path = p.pid, .go = &go};
    atomic_init(&a.ok, 0);
    pthread_t th[N];
    for (int i = 0; i < N; i++)
        assert_int_equal(pthread_create(&th[i], NULL, burst_reader, &a), 0);
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&go);
    assert_int_equal(atomic_load(&a.ok), N);
    assert_int_equal(fills("read") - read0, 1);
    assert_int_equal(fills("late") - late0, 0);
    /* the rest were hits, or waited for the fill (most of them, when they really overlap) */
    long shared = fills("shared") - shared0;
    assert_true(shared >= 0 && shared <= N - 1);
    assert_true(cached("id", p.id));
    pair_free(&p);
}

typedef struct {
    const char *path;
    const char *name;
    const char *pic; /* NULL: no profilePicUrl expected */
} author_cond;

static bool author_shows(void *arg)
{
    author_cond *c = arg;
    json_t *d = NULL;
    bool ok = false;
    if (bt_get(c->path, &d) == 200) {
        json_t *a = json_object_get(d, "author");
        const char *pic = th_jstr(a, "profilePicUrl");
        ok = th_jstr(a, "name") && strcmp(th_jstr(a, "name"), c->name) == 0 &&
             (c->pic ? pic && strcmp(pic, c->pic) == 0 : pic == NULL);
    }
    json_decref(d);
    return ok;
}

/* PUT /profile/mine on auth-service -> user.updated -> the public blog shows the new name. */
static void test_author_rename(void **state)
{
    (void)state;
    th_user writer;
    bt_new_user(&writer, "ca-writer", "[\"AUTHOR\"]");
    char *t = th_random_hex(6);
    char *slug = mf_asprintf("rename-%s", t);
    char *id =
        bt_create(&writer, "Rename check", "author name follows the profile", slug, "[\"RENAME\"]");
    bt_publish(&writer, &editor, id);
    char *pid = mf_asprintf("/id/%s", id), *pslug = mf_asprintf("/slug/%s", slug);
    author_cond c = {pid, writer.name, NULL};
    assert_true(author_shows(&c));
    prime(pid);
    prime(pslug);

    char *name = mf_asprintf("Renamed %s", t);
    char *body = mf_asprintf(
        "{\"name\":\"%s\",\"profilePicUrl\":\"https://pics.example.com/%s.png\"}", name, t);
    char *pic = mf_asprintf("https://pics.example.com/%s.png", t);
    th_resp r = th_call(th_api_auth(), "PUT", "/profile/mine", writer.access, body);
    th_expect_env(&r, 200, "profile updated successfully");
    th_resp_release(&r);
    c = (author_cond){pid, name, pic};
    assert_true(th_poll(author_shows, &c, 10000));
    c.path = pslug;
    assert_true(author_shows(&c));
    /* private views follow too */
    char *ap = mf_asprintf("/author/id/%s", id);
    r = th_call(th_api_blog(), "GET", ap, writer.access, NULL);
    th_expect_env(&r, 200, "success");
    assert_string_equal(th_jstr(json_object_get(th_data(&r), "author"), "name"), name);
    th_resp_release(&r);
    free(ap);

    free(pic);
    free(body);
    free(name);
    free(pid);
    free(pslug);
    free(id);
    free(slug);
    free(t);
    th_user_release(&writer);
}

/* Collection coll of blog-service's database, on a client of its own (*cl; destroy both). */
static mongoc_collection_t *stored_collection(const char *coll, mongoc_client_t **cl)
{
    char *uri = mf_asprintf("mongodb://127.0.0.1:%s", th_stack("MONGO_PORT"));
    *cl = mongoc_client_new(uri);
    free(uri);
    assert_non_null(*cl);
    return mongoc_client_get_collection(*cl, "blogs", coll);
}

/* The author name stored in document _id of collection coll of blog-service's database (heap,
 * caller frees; NULL: no such document). field: "author.name" or, for `authors`, "name". */
static char *stored_name(const char *coll, const char *id, bool oid, const char *field)
{
    mongoc_client_t *cl = NULL;
    mongoc_collection_t *c = stored_collection(coll, &cl);
    bson_t *f = bson_new();
    bson_oid_t o;
    if (oid) {
        bson_oid_init_from_string(&o, id);
        BSON_APPEND_OID(f, "_id", &o);
    } else {
        BSON_APPEND_UTF8(f, "_id", id);
    }
    mongoc_cursor_t *cur = mongoc_collection_find_with_opts(c, f, NULL, NULL);
    const bson_t *doc;
    char *name = NULL;
    bson_iter_t it, v;
    if (mongoc_cursor_next(cur, &doc) && bson_iter_init(&it, doc) &&
        bson_iter_find_descendant(&it, field, &v) && BSON_ITER_HOLDS_UTF8(&v))
        name = mf_strdup(bson_iter_utf8(&v, NULL));
    mongoc_cursor_destroy(cur);
    bson_destroy(f);
    mongoc_collection_destroy(c);
    mongoc_client_destroy(cl);
    return name;
}

static void forget_author(const char *id)
{
    mongoc_client_t *cl = NULL;
    mongoc_collection_t *c = stored_collection("authors", &cl);
    bson_t *f = BCON_NEW("_id", BCON_UTF8(id));
    bson_error_t err;
    assert_true(mongoc_collection_delete_one(c, f, NULL, NULL, &err));
    bson_destroy(f);
    mongoc_collection_destroy(c);
    mongoc_client_destroy(cl);
}

/* A rename is one write, whatever the number of the user's blogs and comments: the answers
 * show the new name (taken from the authors collection), the blog and comment documents keep
 * the name they were written with, and a user without an authors document (one from before
 * user events) is shown as written. */
static void test_author_rename_one_write(void **state)
{
    (void)state;
    th_user writer;
    bt_new_user(&writer, "ca-onewrite", "[\"AUTHOR\"]");
    char *t = th_random_hex(6);
    char *slug = mf_asprintf("one-write-%s", t);
    char *id = bt_create(&writer, "One write", "a rename writes one document", slug, "[\"ONE\"]");
    bt_publish(&writer, &editor, id);
    char *cpath = mf_asprintf("/comments/id/%s", id);
    th_expect(th_api_blog(), "POST", cpath, writer.access, "{\"text\":\"my own comment\"}", 200,
              "comment created successfully");
    char *pid = mf_asprintf("/id/%s", id);
    char *cpage = mf_asprintf("%s?page=1&limit=10", cpath);
    json_t *d = NULL;
    assert_int_equal(bt_get(cpage, &d), 200);
    assert_int_equal(json_array_size(d), 1);
    char *cid = mf_strdup(th_jstr(json_array_get(d, 0), "_id"));
    json_decref(d);
    prime(pid);
    prime(cpage);

    char *name = mf_asprintf("Once %s", t);
    char *body = mf_asprintf("{\"name\":\"%s\"}", name);
    th_expect(th_api_auth(), "PUT", "/profile/mine", writer.access, body, 200,
              "profile updated successfully");
    author_cond a = {pid, name, NULL};
    assert_true(th_poll(author_shows, &a, 10000));
    bt_name_cond cc = {id, name};
    assert_true(th_poll(bt_comment_author_is, &cc, 10000));

    char *got = stored_name("authors", writer.id, false, "name");
    assert_string_equal(got, name);
    free(got);
    got = stored_name("blogs", id, true, "author.name");
    assert_string_equal(got, writer.name);
    free(got);
    got = stored_name("comments", cid, true, "author.name");
    assert_string_equal(got, writer.name);
    free(got);

    /* no authors document: the private view (never cached) shows the name as written */
    forget_author(writer.id);
    char *ap = mf_asprintf("/author/id/%s", id);
    th_resp r = th_call(th_api_blog(), "GET", ap, writer.access, NULL);
    th_expect_env(&r, 200, "success");
    assert_string_equal(th_jstr(th_data(&r), "author.name"), writer.name);
    th_resp_release(&r);

    free(ap);
    free(body);
    free(name);
    free(cid);
    free(cpage);
    free(pid);
    free(cpath);
    free(id);
    free(slug);
    free(t);
    th_user_release(&writer);
}

/* Publishes user.updated {id, name, version} to the stack's USERS stream, as auth-service's
 * relay would (a redelivered or reordered event is just an older version arriving late). */
static void publish_user_event(mf_nats *nc, const char *id, const char *name, long long version)
{
    json_t *d = json_pack("{s:s,s:s,s:I}", "id", id, "name", name, "version", (json_int_t)version);
    assert_int_equal(mf_js_publish(nc, "user.updated", d, NULL, 5000), 0);
    json_decref(d);
}

/* API.md section 5: an older event applied after a newer one never overwrites the newer
 * author data (events carry a per-user version). */
static void test_author_event_older_ignored(void **state)
{
    (void)state;
    th_user writer;
    bt_new_user(&writer, "ca-order", "[\"AUTHOR\"]");
    char *t = th_random_hex(6);
    char *slug = mf_asprintf("order-%s", t);
    char *id =
        bt_create(&writer, "Order check", "author name follows versions", slug, "[\"ORDER\"]");
    bt_publish(&writer, &editor, id);
    char *pid = mf_asprintf("/id/%s", id);
    mf_nats *nc = mf_nats_connect(th_stack("NATS_URL"), "blog-it-order", NULL, NULL, 5000);
    assert_non_null(nc);

    /* far above what auth-service has given this user (a few versions) */
    char *newer = mf_asprintf("Newer %s", t), *older = mf_asprintf("Older %s", t);
    publish_user_event(nc, writer.id, newer, 1000);
    author_cond c = {pid, newer, NULL};
    assert_true(th_poll(author_shows, &c, 10000));
    prime(pid);
    publish_user_event(nc, writer.id, older, 999);
    c = (author_cond){pid, older, NULL};
    assert_false(th_poll(author_shows, &c, 3000));
    c = (author_cond){pid, newer, NULL};
    assert_true(author_shows(&c));
    /* and a newer one still applies */
    char *newest = mf_asprintf("Newest %s", t);
    publish_user_event(nc, writer.id, newest, 1001);
    c = (author_cond){pid, newest, NULL};
    assert_true(th_poll(author_shows, &c, 10000));

    mf_nats_free(nc);
    free(newest);
    free(newer);
    free(older);
    free(pid);
    free(id);
    free(slug);
    free(t);
    th_user_release(&writer);
}

static bool health_redis_down(void *arg)
{
    th_instance *in = arg;
    th_resp r = th_call(in->api, "GET", "/health", NULL, NULL);
    const char *redis = r.json ? th_jstr(json_object_get(th_data(&r), "checks"), "redis") : NULL;
    bool ok = r.status == 503 && redis && strcmp(redis, "DOWN") == 0;
    th_resp_release(&r);
    return ok;
}

/* A second blog-service whose Redis port has nobody listening: everything still works from
 * MongoDB, health says redis DOWN with 503. */
static void test_redis_down(void **state)
{
    (void)state;
    char *port = mf_asprintf("REDIS_PORT=%d", th_free_port());
    const char *env[] = {port, NULL};
    th_instance_start(&inst, "blog", env);
    free(port);
    assert_true(th_poll(health_redis_down, &inst, 10000));
    th_resp r = th_call(inst.api, "GET", "/health", NULL, NULL);
    th_expect_health_env(&r, 503, "service unavailable");
    json_t *d = th_data(&r);
    assert_string_equal(th_jstr(d, "status"), "DOWN");
    assert_string_equal(th_jstr(json_object_get(d, "checks"), "redis"), "DOWN");
    assert_string_equal(th_jstr(json_object_get(d, "checks"), "mongo"), "UP");
    assert_string_equal(th_jstr(json_object_get(d, "checks"), "nats"), "UP");
    th_resp_release(&r);

    /* writes and reads through the Redis-less instance */
    char *t = th_random_hex(6);
    char *slug = mf_asprintf("noredis-%s", t);
    char *body = bt_blog_body("Without Redis", "still works from MongoDB", slug, "[\"NOREDIS\"]");
    r = th_call(inst.api, "POST", "/author", author.access, body);
    th_expect_env(&r, 200, "blog created successfully");
    char *id = mf_strdup(th_jstr(th_data(&r), "_id"));
    th_resp_release(&r);
    char *p = mf_asprintf("/author/submit/id/%s", id);
    r = th_call(inst.api, "PUT", p, author.access, NULL);
    th_expect_env(&r, 200, "blog submitted successfully");
    th_resp_release(&r);
    free(p);
    p = mf_asprintf("/editor/publish/id/%s", id);
    r = th_call(inst.api, "PUT", p, editor.access, NULL);
    th_expect_env(&r, 200, "blog published successfully");
    th_resp_release(&r);
    free(p);
    p = mf_asprintf("/id/%s", id);
    for (int i = 0; i < 2; i++) {
        r = th_call(inst.api, "GET", p, NULL, NULL);
        th_expect_env(&r, 200, "success");
        assert_string_equal(th_jstr(th_data(&r), "slug"), slug);
        th_resp_release(&r);
    }
    char *upd = mf_asprintf("{\"_id\":\"%s\",\"title\":\"Without Redis, updated\"}", id);
    r = th_call(inst.api, "PUT", "/author", author.access, upd);
    th_expect_env(&r, 200, "blog updated successfully");
    th_resp_release(&r);
    r = th_call(inst.api, "GET", p, NULL, NULL);
    th_expect_env(&r, 200, "success");
    assert_string_equal(th_jstr(th_data(&r), "title"), "Without Redis, updated");
    th_resp_release(&r);
    char *sp = mf_asprintf("/slug/%s", slug);
    r = th_call(inst.api, "GET", sp, NULL, NULL);
    th_expect_env(&r, 200, "success");
    th_resp_release(&r);
    r = th_call(inst.api, "GET", "/list/latest?page=1&limit=10", NULL, NULL);
    th_expect_env(&r, 200, "success");
    assert_true(bt_index_of(th_data(&r), id) >= 0);
    th_resp_release(&r);
    /* the main instance sees the same data */
    char *got = bt_public_title("id", id);
    assert_non_null(got);
    assert_string_equal(got, "Without Redis, updated");
    free(got);

    free(sp);
    free(upd);
    free(p);
    free(id);
    free(body);
    free(slug);
    free(t);
    th_instance_stop(&inst);
}

/* A second blog-service on a NATS server where no auth-service listens. */
static void test_auth_unreachable(void **state)
{
    (void)state;
    assert_int_equal(th_nats_start(&nats_srv, true), 0);
    char *url = mf_asprintf("NATS_URL=nats://127.0.0.1:%d", nats_srv.port);
    const char *env[] = {url, "AUTH_TIMEOUT_MS=300", NULL};
    th_instance_start(&inst, "blog", env);
    th_resp r = th_call(inst.api, "POST", "/author", author.access, "{}");
    th_expect_env(&r, 503, "service unavailable");
    th_resp_release(&r);
    r = th_call(inst.api, "GET", "/editor/submitted?page=1&limit=1", editor.access, NULL);
    th_expect_env(&r, 503, "service unavailable");
    th_resp_release(&r);
    /* still 401 without credentials (nothing to ask), public reads never ask */
    r = th_call(inst.api, "GET", "/author/drafts?page=1&limit=1", NULL, NULL);
    th_expect_env(&r, 401, "permission denied: missing Authorization");
    th_resp_release(&r);
    r = th_call(inst.api, "GET", "/list/latest?page=1&limit=1", NULL, NULL);
    th_expect_env(&r, 200, "success");
    th_resp_release(&r);
    free(url);
    th_instance_stop(&inst);
    th_server_stop(&nats_srv);
    memset(&nats_srv, 0, sizeof nats_srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_update_invalidates),
        cmocka_unit_test(test_publish_unpublish_invalidate),
        cmocka_unit_test(test_delete_invalidates),
        cmocka_unit_test(test_hit_equals_miss),
        cmocka_unit_test(test_no_stale_read_under_concurrency),
        cmocka_unit_test(test_concurrent_misses_one_read),
        cmocka_unit_test(test_author_rename),
        cmocka_unit_test(test_author_rename_one_write),
        cmocka_unit_test(test_author_event_older_ignored),
        cmocka_unit_test_teardown(test_redis_down, stop_extra),
        cmocka_unit_test_teardown(test_auth_unreachable, stop_extra),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
