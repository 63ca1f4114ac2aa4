/* Configuration table: parsing through a lookup table (the main path), help output, and
 * mf_config_load with the process environment and a temporary .env file (in child
 * processes where it exits). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "micro/config.h"

static const mf_cfg_opt opts[] = {
    {"HOST", MF_CFG_STR, "127.0.0.1", 0, 0, "address to listen on"},
    {"PORT", MF_CFG_INT, "8080", 1, 65535, "TCP port"},
    {"DEBUG", MF_CFG_BOOL, "false", 0, 0, "verbose mode"},
    {"DB_PASSWORD", MF_CFG_SECRET, NULL, 0, 0, "database password"},
    {"REDIS_PASSWORD", MF_CFG_SECRET, "hunter2-default", 0, 0, "redis password"},
    {"NATS_USER", MF_CFG_STR, "", 0, 0, "NATS user, empty for none"},
    {"TOKEN_ISSUER", MF_CFG_STR, "api.example.com", 3, 64, "JWT issuer"},
    {"OFFSET", MF_CFG_INT, "0", 0, 0, "unbounded integer"},
};
#define NOPTS (sizeof(opts) / sizeof(opts[0]))

/* NULL-terminated name/value pairs. */
static const char *table_lookup(const char *name, void *ctx)
{
    const char *const *kv = ctx;
    for (size_t i = 0; kv[i]; i += 2)
        if (strcmp(kv[i], name) == 0)
            return kv[i + 1];
    return NULL;
}

static mf_config *parse_ok(const char *const *kv)
{
    char *err = (char *)"untouched";
    mf_config *c = mf_config_parse(opts, NOPTS, table_lookup, (void *)kv, &err);
    if (!c)
        fail_msg("unexpected config error: %s", err);
    assert_null(err);
    return c;
}

static void expect_err(const char *const *kv, const char *want)
{
    char *err = NULL;
    mf_config *c = mf_config_parse(opts, NOPTS, table_lookup, (void *)kv, &err);
    assert_null(c);
    assert_non_null(err);
    assert_string_equal(err, want);
    free(err);
}

static void test_defaults(void **state)
{
    (void)state;
    const char *kv[] = {"DB_PASSWORD", "pw", NULL};
    mf_config *c = parse_ok(kv);
    assert_string_equal(mf_config_str(c, "HOST"), "127.0.0.1");
    assert_int_equal(mf_config_int(c, "PORT"), 8080);
    assert_string_equal(mf_config_str(c, "PORT"), "8080");
    assert_int_equal(mf_config_bool(c, "DEBUG"), 0);
    assert_string_equal(mf_config_str(c, "DB_PASSWORD"), "pw");
    assert_string_equal(mf_config_str(c, "REDIS_PASSWORD"), "hunter2-default");
    assert_string_equal(mf_config_str(c, "NATS_USER"), "");
    assert_int_equal(mf_config_int(c, "OFFSET"), 0);
    mf_config_free(c);
}

static void test_overrides(void **state)
{
    (void)state;
    const char *kv[] = {"HOST",   "0.0.0.0",   "PORT", "9000",   "DEBUG", "YES", "DB_PASSWORD",
                        "s3cret", "NATS_USER", "bob",  "OFFSET", "-42",   NULL};
    mf_config *c = parse_ok(kv);
    assert_string_equal(mf_config_str(c, "HOST"), "0.0.0.0");
    assert_int_equal(mf_config_int(c, "PORT"), 9000);
    assert_int_equal(mf_config_bool(c, "DEBUG"), 1);
    assert_string_equal(mf_config_str(c, "NATS_USER"), "bob");
    assert_int_equal(mf_config_int(c, "OFFSET"), -42);
    mf_config_free(c);
}

