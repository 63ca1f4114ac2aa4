/*
 * Integration-test harness: temp dirs, free ports, starting and stopping real servers by
 * PID, polling with deadlines (never fixed sleeps), reading the files servers write (env
 * files, logs), the local stack's addresses, and a whole stack of a test's own.
 * Service-level helpers (HTTP calls with envelope checks, users, service instances) are in
 * api.h.
 */
#ifndef TH_HARNESS_H
#define TH_HARNESS_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "micro/banned.h"

/* New empty directory under $TMPDIR (or /tmp). Caller frees the string; th_rmrf removes it. */
char *th_tmpdir(const char *prefix);
void th_rmrf(const char *dir);
/* A TCP port on 127.0.0.1 that nobody listens on right now. */
int th_free_port(void);
/* Starts argv[0] (searched in PATH) with stdout/stderr to log_path. -1 on failure. */
pid_t th_spawn(const char *const argv[], const char *log_path);
/* SIGTERM, wait up to timeout_ms, then SIGKILL. Returns the exit status or -1. */
int th_stop(pid_t pid, int timeout_ms);
/* Waits for a child to exit by itself: its exit status (128 + signal when killed by one), or
 * -1 when it did not end within timeout_ms (it is then stopped with th_stop). */
int th_wait_exit(pid_t pid, int timeout_ms);
/* th_spawn, then th_wait_exit: the exit status, -1 when it could not start or timed out. */
int th_run(const char *const argv[], const char *log_path, int timeout_ms);
/* Polls until 127.0.0.1:port accepts a connection. 0, or -1 after timeout_ms. */
int th_wait_port(int port, int timeout_ms);
/* A socket connected to 127.0.0.1:port (caller closes), or -1 with errno set. */
int th_tcp_connect(int port);
typedef bool (*th_cond_fn)(void *ctx);
/* Calls cond(ctx) every 20 ms until it returns true or timeout_ms passed. Returns the last result.
 */
bool th_poll(th_cond_fn cond, void *ctx, int timeout_ms);

typedef struct {
    pid_t pid;
    int port;
    char *dir;    /* owned; removed by th_server_stop */
    char url[48]; /* "nats://127.0.0.1:<port>" or "redis://127.0.0.1:<port>" */
} th_server;

/* redis-server on a free port in a temp dir, ready when it returns 0. */
int th_redis_start(th_server *s);
/* nats-server (JetStream on when jetstream) on a free port in a temp dir. */
int th_nats_start(th_server *s, bool jetstream);
/* Restarts a stopped server on the same port and dir. */
int th_server_restart(th_server *s, bool jetstream);
/* Stops the process by PID (if running) and removes its dir. */
void th_server_stop(th_server *s);
/* Stops only the process (dir kept, so it can be restarted). */
void th_server_kill(th_server *s);

/* ---- files ---- */

/* The whole file, NUL-terminated (heap, caller frees); NULL when it cannot be read. */
char *th_read_file(const char *path);
/* NAME=VALUE lines as written by scripts/stack (blank lines, # comments, "export " and shell
 * quotes tolerated) as a JSON object of strings (caller decrefs); NULL when unreadable. */
json_t *th_env_file_read(const char *path);
/* Value of NAME in such a file (heap, caller frees), or NULL. */
char *th_env_file_value(const char *path, const char *name);
/* Number of lines of path containing needle1 and, unless it is NULL, needle2 (0 when the
 * file cannot be read: a log that does not exist yet has no such line). */
int th_count_lines(const char *path, const char *needle1, const char *needle2);
/* Polls until path has at least n such lines; false after timeout_ms. */
bool th_wait_log(const char *path, const char *needle1, const char *needle2, int n, int timeout_ms);
/* s is exactly len lower-case hex digits (request ids, ObjectIds). */
bool th_is_hex(const char *s, size_t len);

/* The local stack started by the ctest "stack" fixture: value of NAME in $CMICRO_STACK_ENV
 * (e.g. "AUTH_PORT", "GATEWAY_PORT", "DEV_API_KEY"). Aborts the test when missing. */
const char *th_stack(const char *name);
/* "<STACK_DIR>/<rel>" of that stack (heap, caller frees). */
char *th_stack_path(const char *rel);

/* A second local stack, started by the test itself with scripts/stack (e.g. with REPLICAS=2),
 * stopped by PID through the same script. */
typedef struct {
    char *dir;               /* temp dir: env file and the script's logs (owned) */
    char *env_path;          /* the stack's env file (owned) */
    json_t *env;             /* its contents (owned) */
    const char *const *vars; /* NAME=VALUE settings for the script (borrowed) */
} th_own_stack;

/* Starts a stack with vars (NULL-terminated "NAME=VALUE" list, may be NULL) set for the script;
 * tries up to attempts times (a free port may be taken before a server binds it), each within
 * timeout_ms. 0 when it runs and its env file was read; -1 after stopping whatever started
 * (the script's logs stay in s->dir until th_own_stack_release). */
int th_own_stack_start(th_own_stack *s, const char *const *vars, int attempts, int timeout_ms);
/* Value of NAME in its env file, NULL when missing. */
const char *th_own_stack_get(const th_own_stack *s, const char *name);
/* "<its STACK_DIR>/<rel>" (heap, caller frees); NULL when STACK_DIR is missing. */
char *th_own_stack_path(const th_own_stack *s, const char *rel);
/* Stops it (when it was started) and frees everything; s may be zeroed or half-started. */
void th_own_stack_release(th_own_stack *s);

#endif
