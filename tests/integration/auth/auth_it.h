/*
 * Helpers shared by the auth-service integration tests (header-only: each test_*.c is its
 * own executable linked with testsupport only). They talk to the stack's auth-service over
 * HTTP, create throw-away users with unique emails, check envelopes, and sign tokens with
 * the stack's own private key to craft expired or otherwise special tokens.
 */
#ifndef AUTH_IT_H
#define AUTH_IT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "http_client.h"
#include "micro/alloc.h"
#include "micro/clock.h"
#include "micro/strbuf.h"

#define IT_UNUSED __attribute__((unused))

typedef struct {
    char *id;
    char *email;
    char *password;
    char *access;
    char *refresh;
} it_user;

IT_UNUSED static int it_auth_port(void)
{
    return atoi(th_stack("AUTH_PORT"));
}

/* HTTP call to the stack's auth-service (or port when > 0). auth: access token or NULL;
 * extra: one more "Name: value" header or NULL. */
IT_UNUSED static void it_call_port(int port, const char *method, const char *path, const char *auth,
                                   const char *extra, const char *body, th_resp *r)
{
    char *url = th_url(port, path);
    char *authz = auth ? mf_asprintf("Authorization: Bearer %s", auth) : NULL;
    const char *headers[3] = {NULL, NULL, NULL};
    int n = 0;
    if (authz)
        headers[n++] = authz;
    if (extra)
        headers[n++] = extra;
    th_http(method, url, headers, body, r);
    free(authz);
    free(url);
}

IT_UNUSED static void it_call(const char *method, const char *path, const char *auth,
                              const char *body, th_resp *r)
{
    it_call_port(it_auth_port(), method, path, auth, NULL, body, r);
}

/* The response is the envelope with this status and message. */
#define it_assert_envelope(r, st, msg)                                                             \
    do {                                                                                           \
        th_resp *r_ = (r);                                                                         \
        if (r_->status != (st) || !r_->json)                                                       \
            fail_msg("expected %d, got %ld: %s", (int)(st), r_->status,                            \
                     r_->body ? r_->body : "(none)");                                              \
        assert_string_equal(json_string_value(json_object_get(r_->json, "code")),                  \
                            (st) / 100 == 2 ? "10000" : "10001");                                  \
        assert_int_equal(json_integer_value(json_object_get(r_->json, "status")), (st));           \
        assert_string_equal(json_string_value(json_object_get(r_->json, "message")), (msg));       \
        assert_non_null(r_->content_type);                                                         \
        assert_string_equal(r_->content_type, "application/json; charset=utf-8");                  \
    } while (0)

IT_UNUSED static json_t *it_data(th_resp *r)
{
    return json_object_get(r->json, "data");
}

IT_UNUSED static const char *it_str(json_t *obj, const char *path1, const char *path2)
{
    json_t *v = json_object_get(obj, path1);
    if (path2)
        v = json_object_get(v, path2);
    return json_string_value(v);
}

/* A unique lower-case email. Caller frees. */
IT_UNUSED static char *it_unique_email(const char *tag)
{
    char hex[17];
    assert_int_equal(mf_random_hex(8, hex, sizeof(hex)), 0);
    return mf_asprintf("%s-%s@example.com", tag, hex);
}

IT_UNUSED static void it_user_release(it_user *u)
{
    free(u->id);
    free(u->email);
    free(u->password);
    free(u->access);
    free(u->refresh);
    memset(u, 0, sizeof(*u));
}

/* Fills u from a {"user","tokens"} answer. */
IT_UNUSED static void it_user_take(it_user *u, th_resp *r)
{
    json_t *d = it_data(r);
    free(u->id);
    free(u->access);
    free(u->refresh);
    u->id = mf_strdup(it_str(d, "user", "id"));
    u->access = mf_strdup(it_str(d, "tokens", "accessToken"));
    u->refresh = mf_strdup(it_str(d, "tokens", "refreshToken"));
}

/* Signs up a new LEARNER with a unique email. */
IT_UNUSED static void it_signup(it_user *u, const char *tag)
{
    memset(u, 0, sizeof(*u));
    u->email = it_unique_email(tag);
    u->password = mf_strdup("secret-pw-1");
    char *body = mf_asprintf("{\"email\":\"%s\",\"password\":\"%s\",\"name\":\"Test %s\"}",
                             u->email, u->password, tag);
    th_resp r;
    it_call("POST", "/signup/basic", NULL, body, &r);
    it_assert_envelope(&r, 200, "success");
    it_user_take(u, &r);
    th_resp_release(&r);
    free(body);
}

/* Signs in; returns the HTTP status, fills u's tokens on 200. */
IT_UNUSED static long it_signin(it_user *u, const char *email, const char *password)
{
    char *body = mf_asprintf("{\"email\":\"%s\",\"password\":\"%s\"}", email, password);
    th_resp r;
    it_call("POST", "/signin/basic", NULL, body, &r);
    long st = r.status;
    if (st == 200)
        it_user_take(u, &r);
    th_resp_release(&r);
    free(body);
    return st;
}

IT_UNUSED static void it_signin_admin(it_user *u)
{
    memset(u, 0, sizeof(*u));
    u->email = mf_strdup("admin@afteracademy.com");
    u->password = mf_strdup("changeit");
    assert_int_equal(it_signin(u, u->email, u->password), 200);
}

