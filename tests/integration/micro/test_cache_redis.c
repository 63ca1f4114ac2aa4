/*
 * Redis cache against a real redis-server: get/set/ttl/del/mget, binary values, many threads,
 * AUTH, and the outage path: while Redis is down every call misses or fails fast, and the
 * cache recovers by itself once Redis is back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdlib.h>

#include "harness.h"
#include "micro/alloc.h"
#include "micro/cache.h"
#include "micro/clock.h"
#include "micro/error.h"
#include "micro/log.h"

typedef struct {
    th_server srv;
    mf_cache *cache;
} fixture;

static int setup(void **state)
{
    mf_log_init("test_cache", MF_LOG_ERROR);
    fixture *f = mf_calloc(1, sizeof(*f));
    *state = f;
    if (th_redis_start(&f->srv) != 0)
        return -1;
    f->cache = mf_cache_new("127.0.0.1", f->srv.port, NULL, 500, 4);
    return f->cache != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    mf_cache_free(f->cache);
    th_server_stop(&f->srv);
    free(f);
    return 0;
}

static void test_set_get_del(void **state)
{
    fixture *f = *state;
    mf_cache *c = f->cache;
    size_t len = 99;
    assert_null(mf_cache_get(c, "k:missing", &len));
    assert_int_equal(len, 0);

    assert_int_equal(mf_cache_set(c, "k:1", "hello", 5, 60), 0);
    char *v = mf_cache_get(c, "k:1", &len);
    assert_non_null(v);
    assert_int_equal(len, 5);
    assert_string_equal(v, "hello");
    free(v);

    /* overwrite */
    assert_int_equal(mf_cache_set(c, "k:1", "bye", 3, 60), 0);
    v = mf_cache_get(c, "k:1", NULL);
    assert_string_equal(v, "bye");
    free(v);

    /* binary-safe values and keys with spaces */
    const char bin[] = {'a', '\0', 'b', '\r', '\n', (char)0xff};
    assert_int_equal(mf_cache_set(c, "k:with space", bin, sizeof(bin), 60), 0);
    v = mf_cache_get(c, "k:with space", &len);
    assert_non_null(v);
    assert_int_equal(len, sizeof(bin));
    assert_memory_equal(v, bin, sizeof(bin));
    free(v);

    /* empty value is a hit, not a miss */
    assert_int_equal(mf_cache_set(c, "k:empty", "", 0, 60), 0);
    v = mf_cache_get(c, "k:empty", &len);
    assert_non_null(v);
    assert_int_equal(len, 0);
    free(v);

    const char *keys[] = {"k:1", "k:with space", "k:never-set"};
    assert_int_equal(mf_cache_del(c, keys, 3), 0);
    assert_null(mf_cache_get(c, "k:1", NULL));
    assert_null(mf_cache_get(c, "k:with space", NULL));
    assert_int_equal(mf_cache_del(c, keys, 0), 0);

    assert_int_equal(mf_cache_set(c, "k:bad-ttl", "x", 1, 0), MF_ERR_INVALID);
    assert_int_equal(mf_cache_ping(c), 0);
}

static bool key_gone(void *ctx)
{
    char *v = mf_cache_get(ctx, "k:ttl", NULL);
    free(v);
    return v == NULL;
}

static void test_ttl_expiry(void **state)
{
    fixture *f = *state;
    assert_int_equal(mf_cache_set(f->cache, "k:ttl", "short", 5, 1), 0);
    char *v = mf_cache_get(f->cache, "k:ttl", NULL);
    assert_non_null(v); /* there right after the set */
    free(v);
    assert_true(th_poll(key_gone, f->cache, 3000));
}

typedef struct {
    mf_cache *cache;
    int id;
    int errors;
} worker;

static void *hammer(void *arg)
{
    worker *w = arg;
    char key[64], val[128];
    for (int i = 0; i < 500; i++) {
        snprintf(key, sizeof(key), "t:%d:%d", w->id, i % 50);
        snprintf(val, sizeof(val), "value-%d-%d-%0*d", w->id, i, (i % 40) + 1, i);
        if (mf_cache_set(w->cache, key, val, strlen(val), 60) != 0) {
            w->errors++;
            continue;
        }
        size_t len = 0;
        char *got = mf_cache_get(w->cache, key, &len);
        /* keys are per thread, so the value must be the one just written */
        if (got == NULL || len != strlen(val) || memcmp(got, val, len) != 0)
            w->errors++;
        free(got);
        if (i % 10 == 9) {
            const char *keys[] = {key};
            if (mf_cache_del(w->cache, keys, 1) != 0)
                w->errors++;
        }
    }
    return NULL;
}