static void test_int_bounds(void **state)
{
    (void)state;
    const char *ok[] = {"1", "65535", "+80", "0080"};
    const long ports[] = {1, 65535, 80, 80};
    for (size_t i = 0; i < 4; i++) {
        const char *kv[] = {"DB_PASSWORD", "pw", "PORT", ok[i], NULL};
        mf_config *c = parse_ok(kv);
        assert_int_equal(mf_config_int(c, "PORT"), ports[i]);
        mf_config_free(c);
    }
    const char *bad[] = {"0",
                         "65536",
                         "-1",
                         "abc",
                         "",
                         " 80",
                         "80 ",
                         "8o",
                         "1e3",
                         "0x50",
                         "99999999999999999999999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *kv[] = {"DB_PASSWORD", "pw", "PORT", bad[i], NULL};
        char want[200];
        snprintf(want, sizeof(want), "PORT must be an integer between 1 and 65535 (got \"%s\")",
                 bad[i]);
        expect_err(kv, want);
    }
    const char *kv[] = {"DB_PASSWORD", "pw", "OFFSET", "x", NULL};
    expect_err(kv, "OFFSET must be an integer (got \"x\")");
}

static void test_int_error_exact(void **state)
{
    (void)state;
    const char *kv[] = {"DB_PASSWORD", "pw", "PORT", "abc", NULL};
    expect_err(kv, "PORT must be an integer between 1 and 65535 (got \"abc\")");
    /* control characters and quotes are escaped in the message */
    const char *kv2[] = {"DB_PASSWORD", "pw", "PORT", "a\"b\n", NULL};
    expect_err(kv2, "PORT must be an integer between 1 and 65535 (got \"a\\\"b\\x0a\")");
}

static void test_bools(void **state)
{
    (void)state;
    const char *yes[] = {"true", "TRUE", "True", "1", "yes", "Yes", "YES"};
    const char *no[] = {"false", "FALSE", "0", "no", "No", "NO"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        const char *kv[] = {"DB_PASSWORD", "pw", "DEBUG", yes[i], NULL};
        mf_config *c = parse_ok(kv);
        assert_int_equal(mf_config_bool(c, "DEBUG"), 1);
        mf_config_free(c);
    }
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        const char *kv[] = {"DB_PASSWORD", "pw", "DEBUG", no[i], NULL};
        mf_config *c = parse_ok(kv);
        assert_int_equal(mf_config_bool(c, "DEBUG"), 0);
        mf_config_free(c);
    }
    const char *bad[] = {"", "maybe", "on", "2", "y", "truee"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *kv[] = {"DB_PASSWORD", "pw", "DEBUG", bad[i], NULL};
        char want[200];
        snprintf(want, sizeof(want),
                 "DEBUG must be a boolean: true/false, 1/0 or yes/no (got \"%s\")", bad[i]);
        expect_err(kv, want);
    }
}

static void test_missing_required(void **state)
{
    (void)state;
    const char *none[] = {NULL};
    expect_err(none, "DB_PASSWORD is required");
    const char *empty[] = {"DB_PASSWORD", "", NULL};
    expect_err(empty, "DB_PASSWORD is required");
    /* an empty value is fine when the option has a default (it was set on purpose) */
    const char *kv[] = {"DB_PASSWORD", "pw", "NATS_USER", "", "HOST", "", NULL};
    mf_config *c = parse_ok(kv);
    assert_string_equal(mf_config_str(c, "HOST"), "");
    mf_config_free(c);
}

static void test_str_length_bounds(void **state)
{
    (void)state;
    const char *ok[] = {"abc", "a234567890123456789012345678901234567890123456789012345678901234"};
    for (size_t i = 0; i < 2; i++) {
        const char *kv[] = {"DB_PASSWORD", "pw", "TOKEN_ISSUER", ok[i], NULL};
        mf_config *c = parse_ok(kv);
        assert_string_equal(mf_config_str(c, "TOKEN_ISSUER"), ok[i]);
        mf_config_free(c);
    }
    const char *kv[] = {"DB_PASSWORD", "pw", "TOKEN_ISSUER", "ab", NULL};
    expect_err(kv, "TOKEN_ISSUER must be between 3 and 64 characters long (got \"ab\")");
}

static void test_log_level(void **state)
{
    (void)state;
    static const mf_cfg_opt lopts[] = {{"LOG_LEVEL", MF_CFG_STR, "info", 0, 0, "level"}};
    const char *good[] = {"debug", "info", "warn", "error", "INFO"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        const char *kv[] = {"LOG_LEVEL", good[i], NULL};
        mf_config *c = mf_config_parse(lopts, 1, table_lookup, (void *)kv, NULL);
        assert_non_null(c);
        assert_string_equal(mf_config_str(c, "LOG_LEVEL"), good[i]);
        mf_config_free(c);
    }
    const char *kv[] = {"LOG_LEVEL", "verbose", NULL};
    char *err = NULL;
    assert_null(mf_config_parse(lopts, 1, table_lookup, (void *)kv, &err));
    assert_string_equal(err, "LOG_LEVEL must be one of debug, info, warn, error (got \"verbose\")");
    free(err);
}

