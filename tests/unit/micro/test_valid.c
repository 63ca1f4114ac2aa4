/* Validation: API.md section 2 messages, rule order, UTF-8 lengths and the predicates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "micro/valid.h"

static json_t *parse(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    assert_non_null(j);
    return j;
}

/* The signup DTO of API.md section 3, checked in field order. */
static char *validate_signup(const char *body)
{
    json_t *j = parse(body);
    mf_valid v;
    mf_valid_init(&v);
    mf_valid_str(&v, j, "email", MF_V_REQUIRED | MF_V_EMAIL, 0, 0);
    mf_valid_str(&v, j, "password", MF_V_REQUIRED, 6, 100);
    mf_valid_str(&v, j, "name", MF_V_REQUIRED, 2, 200);
    mf_valid_str(&v, j, "profilePicUrl", MF_V_URL, 0, 0);
    char *msg = strdup(mf_valid_message(&v));
    assert_int_equal(mf_valid_ok(&v), msg[0] == '\0');
    mf_valid_release(&v);
    json_decref(j);
    return msg;
}

static void expect_signup(const char *body, const char *want)
{
    char *got = validate_signup(body);
    assert_string_equal(got, want);
    free(got);
}

static void test_signup_empty(void **state)
{
    (void)state;
    expect_signup("{}", "email is required, password is required, name is required");
}

static void test_signup_ok(void **state)
{
    (void)state;
    expect_signup("{\"email\":\"a@b.co\",\"password\":\"secret\",\"name\":\"Al\"}", "");
    expect_signup("{\"email\":\"a@b.co\",\"password\":\"secret\",\"name\":\"Al\","
                  "\"profilePicUrl\":\"https://x.io/p.png\"}",
                  "");
    /* null is absent: fine for an optional field */
    expect_signup("{\"email\":\"a@b.co\",\"password\":\"secret\",\"name\":\"Al\","
                  "\"profilePicUrl\":null}",
                  "");
    /* unknown fields are ignored */
    expect_signup("{\"email\":\"a@b.co\",\"password\":\"secret\",\"name\":\"Al\",\"x\":1}", "");
}

static void test_signup_mixed(void **state)
{
    (void)state;
    expect_signup("{\"email\":\"nope\",\"password\":\"12345\",\"name\":\"A\","
                  "\"profilePicUrl\":\"ftp://x\"}",
                  "email is not a valid email, password must be at least 6 characters, "
                  "name must be at least 2 characters, profilepicurl is not a valid URL");
    /* present-but-empty optional string is validated */
    expect_signup("{\"email\":\"a@b.co\",\"password\":\"secret\",\"name\":\"Al\","
                  "\"profilePicUrl\":\"\"}",
                  "profilepicurl is not a valid URL");
    /* "" for a required field is "required", not "too short" */
    expect_signup("{\"email\":\"\",\"password\":\"\",\"name\":\"\"}",
                  "email is required, password is required, name is required");
    /* null counts as absent */
    expect_signup("{\"email\":null,\"password\":\"secret\",\"name\":\"Al\"}", "email is required");
}

static void test_type_errors(void **state)
{
    (void)state;
    expect_signup("{\"email\":5,\"password\":true,\"name\":[],\"profilePicUrl\":{}}",
                  "email must be a string, password must be a string, name must be a string, "
                  "profilepicurl must be a string");
    /* a non-object body reads as all absent */
    json_t *arr = parse("[1]");
    mf_valid v;
    mf_valid_init(&v);
    assert_null(mf_valid_str(&v, arr, "email", MF_V_REQUIRED, 0, 0));
    assert_string_equal(mf_valid_message(&v), "email is required");
    mf_valid_release(&v);
    json_decref(arr);
}

