/* The rules that keep blog-service's cache of auth-service answers correct (auth_cache.h):
 * lifetime capped by exp, connection epoch, invalidation stamps, per-user drops, bounded size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "auth_cache.h"

#define NOW   1000000
#define TTL   30000
#define FAR   (NOW + 10 * TTL)
#define EPOCH 7

static json_t *user(const char *id)
{
    json_t *u = json_pack("{s:s,s:[{s:s}]}", "id", id, "roles", "code", "AUTHOR");
    assert_non_null(u);
    return u;
}

/* Puts header -> user(id) with a fresh stamp. */
static void put(blog_auth_cache *c, const char *header, const char *id, int64_t exp_ms)
{
    json_t *u = user(id);
    blog_auth_cache_put(c, header, u, exp_ms, NOW, blog_auth_cache_stamp(c), EPOCH);
    json_decref(u);
}

/* Whether header hits at now_ms under epoch, and then that it is id's user. */
static int hits(blog_auth_cache *c, const char *header, int64_t now_ms, uint64_t epoch,
                const char *id)
{
    json_t *got = blog_auth_cache_get(c, header, now_ms, epoch);
    if (!got)
        return 0;
    assert_string_equal(json_string_value(json_object_get(got, "id")), id);
    json_decref(got);
    return 1;
}

static void test_disabled(void **state)
{
    (void)state;
    assert_null(blog_auth_cache_new(0, TTL));
    assert_null(blog_auth_cache_new(16, 0));
    /* a NULL cache is a disabled one: nothing crashes, nothing hits */
    put(NULL, "Bearer a", "u1", FAR);
    assert_int_equal(hits(NULL, "Bearer a", NOW, EPOCH, "u1"), 0);
    blog_auth_cache_drop_user(NULL, "u1");
    assert_int_equal(blog_auth_cache_size(NULL), 0);
    blog_auth_cache_free(NULL);
}

static void test_hit_and_lifetime(void **state)
{
    (void)state;
    blog_auth_cache *c = blog_auth_cache_new(16, TTL);
    put(c, "Bearer a", "u1", FAR);
    assert_int_equal(hits(c, "Bearer a", NOW, EPOCH, "u1"), 1);
    assert_int_equal(hits(c, "Bearer a", NOW + TTL - 1, EPOCH, "u1"), 1);
    assert_int_equal(hits(c, "Bearer b", NOW, EPOCH, "u1"), 0);  /* another token */
    assert_int_equal(hits(c, "Bearer a ", NOW, EPOCH, "u1"), 0); /* exact header only */
    assert_int_equal(hits(c, "Bearer a", NOW + TTL, EPOCH, "u1"), 0);
    assert_int_equal(blog_auth_cache_size(c), 0); /* the expired entry went away */

    /* a token that expires sooner than the lifetime is kept only until it expires */
    put(c, "Bearer soon", "u1", NOW + 500);
    assert_int_equal(hits(c, "Bearer soon", NOW + 499, EPOCH, "u1"), 1);
    assert_int_equal(hits(c, "Bearer soon", NOW + 500, EPOCH, "u1"), 0);
    /* an already expired one is not stored */
    put(c, "Bearer gone", "u1", NOW);
    assert_int_equal(blog_auth_cache_size(c), 0);
    /* a user without an id is not stored */
    json_t *anon = json_object();
    blog_auth_cache_put(c, "Bearer x", anon, FAR, NOW, blog_auth_cache_stamp(c), EPOCH);
    json_decref(anon);
    assert_int_equal(blog_auth_cache_size(c), 0);
    blog_auth_cache_free(c);
}

/* After a disconnection (or dropped messages) entries from before are never used. */
static void test_epoch(void **state)
{
    (void)state;
    blog_auth_cache *c = blog_auth_cache_new(16, TTL);
    put(c, "Bearer a", "u1", FAR);
    assert_int_equal(hits(c, "Bearer a", NOW, EPOCH + 1, "u1"), 0);
    assert_int_equal(hits(c, "Bearer a", NOW, EPOCH, "u1"), 0); /* and it is gone */
    blog_auth_cache_free(c);
}

/* A reply that was on its way while an invalidation arrived is not stored. */
static void test_stamp(void **state)
{
    (void)state;
    blog_auth_cache *c = blog_auth_cache_new(16, TTL);
    uint64_t stamp = blog_auth_cache_stamp(c);
    blog_auth_cache_drop_user(c, "u9"); /* about anyone: the reply may predate it */
    json_t *u = user("u1");
    blog_auth_cache_put(c, "Bearer a", u, FAR, NOW, stamp, EPOCH);
    assert_int_equal(hits(c, "Bearer a", NOW, EPOCH, "u1"), 0);
    blog_auth_cache_put(c, "Bearer a", u, FAR, NOW, blog_auth_cache_stamp(c), EPOCH);
    assert_int_equal(hits(c, "Bearer a", NOW, EPOCH, "u1"), 1);
    json_decref(u);
    blog_auth_cache_free(c);
}

