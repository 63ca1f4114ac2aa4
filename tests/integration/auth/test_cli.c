/* auth-service subcommands and start-up checks, run against the stack's database with the
 * stack's env file: create-apikey (printed once, verifies), disable-apikey (refused at once,
 * although the key was cached), create-admin (can grant roles), seed-dev and migrate
 * (idempotent), bad usage (exit 2), and refusing to start without readable keys (exit 2). */
#include <sys/wait.h>

#include "auth_it.h"

/* Runs auth-service with the stack's env file, extra NAME=VALUE settings (env) and args;
 * returns its exit status and leaves stdout+stderr in *out (caller frees). */
static int run(const char *const *env, const char *const *args, char **out)
{
    char *dir = th_tmpdir("auth-cli");
    char *log = mf_asprintf("%s/out.log", dir);
    const char *b = getenv("CMICRO_BUILD_DIR");
    assert_non_null(b);
    char *bin = mf_asprintf("%s/services/auth/auth-service", b);
    char *envf = mf_asprintf("ENV_FILE=%s", th_stack("AUTH_ENV_FILE"));
    const char *argv[32] = {"env", envf};
    int a = 2;
    for (int i = 0; env && env[i] && a < 28; i++)
        argv[a++] = env[i];
    argv[a++] = bin;
    for (int i = 0; args && args[i] && a < 31; i++)
        argv[a++] = args[i];
    argv[a] = NULL;
    pid_t pid = th_spawn(argv, log);
    assert_true(pid > 0);
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    FILE *f = fopen(log, "r");
    mf_strbuf sb;
    mf_strbuf_init(&sb);
    char buf[4096];
    size_t n;
    while (f && (n = fread(buf, 1, sizeof(buf), f)) > 0)
        mf_strbuf_add(&sb, buf, n);
    if (f)
        fclose(f);
    *out = mf_strbuf_detach(&sb, NULL);
    mf_strbuf_release(&sb);
    th_rmrf(dir);
    free(dir);
    free(log);
    free(bin);
    free(envf);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The line of out that is a 48-character hex key (heap), NULL when none. */
static char *find_key(const char *out)
{
    const char *p = out;
    while (*p) {
        size_t len = strcspn(p, "\n");
        if (len == 48 && strspn(p, "0123456789abcdef") == 48)
            return mf_strndup(p, len);
        p += len;
        if (*p)
            p++;
    }
    return NULL;
}

static long verify_key(const char *key)
{
    char *h = mf_asprintf("x-api-key: %s", key);
    th_resp r;
    it_call_port(it_auth_port(), "GET", "/verify/apikey", NULL, h, NULL, &r);
    long st = r.status;
    th_resp_release(&r);
    free(h);
    return st;
}

static void test_create_and_disable_apikey(void **state)
{
    (void)state;
    char *out = NULL;
    const char *args[] = {"create-apikey", "--comment", "integration test", NULL};
    assert_int_equal(run(NULL, args, &out), 0);
    char *key = find_key(out);
    if (!key)
        fail_msg("no key printed: %s", out);
    free(out);
    assert_int_equal(verify_key(key), 200);
    assert_int_equal(verify_key(key), 200); /* cached now */
    const char *dis[] = {"disable-apikey", key, NULL};
    assert_int_equal(run(NULL, dis, &out), 0);
    free(out);
    assert_int_equal(verify_key(key), 403);
    /* Unknown key: failure exit, nothing printed about the key itself. */
    const char *unknown[] = {"disable-apikey", "no-such-key", NULL};
    assert_int_equal(run(NULL, unknown, &out), 1);
    assert_non_null(strstr(out, "unknown key"));
    free(out);
    free(key);
}

static void test_create_admin(void **state)
{
    (void)state;
    char *email = it_unique_email("cli-admin");
    char *out = NULL;
    const char *args[] = {"create-admin", "--email", email,       "--password",
                          "admin-pw-1",   "--name",  "Cli Admin", NULL};
    assert_int_equal(run(NULL, args, &out), 0);
    free(out);
    /* Twice: the email is taken. */
    assert_int_equal(run(NULL, args, &out), 1);
    assert_non_null(strstr(out, "user already registered"));
    free(out);
    it_user a = {0};
    assert_int_equal(it_signin(&a, email, "admin-pw-1"), 200);
    it_user u;
    it_signup(&u, "granted");
    char *path = mf_asprintf("/roles/user/id/%s", u.id);
    th_resp r;
    it_call("PUT", path, a.access, "{\"roles\":[\"AUTHOR\"]}", &r);
    it_assert_envelope(&r, 200, "roles updated successfully");
    th_resp_release(&r);
    free(path);
    /* Bad arguments: usage error. */
    const char *bad[] = {"create-admin", "--email", "nope", NULL};
    assert_int_equal(run(NULL, bad, &out), 2);
    assert_non_null(strstr(out, "email is not a valid email"));
    free(out);
    it_user_release(&u);
    it_user_release(&a);
    free(email);
}

static void test_seed_and_migrate_idempotent(void **state)
{
    (void)state;
    char *out = NULL;
    const char *seed[] = {"seed-dev", NULL};
    const char *migrate[] = {"migrate", NULL};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(run(NULL, seed, &out), 0);
        free(out);
        assert_int_equal(run(NULL, migrate, &out), 0);
        free(out);
    }
    it_user admin;
    it_signin_admin(&admin);
    th_resp r;
    it_call("GET", "/profile/mine", admin.access, NULL, &r);
    assert_int_equal(json_array_size(json_object_get(it_data(&r), "roles")), 4);
    th_resp_release(&r);
    it_user_release(&admin);
    assert_int_equal(verify_key(th_stack("DEV_API_KEY")), 200);
    const char *unknown[] = {"frobnicate", NULL};
    assert_int_equal(run(NULL, unknown, &out), 2);
    free(out);
}

static void test_refuses_to_start_without_keys(void **state)
{
    (void)state;
    char *out = NULL;
    char *port = mf_asprintf("PORT=%d", th_free_port());
    const char *env1[] = {port, "RSA_PRIVATE_KEY_PATH=/nonexistent/private.pem", NULL};
    assert_int_equal(run(env1, NULL, &out), 2);
    assert_non_null(strstr(out, "RSA_PRIVATE_KEY_PATH"));
    free(out);
    /* A readable file that is not a key. */
    const char *env2[] = {port, "RSA_PUBLIC_KEY_PATH=/etc/hostname", NULL};
    assert_int_equal(run(env2, NULL, &out), 2);
    assert_non_null(strstr(out, "RSA_PUBLIC_KEY_PATH"));
    free(out);
    free(port);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_and_disable_apikey),
        cmocka_unit_test(test_create_admin),
        cmocka_unit_test(test_seed_and_migrate_idempotent),
        cmocka_unit_test(test_refuses_to_start_without_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
