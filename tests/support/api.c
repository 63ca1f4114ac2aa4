/*
 * Service-level test helpers (see api.h). Assertions report the caller's file and line, not
 * this file's: a helper that fails points at the test step that used it.
 */
#include "api.h"

#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "micro/alloc.h"
#include "micro/clock.h"

#define INSTANCE_START_MS 30000
#define SERVICE_RUN_MS    60000
#define INSTANCE_STOP_MS  10000
#define LOG_TAIL_BYTES    3000

/* ---- calls -------------------------------------------------------------------------------- */

th_api th_api_auth(void)
{
    return (th_api){.port = atoi(th_stack("AUTH_PORT"))};
}

th_api th_api_blog(void)
{
    return (th_api){.port = atoi(th_stack("BLOG_PORT"))};
}

th_api th_api_gateway(const char *prefix)
{
    return (th_api){.port = atoi(th_stack("GATEWAY_PORT")),
                    .prefix = prefix,
                    .api_key = th_stack("DEV_API_KEY")};
}

th_api th_api_with_key(th_api api, const char *key)
{
    api.api_key = key;
    return api;
}

th_resp th_call_opt(th_api api, const char *method, const char *path, const th_call_opts *o,
                    const char *body)
{
    th_call_opts none = {0};
    if (o == NULL)
        o = &none;
    char *full = mf_asprintf("%s%s", api.prefix != NULL ? api.prefix : "", path);
    char *key = api.api_key != NULL ? mf_asprintf("x-api-key: %s", api.api_key) : NULL;
    char *auth = o->token != NULL ? mf_asprintf("Authorization: Bearer %s", o->token) : NULL;
    char *rid = o->request_id != NULL ? mf_asprintf("x-request-id: %s", o->request_id) : NULL;
    const char *headers[5] = {NULL};
    size_t n = 0;
    if (key != NULL)
        headers[n++] = key;
    if (auth != NULL)
        headers[n++] = auth;
    if (rid != NULL)
        headers[n++] = rid;
    if (o->header != NULL)
        headers[n++] = o->header;
    th_resp r;
    th_http_port(method, api.port, full, headers, body, &r);
    free(rid);
    free(auth);
    free(key);
    free(full);
    return r;
}

th_resp th_call(th_api api, const char *method, const char *path, const char *token,
                const char *body)
{
    th_call_opts o = {.token = token};
    return th_call_opt(api, method, path, &o, body);
}

long th_status(th_api api, const char *method, const char *path, const char *token,
               const char *body)
{
    th_resp r = th_call(api, method, path, token, body);
    long st = r.status;
    th_resp_release(&r);
    return st;
}

void th_expect_env_at(const char *file, int line, const th_resp *r, long status, const char *msg)
{
    const char *what = r->what != NULL ? r->what : "(request)";
    const char *body = r->body != NULL ? r->body : "(none)";
    if (r->status != status)
        fail_msg("%s:%d: %s: status %ld, want %ld; body: %.600s", file, line, what, r->status,
                 status, body);
    if (!json_is_object(r->json))
        fail_msg("%s:%d: %s: body is not a JSON object: %.600s", file, line, what, body);
    const char *code = json_string_value(json_object_get(r->json, "code"));
    const char *want_code = status < 400 ? "10000" : "10001";
    if (code == NULL || strcmp(code, want_code) != 0)
        fail_msg("%s:%d: %s: code must be the string \"%s\": %.600s", file, line, what, want_code,
                 body);
    json_t *st = json_object_get(r->json, "status");
    if (!json_is_integer(st) || json_integer_value(st) != status)
        fail_msg("%s:%d: %s: status must be the number %ld: %.600s", file, line, what, status,
                 body);
    const char *got = json_string_value(json_object_get(r->json, "message"));
    if (got == NULL)
        fail_msg("%s:%d: %s: message missing: %.600s", file, line, what, body);
    if (msg != NULL && strcmp(got, msg) != 0)
        fail_msg("%s:%d: %s: message \"%s\", want \"%s\"", file, line, what, got, msg);
    if (status >= 400 && json_object_get(r->json, "data") != NULL)
        fail_msg("%s:%d: %s: an error carries no data: %.600s", file, line, what, body);
    if (r->content_type == NULL || strcmp(r->content_type, TH_CT_JSON) != 0)
        fail_msg("%s:%d: %s: content-type \"%s\", want \"%s\"", file, line, what,
                 r->content_type != NULL ? r->content_type : "(none)", TH_CT_JSON);
    if (r->request_id == NULL || *r->request_id == '\0')
        fail_msg("%s:%d: %s: no x-request-id in the response", file, line, what);
}

