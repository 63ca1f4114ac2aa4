/* bcrypt: new hashes are $2b$ at the asked cost and verify; wrong passwords, malformed
 * hashes and passwords over 72 bytes do not; hashes made elsewhere ($2a$ jBCrypt test
 * vectors, a $2y$ hash) verify. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "password.h"

static void test_hash_and_verify(void **state)
{
    (void)state;
    char *h = auth_password_hash("changeit", 4);
    assert_non_null(h);
    assert_memory_equal(h, "$2b$04$", 7);
    assert_int_equal(strlen(h), 60);
    assert_true(auth_password_verify("changeit", h));
    assert_false(auth_password_verify("changeiT", h));
    assert_false(auth_password_verify("", h));
    /* Salted: hashing twice gives two different hashes that both verify. */
    char *h2 = auth_password_hash("changeit", 4);
    assert_string_not_equal(h, h2);
    assert_true(auth_password_verify("changeit", h2));
    free(h);
    free(h2);
}

static void test_cost_is_encoded(void **state)
{
    (void)state;
    char *h = auth_password_hash("secret1", 10);
    assert_memory_equal(h, "$2b$10$", 7);
    assert_true(auth_password_verify("secret1", h));
    free(h);
    assert_null(auth_password_hash("secret1", 3));
    assert_null(auth_password_hash("secret1", 32));
}

static void test_foreign_hashes(void **state)
{
    (void)state;
    /* Published jBCrypt / OpenBSD test vectors. */
    assert_true(auth_password_verify(
        "abc", "$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i"));
    assert_true(
        auth_password_verify("", "$2a$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s."));
    assert_false(auth_password_verify(
        "abd", "$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i"));
    /* $2y$ (PHP's name for the fixed variant) at cost 10. */
    assert_true(auth_password_verify(
        "password", "$2y$10$abcdefghijklmnopqrstuu5Lo0g67CiD3M4RpN1BmBb4Crp5w7dbK"));
}

static void test_malformed_hashes_refused(void **state)
{
    (void)state;
    assert_false(auth_password_verify("x", ""));
    assert_false(auth_password_verify("x", NULL));
    assert_false(auth_password_verify(NULL, "$2b$04$abcdefghijklmnopqrstuu"));
    assert_false(auth_password_verify("x", "$2b$04$short"));
    assert_false(auth_password_verify("x", "$1$abcdefgh$xxxxxxxxxxxxxxxxxxxxxx"));
    assert_false(auth_password_verify("x", "plaintext"));
    /* A hash with its last character changed. */
    assert_false(auth_password_verify(
        "abc", "$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0j"));
}

static void test_over_72_bytes_refused(void **state)
{
    (void)state;
    char pw[80];
    memset(pw, 'a', sizeof(pw) - 1);
    pw[72] = '\0';
    char *h = auth_password_hash(pw, 4);
    assert_non_null(h); /* exactly 72 is fine */
    assert_true(auth_password_verify(pw, h));
    pw[72] = 'a';
    pw[73] = '\0';
    /* bcrypt would ignore byte 73: refuse rather than accept a different password. */
    assert_false(auth_password_verify(pw, h));
    assert_null(auth_password_hash(pw, 4));
    free(h);
}

static void test_dummy_is_false(void **state)
{
    (void)state;
    assert_false(auth_password_verify_dummy("anything"));
    assert_false(auth_password_verify_dummy(NULL));
    auth_password_set_dummy_cost(4);
    assert_false(auth_password_verify_dummy("anything"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_and_verify),
        cmocka_unit_test(test_cost_is_encoded),
        cmocka_unit_test(test_foreign_hashes),
        cmocka_unit_test(test_malformed_hashes_refused),
        cmocka_unit_test(test_over_72_bytes_refused),
        cmocka_unit_test(test_dummy_is_false),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
