/* Envelope: exact bytes on the wire, codes, default messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "micro/envelope.h"

static void expect_dump(int status, const char *message, json_t *data, const char *want)
{
    size_t len = 0;
    char *s = mf_envelope_dumps(status, message, data, &len);
    assert_non_null(s);
    assert_string_equal(s, want);
    assert_int_equal(len, strlen(want));
    free(s);
}

static void test_success_with_data(void **state)
{
    (void)state;
    json_t *data = json_pack("{s:s, s:s}", "timestamp", "2024-01-02T03:04:05Z", "status", "OK");
    expect_dump(200, "success", data,
                "{\"code\":\"10000\",\"status\":200,\"message\":\"success\","
                "\"data\":{\"timestamp\":\"2024-01-02T03:04:05Z\",\"status\":\"OK\"}}");
}

static void test_message_only(void **state)
{
    (void)state;
    expect_dump(200, "signout success", NULL,
                "{\"code\":\"10000\",\"status\":200,\"message\":\"signout success\"}");
}

static void test_empty_list_kept(void **state)
{
    (void)state;
    expect_dump(200, "success", json_array(),
                "{\"code\":\"10000\",\"status\":200,\"message\":\"success\",\"data\":[]}");
    expect_dump(200, "success", json_object(),
                "{\"code\":\"10000\",\"status\":200,\"message\":\"success\",\"data\":{}}");
}

static void test_error_codes(void **state)
{
    (void)state;
    expect_dump(400, "email is required", NULL,
                "{\"code\":\"10001\",\"status\":400,\"message\":\"email is required\"}");
    expect_dump(404, "blog not found", NULL,
                "{\"code\":\"10001\",\"status\":404,\"message\":\"blog not found\"}");
    expect_dump(503, "service unavailable", NULL,
                "{\"code\":\"10001\",\"status\":503,\"message\":\"service unavailable\"}");
    /* every 2xx is a success, everything else a failure */
    expect_dump(201, "created", NULL,
                "{\"code\":\"10000\",\"status\":201,\"message\":\"created\"}");
    expect_dump(299, "x", NULL, "{\"code\":\"10000\",\"status\":299,\"message\":\"x\"}");
    expect_dump(199, "x", NULL, "{\"code\":\"10001\",\"status\":199,\"message\":\"x\"}");
    expect_dump(300, "x", NULL, "{\"code\":\"10001\",\"status\":300,\"message\":\"x\"}");
}

static void test_default_message_when_null(void **state)
{
    (void)state;
    expect_dump(404, NULL, NULL,
                "{\"code\":\"10001\",\"status\":404,\"message\":\"url not found\"}");
    expect_dump(500, NULL, NULL,
                "{\"code\":\"10001\",\"status\":500,\"message\":\"" MF_MSG_INTERNAL "\"}");
    expect_dump(200, NULL, NULL, "{\"code\":\"10000\",\"status\":200,\"message\":\"success\"}");
}

static void test_default_messages(void **state)
{
    (void)state;
    struct {
        int status;
        const char *msg;
    } cases[] = {
        {200, "success"},
        {400, "bad request"},
        {401, "permission denied"},
        {403, "permission denied"},
        {404, "url not found"},
        {408, "request timeout"},
        {413, "request body too large"},
        {429, "too many requests"},
        {500, MF_MSG_INTERNAL},
        {502, "bad gateway"},
        {503, "service unavailable"},
        {504, "gateway timeout"},
        {418, "bad request"},
        {599, MF_MSG_INTERNAL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_string_equal(mf_envelope_default_message(cases[i].status), cases[i].msg);
    assert_string_equal(MF_MSG_INTERNAL, "An unexpected error occurred. Please try again later.");
}

static void test_new_object(void **state)
{
    (void)state;
    json_t *data = json_pack("{s:i}", "n", 1);
    json_t *env = mf_envelope_new(403, "permission denied: invalid x-api-key", data);
    assert_non_null(env);
    assert_string_equal(json_string_value(json_object_get(env, "code")), "10001");
    assert_true(json_is_integer(json_object_get(env, "status")));
    assert_int_equal(json_integer_value(json_object_get(env, "status")), 403);
    assert_string_equal(json_string_value(json_object_get(env, "message")),
                        "permission denied: invalid x-api-key");
    /* data was stolen, not copied */
    assert_ptr_equal(json_object_get(env, "data"), data);
    assert_int_equal(data->refcount, 1);
    assert_int_equal(json_object_size(env), 4);
    json_decref(env);

    env = mf_envelope_new(200, "ok", NULL);
    assert_null(json_object_get(env, "data"));
    assert_int_equal(json_object_size(env), 3);
    json_decref(env);
}

static void test_escaping_and_utf8(void **state)
{
    (void)state;
    expect_dump(400, "Blog with slug: a\"b\\c already exists", NULL,
                "{\"code\":\"10001\",\"status\":400,"
                "\"message\":\"Blog with slug: a\\\"b\\\\c already exists\"}");
    /* valid UTF-8 is written as is */
    expect_dump(400, "caf\xC3\xA9", NULL,
                "{\"code\":\"10001\",\"status\":400,\"message\":\"caf\xC3\xA9\"}");
    /* invalid bytes in a message never lose the response */
    expect_dump(400, "bad \xff\xC3 end", NULL,
                "{\"code\":\"10001\",\"status\":400,"
                "\"message\":\"bad \xEF\xBF\xBD\xEF\xBF\xBD end\"}");
    expect_dump(400, "\xED\xA0\x80", NULL,
                "{\"code\":\"10001\",\"status\":400,"
                "\"message\":\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"}");
}

static void test_len_optional(void **state)
{
    (void)state;
    char *s = mf_envelope_dumps(200, "success", NULL, NULL);
    assert_string_equal(s, "{\"code\":\"10000\",\"status\":200,\"message\":\"success\"}");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_success_with_data),
        cmocka_unit_test(test_message_only),
        cmocka_unit_test(test_empty_list_kept),
        cmocka_unit_test(test_error_codes),
        cmocka_unit_test(test_default_message_when_null),
        cmocka_unit_test(test_default_messages),
        cmocka_unit_test(test_new_object),
        cmocka_unit_test(test_escaping_and_utf8),
        cmocka_unit_test(test_len_optional),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
