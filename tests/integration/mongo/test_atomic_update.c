/*
 * Concurrent writes to the same documents on the MongoDB-wire server, as blog-service makes them
 * (a submit's optimistic {_id, updatedAt} update racing an author rename's updateMany, two
 * replicas racing the same optimistic update). MongoDB applies each single-document write
 * atomically; FerretDB 1.24 ran every update, findAndModify and delete as "read the matching
 * documents, then write them back by _id" with nothing in between, so one of two concurrent
 * writes was silently lost and two optimistic updates with the same filter both matched.
 * scripts/ferretdb-rmw-lock.patch makes those steps atomic; these tests fail without it. String
 * _ids (one document locked) and updateMany by another field (each matching document locked in
 * turn after an unlocked scan) both run; (f) and (g) check that such an updateMany neither holds
 * up other writes during its scan nor writes a document that stopped matching after it.
 *
 * The test runs its own server (mongod, else FerretDB as scripts/stack runs it). Every case is a
 * bounded number of rounds; in each, the threads are released together by a barrier.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <mongoc/mongoc.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "micro/clock.h"
#include "mongo_server.h"

#define THREADS 8
#define ROUNDS  40
/* Each case stops starting rounds after this long (a slow machine runs fewer, never hangs). */
#define CASE_MS 60000

static th_server db;
static mongoc_client_pool_t *pool;

static int setup(void **state)
{
    (void)state;
    mongoc_init();
    if (th_mongo_start(&db) != 0) {
        fprintf(stderr, "could not start a MongoDB-wire server\n");
        return -1;
    }
    fprintf(stderr, "server: %s\n", th_mongo_is_ferretdb() ? "FerretDB" : "mongod");
    mongoc_uri_t *uri = mongoc_uri_new(db.url);
    pool = mongoc_client_pool_new(uri);
    mongoc_uri_destroy(uri);
    mongoc_client_pool_max_size(pool, 2 * THREADS);
    return pool ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    if (pool)
        mongoc_client_pool_destroy(pool);
    pool = NULL;
    th_server_stop(&db);
    mongoc_cleanup();
    return 0;
}

/* A fresh collection named name in database "atomic" (dropped first). Release with
 * coll_release. */
static mongoc_collection_t *coll_new(mongoc_client_t **client, const char *name)
{
    *client = mongoc_client_pool_pop(pool);
    mongoc_collection_t *c = mongoc_client_get_collection(*client, "atomic", name);
    mongoc_collection_drop(c, NULL); /* absent the first time */
    return c;
}

static void coll_release(mongoc_client_t *client, mongoc_collection_t *c)
{
    mongoc_collection_destroy(c);
    mongoc_client_pool_push(pool, client);
}

static void insert(mongoc_collection_t *c, bson_t *doc)
{
    bson_error_t err;
    bool ok = mongoc_collection_insert_one(c, doc, NULL, NULL, &err);
    if (!ok)
        fprintf(stderr, "insert: %s\n", err.message);
    assert_true(ok);
    bson_destroy(doc);
}

/* "d<n>": the _id of document n. String _ids, as ObjectIDs, are what the patched FerretDB
 * locks one document for (numbers of different types can be equal). */
static const char *doc_id(int n, char buf[static 16])
{
    snprintf(buf, 16, "d%d", n);
    return buf;
}

/* The document with _id doc_id(n) (caller destroys), NULL when there is none. */
static bson_t *find_by_id(mongoc_collection_t *c, int n)
{
    char id[16];
    bson_t *filter = BCON_NEW("_id", BCON_UTF8(doc_id(n, id)));
    mongoc_cursor_t *cur = mongoc_collection_find_with_opts(c, filter, NULL, NULL);
    const bson_t *doc;
    bson_t *copy = NULL;
    if (mongoc_cursor_next(cur, &doc))
        copy = bson_copy(doc);
    bson_error_t err;
    if (mongoc_cursor_error(cur, &err))
        fail_msg("find: %s", err.message);
    mongoc_cursor_destroy(cur);
    bson_destroy(filter);
    return copy;
}

/* Integer field key of doc (0 when absent). */
static int64_t int_field(const bson_t *doc, const char *key)
{
    bson_iter_t it;
    return bson_iter_init_find(&it, doc, key) && BSON_ITER_HOLDS_NUMBER(&it)
               ? bson_iter_as_int64(&it)
               : 0;
}