static void test_secret_never_in_errors(void **state)
{
    (void)state;
    static const mf_cfg_opt sopts[] = {
        {"API_SECRET", MF_CFG_SECRET, NULL, 8, 16, "a secret"},
    };
    const char *kv[] = {"API_SECRET", "tiny", NULL};
    char *err = NULL;
    assert_null(mf_config_parse(sopts, 1, table_lookup, (void *)kv, &err));
    assert_non_null(err);
    assert_null(strstr(err, "tiny"));
    assert_string_equal(err, "API_SECRET must be between 8 and 16 characters long (got 4)");
    free(err);
    const char *kv2[] = {"API_SECRET", "long-enough", NULL};
    mf_config *c = mf_config_parse(sopts, 1, table_lookup, (void *)kv2, &err);
    assert_non_null(c);
    assert_string_equal(mf_config_str(c, "API_SECRET"), "long-enough");
    mf_config_free(c);
}

static void test_bad_default_and_duplicates(void **state)
{
    (void)state;
    static const mf_cfg_opt bad_def[] = {{"N", MF_CFG_INT, "100", 1, 10, ""}};
    char *err = NULL;
    assert_null(mf_config_parse(bad_def, 1, table_lookup, (void *)(const char *[]){NULL}, &err));
    assert_string_equal(err, "N must be an integer between 1 and 10 (got \"100\")");
    free(err);
    static const mf_cfg_opt dup[] = {{"A", MF_CFG_STR, "x", 0, 0, ""},
                                     {"A", MF_CFG_STR, "y", 0, 0, ""}};
    err = NULL;
    assert_null(mf_config_parse(dup, 2, table_lookup, (void *)(const char *[]){NULL}, &err));
    assert_string_equal(err, "A is declared twice");
    free(err);
    /* err may be NULL */
    assert_null(mf_config_parse(dup, 2, table_lookup, (void *)(const char *[]){NULL}, NULL));
}

static void test_empty_table(void **state)
{
    (void)state;
    char *err = NULL;
    mf_config *c = mf_config_parse(NULL, 0, NULL, NULL, &err);
    assert_non_null(c);
    assert_null(err);
    mf_config_free(c);
    mf_config_free(NULL);
}

