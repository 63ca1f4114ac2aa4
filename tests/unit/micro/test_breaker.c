/* Circuit breaker on an injected clock: opening after a run of failures, failing fast while
 * open, one probe at a time when half-open, closing on the probe's success and reopening on
 * its failure, a lost probe, the failure classification and Retry-After. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "micro/breaker.h"
#include "micro/error.h"

static int64_t fake_now;

static int64_t fake_clock(void *ctx)
{
    (void)ctx;
    return fake_now;
}

static mf_breaker *new_breaker(const char *name)
{
    fake_now = 1000000;
    mf_breaker_opts o = {.failures = 3, .open_ms = 2000, .clock = fake_clock};
    return mf_breaker_new(name, &o);
}

static void call_fails(mf_breaker *b)
{
    assert_int_equal(mf_breaker_allow(b), 0);
    mf_breaker_done(b, false);
}

static void test_opens_after_a_run_of_failures(void **state)
{
    (void)state;
    mf_breaker *b = new_breaker("run");
    call_fails(b);
    call_fails(b);
    /* A success in between resets the run. */
    assert_int_equal(mf_breaker_allow(b), 0);
    mf_breaker_done(b, true);
    call_fails(b);
    call_fails(b);
    assert_int_equal(mf_breaker_state_get(b), MF_BREAKER_CLOSED);
    call_fails(b);
    assert_int_equal(mf_breaker_state_get(b), MF_BREAKER_OPEN);
    assert_int_equal(mf_breaker_allow(b), MF_ERR_OPEN);
    assert_int_equal(mf_breaker_retry_after_s(b), 2);
    assert_int_equal(mf_breaker_thread_retry_after_s(), 2);
    fake_now += 1500;
    assert_int_equal(mf_breaker_allow(b), MF_ERR_OPEN);
    assert_int_equal(mf_breaker_retry_after_s(b), 1);
    mf_breaker_free(b);
}

static void test_half_open_lets_one_probe_and_closes(void **state)
{
    (void)state;
    mf_breaker *b = new_breaker("probe");
    for (int i = 0; i < 3; i++)
        call_fails(b);
    fake_now += 2000;
    assert_int_equal(mf_breaker_allow(b), 0); /* the probe */
    assert_int_equal(mf_breaker_state_get(b), MF_BREAKER_HALF_OPEN);
    assert_int_equal(mf_breaker_allow(b), MF_ERR_OPEN); /* one at a time */
    assert_int_equal(mf_breaker_allow(b), MF_ERR_OPEN);
    mf_breaker_done(b, true);
    assert_int_equal(mf_breaker_state_get(b), MF_BREAKER_CLOSED);
    assert_int_equal(mf_breaker_allow(b), 0);
    mf_breaker_done(b, true);
    mf_breaker_free(b);
}

static void test_failed_probe_reopens(void **state)
{
    (void)state;
    mf_breaker *b = new_breaker("reopen");
    for (int i = 0; i < 3; i++)
        call_fails(b);
    fake_now += 2500;
    call_fails(b); /* the probe fails */
    assert_int_equal(mf_breaker_state_get(b), MF_BREAKER_OPEN);
    fake_now += 1999;
    assert_int_equal(mf_breaker_allow(b), MF_ERR_OPEN); /* open for a full open_ms again */
    fake_now += 1;
    assert_int_equal(mf_breaker_allow(b), 0);
    mf_breaker_free(b);
}

static void test_lost_probe_does_not_wedge(void **state)
{
    (void)state;
    mf_breaker *b = new_breaker("lost");
    for (int i = 0; i < 3; i++)
        call_fails(b);
    fake_now += 2000;
    assert_int_equal(mf_breaker_allow(b), 0); /* a probe that never reports */
    fake_now += 1999;
    assert_int_equal(mf_breaker_allow(b), MF_ERR_OPEN);
    fake_now += 1;
    assert_int_equal(mf_breaker_allow(b), 0); /* a new probe */
    mf_breaker_done(b, true);
    assert_int_equal(mf_breaker_state_get(b), MF_BREAKER_CLOSED);
    mf_breaker_free(b);
}

static void test_late_success_does_not_close_an_open_breaker(void **state)
{
    (void)state;
    mf_breaker *b = new_breaker("late");
    for (int i = 0; i < 3; i++)
        call_fails(b);
    mf_breaker_done(b, true); /* a call let through before it opened */
    assert_int_equal(mf_breaker_state_get(b), MF_BREAKER_OPEN);
    mf_breaker_free(b);
}

static void test_failure_classification(void **state)
{
    (void)state;
    assert_false(mf_breaker_failure(0, 0));
    assert_false(mf_breaker_failure(MF_ERR_REMOTE, 404));
    assert_false(mf_breaker_failure(MF_ERR_OPEN, 0));
    assert_true(mf_breaker_failure(MF_ERR_REMOTE, 503));
    assert_true(mf_breaker_failure(MF_ERR_TIMEOUT, 0));
    assert_true(mf_breaker_failure(MF_ERR_NO_RESPONDERS, 0));
    assert_true(mf_breaker_failure(MF_ERR_UNAVAILABLE, 0));
    assert_true(mf_breaker_failure(MF_ERR, 0));
}

static void test_registry_json(void **state)
{
    (void)state;
    mf_breaker *a = new_breaker("json-a");
    mf_breaker *b = new_breaker("json-b");
    for (int i = 0; i < 3; i++)
        call_fails(b);
    json_t *j = mf_breakers_json();
    assert_string_equal(json_string_value(json_object_get(j, "json-a")), "closed");
    assert_string_equal(json_string_value(json_object_get(j, "json-b")), "open");
    json_decref(j);
    mf_breaker_free(b);
    j = mf_breakers_json();
    assert_null(json_object_get(j, "json-b"));
    json_decref(j);
    mf_breaker_free(a);
    /* NULL breaker: no breaker at all. */
    assert_int_equal(mf_breaker_allow(NULL), 0);
    mf_breaker_done(NULL, false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_opens_after_a_run_of_failures),
        cmocka_unit_test(test_half_open_lets_one_probe_and_closes),
        cmocka_unit_test(test_failed_probe_reopens),
        cmocka_unit_test(test_lost_probe_does_not_wedge),
        cmocka_unit_test(test_late_success_does_not_close_an_open_breaker),
        cmocka_unit_test(test_failure_classification),
        cmocka_unit_test(test_registry_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
