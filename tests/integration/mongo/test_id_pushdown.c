/*
 * The lookups by _id that blog-service's request path makes, on the MongoDB-wire server: an
 * equality, an equality with more conditions, and {_id: {$in: [...]}} (a page of comments, the
 * authors of an answer). They must answer exactly what MongoDB answers and, on FerretDB, be
 * served by the _id index ("filterPushdown" in its explain output): FerretDB 1.24 pushed down
 * only a filter that is exactly {_id: value}, so a $in scanned the whole collection.
 * scripts/ferretdb-sqlite-id.patch pushes the others down; the pushdown checks fail without it.
 *
 * The test runs its own server (mongod, else FerretDB as scripts/stack runs it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <mongoc/mongoc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mongo_server.h"

#define DOCS 3000

static th_server db;
static mongoc_client_t *client;
static mongoc_collection_t *coll;
static bson_oid_t oids[DOCS];

static int setup(void **state)
{
    (void)state;
    mongoc_init();
    if (th_mongo_start(&db) != 0) {
        fprintf(stderr, "could not start a MongoDB-wire server\n");
        return -1;
    }
    fprintf(stderr, "server: %s\n", th_mongo_is_ferretdb() ? "FerretDB" : "mongod");
    client = mongoc_client_new(db.url);
    if (!client)
        return -1;
    coll = mongoc_client_get_collection(client, "pushdown", "docs");
    /* ObjectId _ids, a few string ones, all in one bulk insert */
    mongoc_bulk_operation_t *bulk = mongoc_collection_create_bulk_operation_with_opts(coll, NULL);
    for (int i = 0; i < DOCS; i++) {
        bson_t *d = bson_new();
        bson_oid_init(&oids[i], NULL);
        BSON_APPEND_OID(d, "_id", &oids[i]);
        BSON_APPEND_INT32(d, "n", i);
        BSON_APPEND_BOOL(d, "status", i % 2 == 0);
        mongoc_bulk_operation_insert(bulk, d);
        bson_destroy(d);
    }
    for (int i = 0; i < 10; i++) {
        char id[16];
        snprintf(id, sizeof id, "user-%d", i);
        bson_t *d =
            BCON_NEW("_id", BCON_UTF8(id), "n", BCON_INT32(DOCS + i), "status", BCON_BOOL(true));
        mongoc_bulk_operation_insert(bulk, d);
        bson_destroy(d);
    }
    bson_error_t err;
    bool ok = mongoc_bulk_operation_execute(bulk, NULL, &err) != 0;
    if (!ok)
        fprintf(stderr, "insert: %s\n", err.message);
    mongoc_bulk_operation_destroy(bulk);
    return ok ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    if (coll)
        mongoc_collection_destroy(coll);
    if (client)
        mongoc_client_destroy(client);
    th_server_stop(&db);
    mongoc_cleanup();
    return 0;
}

/* The sorted "n" of every document filter matches. */
static int find_ns(const bson_t *filter, int *ns, int max)
{
    mongoc_cursor_t *cur = mongoc_collection_find_with_opts(coll, filter, NULL, NULL);
    const bson_t *doc;
    int n = 0;
    while (mongoc_cursor_next(cur, &doc)) {
        bson_iter_t it;
        assert_true(bson_iter_init_find(&it, doc, "n"));
        assert_true(n < max);
        ns[n++] = bson_iter_int32(&it);
    }
    bson_error_t err;
    if (mongoc_cursor_error(cur, &err))
        fail_msg("find: %s", err.message);
    mongoc_cursor_destroy(cur);
    for (int i = 1; i < n; i++) /* insertion sort: a handful */
        for (int j = i; j > 0 && ns[j - 1] > ns[j]; j--) {
            int t = ns[j];
            ns[j] = ns[j - 1];
            ns[j - 1] = t;
        }
    return n;
}

/* FerretDB's explain: whether it pushed the filter down to SQLite (true on mongod, which
 * reports no such field: the question is FerretDB's). */
