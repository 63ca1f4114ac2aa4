/*
 * Integration-test harness: temp dirs, free ports, starting and stopping real servers by
 * PID, polling with deadlines (never fixed sleeps), and the local stack's addresses.
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
/* Polls until 127.0.0.1:port accepts a connection. 0, or -1 after timeout_ms. */
int th_wait_port(int port, int timeout_ms);
typedef bool (*th_cond_fn)(void *ctx);
/* Calls cond(ctx) every 20 ms until it returns true or timeout_ms passed. Returns the last result.
 */
bool th_poll(th_cond_fn cond, void *ctx, int timeout_ms);

typedef struct {
    pid_t pid;
    int port;
    char *dir; /* owned; removed by th_server_stop */
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

/* The local stack started by the ctest "stack" fixture: value of NAME in $CMICRO_STACK_ENV
 * (e.g. "AUTH_PORT", "GATEWAY_PORT", "DEV_API_KEY"). Aborts the test when missing. */
const char *th_stack(const char *name);

#endif
