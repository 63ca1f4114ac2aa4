/*
 * Concurrent writes to the same documents on the MongoDB-wire server, as blog-service makes them
 * (a submit's optimistic {_id, updatedAt} update racing an author rename's updateMany, two
 * replicas racing the same optimistic update). MongoDB applies each single-document write
 * atomically; FerretDB 1.24 ran every update, findAndModify and delete as "read the matching
 * documents, then write them back by _id" with nothing in between, so one of two concurrent
 * writes was silently lost and two optimistic updates with the same filter both matched.
 * scripts/ferretdb-rmw-lock.patch makes those steps atomic; these tests fail without it. String
 * _ids (one document locked) and updateMany by another field (the collection locked) both run.
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
#include <pthread.h>
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
    int bad = 0;
    for (int r = 0; r < rounds; r++) {
        int winners = 0;
        for (int w = 0; w < THREADS; w++)
            winners += rc.matched[r][w];
        if (winners != 1 && bad++ < 3)
            fprintf(stderr, "(b) round %d: %d winners\n", r, winners);
    }
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
    int bad = 0;
    for (int r = 0; r < rounds; r++) {
        int winners = 0;
        for (int w = 0; w < THREADS; w++)
            winners += rc.matched[r][w];
        bad += winners != 1;
    }
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
    int bad = 0;
    for (int r = 0; r < rounds; r++) {
        int winners = 0;
        for (int w = 0; w < THREADS; w++)
            winners += rc.matched[r][w];
        bad += winners != 1;
    }
    fprintf(stderr, "(e) %d rounds: %d rounds where not exactly one write matched\n", rounds, bad);
    assert_int_equal(bad, 0);
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
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