static void test_many_threads(void **state)
{
    fixture *f = *state;
    enum { T = 8 };
    pthread_t th[T];
    worker w[T];
    for (int i = 0; i < T; i++) {
        w[i] = (worker){f->cache, i, 0};
        assert_int_equal(pthread_create(&th[i], NULL, hammer, &w[i]), 0);
    }
    for (int i = 0; i < T; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < T; i++)
        assert_int_equal(w[i].errors, 0);
}

/* Runs a raw command on the fixture's Redis (to create keys mf_cache cannot). */
static void raw_command(int port, const char *cmd)
{
    redisContext *rc = redisConnect("127.0.0.1", port);
    assert_non_null(rc);
    assert_int_equal(rc->err, 0);
    redisReply *r = redisCommand(rc, cmd);
    assert_non_null(r);
    assert_int_not_equal(r->type, REDIS_REPLY_ERROR);
    freeReplyObject(r);
    redisFree(rc);
}

static void test_mget(void **state)
{
    fixture *f = *state;
    mf_cache *c = f->cache;
    const char bin[] = {'x', '\0', 'y'};
    assert_int_equal(mf_cache_set(c, "m:1", "one", 3, 60), 0);
    assert_int_equal(mf_cache_set(c, "m:bin", bin, sizeof(bin), 60), 0);
    assert_int_equal(mf_cache_set(c, "m:empty", "", 0, 60), 0);
    raw_command(f->srv.port, "RPUSH m:list a b"); /* not a string: reads as missing */

    const char *keys[] = {"m:1", "m:missing", "m:bin", "m:empty", "m:list"};
    char *v[5];
    size_t len[5];
    assert_int_equal(mf_cache_mget(c, keys, 5, v, len), 0);
    assert_non_null(v[0]);
    assert_int_equal(len[0], 3);
    assert_string_equal(v[0], "one");
    assert_null(v[1]);
    assert_int_equal(len[1], 0);
    assert_non_null(v[2]);
    assert_int_equal(len[2], sizeof(bin));
    assert_memory_equal(v[2], bin, sizeof(bin));
    assert_non_null(v[3]); /* an empty value is a hit */
    assert_int_equal(len[3], 0);
    assert_null(v[4]);
    for (int i = 0; i < 5; i++)
        free(v[i]);

    /* more keys than fit the small argument arrays; lens is optional */
    enum { N = 40 };
    char names[N][16];
    const char *many[N];
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof(names[i]), "m:n:%d", i);
        many[i] = names[i];
        if (i % 3 == 0)
            assert_int_equal(mf_cache_set(c, names[i], names[i], strlen(names[i]), 60), 0);
    }
    char *mv[N];
    assert_int_equal(mf_cache_mget(c, many, N, mv, NULL), 0);
    for (int i = 0; i < N; i++) {
        if (i % 3 == 0) {
            assert_non_null(mv[i]);
            assert_string_equal(mv[i], names[i]);
        } else {
            assert_null(mv[i]);
        }
        free(mv[i]);
    }

    assert_int_equal(mf_cache_mget(c, keys, 0, v, len), MF_ERR_INVALID);
    assert_int_equal(mf_cache_mget(c, NULL, 1, v, len), MF_ERR_INVALID);
    assert_null(v[0]);
    assert_int_equal(mf_cache_mget(NULL, keys, 1, v, len), MF_ERR_INVALID);
    assert_null(v[0]);
}

static bool cache_works(void *ctx)
{
    mf_cache *c = ctx;
    if (mf_cache_set(c, "k:back", "again", 5, 60) != 0)
        return false;
    char *v = mf_cache_get(c, "k:back", NULL);
    bool ok = v != NULL && strcmp(v, "again") == 0;
    free(v);
    return ok;
}