/* Value of NAME in an env file written by scripts/stack (heap, caller frees), or NULL. */
IT_UNUSED static char *it_env_file_value(const char *path, const char *name)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *line = NULL, *val = NULL;
    size_t cap = 0, n = strlen(name);
    while (!val && getline(&line, &cap, f) > 0) {
        if (strncmp(line, name, n) == 0 && line[n] == '=') {
            val = mf_strdup(line + n + 1);
            val[strcspn(val, "\r\n")] = '\0';
        }
    }
    free(line);
    fclose(f);
    return val;
}

static char *it_b64url(const void *data, size_t len)
{
    static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const unsigned char *p = data;
    char *out = mf_malloc(len / 3 * 4 + 5);
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < len)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < len)
            v |= p[i + 2];
        out[o++] = A[v >> 18 & 63];
        out[o++] = A[v >> 12 & 63];
        if (i + 1 < len)
            out[o++] = A[v >> 6 & 63];
        if (i + 2 < len)
            out[o++] = A[v & 63];
    }
    out[o] = '\0';
    return out;
}

/* header.payload (JSON texts) signed RS256 with the stack's private key. Caller frees. */
IT_UNUSED static char *it_sign_rs256(const char *header, const char *payload)
{
    char *keypath = it_env_file_value(th_stack("AUTH_ENV_FILE"), "RSA_PRIVATE_KEY_PATH");
    assert_non_null(keypath);
    FILE *f = fopen(keypath, "r");
    assert_non_null(f);
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    free(keypath);
    assert_non_null(k);
    char *h = it_b64url(header, strlen(header));
    char *p = it_b64url(payload, strlen(payload));
    char *input = mf_asprintf("%s.%s", h, p);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t n = 0;
    assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k), 1);
    assert_int_equal(EVP_DigestSign(ctx, NULL, &n, (unsigned char *)input, strlen(input)), 1);
    unsigned char *sig = mf_malloc(n);
    assert_int_equal(EVP_DigestSign(ctx, sig, &n, (unsigned char *)input, strlen(input)), 1);
    char *s = it_b64url(sig, n);
    char *tok = mf_asprintf("%s.%s", input, s);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(k);
    free(sig);
    free(s);
    free(input);
    free(h);
    free(p);
    return tok;
}

/* The payload (decoded JSON) of a token (caller decrefs). */
IT_UNUSED static json_t *it_token_payload(const char *token)
{
    const char *d1 = strchr(token, '.');
    const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    assert_non_null(d2);
    /* base64url -> base64 with padding, decoded by OpenSSL. */
    size_t len = (size_t)(d2 - d1 - 1);
    char *b64 = mf_malloc(len + 4);
    for (size_t i = 0; i < len; i++) {
        char c = d1[1 + i];
        b64[i] = c == '-' ? '+' : c == '_' ? '/' : c;
    }
    size_t n = len;
    while (n % 4)
        b64[n++] = '=';
    b64[n] = '\0';
    unsigned char *raw = mf_malloc(n);
    int got = EVP_DecodeBlock(raw, (unsigned char *)b64, (int)n);
    assert_true(got >= 0);
    size_t pad = (n - len);
    json_t *j = json_loadb((char *)raw, (size_t)got - pad, 0, NULL);
    free(raw);
    free(b64);
    assert_non_null(j);
    return j;
}

/* ---- private auth-service instances (started from the stack's env file) ---- */

IT_UNUSED static char *auth_bin(void)
{
    const char *b = getenv("CMICRO_BUILD_DIR");
    assert_non_null(b);
    return mf_asprintf("%s/services/auth/auth-service", b);
}

typedef struct {
    pid_t pid;
    int port;
    char *log;
} instance;

static bool it_answers_health(void *ctx)
{
    instance *in = ctx;
    th_resp r;
    it_call_port(in->port, "GET", "/health", NULL, NULL, NULL, &r);
    bool ok = r.status == 200 || r.status == 503;
    th_resp_release(&r);
    return ok;
}

/* A private auth-service instance (stop it by PID with instance_stop). */
/* Starts auth-service with the stack's env file plus the given NAME=VALUE overrides. */
IT_UNUSED static void instance_start(instance *in, const char *dir, const char *const *overrides,
                                     int n)
{
    in->port = th_free_port();
    in->log = mf_asprintf("%s/auth.log", dir);
    char *bin = auth_bin();
    char *envf = mf_asprintf("ENV_FILE=%s", th_stack("AUTH_ENV_FILE"));
    char *port = mf_asprintf("PORT=%d", in->port);
    const char *argv[16] = {"env", envf, port};
    int a = 3;
    for (int i = 0; i < n && a < 14; i++)
        argv[a++] = overrides[i];
    argv[a++] = bin;
    argv[a] = NULL;
    in->pid = th_spawn(argv, in->log);
    assert_true(in->pid > 0);
    if (!th_poll(it_answers_health, in, 30000)) {
        th_stop(in->pid, 5000);
        fail_msg("auth-service instance did not start (log %s)", in->log);
    }
    free(bin);
    free(envf);
    free(port);
}

IT_UNUSED static void instance_stop(instance *in)
{
    if (in->pid > 0)
        th_stop(in->pid, 10000);
    in->pid = 0;
    free(in->log);
    in->log = NULL;
}

#endif
