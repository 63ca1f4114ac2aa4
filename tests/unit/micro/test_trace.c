/* W3C traceparent: parsing the valid forms, rejecting the invalid ones, continuing a trace
 * with a new span, formatting, and the per-thread request context. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "micro/trace.h"

#define TID "4bf92f3577b34da6a3ce929d0e0e4736"
#define SID "00f067aa0ba902b7"

static void test_parse_valid(void **state)
{
    (void)state;
    mf_trace t;
    assert_true(mf_trace_parse("00-" TID "-" SID "-01", &t));
    assert_string_equal(t.trace_id, TID);
    assert_string_equal(t.span_id, SID);
    assert_int_equal(t.flags, 1);
    /* A future version may append fields. */
    assert_true(mf_trace_parse("01-" TID "-" SID "-00-extra", &t));
    assert_int_equal(t.flags, 0);
}

static void test_parse_invalid(void **state)
{
    (void)state;
    const char *bad[] = {
        NULL,
        "",
        "00-" TID "-" SID,
        "00-" TID "-" SID "-01-extra", /* version 00 has exactly four fields */
        "ff-" TID "-" SID "-01",
        "00-00000000000000000000000000000000-" SID "-01",
        "00-" TID "-0000000000000000-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-" SID "-01",
        "00-" TID "x" SID "-01",
        "00-" TID "-" SID "-0g",
        "00-4bf92f3577b34da6a3ce929d0e0e473-" SID "-01",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mf_trace t = {.trace_id = "untouched"};
        assert_false(mf_trace_parse(bad[i], &t));
        assert_string_equal(t.trace_id, "untouched");
    }
}

static void test_continue_and_format(void **state)
{
    (void)state;
    mf_trace t;
    mf_trace_continue(&t, "00-" TID "-" SID "-01");
    assert_string_equal(t.trace_id, TID);
    assert_string_not_equal(t.span_id, SID);
    char out[MF_TRACE_HEADER_SIZE];
    mf_trace_format(&t, out);
    assert_int_equal(strlen(out), 55);
    mf_trace back;
    assert_true(mf_trace_parse(out, &back));
    assert_string_equal(back.span_id, t.span_id);

    mf_trace fresh, other;
    mf_trace_continue(&fresh, "nonsense");
    mf_trace_start(&other);
    assert_int_equal(strlen(fresh.trace_id), 32);
    assert_string_not_equal(fresh.trace_id, TID);
    assert_string_not_equal(fresh.trace_id, other.trace_id);
    mf_trace_format(&fresh, out);
    assert_true(mf_trace_parse(out, &back));

    mf_trace child;
    mf_trace_child(&t, &child);
    assert_string_equal(child.trace_id, TID);
    assert_string_not_equal(child.span_id, t.span_id);
}

static void test_thread_context(void **state)
{
    (void)state;
    assert_null(mf_context_current()->trace);
    mf_trace t;
    mf_trace_start(&t);
    mf_context_set("rid-1", &t);
    assert_string_equal(mf_context_current()->request_id, "rid-1");
    assert_ptr_equal(mf_context_current()->trace, &t);
    mf_context_clear();
    assert_null(mf_context_current()->request_id);
    assert_null(mf_context_current()->trace);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid),
        cmocka_unit_test(test_parse_invalid),
        cmocka_unit_test(test_continue_and_format),
        cmocka_unit_test(test_thread_context),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