/* Runs fn in a child; returns its wait status. Child stdout/stderr go to out_path. */
static int run_child(void (*fn)(void *), void *arg, const char *out_path)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        FILE *f = fopen(out_path, "w");
        if (!f)
            _exit(99);
        dup2(fileno(f), 1);
        dup2(fileno(f), 2);
        fn(arg);
        fflush(NULL);
        _exit(0);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return st;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *buf = calloc(1, 65536);
    size_t n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static char *tmp_path(const char *tag)
{
    char *p = NULL;
    assert_true(asprintf(&p, "/tmp/test_config_%s_%d", tag, (int)getpid()) > 0);
    return p;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void call_int_unknown(void *arg)
{
    mf_config *c = arg;
    mf_config_int(c, "NOPE");
}

static void call_str_unknown(void *arg)
{
    mf_config *c = arg;
    mf_config_str(c, "NOPE");
}

static void call_bool_on_int(void *arg)
{
    mf_config *c = arg;
    mf_config_bool(c, "PORT");
}

static void test_accessors_abort(void **state)
{
    (void)state;
    const char *kv[] = {"DB_PASSWORD", "pw", NULL};
    mf_config *c = parse_ok(kv);
    char *out = tmp_path("abort");
    void (*fns[])(void *) = {call_int_unknown, call_str_unknown, call_bool_on_int};
    for (size_t i = 0; i < 3; i++) {
        int st = run_child(fns[i], c, out);
        assert_true(WIFSIGNALED(st));
        assert_int_equal(WTERMSIG(st), SIGABRT);
        char *text = slurp(out);
        assert_non_null(strstr(text, i < 2 ? "NOPE" : "PORT"));
        free(text);
    }
    unlink(out);
    free(out);
    mf_config_free(c);
}

static void test_help(void **state)
{
    (void)state;
    char *path = tmp_path("help");
    FILE *f = fopen(path, "w+");
    assert_non_null(f);
    mf_config_print_help(opts, NOPTS, "auth-service", f);
    fclose(f);
    char *text = slurp(path);
    assert_non_null(strstr(text, "auth-service"));
    for (size_t i = 0; i < NOPTS; i++) {
        assert_non_null(strstr(text, opts[i].name));
        assert_non_null(strstr(text, opts[i].help));
    }
    assert_non_null(strstr(text, "8080"));
    assert_non_null(strstr(text, "1..65535"));
    assert_non_null(strstr(text, "(secret)"));
    assert_non_null(strstr(text, "required"));
    /* a secret's default is never shown */
    assert_null(strstr(text, "hunter2"));
    free(text);
    unlink(path);
    free(path);
}

/* ---- mf_config_load ---- */

static const mf_cfg_opt load_opts[] = {
    {"CMT_HOST", MF_CFG_STR, "127.0.0.1", 0, 0, "host"},
    {"CMT_PORT", MF_CFG_INT, "8080", 1, 65535, "port"},
    {"CMT_A", MF_CFG_STR, "default-a", 0, 0, ""},
    {"CMT_B", MF_CFG_STR, "default-b", 0, 0, ""},
    {"CMT_C", MF_CFG_STR, "default-c", 0, 0, ""},
    {"CMT_D", MF_CFG_STR, "default-d", 0, 0, ""},
    {"CMT_E", MF_CFG_STR, "default-e", 0, 0, ""},
    {"CMT_F", MF_CFG_BOOL, "no", 0, 0, ""},
    {"CMT_SECRET", MF_CFG_SECRET, NULL, 0, 0, "required secret"},
};
#define NLOAD (sizeof(load_opts) / sizeof(load_opts[0]))

static void test_load_env_file(void **state)
{
    (void)state;
    char *env = tmp_path("env");
    write_file(env, "# a comment\n"
                    "\n"
                    "CMT_PORT=9001\n"
                    "   # indented comment\n"
                    "export CMT_A=from-file\n"
                    "CMT_B = \"double quoted # not a comment\"\n"
                    "CMT_C='single $quoted \\n'\n"
                    "CMT_D=unquoted value # trailing comment\r\n"
                    "CMT_F=Yes\n"
                    "CMT_SECRET=file-secret\n"
                    "CMT_E=first\n"
                    "CMT_E=second\n"
                    "UNRELATED=ignored\n");
    setenv("ENV_FILE", env, 1);
    setenv("CMT_HOST", "10.0.0.1", 1);
    setenv("CMT_A", "from-env", 1); /* the environment wins over the file */
    char *argv[] = {(char *)"prog", (char *)"migrate", NULL};
    mf_config *c = mf_config_load(load_opts, NLOAD, 2, argv, "prog");
    assert_non_null(c);
    assert_string_equal(mf_config_str(c, "CMT_HOST"), "10.0.0.1");
    assert_int_equal(mf_config_int(c, "CMT_PORT"), 9001);
    assert_string_equal(mf_config_str(c, "CMT_A"), "from-env");
    assert_string_equal(mf_config_str(c, "CMT_B"), "double quoted # not a comment");
    assert_string_equal(mf_config_str(c, "CMT_C"), "single $quoted \\n");
    assert_string_equal(mf_config_str(c, "CMT_D"), "unquoted value");
    assert_string_equal(mf_config_str(c, "CMT_E"), "second");
    assert_int_equal(mf_config_bool(c, "CMT_F"), 1);
    assert_string_equal(mf_config_str(c, "CMT_SECRET"), "file-secret");
    /* the file does not leak into the process environment */
    assert_null(getenv("UNRELATED"));
    mf_config_free(c);
    unsetenv("CMT_HOST");
    unsetenv("CMT_A");
    unsetenv("ENV_FILE");
    unlink(env);
    free(env);
}

static void load_child(void *arg)
{
    char **argv = arg;
    int argc = 0;
    while (argv[argc])
        argc++;
    mf_config *c = mf_config_load(load_opts, NLOAD, argc, argv, "prog");
    printf("loaded port=%ld\n", mf_config_int(c, "CMT_PORT"));
    mf_config_free(c);
}

/* Runs mf_config_load in a child with ENV_FILE=content; returns the wait status and
 * the child's output in *out (caller frees). */
static int load_with_file(const char *content, char **argv, char **out)
{
    char *env = tmp_path("env2");
    char *log = tmp_path("log2");
    write_file(env, content);
    setenv("ENV_FILE", env, 1);
    int st = run_child(load_child, argv, log);
    unsetenv("ENV_FILE");
    *out = slurp(log);
    unlink(env);
    unlink(log);
    free(env);
    free(log);
    return st;
}

static void test_load_errors_exit_2(void **state)
{
    (void)state;
    char *argv[] = {(char *)"prog", NULL};
    char *out = NULL;
    int st = load_with_file("CMT_PORT=abc\nCMT_SECRET=topsecret\n", argv, &out);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 2);
    assert_string_equal(
        out, "prog: config: CMT_PORT must be an integer between 1 and 65535 (got \"abc\")\n");
    free(out);

    st = load_with_file("# nothing\n", argv, &out);
    assert_int_equal(WEXITSTATUS(st), 2);
    assert_string_equal(out, "prog: config: CMT_SECRET is required\n");
    free(out);

    /* a line that is not NAME=VALUE names the file and line */
    st = load_with_file("CMT_SECRET=x\n\nthis is not an assignment\n", argv, &out);
    assert_int_equal(WEXITSTATUS(st), 2);
    assert_non_null(strstr(out, "prog: config: "));
    assert_non_null(strstr(out, ":3: expected NAME=VALUE"));
    free(out);

    st = load_with_file("CMT_SECRET=\"unterminated\n", argv, &out);
    assert_int_equal(WEXITSTATUS(st), 2);
    assert_non_null(strstr(out, ":1: expected NAME=VALUE"));
    assert_null(strstr(out, "unterminated"));
    free(out);

    /* ENV_FILE that does not exist is an error (it was asked for explicitly) */
    char *log = tmp_path("log3");
    setenv("ENV_FILE", "/nonexistent/cmicro.env", 1);
    st = run_child(load_child, argv, log);
    unsetenv("ENV_FILE");
    out = slurp(log);
    assert_int_equal(WEXITSTATUS(st), 2);
    assert_non_null(strstr(out, "/nonexistent/cmicro.env"));
    free(out);
    unlink(log);
    free(log);
}