static bool pushed_down(const bson_t *filter)
{
    if (!th_mongo_is_ferretdb())
        return true;
    bson_t *cmd =
        BCON_NEW("explain", "{", "find", BCON_UTF8("docs"), "filter", BCON_DOCUMENT(filter), "}");
    bson_t reply;
    bson_error_t err;
    bool ok = mongoc_client_command_simple(client, "pushdown", cmd, NULL, &reply, &err);
    bson_destroy(cmd);
    if (!ok)
        fail_msg("explain: %s", err.message);
    bson_iter_t it;
    bool down = bson_iter_init_find(&it, &reply, "filterPushdown") && BSON_ITER_HOLDS_BOOL(&it) &&
                bson_iter_bool(&it);
    bson_destroy(&reply);
    return down;
}

static void test_equality(void **state)
{
    (void)state;
    int ns[8];
    bson_t *f = BCON_NEW("_id", BCON_OID(&oids[17]));
    assert_int_equal(find_ns(f, ns, 8), 1);
    assert_int_equal(ns[0], 17);
    assert_true(pushed_down(f));
    bson_destroy(f);
    /* more conditions: still the lookup, and the others still hold */
    f = BCON_NEW("_id", BCON_OID(&oids[18]), "status", BCON_BOOL(true));
    assert_int_equal(find_ns(f, ns, 8), 1);
    assert_int_equal(ns[0], 18);
    assert_true(pushed_down(f));
    bson_destroy(f);
    f = BCON_NEW("_id", BCON_OID(&oids[19]), "status", BCON_BOOL(true));
    assert_int_equal(find_ns(f, ns, 8), 0);
    bson_destroy(f);
    f = BCON_NEW("_id", BCON_UTF8("user-3"));
    assert_int_equal(find_ns(f, ns, 8), 1);
    assert_int_equal(ns[0], DOCS + 3);
    assert_true(pushed_down(f));
    bson_destroy(f);
}

static void test_in(void **state)
{
    (void)state;
    int ns[32];
    /* ObjectIds in any order, a repeated one, one that is not there, a string one */
    bson_oid_t absent;
    bson_oid_init(&absent, NULL);
    bson_t *f = BCON_NEW("_id", "{", "$in", "[", BCON_OID(&oids[2999]), BCON_OID(&oids[5]),
                         BCON_OID(&oids[1000]), BCON_OID(&oids[5]), BCON_OID(&absent),
                         BCON_UTF8("user-7"), "]", "}");
    assert_int_equal(find_ns(f, ns, 32), 4);
    assert_int_equal(ns[0], 5);
    assert_int_equal(ns[1], 1000);
    assert_int_equal(ns[2], 2999);
    assert_int_equal(ns[3], DOCS + 7);
    assert_true(pushed_down(f));
    bson_destroy(f);

    /* with another condition: the $in is pushed down, the condition still applies */
    f = BCON_NEW("_id", "{", "$in", "[", BCON_OID(&oids[10]), BCON_OID(&oids[11]),
                 BCON_OID(&oids[12]), "]", "}", "status", BCON_BOOL(true));
    assert_int_equal(find_ns(f, ns, 32), 2);
    assert_int_equal(ns[0], 10);
    assert_int_equal(ns[1], 12);
    assert_true(pushed_down(f));
    bson_destroy(f);

    /* what the patch does not serve from the index is still answered right (by a scan) */
    f = BCON_NEW("_id", "{", "$in", "[", BCON_OID(&oids[20]), BCON_INT32(7), "]", "}");
    assert_int_equal(find_ns(f, ns, 32), 1);
    assert_int_equal(ns[0], 20);
    bson_destroy(f);
    f = BCON_NEW("_id", "{", "$in", "[", "]", "}");
    assert_int_equal(find_ns(f, ns, 32), 0);
    bson_destroy(f);
    f = BCON_NEW("_id", "{", "$in", "[", BCON_OID(&oids[21]), "]", "$ne", BCON_OID(&oids[21]), "}");
    assert_int_equal(find_ns(f, ns, 32), 0);
    bson_destroy(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equality),
        cmocka_unit_test(test_in),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