static void test_drop_user(void **state)
{
    (void)state;
    blog_auth_cache *c = blog_auth_cache_new(16, TTL);
    put(c, "Bearer a1", "u1", FAR);
    put(c, "Bearer a2", "u1", FAR);
    put(c, "Bearer b1", "u2", FAR);
    put(c, "Bearer b1", "u2", FAR); /* same token twice: one entry */
    assert_int_equal(blog_auth_cache_size(c), 3);
    blog_auth_cache_drop_user(c, "u1");
    assert_int_equal(hits(c, "Bearer a1", NOW, EPOCH, "u1"), 0);
    assert_int_equal(hits(c, "Bearer a2", NOW, EPOCH, "u1"), 0);
    assert_int_equal(hits(c, "Bearer b1", NOW, EPOCH, "u2"), 1);
    blog_auth_cache_drop_user(c, NULL);
    assert_int_equal(blog_auth_cache_size(c), 0);
    blog_auth_cache_free(c);
}

/* The cached user is shared and outlives its entry for whoever holds it. */
static void test_reference(void **state)
{
    (void)state;
    blog_auth_cache *c = blog_auth_cache_new(16, TTL);
    put(c, "Bearer a", "u1", FAR);
    json_t *held = blog_auth_cache_get(c, "Bearer a", NOW, EPOCH);
    assert_non_null(held);
    blog_auth_cache_drop_user(c, "u1");
    blog_auth_cache_free(c);
    assert_string_equal(json_string_value(json_object_get(held, "id")), "u1");
    json_decref(held);
}

static void test_bounded(void **state)
{
    (void)state;
    blog_auth_cache *c = blog_auth_cache_new(2, TTL);
    put(c, "Bearer a", "u1", NOW + 100);
    put(c, "Bearer b", "u2", FAR);
    put(c, "Bearer c", "u3", FAR); /* full of live entries: not stored */
    assert_int_equal(blog_auth_cache_size(c), 2);
    assert_int_equal(hits(c, "Bearer c", NOW, EPOCH, "u3"), 0);
    /* once an entry expired, a newcomer takes its place */
    json_t *u = user("u3");
    blog_auth_cache_put(c, "Bearer c", u, FAR, NOW + 200, blog_auth_cache_stamp(c), EPOCH);
    json_decref(u);
    assert_int_equal(hits(c, "Bearer c", NOW + 200, EPOCH, "u3"), 1);
    assert_int_equal(hits(c, "Bearer b", NOW + 200, EPOCH, "u2"), 1);
    assert_int_equal(blog_auth_cache_size(c), 2);
    blog_auth_cache_free(c);
}

/* Expired entries are removed once a lifetime even when the cache is far from full, so a stream
 * of one-time tokens (sign-ups) holds only the live ones, not max. */
static void test_expired_swept(void **state)
{
    (void)state;
    blog_auth_cache *c = blog_auth_cache_new(1000, TTL);
    char header[32];
    for (int i = 0; i < 100; i++) {
        snprintf(header, sizeof header, "Bearer old%d", i);
        put(c, header, "u1", FAR);
    }
    assert_int_equal(blog_auth_cache_size(c), 100);
    /* one lifetime later, one newcomer: the 100 expired ones are gone */
    json_t *u = user("u2");
    blog_auth_cache_put(c, "Bearer new", u, FAR, NOW + TTL + 1, blog_auth_cache_stamp(c), EPOCH);
    json_decref(u);
    assert_int_equal(blog_auth_cache_size(c), 1);
    blog_auth_cache_free(c);
}

/* Readers, writers and invalidations at once (run under the sanitizers by make test-asan). */
static void *hammer(void *arg)
{
    blog_auth_cache *c = arg;
    char header[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(header, sizeof header, "Bearer t%d", i % 64);
        const char *id = (i % 2) ? "u1" : "u2";
        if (i % 3 == 0)
            put(c, header, id, FAR);
        json_t *got = blog_auth_cache_get(c, header, NOW, EPOCH);
        if (got)
            assert_non_null(json_object_get(got, "roles"));
        json_decref(got);
        if (i % 997 == 0)
            blog_auth_cache_drop_user(c, id);
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    blog_auth_cache *c = blog_auth_cache_new(32, TTL);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, hammer, c), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    assert_true(blog_auth_cache_size(c) <= 32);
    blog_auth_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_disabled),  cmocka_unit_test(test_hit_and_lifetime),
        cmocka_unit_test(test_epoch),     cmocka_unit_test(test_stamp),
        cmocka_unit_test(test_drop_user), cmocka_unit_test(test_reference),
        cmocka_unit_test(test_bounded),   cmocka_unit_test(test_expired_swept),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