static void test_load_ok_in_child(void **state)
{
    (void)state;
    char *argv[] = {(char *)"prog", NULL};
    char *out = NULL;
    int st = load_with_file("CMT_SECRET=x\nCMT_PORT=\"1234\"\n", argv, &out);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    assert_string_equal(out, "loaded port=1234\n");
    free(out);
}

static void test_load_help_exits_0(void **state)
{
    (void)state;
    /* --help wins even when the configuration is invalid, and anywhere in argv */
    char *argv1[] = {(char *)"prog", (char *)"migrate", (char *)"--help", NULL};
    char *argv2[] = {(char *)"prog", (char *)"-h", NULL};
    char **argvs[] = {argv1, argv2};
    for (size_t i = 0; i < 2; i++) {
        char *out = NULL;
        int st = load_with_file("CMT_PORT=abc\nCMT_SECRET=do-not-print\n", argvs[i], &out);
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 0);
        assert_non_null(strstr(out, "CMT_PORT"));
        assert_non_null(strstr(out, "required secret"));
        assert_null(strstr(out, "do-not-print"));
        assert_null(strstr(out, "loaded"));
        free(out);
    }
}

int main(void)
{
    /* the tests control the environment themselves */
    unsetenv("ENV_FILE");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_int_bounds),
        cmocka_unit_test(test_int_error_exact),
        cmocka_unit_test(test_bools),
        cmocka_unit_test(test_missing_required),
        cmocka_unit_test(test_str_length_bounds),
        cmocka_unit_test(test_log_level),
        cmocka_unit_test(test_secret_never_in_errors),
        cmocka_unit_test(test_bad_default_and_duplicates),
        cmocka_unit_test(test_empty_table),
        cmocka_unit_test(test_accessors_abort),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_load_env_file),
        cmocka_unit_test(test_load_errors_exit_2),
        cmocka_unit_test(test_load_ok_in_child),
        cmocka_unit_test(test_load_help_exits_0),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