static void test_redis_down_fails_fast_and_recovers(void **state)
{
    fixture *f = *state;
    mf_cache *c = f->cache;
    assert_int_equal(mf_cache_set(c, "k:before", "x", 1, 60), 0);
    assert_int_equal(mf_cache_ping(c), 0);

    th_server_kill(&f->srv);

    /* Every call, the first one included (it finds the dead connection), returns quickly. */
    const char *keys[] = {"k:before"};
    for (int i = 0; i < 20; i++) {
        int64_t t0 = mf_mono_ms();
        assert_null(mf_cache_get(c, "k:before", NULL));
        int64_t t1 = mf_mono_ms();
        assert_int_equal(mf_cache_set(c, "k:x", "y", 1, 60), MF_ERR_UNAVAILABLE);
        int64_t t2 = mf_mono_ms();
        assert_int_equal(mf_cache_del(c, keys, 1), MF_ERR_UNAVAILABLE);
        int64_t t3 = mf_mono_ms();
        assert_int_not_equal(mf_cache_ping(c), 0);
        int64_t t4 = mf_mono_ms();
        char *v[1] = {(char *)"garbage"};
        assert_int_equal(mf_cache_mget(c, keys, 1, v, NULL), MF_ERR_UNAVAILABLE);
        assert_null(v[0]);
        int64_t t5 = mf_mono_ms();
        assert_true(t5 - t4 < 200);
        assert_true(t1 - t0 < 200);
        assert_true(t2 - t1 < 200);
        assert_true(t3 - t2 < 200);
        assert_true(t4 - t3 < 200);
    }

    assert_int_equal(th_server_restart(&f->srv, false), 0);
    assert_true(th_poll(cache_works, c, 5000));
    assert_int_equal(mf_cache_ping(c), 0);
    /* Redis ran without persistence: the old entry is gone, which is a plain miss. */
    assert_null(mf_cache_get(c, "k:before", NULL));
}

/* Redis restarted between two calls: stale pooled connections must not turn into misses. */
static void test_restart_between_calls_is_transparent(void **state)
{
    fixture *f = *state;
    mf_cache *c = f->cache;
    /* open every pooled connection */
    for (int i = 0; i < 16; i++)
        assert_int_equal(mf_cache_set(c, "k:warm", "w", 1, 60), 0);
    assert_int_equal(th_server_restart(&f->srv, false), 0);
    for (int i = 0; i < 16; i++)
        assert_int_equal(mf_cache_set(c, "k:warm", "w", 1, 60), 0);
}

static void test_unreachable_at_start(void **state)
{
    (void)state;
    int port = th_free_port();
    int64_t t0 = mf_mono_ms();
    mf_cache *c = mf_cache_new("127.0.0.1", port, "pw", 500, 2);
    assert_non_null(c); /* never fails: it connects later */
    assert_null(mf_cache_get(c, "k", NULL));
    assert_int_equal(mf_cache_set(c, "k", "v", 1, 10), MF_ERR_UNAVAILABLE);
    assert_int_not_equal(mf_cache_ping(c), 0);
    assert_true(mf_mono_ms() - t0 < 500);
    mf_cache_free(c);
}

/* Puts a password on the fixture's Redis with a raw client. */
static void require_password(int port, const char *password)
{
    redisContext *rc = redisConnect("127.0.0.1", port);
    assert_non_null(rc);
    assert_int_equal(rc->err, 0);
    redisReply *r = redisCommand(rc, "CONFIG SET requirepass %s", password);
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_STATUS);
    freeReplyObject(r);
    redisFree(rc);
}

static void test_auth(void **state)
{
    fixture *f = *state;
    /* A password configured on our side but not on Redis (development setups) is fine. */
    mf_cache *lenient = mf_cache_new("127.0.0.1", f->srv.port, "secret", 500, 1);
    assert_int_equal(mf_cache_ping(lenient), 0);
    mf_cache_free(lenient);

    require_password(f->srv.port, "s3cret");
    mf_cache *good = mf_cache_new("127.0.0.1", f->srv.port, "s3cret", 500, 2);
    mf_cache *bad = mf_cache_new("127.0.0.1", f->srv.port, "wrong", 500, 2);
    mf_cache *none = mf_cache_new("127.0.0.1", f->srv.port, "", 500, 2);

    assert_int_equal(mf_cache_set(good, "k:auth", "ok", 2, 60), 0);
    char *v = mf_cache_get(good, "k:auth", NULL);
    assert_string_equal(v, "ok");
    free(v);
    assert_int_equal(mf_cache_ping(good), 0);

    assert_null(mf_cache_get(bad, "k:auth", NULL));
    assert_int_equal(mf_cache_set(bad, "k:auth", "no", 2, 60), MF_ERR_UNAVAILABLE);
    assert_int_not_equal(mf_cache_ping(bad), 0);

    /* Without AUTH Redis answers NOAUTH: a miss, never the value. */
    assert_null(mf_cache_get(none, "k:auth", NULL));
    assert_int_equal(mf_cache_set(none, "k:auth", "no", 2, 60), MF_ERR_UNAVAILABLE);

    v = mf_cache_get(good, "k:auth", NULL);
    assert_string_equal(v, "ok");
    free(v);
    mf_cache_free(good);
    mf_cache_free(bad);
    mf_cache_free(none);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_set_get_del, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ttl_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mget, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_redis_down_fails_fast_and_recovers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_between_calls_is_transparent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreachable_at_start, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auth, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