void th_expect_at(const char *file, int line, th_api api, const char *method, const char *path,
                  const char *token, const char *body, long status, const char *msg)
{
    th_resp r = th_call(api, method, path, token, body);
    th_expect_env_at(file, line, &r, status, msg);
    th_resp_release(&r);
}

typedef struct {
    th_api api;
    const char *path, *token;
    long status;
} status_probe;

static bool gives_status(void *ctx)
{
    const status_probe *p = ctx;
    return th_status(p->api, "GET", p->path, p->token, NULL) == p->status;
}

void th_expect_within_at(const char *file, int line, th_api api, const char *path,
                         const char *token, long status, const char *msg, int timeout_ms)
{
    status_probe p = {api, path, token, status};
    th_poll(gives_status, &p, timeout_ms);
    th_expect_at(file, line, api, "GET", path, token, NULL, status, msg);
}

json_t *th_data(const th_resp *r)
{
    return json_object_get(r->json, "data");
}

json_t *th_jget(json_t *obj, const char *path)
{
    json_t *v = obj;
    const char *p = path;
    while (v != NULL && *p != '\0') {
        size_t n = strcspn(p, ".");
        char *key = mf_strndup(p, n);
        if (json_is_array(v) && n > 0 && strspn(key, "0123456789") == n)
            v = json_array_get(v, strtoul(key, NULL, 10));
        else
            v = json_object_get(v, key);
        free(key);
        p += n;
        if (*p == '.')
            p++;
    }
    return v;
}

const char *th_jstr(json_t *obj, const char *path)
{
    return json_string_value(th_jget(obj, path));
}

/* ---- users -------------------------------------------------------------------------------- */

char *th_random_hex(size_t nbytes)
{
    char *hex = mf_malloc(2 * nbytes + 1);
    assert_int_equal(mf_random_hex(nbytes, hex, 2 * nbytes + 1), 0);
    return hex;
}

char *th_unique_email(const char *tag)
{
    char *hex = th_random_hex(8);
    char *email = mf_asprintf("%s-%s@example.com", tag, hex);
    free(hex);
    return email;
}

static void replace(char **field, const char *value)
{
    free(*field);
    *field = value != NULL ? mf_strdup(value) : NULL;
}

void th_user_take(th_user *u, const th_resp *r)
{
    json_t *d = th_data(r);
    replace(&u->id, th_jstr(d, "user.id"));
    replace(&u->name, th_jstr(d, "user.name"));
    replace(&u->access, th_jstr(d, "tokens.accessToken"));
    replace(&u->refresh, th_jstr(d, "tokens.refreshToken"));
}

void th_user_release(th_user *u)
{
    free(u->id);
    free(u->email);
    free(u->password);
    free(u->name);
    free(u->access);
    free(u->refresh);
    memset(u, 0, sizeof(*u));
}

void th_signup_as_at(const char *file, int line, th_api auth, th_user *u, const char *email,
                     const char *password, const char *name)
{
    memset(u, 0, sizeof(*u));
    u->email = mf_strdup(email);
    u->password = mf_strdup(password);
    json_t *req = json_pack("{s:s,s:s,s:s}", "email", email, "password", password, "name", name);
    char *body = json_dumps(req, JSON_COMPACT);
    th_resp r = th_call(auth, "POST", "/signup/basic", NULL, body);
    th_expect_env_at(file, line, &r, 200, "success");
    th_user_take(u, &r);
    th_resp_release(&r);
    free(body);
    json_decref(req);
}

void th_signup_at(const char *file, int line, th_api auth, th_user *u, const char *tag)
{
    char *email = th_unique_email(tag);
    char *name = mf_asprintf("Test %s", tag);
    th_signup_as_at(file, line, auth, u, email, TH_USER_PASSWORD, name);
    free(name);
    free(email);
}

static th_resp signin(th_api auth, const char *email, const char *password)
{
    json_t *req = json_pack("{s:s,s:s}", "email", email, "password", password);
    char *body = json_dumps(req, JSON_COMPACT);
    th_resp r = th_call(auth, "POST", "/signin/basic", NULL, body);
    free(body);
    json_decref(req);
    return r;
}

long th_signin(th_api auth, th_user *u, const char *email, const char *password)
{
    th_resp r = signin(auth, email, password);
    long st = r.status;
    if (st == 200)
        th_user_take(u, &r);
    th_resp_release(&r);
    return st;
}

void th_signin_ok_at(const char *file, int line, th_api auth, th_user *u, const char *email,
                     const char *password)
{
    memset(u, 0, sizeof(*u));
    u->email = mf_strdup(email);
    u->password = mf_strdup(password);
    th_resp r = signin(auth, email, password);
    th_expect_env_at(file, line, &r, 200, "success");
    th_user_take(u, &r);
    th_resp_release(&r);
}