/* ---- the race driver: THREADS workers, released together at the start of every round ---- */

typedef struct race race;
/* One worker's write in round r; returns how many documents it matched (-1 on error). */
typedef int (*race_fn)(race *rc, mongoc_collection_t *c, int worker, int round);

struct race {
    const char *coll;
    race_fn fn;
    pthread_barrier_t start, done;
    int rounds;     /* rounds actually run (set by worker 0 before each round) */
    bool stop;      /* set by worker 0: no more rounds */
    int64_t end_ms; /* no round starts after this */
    int matched[ROUNDS][THREADS];
    int errors;
    pthread_mutex_t lock;
};

typedef struct {
    race *rc;
    int worker;
} worker_arg;

static void *race_worker(void *p)
{
    worker_arg *a = p;
    race *rc = a->rc;
    mongoc_client_t *client = mongoc_client_pool_pop(pool);
    mongoc_collection_t *c = mongoc_client_get_collection(client, "atomic", rc->coll);
    for (int r = 0; r < ROUNDS; r++) {
        if (a->worker == 0) {
            rc->stop = mf_mono_ms() > rc->end_ms;
            if (!rc->stop)
                rc->rounds = r + 1;
        }
        pthread_barrier_wait(&rc->start);
        if (rc->stop)
            break;
        int m = rc->fn(rc, c, a->worker, r);
        rc->matched[r][a->worker] = m;
        if (m < 0) {
            pthread_mutex_lock(&rc->lock);
            rc->errors++;
            pthread_mutex_unlock(&rc->lock);
        }
        pthread_barrier_wait(&rc->done);
    }
    mongoc_collection_destroy(c);
    mongoc_client_pool_push(pool, client);
    return NULL;
}