static void test_blog_create_empty(void **state)
{
    (void)state;
    json_t *j = parse("{}");
    mf_valid v;
    mf_valid_init(&v);
    assert_null(mf_valid_str(&v, j, "title", MF_V_REQUIRED, 3, 500));
    assert_null(mf_valid_str(&v, j, "description", MF_V_REQUIRED, 3, 2000));
    assert_null(mf_valid_str(&v, j, "draftText", MF_V_REQUIRED, 0, 50000));
    assert_null(mf_valid_str(&v, j, "slug", MF_V_REQUIRED, 3, 200));
    assert_null(mf_valid_str(&v, j, "imgUrl", MF_V_REQUIRED | MF_V_URI, 0, 200));
    assert_null(mf_valid_str_array(&v, j, "tags", MF_V_REQUIRED, MF_V_UPPER, 0, 0));
    assert_false(mf_valid_ok(&v));
    assert_int_equal(v.count, 6);
    assert_string_equal(mf_valid_message(&v),
                        "title is required, description is required, drafttext is required, "
                        "slug is required, imgurl is required, tags is required");
    mf_valid_release(&v);
    json_decref(j);
}

static void test_returns_value(void **state)
{
    (void)state;
    json_t *j = parse("{\"title\":\"Hello\",\"n\":3}");
    mf_valid v;
    mf_valid_init(&v);
    const char *t = mf_valid_str(&v, j, "title", MF_V_REQUIRED, 3, 10);
    assert_non_null(t);
    assert_string_equal(t, "Hello");
    assert_ptr_equal(t, json_string_value(json_object_get(j, "title")));
    assert_null(mf_valid_str(&v, j, "missing", 0, 0, 0));
    assert_true(mf_valid_ok(&v));
    assert_string_equal(mf_valid_message(&v), "");
    mf_valid_release(&v);
    json_decref(j);
}

/* One check_str call; returns its message. */
static char *check(const char *name, const char *value, unsigned rules, int min, int max,
                   bool want_ok)
{
    mf_valid v;
    mf_valid_init(&v);
    bool ok = mf_valid_check_str(&v, name, value, rules, min, max);
    assert_int_equal(ok, want_ok);
    assert_int_equal(mf_valid_ok(&v), want_ok);
    char *msg = strdup(mf_valid_message(&v));
    mf_valid_release(&v);
    return msg;
}

#define EXPECT_MSG(name, value, rules, min, max, want)                                             \
    do {                                                                                           \
        char *m_ = check(name, value, rules, min, max, false);                                     \
        assert_string_equal(m_, want);                                                             \
        free(m_);                                                                                  \
    } while (0)
#define EXPECT_OK(name, value, rules, min, max)                                                    \
    do {                                                                                           \
        char *m_ = check(name, value, rules, min, max, true);                                      \
        assert_string_equal(m_, "");                                                               \
        free(m_);                                                                                  \
    } while (0)

static void test_every_template(void **state)
{
    (void)state;
    EXPECT_MSG("Field", NULL, MF_V_REQUIRED, 0, 0, "field is required");
    EXPECT_MSG("Field", "ab", 0, 3, 0, "field must be at least 3 characters");
    EXPECT_MSG("Field", "abcd", 0, 0, 3, "field must be at most 3 characters");
    EXPECT_MSG("Field", "x", MF_V_EMAIL, 0, 0, "field is not a valid email");
    EXPECT_MSG("Field", "x", MF_V_URL, 0, 0, "field is not a valid URL");
    EXPECT_MSG("Field", "x", MF_V_URI, 0, 0, "field is not a valid URI");
    EXPECT_MSG("Field", "x", MF_V_UUID, 0, 0, "field must be a valid UUID");
    EXPECT_MSG("Field", "x", MF_V_UPPER, 0, 0, "field must be uppercase");
    EXPECT_MSG("Field", "\xff", 0, 0, 0, "field is invalid");
}