void th_grant_roles_at(const char *file, int line, th_api auth, const char *admin_token,
                       const char *user_id, const char *roles_json)
{
    char *path = mf_asprintf("/roles/user/id/%s", user_id);
    char *body = mf_asprintf("{\"roles\":%s}", roles_json);
    th_resp r = th_call(auth, "PUT", path, admin_token, body);
    th_expect_env_at(file, line, &r, 200, "roles updated successfully");
    th_resp_release(&r);
    free(body);
    free(path);
}

/* ---- service binaries and instances ------------------------------------------------------ */

char *th_service_bin(const char *service)
{
    const char *build = getenv("CMICRO_BUILD_DIR");
    if (build == NULL)
        fail_msg("CMICRO_BUILD_DIR is not set (run the test through ctest)");
    return mf_asprintf("%s/services/%s/%s-service", build, service, service);
}

pid_t th_service_spawn(const char *service, const char *const *env, const char *const *args,
                       const char *log)
{
    char var[32];
    snprintf(var, sizeof(var), "%s_ENV_FILE", service);
    for (char *p = var; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    char *bin = th_service_bin(service);
    char *envf = mf_asprintf("ENV_FILE=%s", th_stack(var));
    const char *argv[40] = {"env", envf};
    size_t n = 2;
    for (size_t i = 0; env != NULL && env[i] != NULL && n < 24; i++)
        argv[n++] = env[i];
    argv[n++] = bin;
    for (size_t i = 0; args != NULL && args[i] != NULL && n < 39; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    pid_t pid = th_spawn(argv, log);
    free(envf);
    free(bin);
    return pid;
}

int th_service_run(const char *service, const char *const *env, const char *const *args, char **out)
{
    char *dir = th_tmpdir("service-run");
    char *log = mf_asprintf("%s/out.log", dir);
    pid_t pid = th_service_spawn(service, env, args, log);
    assert_true(pid > 0);
    int st = th_wait_exit(pid, SERVICE_RUN_MS);
    *out = th_read_file(log);
    assert_non_null(*out);
    th_rmrf(dir);
    free(dir);
    free(log);
    return st;
}

char *th_find_apikey(const char *out)
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

static bool answers_health(void *ctx)
{
    th_instance *in = ctx;
    th_resp r = th_call(in->api, "GET", "/health", NULL, NULL);
    bool ok = r.status == 200 || r.status == 503;
    th_resp_release(&r);
    return ok;
}

/* The end of a log on stderr: the instance's dir goes with it when the teardown stops it. */
static void print_log_tail(const char *log)
{
    char *text = th_read_file(log);
    if (text == NULL)
        return;
    size_t len = strlen(text);
    fprintf(stderr, "---- end of %s ----\n%s\n----\n", log,
            len > LOG_TAIL_BYTES ? text + len - LOG_TAIL_BYTES : text);
    free(text);
}

void th_instance_start(th_instance *in, const char *service, const char *const *env)
{
    memset(in, 0, sizeof(*in));
    char *prefix = mf_asprintf("%s-it", service);
    in->dir = th_tmpdir(prefix);
    free(prefix);
    assert_non_null(in->dir);
    in->log = mf_asprintf("%s/%s.log", in->dir, service);
    in->port = th_free_port();
    in->api = (th_api){.port = in->port};
    char *port = mf_asprintf("PORT=%d", in->port);
    const char *vars[24] = {port};
    size_t n = 1;
    for (size_t i = 0; env != NULL && env[i] != NULL && n < 23; i++)
        vars[n++] = env[i];
    vars[n] = NULL;
    in->pid = th_service_spawn(service, vars, NULL, in->log);
    free(port);
    assert_true(in->pid > 0);
    if (!th_poll(answers_health, in, INSTANCE_START_MS)) {
        th_stop(in->pid, 5000);
        in->pid = 0;
        print_log_tail(in->log);
        fail_msg("%s-service instance on port %d did not answer /health (log %s)", service,
                 in->port, in->log);
    }
}

void th_instance_stop(th_instance *in)
{
    if (in->pid > 0)
        th_stop(in->pid, INSTANCE_STOP_MS);
    in->pid = 0;
    if (in->dir != NULL)
        th_rmrf(in->dir);
    free(in->dir);
    free(in->log);
    in->dir = in->log = NULL;
}

void th_expect_health_env_at(const char *file, int line, const th_resp *r, long status,
                             const char *msg)
{
    th_resp bare = *r;
    bare.json = json_copy(r->json);
    json_object_del(bare.json, "data");
    th_expect_env_at(file, line, &bare, status, msg);
    json_decref(bare.json);
    if (!json_is_object(th_data(r)))
        fail_msg("%s:%d: %s: health data missing: %s", file, line, r->what, r->body);
}
