/*
 * Service-level helpers for the integration tests: HTTP calls to a service, assertions on the
 * response envelope of API.md section 2 that name the caller's file and line, the user chores
 * most tests begin with (sign-up, sign-in, the dev admin, role grants), and private instances
 * of a service started from the stack's env file.
 *
 * A th_api says where calls go: 127.0.0.1:port, a path prefix and an optional API key, so the
 * same helpers work against a service's own port ({port}) and through the gateway ({gateway
 * port, "/auth", dev key}). It is a small value with borrowed strings (th_stack() values and
 * literals live for the whole process): build it inline, never free it.
 *
 * Who frees what: th_call* return a th_resp the caller releases with th_resp_release (th_expect
 * releases its own). th_data/th_jget/th_jstr return borrowed values that live as long as the
 * response. A th_user owns its strings: th_user_release frees them. th_unique_email and
 * th_random_hex return heap strings the caller frees. th_instance_stop frees what
 * th_instance_start allocated.
 */
#ifndef TH_API_H
#define TH_API_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "http_client.h"
#include "micro/banned.h"

#define TH_CT_JSON        "application/json; charset=utf-8"
#define TH_ADMIN_EMAIL    "admin@afteracademy.com"
#define TH_ADMIN_PASSWORD "changeit"
#define TH_USER_PASSWORD  "secret-pw-1"

typedef struct {
    int port;            /* on 127.0.0.1 */
    const char *prefix;  /* put before every path: NULL/"" on a service's own port, "/auth" or
                            "/blog" through the gateway */
    const char *api_key; /* sent as x-api-key with every call when not NULL */
} th_api;

/* The stack's auth-service and blog-service on their own ports. */
th_api th_api_auth(void);
th_api th_api_blog(void);
/* The stack's gateway with the dev API key; prefix "/auth", "/blog" or "" (paths carry it). */
th_api th_api_gateway(const char *prefix);
/* api with key as its x-api-key (none when NULL). */
th_api th_api_with_key(th_api api, const char *key);

/* Per-call extras; every field may be NULL. */
typedef struct {
    const char *token;      /* sent as "Authorization: Bearer <token>" */
    const char *request_id; /* sent as x-request-id */
    const char *header;     /* one more "Name: value" line, sent as is */
} th_call_opts;

/* One request (body may be NULL). The answer has status 0 when no response came. */
th_resp th_call_opt(th_api api, const char *method, const char *path, const th_call_opts *o,
                    const char *body);
th_resp th_call(th_api api, const char *method, const char *path, const char *token,
                const char *body);
/* Only the HTTP status of one call (0 when no response came): for polling. */
long th_status(th_api api, const char *method, const char *path, const char *token,
               const char *body);

/*
 * The response has status `status` and is the envelope of API.md section 2: a JSON object
 * with code "10000" (below 400) or "10001", the same numeric status, a message (equal to msg
 * unless msg is NULL), no data on an error, the JSON content type and an x-request-id.
 * Failures name file:line of the caller and the request.
 */
#define th_expect_env(r, status, msg) th_expect_env_at(__FILE__, __LINE__, (r), (status), (msg))
void th_expect_env_at(const char *file, int line, const th_resp *r, long status, const char *msg);

/* A health answer: the envelope checks of th_expect_env, except that the data (the checks)
 * must be there, also on 503 (API.md section 3). */
#define th_expect_health_env(r, status, msg)                                                       \
    th_expect_health_env_at(__FILE__, __LINE__, (r), (status), (msg))
void th_expect_health_env_at(const char *file, int line, const th_resp *r, long status,
                             const char *msg);

/* th_call and th_expect_env in one go; the response is released. */
#define th_expect(api, method, path, token, body, status, msg)                                     \
    th_expect_at(__FILE__, __LINE__, (api), (method), (path), (token), (body), (status), (msg))
void th_expect_at(const char *file, int line, th_api api, const char *method, const char *path,
                  const char *token, const char *body, long status, const char *msg);
/* th_expect for an answer that changes through an event (another service's cache dropping an
 * entry): the call is repeated until it gives status, for up to timeout_ms, then checked like
 * th_expect. For GETs only (it may run several times). */
#define th_expect_within(api, path, token, status, msg, timeout_ms)                                \
    th_expect_within_at(__FILE__, __LINE__, (api), (path), (token), (status), (msg), (timeout_ms))
void th_expect_within_at(const char *file, int line, th_api api, const char *path,
                         const char *token, long status, const char *msg, int timeout_ms);