/* Runs fn on THREADS workers for up to ROUNDS rounds; returns the rounds run. */
static int race_run(race *rc)
{
    rc->end_ms = mf_mono_ms() + CASE_MS;
    pthread_barrier_init(&rc->start, NULL, THREADS);
    pthread_barrier_init(&rc->done, NULL, THREADS);
    pthread_mutex_init(&rc->lock, NULL);
    pthread_t t[THREADS];
    worker_arg args[THREADS];
    for (int i = 0; i < THREADS; i++) {
        args[i] = (worker_arg){rc, i};
        assert_int_equal(pthread_create(&t[i], NULL, race_worker, &args[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&rc->start);
    pthread_barrier_destroy(&rc->done);
    pthread_mutex_destroy(&rc->lock);
    assert_int_equal(rc->errors, 0);
    assert_true(rc->rounds > 0);
    return rc->rounds;
}

/* updateOne (or updateMany when many) of filter with update; matchedCount, -1 on error. Takes
 * ownership of filter and update. */
static int update(mongoc_collection_t *c, bson_t *filter, bson_t *upd, bool many)
{
    bson_t reply;
    bson_error_t err;
    bool ok = many ? mongoc_collection_update_many(c, filter, upd, NULL, &reply, &err)
                   : mongoc_collection_update_one(c, filter, upd, NULL, &reply, &err);
    int n = ok ? (int)int_field(&reply, "matchedCount") : -1;
    if (!ok)
        fprintf(stderr, "update: %s\n", err.message);
    bson_destroy(&reply);
    bson_destroy(filter);
    bson_destroy(upd);
    return n;
}

/* ---- (a) every worker $sets its own field of the same document ---- */

static int set_own_field(race *rc, mongoc_collection_t *c, int worker, int round)
{
    (void)rc;
    char id[16];
    char key[16];
    snprintf(key, sizeof key, "f%d", worker);
    return update(c, BCON_NEW("_id", BCON_UTF8(doc_id(round, id))),
                  BCON_NEW("$set", "{", key, BCON_BOOL(true), "}"), false);
}

static void test_set_different_fields(void **state)
{
    (void)state;
    char id[16];
    mongoc_client_t *client;
    mongoc_collection_t *c = coll_new(&client, "fields");
    for (int r = 0; r < ROUNDS; r++)
        insert(c, BCON_NEW("_id", BCON_UTF8(doc_id(r, id)), "round", BCON_INT32(r)));
    static race rc = {.coll = "fields", .fn = set_own_field};
    int rounds = race_run(&rc);
    int lost = 0;
    for (int r = 0; r < rounds; r++) {
        bson_t *doc = find_by_id(c, r);
        assert_non_null(doc);
        for (int w = 0; w < THREADS; w++) {
            char key[16];
            snprintf(key, sizeof key, "f%d", w);
            assert_int_equal(rc.matched[r][w], 1);
            if (!bson_has_field(doc, key))
                lost++;
        }
        bson_destroy(doc);
    }
    fprintf(stderr, "(a) %d rounds x %d writers: %d field writes lost\n", rounds, THREADS, lost);
    assert_int_equal(lost, 0);
    coll_release(client, c);
}

/* Rounds of rc (of the rounds run) in which not exactly one worker matched; the first few are
 * printed, labelled with the case. */
static int rounds_without_one_winner(const race *rc, int rounds, const char *label)
{
    int bad = 0;
    for (int r = 0; r < rounds; r++) {
        int winners = 0;
        for (int w = 0; w < THREADS; w++)
            winners += rc->matched[r][w];
        if (winners != 1 && bad++ < 3)
            fprintf(stderr, "%s round %d: %d winners\n", label, r, winners);
    }
    return bad;
}

/* ---- (b) every worker tries the same optimistic update {_id, v: round} -> v: round + 1 ---- */

static int optimistic(race *rc, mongoc_collection_t *c, int worker, int round)
{
    (void)rc;
    char id[16];
    char key[16];
    snprintf(key, sizeof key, "w%d", worker);
    return update(c, BCON_NEW("_id", BCON_UTF8(doc_id(1, id)), "v", BCON_INT64(round)),
                  BCON_NEW("$set", "{", "v", BCON_INT64(round + 1), key, BCON_BOOL(true), "}"),
                  false);
}

static void test_optimistic_one_winner(void **state)
{
    (void)state;
    char id[16];
    mongoc_client_t *client;
    mongoc_collection_t *c = coll_new(&client, "optimistic");
    insert(c, BCON_NEW("_id", BCON_UTF8(doc_id(1, id)), "v", BCON_INT64(0)));
    static race rc = {.coll = "optimistic", .fn = optimistic};
    int rounds = race_run(&rc);
    int bad = rounds_without_one_winner(&rc, rounds, "(b)");
    fprintf(stderr, "(b) %d rounds x %d racers: %d rounds without exactly one winner\n", rounds,
            THREADS, bad);
    assert_int_equal(bad, 0);
    bson_t *doc = find_by_id(c, 1);
    assert_int_equal(int_field(doc, "v"), rounds);
    bson_destroy(doc);
    coll_release(client, c);
}

/* ---- (c) worker 0 updateMany({grp}) while the others updateOne({_id}) the same docs ---- */

#define MANY_DOCS 14 /* two per by-_id worker */

static int many_vs_one(race *rc, mongoc_collection_t *c, int worker, int round)
{
    (void)rc;
    char id[16];
    (void)round;
    if (worker == 0)
        return update(c, BCON_NEW("grp", BCON_UTF8("g")),
                      BCON_NEW("$inc", "{", "m", BCON_INT32(1), "}"), true) == MANY_DOCS
                   ? 1
                   : -1;
    int got = 0;
    for (int i = worker - 1; i < MANY_DOCS; i += THREADS - 1) {
        int n = update(c, BCON_NEW("_id", BCON_UTF8(doc_id(i, id))),
                       BCON_NEW("$inc", "{", "o", BCON_INT32(1), "}"), false);
        if (n != 1)
            return -1;
        got += n;
    }
    return got;
}

static void test_update_many_vs_one(void **state)
{
    (void)state;
    char id[16];
    mongoc_client_t *client;
    mongoc_collection_t *c = coll_new(&client, "many");
    for (int i = 0; i < MANY_DOCS; i++)
        insert(c, BCON_NEW("_id", BCON_UTF8(doc_id(i, id)), "grp", BCON_UTF8("g"), "m",
                           BCON_INT32(0), "o", BCON_INT32(0)));
    static race rc = {.coll = "many", .fn = many_vs_one};
    int rounds = race_run(&rc);
    int lost = 0;
    for (int i = 0; i < MANY_DOCS; i++) {
        bson_t *doc = find_by_id(c, i);
        assert_non_null(doc);
        lost += (int)(rounds - int_field(doc, "m")) + (int)(rounds - int_field(doc, "o"));
        bson_destroy(doc);
    }
    fprintf(stderr, "(c) %d rounds, %d docs: %d increments lost\n", rounds, MANY_DOCS, lost);
    assert_int_equal(lost, 0);
    coll_release(client, c);
}

/* ---- (d) findAndModify with the same optimistic filter: one winner per round ---- */

static int find_and_modify(race *rc, mongoc_collection_t *c, int worker, int round)
{
    (void)rc;
    char id[16];
    (void)worker;
    bson_t *q = BCON_NEW("_id", BCON_UTF8(doc_id(1, id)), "v", BCON_INT64(round));
    bson_t *u = BCON_NEW("$set", "{", "v", BCON_INT64(round + 1), "}");
    bson_t reply;
    bson_error_t err;
    bool ok =
        mongoc_collection_find_and_modify(c, q, NULL, u, NULL, false, false, false, &reply, &err);
    int n = -1;
    if (ok) {
        bson_iter_t it;
        n = bson_iter_init_find(&it, &reply, "value") && BSON_ITER_HOLDS_DOCUMENT(&it) ? 1 : 0;
    } else {
        fprintf(stderr, "findAndModify: %s\n", err.message);
    }
    bson_destroy(&reply);
    bson_destroy(q);
    bson_destroy(u);
    return n;
}

static void test_find_and_modify_one_winner(void **state)
{
    (void)state;
    char id[16];
    mongoc_client_t *client;
    mongoc_collection_t *c = coll_new(&client, "fam");
    insert(c, BCON_NEW("_id", BCON_UTF8(doc_id(1, id)), "v", BCON_INT64(0)));
    static race rc = {.coll = "fam", .fn = find_and_modify};
    int rounds = race_run(&rc);
    int bad = rounds_without_one_winner(&rc, rounds, "(d)");
    fprintf(stderr, "(d) %d rounds x %d racers: %d rounds without exactly one winner\n", rounds,
            THREADS, bad);
    assert_int_equal(bad, 0);
    coll_release(client, c);
}

/* ---- (e) an optimistic delete {_id, v: 0} racing an update of v: one of them, never both ---- */

static int delete_vs_update(race *rc, mongoc_collection_t *c, int worker, int round)
{
    (void)rc;
    char id[16];
    if (worker % 2 == 1)
        return update(c, BCON_NEW("_id", BCON_UTF8(doc_id(round, id)), "v", BCON_INT64(0)),
                      BCON_NEW("$set", "{", "v", BCON_INT64(1), "}"), false);
    bson_t *q = BCON_NEW("_id", BCON_UTF8(doc_id(round, id)), "v", BCON_INT64(0));
    bson_t reply;
    bson_error_t err;
    bool ok = mongoc_collection_delete_one(c, q, NULL, &reply, &err);
    int n = ok ? (int)int_field(&reply, "deletedCount") : -1;
    if (!ok)
        fprintf(stderr, "delete: %s\n", err.message);
    bson_destroy(&reply);
    bson_destroy(q);
    return n;
}

static void test_delete_vs_update(void **state)
{
    (void)state;
    char id[16];
    mongoc_client_t *client;
    mongoc_collection_t *c = coll_new(&client, "del");
    for (int r = 0; r < ROUNDS; r++)
        insert(c, BCON_NEW("_id", BCON_UTF8(doc_id(r, id)), "v", BCON_INT64(0)));
    static race rc = {.coll = "del", .fn = delete_vs_update};
    int rounds = race_run(&rc);
    int bad = rounds_without_one_winner(&rc, rounds, "(e)");
    fprintf(stderr, "(e) %d rounds: %d rounds where not exactly one write matched\n", rounds, bad);
    assert_int_equal(bad, 0);
    coll_release(client, c);
}

/* ---- (f) a long updateMany by another field does not hold up by-_id writes of other docs ---- */

/* blog-service's author rename is updateMany({"author._id": uid}, ...): FerretDB pushes down only
 * _id, so it scans the whole collection. Locking the collection for that scan made every other
 * write wait for it; the patch scans without a lock and locks one matching document at a time. */
#define BIG_DOCS       20000
#define BIG_AUTHORS    1000 /* so BIG_DOCS / BIG_AUTHORS documents per author */
#define BIG_ROUNDS     3
#define BIG_OTHERS     8 /* documents d0.. updated by _id meanwhile; not the renamed author's */
#define BIG_MAX_WRITES 200000

/* docs documents d<i> in group grp, by author a<i % BIG_AUTHORS>. */
static void insert_big(mongoc_collection_t *c, int docs, const char *grp)
{
    enum { BATCH = 1000 };
    bson_t *batch[BATCH];
    char id[16];
    char author[16];
    for (int i = 0; i < docs; i += BATCH) {
        int n = docs - i < BATCH ? docs - i : BATCH;
        for (int k = 0; k < n; k++) {
            snprintf(author, sizeof author, "a%d", (i + k) % BIG_AUTHORS);
            batch[k] = BCON_NEW("_id", BCON_UTF8(doc_id(i + k, id)), "grp", BCON_UTF8(grp),
                                "author", "{", "_id", BCON_UTF8(author), "name", BCON_UTF8("old"),
                                "}", "n", BCON_INT32(0));
        }
        bson_error_t err;
        bool ok =
            mongoc_collection_insert_many(c, (const bson_t **)batch, (size_t)n, NULL, NULL, &err);
        if (!ok)
            fprintf(stderr, "insert_many: %s\n", err.message);
        for (int k = 0; k < n; k++)
            bson_destroy(batch[k]);
        assert_true(ok);
    }
}

typedef struct {
    atomic_bool stop;
    int writes, errors;
    int64_t max_ms;
} by_id_writer;

/* updateOne by _id of d0..d(BIG_OTHERS-1), one after the other, until stop; the slowest. */
static void *by_id_writes(void *p)
{
    by_id_writer *w = p;
    mongoc_client_t *client = mongoc_client_pool_pop(pool);
    mongoc_collection_t *c = mongoc_client_get_collection(client, "atomic", "big");
    char id[16];
    for (int k = 0; k < BIG_MAX_WRITES && !atomic_load(&w->stop); k++) {
        int64_t t0 = mf_mono_ms();
        int n = update(c, BCON_NEW("_id", BCON_UTF8(doc_id(k % BIG_OTHERS, id))),
                       BCON_NEW("$inc", "{", "n", BCON_INT32(1), "}"), false);
        int64_t ms = mf_mono_ms() - t0;
        w->writes++;
        w->errors += n != 1;
        if (ms > w->max_ms)
            w->max_ms = ms;
    }
    mongoc_collection_destroy(c);
    mongoc_client_pool_push(pool, client);
    return NULL;
}

static void test_update_many_does_not_block_others(void **state)
{
    (void)state;
    mongoc_client_t *client;
    mongoc_collection_t *c = coll_new(&client, "big");
    insert_big(c, BIG_DOCS, "g");
    static by_id_writer w;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, by_id_writes, &w), 0);
    int64_t min_ms = INT64_MAX;
    int64_t max_ms = 0;
    int bad = 0;
    for (int r = 0; r < BIG_ROUNDS; r++) {
        int64_t t0 = mf_mono_ms();
        /* The author of d(BIG_AUTHORS - 1), d(2 * BIG_AUTHORS - 1)...: none of d0..d7. */
        char name[16];
        snprintf(name, sizeof name, "new%d", r);
        int n = update(c, BCON_NEW("author._id", BCON_UTF8("a999")),
                       BCON_NEW("$set", "{", "author.name", BCON_UTF8(name), "}"), true);
        int64_t ms = mf_mono_ms() - t0;
        bad += n != BIG_DOCS / BIG_AUTHORS;
        min_ms = ms < min_ms ? ms : min_ms;
        max_ms = ms > max_ms ? ms : max_ms;
    }
    atomic_store(&w.stop, true);
    pthread_join(t, NULL);
    fprintf(stderr,
            "(f) updateMany over %d docs: %" PRId64 "-%" PRId64 " ms; meanwhile %d updates by _id "
            "of other docs, slowest %" PRId64 " ms\n",
            BIG_DOCS, min_ms, max_ms, w.writes, w.max_ms);
    assert_int_equal(bad, 0);
    assert_int_equal(w.errors, 0);
    assert_true(w.writes > 0);
    /* Waiting behind a whole scan would take about its duration. */
    assert_true(w.max_ms * 4 < min_ms);
    coll_release(client, c);
}

/* ---- (g) a document that stops matching after updateMany's scan is not updated ---- */

/* The patched updateMany collects the matching _ids first and writes only after its scan, so
 * once d0 is written the scan is over: documents changed by _id from then on, before the
 * updateMany reaches them, are in its list but no longer match, and must be left alone (writing
 * the scanned copy would undo the change, applying the update to the fresh one would update a
 * document that does not match). mongod writes as it scans; the same holds. */
#define STALE_DOCS    4000
#define STALE_CHANGES 400 /* from the last document backwards */

typedef struct {
    int matched, modified;
} many_result;

static void *set_seen_many(void *p)
{
    many_result *res = p;
    mongoc_client_t *client = mongoc_client_pool_pop(pool);
    mongoc_collection_t *c = mongoc_client_get_collection(client, "atomic", "stale");
    bson_t *filter = BCON_NEW("grp", BCON_UTF8("g"));
    bson_t *upd = BCON_NEW("$set", "{", "seen", BCON_BOOL(true), "}");
    bson_t reply;
    bson_error_t err;
    res->matched = res->modified = -1;
    if (mongoc_collection_update_many(c, filter, upd, NULL, &reply, &err)) {
        res->matched = (int)int_field(&reply, "matchedCount");
        res->modified = (int)int_field(&reply, "modifiedCount");
    } else {
        fprintf(stderr, "updateMany: %s\n", err.message);
    }
    bson_destroy(&reply);
    bson_destroy(filter);
    bson_destroy(upd);
    mongoc_collection_destroy(c);
    mongoc_client_pool_push(pool, client);
    return NULL;
}

static void test_update_many_rechecks_filter(void **state)
{
    (void)state;
    char id[16];
    mongoc_client_t *client;
    mongoc_collection_t *c = coll_new(&client, "stale");
    insert_big(c, STALE_DOCS, "g");
    static many_result res;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, set_seen_many, &res), 0);
    int64_t deadline = mf_mono_ms() + CASE_MS;
    bool started = false;
    while (!started && mf_mono_ms() < deadline) {
        bson_t *doc = find_by_id(c, 0);
        started = doc && bson_has_field(doc, "seen");
        bson_destroy(doc);
    }
    assert_true(started);
    static bool changed[STALE_CHANGES];
    int nchanged = 0;
    for (int k = 0; k < STALE_CHANGES; k++) {
        int i = STALE_DOCS - 1 - k;
        int n = update(c,
                       BCON_NEW("_id", BCON_UTF8(doc_id(i, id)), "seen", "{", "$exists",
                                BCON_BOOL(false), "}"),
                       BCON_NEW("$set", "{", "grp", BCON_UTF8("x"), "}"), false);
        assert_true(n >= 0);
        changed[k] = n == 1;
        nchanged += n == 1;
    }
    pthread_join(t, NULL);
    int wrong = 0;
    for (int k = 0; k < STALE_CHANGES; k++) {
        if (!changed[k])
            continue;
        bson_t *doc = find_by_id(c, STALE_DOCS - 1 - k);
        assert_non_null(doc);
        bson_iter_t it;
        bool grp_x = bson_iter_init_find(&it, doc, "grp") && BSON_ITER_HOLDS_UTF8(&it) &&
                     strcmp(bson_iter_utf8(&it, NULL), "x") == 0;
        wrong += !grp_x || bson_has_field(doc, "seen");
        bson_destroy(doc);
    }
    fprintf(stderr,
            "(g) updateMany over %d docs: matched %d, modified %d; %d docs changed by _id "
            "meanwhile, %d of them written by the updateMany anyway\n",
            STALE_DOCS, res.matched, res.modified, nchanged, wrong);
    assert_true(nchanged > 0);
    assert_int_equal(wrong, 0);
    assert_int_equal(res.matched, STALE_DOCS - nchanged);
    assert_int_equal(res.modified, STALE_DOCS - nchanged);
    coll_release(client, c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_different_fields),
        cmocka_unit_test(test_optimistic_one_winner),
        cmocka_unit_test(test_update_many_vs_one),
        cmocka_unit_test(test_find_and_modify_one_winner),
        cmocka_unit_test(test_delete_vs_update),
        cmocka_unit_test(test_update_many_does_not_block_others),
        cmocka_unit_test(test_update_many_rechecks_filter),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
