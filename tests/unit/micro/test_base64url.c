/* base64url: RFC 4648 vectors (without padding), binary round trips, strict decoding, JSON
 * objects (JWT segments). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "micro/base64url.h"

static void test_rfc4648_vectors(void **state)
{
    (void)state;
    const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char *out[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    for (size_t i = 0; i < 7; i++) {
        char *e = mf_b64url_encode(in[i], strlen(in[i]));
        assert_string_equal(e, out[i]);
        size_t n = 99;
        unsigned char *d = mf_b64url_decode(out[i], strlen(out[i]), &n);
        assert_non_null(d);
        assert_int_equal(n, strlen(in[i]));
        assert_memory_equal(d, in[i], n);
        free(d);
        free(e);
    }
}

static void test_url_alphabet(void **state)
{
    (void)state;
    const unsigned char bytes[] = {0xfb, 0xff, 0xbf};
    char *e = mf_b64url_encode(bytes, 3);
    assert_string_equal(e, "-_-_");
    size_t n = 0;
    unsigned char *d = mf_b64url_decode(e, strlen(e), &n);
    assert_int_equal(n, 3);
    assert_memory_equal(d, bytes, 3);
    free(d);
    free(e);
}

static void test_binary_roundtrip(void **state)
{
    (void)state;
    unsigned char buf[256];
    for (int i = 0; i < 256; i++)
        buf[i] = (unsigned char)(255 - i);
    for (size_t len = 0; len <= sizeof(buf); len += 37) {
        char *e = mf_b64url_encode(buf, len);
        size_t n = 0;
        unsigned char *d = mf_b64url_decode(e, strlen(e), &n);
        assert_int_equal(n, len);
        assert_memory_equal(d, buf, len);
        free(d);
        free(e);
    }
}

static void test_strict_decoding(void **state)
{
    (void)state;
    const char *bad[] = {"Zg==", "Zm9v+", "Zm9v/", "Z", "Zm9vY", "Zh", "Zm9 v", "Zm\n9v"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_null(mf_b64url_decode(bad[i], strlen(bad[i]), NULL));
}

/* base64url of text, decoded as an object (NULL or the object; caller decrefs). */
static json_t *object_of(const char *text)
{
    char *enc = mf_b64url_encode(text, strlen(text));
    json_t *j = mf_b64url_decode_object(enc, strlen(enc));
    free(enc);
    return j;
}

static void test_decode_object(void **state)
{
    (void)state;
    json_t *j = object_of("{\"alg\":\"RS256\",\"exp\":5}");
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "exp")), 5);
    json_decref(j);
    assert_null(object_of("[1,2]"));                 /* not an object */
    assert_null(object_of("{\"a\":1,\"a\":2}"));     /* one meaning only */
    assert_null(object_of("{\"a\":"));               /* not JSON */
    assert_null(mf_b64url_decode_object("e30=", 4)); /* padded: not canonical */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648_vectors),  cmocka_unit_test(test_url_alphabet),
        cmocka_unit_test(test_binary_roundtrip), cmocka_unit_test(test_strict_decoding),
        cmocka_unit_test(test_decode_object),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