/* The response's "data" (borrowed, NULL when absent). */
json_t *th_data(const th_resp *r);
/* The value at a dotted path below obj ("tokens.accessToken", "roles.0.code": a number
 * indexes an array); borrowed, NULL when any step is missing. */
json_t *th_jget(json_t *obj, const char *path);
const char *th_jstr(json_t *obj, const char *path);

/* ---- users ---- */

typedef struct {
    char *id;
    char *email;    /* as signed up / in (may differ in case from the stored one) */
    char *password; /* as signed up / in */
    char *name;
    char *access;  /* access token */
    char *refresh; /* refresh token */
} th_user;

/* nbytes random bytes as lower-case hex (heap, caller frees). */
char *th_random_hex(size_t nbytes);
/* "<tag>-<16 hex>@example.com" (heap, caller frees). */
char *th_unique_email(const char *tag);
/* Takes id, name and tokens from a {"user","tokens"} answer (replacing what u had). */
void th_user_take(th_user *u, const th_resp *r);
void th_user_release(th_user *u);

/* Signs up through auth (must answer 200 "success"); u is overwritten, release it. */
#define th_signup_as(auth, u, email, password, name)                                               \
    th_signup_as_at(__FILE__, __LINE__, (auth), (u), (email), (password), (name))
void th_signup_as_at(const char *file, int line, th_api auth, th_user *u, const char *email,
                     const char *password, const char *name);
/* A new LEARNER: unique email from tag, TH_USER_PASSWORD, name "Test <tag>". */
#define th_signup(auth, u, tag) th_signup_at(__FILE__, __LINE__, (auth), (u), (tag))
void th_signup_at(const char *file, int line, th_api auth, th_user *u, const char *tag);
/* Signs in; returns the HTTP status and, on 200, takes the user and tokens into u (email and
 * password are left as they are). For tests about the answer itself. */
long th_signin(th_api auth, th_user *u, const char *email, const char *password);
/* Signs in, which must answer 200 "success"; u is overwritten (email and password as given). */
#define th_signin_ok(auth, u, email, password)                                                     \
    th_signin_ok_at(__FILE__, __LINE__, (auth), (u), (email), (password))
void th_signin_ok_at(const char *file, int line, th_api auth, th_user *u, const char *email,
                     const char *password);
/* The dev admin (all four roles), signed in anew. */
#define th_signin_admin(auth, u) th_signin_ok((auth), (u), TH_ADMIN_EMAIL, TH_ADMIN_PASSWORD)
/* Replaces a user's roles (roles_json: a JSON array such as ["AUTHOR","EDITOR"]) as admin; must
 * answer 200 "roles updated successfully". */
#define th_grant_roles(auth, admin_token, user_id, roles_json)                                     \
    th_grant_roles_at(__FILE__, __LINE__, (auth), (admin_token), (user_id), (roles_json))
void th_grant_roles_at(const char *file, int line, th_api auth, const char *admin_token,
                       const char *user_id, const char *roles_json);

/* ---- service binaries and private instances ---- */

/* $CMICRO_BUILD_DIR/services/<service>/<service>-service for "auth" or "blog" (heap, caller
 * frees). */
char *th_service_bin(const char *service);
/* Runs the service binary with the stack's env file (AUTH_ENV_FILE / BLOG_ENV_FILE as ENV_FILE),
 * the NULL-terminated "NAME=VALUE" settings env and the NULL-terminated args (both may be NULL);
 * output to log. The PID, or -1. */
pid_t th_service_spawn(const char *service, const char *const *env, const char *const *args,
                       const char *log);
/* Runs the service binary like th_service_spawn and waits for it (a minute at most): its exit
 * status (128 + signal when killed), with stdout and stderr in *out (caller frees). */
int th_service_run(const char *service, const char *const *env, const char *const *args,
                   char **out);
/* The line of out that is a 48-character hex API key, as create-apikey prints it (heap), or
 * NULL when there is none. */
char *th_find_apikey(const char *out);

typedef struct {
    pid_t pid;
    int port;
    char *dir; /* temp dir with the log (owned, removed by th_instance_stop) */
    char *log;
    th_api api; /* {port}: where to call it */
} th_instance;

/* Starts a private instance of service on a free port with the stack's env file and the
 * "NAME=VALUE" overrides env (NULL-terminated, may be NULL), and waits until /health answers
 * (200 or 503: a dependency may be down on purpose). Fails the test when it does not. */
void th_instance_start(th_instance *in, const char *service, const char *const *env);
/* Stops it by PID and removes its dir; harmless on a zeroed or stopped instance. */
void th_instance_stop(th_instance *in);

#endif