static void test_rule_order(void **state)
{
    (void)state;
    /* required first */
    EXPECT_MSG("e", "", MF_V_REQUIRED | MF_V_EMAIL, 3, 5, "e is required");
    /* then encoding */
    EXPECT_MSG("e", "\xC3", MF_V_REQUIRED | MF_V_EMAIL, 3, 5, "e is invalid");
    /* then min, max, before formats */
    EXPECT_MSG("e", "a@", MF_V_REQUIRED | MF_V_EMAIL, 3, 5, "e must be at least 3 characters");
    EXPECT_MSG("e", "abcdef", MF_V_REQUIRED | MF_V_EMAIL, 3, 5, "e must be at most 5 characters");
    /* formats in declaration order: email before upper */
    EXPECT_MSG("e", "abc", MF_V_EMAIL | MF_V_UPPER, 0, 0, "e is not a valid email");
    EXPECT_MSG("e", "a@b.co", MF_V_EMAIL | MF_V_UPPER, 0, 0, "e must be uppercase");
    EXPECT_OK("e", "A@B.CO", MF_V_EMAIL | MF_V_UPPER, 0, 0);
}

static void test_optional_absent_and_empty(void **state)
{
    (void)state;
    EXPECT_OK("x", NULL, 0, 3, 5);
    EXPECT_OK("x", NULL, MF_V_URL, 0, 0);
    EXPECT_MSG("x", "", 0, 3, 5, "x must be at least 3 characters");
    EXPECT_MSG("x", "", MF_V_URI, 0, 0, "x is not a valid URI");
    EXPECT_OK("x", "", 0, 0, 5);
}

static void test_utf8_lengths(void **state)
{
    (void)state;
    assert_int_equal(mf_utf8_len(""), 0);
    assert_int_equal(mf_utf8_len("abc"), 3);
    assert_int_equal(mf_utf8_len("\xC3\xA9"), 1);                 /* é */
    assert_int_equal(mf_utf8_len("\xE6\x97\xA5\xE6\x9C\xAC"), 2); /* 日本 */
    assert_int_equal(mf_utf8_len("\xF0\x9F\x98\x80!"), 2);        /* emoji + ! */
    assert_int_equal(mf_utf8_len("\xEF\xBF\xBF"), 1);             /* U+FFFF */
    assert_int_equal(mf_utf8_len("\xF4\x8F\xBF\xBF"), 1);         /* U+10FFFF */
    assert_int_equal(mf_utf8_len("\xC3"), -1);                    /* truncated */
    assert_int_equal(mf_utf8_len("\xE6\x97"), -1);                /* truncated */
    assert_int_equal(mf_utf8_len("\xC0\xAF"), -1);                /* overlong '/' */
    assert_int_equal(mf_utf8_len("\xE0\x80\xAF"), -1);            /* overlong */
    assert_int_equal(mf_utf8_len("\xED\xA0\x80"), -1);            /* surrogate */
    assert_int_equal(mf_utf8_len("\xF4\x90\x80\x80"), -1);        /* > U+10FFFF */
    assert_int_equal(mf_utf8_len("\x80"), -1);                    /* lone continuation */
    assert_int_equal(mf_utf8_len("a\xFE"), -1);
    assert_int_equal(mf_utf8_len(NULL), -1);

    /* bounds count code points, not bytes: "éé" is 4 bytes but 2 characters */
    EXPECT_OK("name", "\xC3\xA9\xC3\xA9", MF_V_REQUIRED, 2, 2);
    EXPECT_MSG("name", "\xC3\xA9", MF_V_REQUIRED, 2, 200, "name must be at least 2 characters");
    EXPECT_OK("t", "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", 0, 3, 3);
    EXPECT_MSG("t", "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", 0, 0, 2,
               "t must be at most 2 characters");
    EXPECT_OK("t", "\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80", 0, 3, 3);
    EXPECT_MSG("t", "\xF0\x9F\x98\x80\xF0\x9F\x98\x80", 0, 3, 0, "t must be at least 3 characters");
    EXPECT_MSG("password", "abc\xED\xA0\x80xyz", MF_V_REQUIRED, 6, 100, "password is invalid");
}

static void test_str_array(void **state)
{
    (void)state;
    struct {
        const char *body;
        const char *msg;
        bool returned;
    } cases[] = {
        {"{\"tags\":[\"A\",\"B\"]}", "", true},
        {"{}", "tags is required", false},
        {"{\"tags\":null}", "tags is required", false},
        {"{\"tags\":[]}", "tags is required", false},
        {"{\"tags\":\"A\"}", "tags must be an array", false},
        {"{\"tags\":{}}", "tags must be an array", false},
        {"{\"tags\":[\"A\",\"b\",\"C\",\"dD\"]}",
         "tags[1] must be uppercase, tags[3] must be uppercase", false},
        {"{\"tags\":[1]}", "tags[0] must be a string", false},
        {"{\"tags\":[null]}", "tags[0] is required", false},
        {"{\"tags\":[\"A\",\"\"]}", "tags[1] must be uppercase", false},
        {"{\"tags\":[\"\xC3\x89T\xC3\x89\"]}", "", true},
        {"{\"tags\":[\"\xC3\xA9t\xC3\xA9\"]}", "tags[0] must be uppercase", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *j = parse(cases[i].body);
        mf_valid v;
        mf_valid_init(&v);
        json_t *arr = mf_valid_str_array(&v, j, "tags", MF_V_REQUIRED, MF_V_UPPER, 0, 0);
        assert_string_equal(mf_valid_message(&v), cases[i].msg);
        if (cases[i].returned)
            assert_ptr_equal(arr, json_object_get(j, "tags"));
        else
            assert_null(arr);
        mf_valid_release(&v);
        json_decref(j);
    }
}

static void test_str_array_optional_and_bounds(void **state)
{
    (void)state;
    json_t *j = parse("{\"Tags\":[\"AB\",\"ABCDEF\",\"A\"]}");
    mf_valid v;
    mf_valid_init(&v);
    /* absent and optional: no message, NULL */
    assert_null(mf_valid_str_array(&v, j, "other", 0, MF_V_UPPER, 0, 0));
    assert_true(mf_valid_ok(&v));
    assert_null(mf_valid_str_array(&v, j, "Tags", 0, MF_V_UPPER, 2, 5));
    assert_string_equal(
        mf_valid_message(&v),
        "tags[1] must be at most 5 characters, tags[2] must be at least 2 characters");
    mf_valid_release(&v);
    json_decref(j);

    /* an empty optional array is fine */
    j = parse("{\"tags\":[]}");
    mf_valid_init(&v);
    assert_non_null(mf_valid_str_array(&v, j, "tags", 0, MF_V_UPPER, 0, 0));
    assert_true(mf_valid_ok(&v));
    mf_valid_release(&v);
    json_decref(j);
}

static void test_object_id(void **state)
{
    (void)state;
    mf_valid v;
    mf_valid_init(&v);
    assert_true(mf_valid_object_id(&v, "id", "65f1c0ffee0000000000abcd"));
    assert_true(mf_valid_object_id(&v, "id", "65F1C0FFEE0000000000ABCD"));
    assert_true(mf_valid_ok(&v));
    assert_false(mf_valid_object_id(&v, "id", "65f1c0ffee0000000000abc"));
    assert_string_equal(mf_valid_message(&v), "id must be of length 24");
    mf_valid_release(&v);

    mf_valid_init(&v);
    assert_false(mf_valid_object_id(&v, "id", "65f1c0ffee0000000000abcde"));
    assert_false(mf_valid_object_id(&v, "id", "65f1c0ffee0000000000abcg"));
    assert_false(mf_valid_object_id(&v, "id", "zzzzzzzzzzzzzzzzzzzzzzzz"));
    assert_false(mf_valid_object_id(&v, "Id", "65f1c0ffee 000000000abcd"));
    assert_false(mf_valid_object_id(&v, "id", ""));
    assert_false(mf_valid_object_id(&v, "id", NULL));
    assert_string_equal(mf_valid_message(&v),
                        "id must be of length 24, id is invalid, id is invalid, id is invalid, "
                        "id is required, id is required");
    mf_valid_release(&v);
}

static void test_int_param(void **state)
{
    (void)state;
    struct {
        const char *value;
        const char *msg; /* "" = valid */
        long want;
    } cases[] = {
        {"1", "", 1},
        {"1000", "", 1000},
        {"42", "", 42},
        {"+7", "", 7},
        {"007", "", 7},
        {NULL, "page is required", 0},
        {"", "page is required", 0},
        {"abc", "page must be a number", 0},
        {"1x", "page must be a number", 0},
        {"x1", "page must be a number", 0},
        {" 1", "page must be a number", 0},
        {"1 ", "page must be a number", 0},
        {"1.5", "page must be a number", 0},
        {"0x10", "page must be a number", 0},
        {"-", "page must be a number", 0},
        {"+", "page must be a number", 0},
        {"99999999999999999999999", "page must be a number", 0},
        {"-99999999999999999999999", "page must be a number", 0},
        {"0", "page must be min 1", 0},
        {"-1", "page must be min 1", 0},
        {"1001", "page must be max 1000", 0},
        {"9223372036854775807", "page must be max 1000", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        mf_valid v;
        mf_valid_init(&v);
        long out = -12345;
        bool ok = mf_valid_int_param(&v, "Page", cases[i].value, 1, 1000, &out);
        assert_string_equal(mf_valid_message(&v), cases[i].msg);
        if (cases[i].msg[0] == '\0') {
            assert_true(ok);
            assert_int_equal(out, cases[i].want);
        } else {
            assert_false(ok);
            assert_int_equal(out, -12345); /* untouched on failure */
        }
        mf_valid_release(&v);
    }
    /* page and limit in one request */
    mf_valid v;
    mf_valid_init(&v);
    mf_valid_int_param(&v, "page", NULL, 1, 1000, NULL);
    mf_valid_int_param(&v, "limit", "5000", 1, 1000, NULL);
    assert_string_equal(mf_valid_message(&v), "page is required, limit must be max 1000");
    mf_valid_release(&v);
}

static void test_path_params_from_api(void **state)
{
    (void)state;
    EXPECT_MSG("id", "6a1e-not-a-uuid", MF_V_UUID, 0, 0, "id must be a valid UUID");
    EXPECT_MSG("slug", "ab", 0, 3, 200, "slug must be at least 3 characters");
    EXPECT_MSG("tag", "java", MF_V_UPPER, 0, 0, "tag must be uppercase");
    EXPECT_OK("tag", "JAVA", MF_V_UPPER, 0, 0);
}

static void test_fail_join(void **state)
{
    (void)state;
    mf_valid v;
    mf_valid_init(&v);
    assert_true(mf_valid_ok(&v));
    assert_string_equal(mf_valid_message(&v), "");
    mf_valid_fail(&v, "first %d", 1);
    mf_valid_fail(&v, "%s", "Second");
    assert_int_equal(v.count, 2);
    assert_false(mf_valid_ok(&v));
    assert_string_equal(mf_valid_message(&v), "first 1, Second");
    mf_valid_release(&v);
}

static void test_embedded_nul(void **state)
{
    (void)state;
    json_error_t e;
    json_t *j = json_loads("{\"name\":\"ab\\u0000cd\"}", JSON_ALLOW_NUL, &e);
    assert_non_null(j);
    mf_valid v;
    mf_valid_init(&v);
    assert_null(mf_valid_str(&v, j, "name", MF_V_REQUIRED, 2, 10));
    assert_string_equal(mf_valid_message(&v), "name is invalid");
    mf_valid_release(&v);
    json_decref(j);
}

static void test_email(void **state)
{
    (void)state;
    const char *good[] = {
        "a@b.co",
        "admin@afteracademy.com",
        "first.last+tag@sub.example.org",
        "x_y-z@a-b.io",
        "USER@EXAMPLE.COM",
        "o'neil@example.ie",
        "a@b.c",
        "d\xC3\xA9j\xC3\xA0@exemple.fr",
    };
    const char *bad[] = {
        "",         "plain",    "@b.co",     "a@",        "a@b",        "a@@b.co",
        "a@b@c.co", "a b@c.co", "ab@c .co",  " a@b.co",   "a@b.co ",    "a@b.co\n",
        ".a@b.co",  "a.@b.co",  "a..b@c.co", "a@.b.co",   "a@b.co.",    "a@b..co",
        "a@-b.co",  "a@b-.co",  "a@b_c.co",  "a(b)@c.co", "a@b.co\xff", NULL,
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        if (!mf_is_email(good[i]))
            fail_msg("should be an email: %s", good[i]);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (mf_is_email(bad[i]))
            fail_msg("should not be an email: %s", bad[i]);
    }
    /* 64-byte local part is the limit */
    char buf[400];
    memset(buf, 'a', 64);
    snprintf(buf + 64, sizeof(buf) - 64, "@b.co");
    assert_true(mf_is_email(buf));
    memset(buf, 'a', 65);
    snprintf(buf + 65, sizeof(buf) - 65, "@b.co");
    assert_false(mf_is_email(buf));
    /* total length at most 254 */
    memset(buf, 0, sizeof(buf));
    snprintf(buf, sizeof(buf), "a@");
    size_t len = 2;
    while (len + 10 <= 254) {
        memcpy(buf + len, "abcdefgh.", 9);
        len += 9;
    }
    while (len < 251) /* fill up to exactly 254 with "x.co" at the end */
        buf[len++] = 'x';
    memcpy(buf + len, ".co", 4);
    assert_int_equal(strlen(buf), 254);
    assert_true(mf_is_email(buf));
    buf[254] = 'o';
    buf[255] = '\0';
    assert_false(mf_is_email(buf));
}

static void test_url(void **state)
{
    (void)state;
    const char *good[] = {
        "http://a",
        "https://example.com",
        "https://example.com/",
        "https://example.com/path/to/img.png?x=1&y=2#frag",
        "HTTPS://EXAMPLE.COM",
        "http://127.0.0.1:8080/x",
        "http://[::1]:8080/",
        "http://[2001:db8::1]",
        "https://user:pass@host.io/p",
        "https://sub-domain.example.co.uk",
        "https://ex.com?q",
        "https://ex.com#f",
        "https://b\xC3\xBC"
        "cher.de/",
    };
    const char *bad[] = {
        "",
        "example.com",
        "ftp://example.com",
        "mailto:a@b.co",
        "http://",
        "https://",
        "http:///path",
        "http://?q",
        "http://:80",
        "https://exa mple.com",
        "https://example.com/a b",
        "https://example.com\t",
        "http://host:abc/",
        "http://host:/",
        "http://host:0/",
        "http://host:65536/",
        "http://ho<st/",
        "http://[::1/",
        "http://[]/",
        "javascript:alert(1)",
        "https://ex.com/\xff",
        NULL,
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        if (!mf_is_url(good[i]))
            fail_msg("should be a URL: %s", good[i]);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (mf_is_url(bad[i]))
            fail_msg("should not be a URL: %s", bad[i]);
    }
}

static void test_uri(void **state)
{
    (void)state;
    const char *good[] = {
        "https://example.com/img.png",
        "mailto:a@b.co",
        "urn:isbn:0451450523",
        "data:image/png",
        "a+b-c.d:x",
        "ftp://x",
    };
    const char *bad[] = {
        "",      "img.png", "/abs/path",   ":nothing", "1http://x", "ht tp://x",
        "http:", "-x:y",    "https://a b", "a_b:c",    NULL,
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        if (!mf_is_uri(good[i]))
            fail_msg("should be a URI: %s", good[i]);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (mf_is_uri(bad[i]))
            fail_msg("should not be a URI: %s", bad[i]);
    }
}

static void test_uuid(void **state)
{
    (void)state;
    assert_true(mf_is_uuid("123e4567-e89b-12d3-a456-426614174000"));
    assert_true(mf_is_uuid("00000000-0000-0000-0000-000000000000"));
    assert_false(mf_is_uuid("123E4567-E89B-12D3-A456-426614174000"));  /* upper-case */
    assert_false(mf_is_uuid("123e4567e89b12d3a456426614174000"));      /* no dashes */
    assert_false(mf_is_uuid("123e4567-e89b-12d3-a456-42661417400"));   /* short */
    assert_false(mf_is_uuid("123e4567-e89b-12d3-a456-4266141740000")); /* long */
    assert_false(mf_is_uuid("123e4567-e89b-12d3-a456_426614174000"));
    assert_false(mf_is_uuid("123e4567-e89b-12d3-a4560426614174000-"));
    assert_false(mf_is_uuid("g23e4567-e89b-12d3-a456-426614174000"));
    assert_false(mf_is_uuid("{23e4567-e89b-12d3-a456-42661417400}"));
    assert_false(mf_is_uuid(""));
    assert_false(mf_is_uuid(NULL));
}

static void test_upper(void **state)
{
    (void)state;
    assert_true(mf_is_upper("JAVA"));
    assert_true(mf_is_upper("C++"));
    assert_true(mf_is_upper("WEB-3.0"));
    assert_true(mf_is_upper("\xC3\x89T\xC3\x89"));        /* ÉTÉ */
    assert_true(mf_is_upper("\xD0\x9C\xD0\x98\xD0\xA0")); /* МИР */
    assert_true(mf_is_upper("\xE6\x97\xA5\xE6\x9C\xAC")); /* no case */
    assert_false(mf_is_upper("Java"));
    assert_false(mf_is_upper("jAVA"));
    assert_false(mf_is_upper("\xC3\xA9T\xC3\x89"));        /* éTÉ */
    assert_false(mf_is_upper("\xD0\xBC\xD0\xB8\xD1\x80")); /* мир */
    assert_false(mf_is_upper("\xCE\xB1"));                 /* α */
    assert_false(mf_is_upper("\xC5\x82"));                 /* ł */
    assert_true(mf_is_upper("\xC5\x81"));                  /* Ł */
    assert_false(mf_is_upper("A\xff"));
    assert_false(mf_is_upper(""));
    assert_false(mf_is_upper(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signup_empty),
        cmocka_unit_test(test_signup_ok),
        cmocka_unit_test(test_signup_mixed),
        cmocka_unit_test(test_type_errors),
        cmocka_unit_test(test_blog_create_empty),
        cmocka_unit_test(test_returns_value),
        cmocka_unit_test(test_every_template),
        cmocka_unit_test(test_rule_order),
        cmocka_unit_test(test_optional_absent_and_empty),
        cmocka_unit_test(test_utf8_lengths),
        cmocka_unit_test(test_str_array),
        cmocka_unit_test(test_str_array_optional_and_bounds),
        cmocka_unit_test(test_object_id),
        cmocka_unit_test(test_int_param),
        cmocka_unit_test(test_path_params_from_api),
        cmocka_unit_test(test_fail_join),
        cmocka_unit_test(test_embedded_nul),
        cmocka_unit_test(test_email),
        cmocka_unit_test(test_url),
        cmocka_unit_test(test_uri),
        cmocka_unit_test(test_uuid),
        cmocka_unit_test(test_upper),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
