/*
 * The gateway tests' own nginx: gateway/nginx.conf.in rendered by gateway/render with chosen
 * upstreams and settings, started on a free port in a temp dir and stopped by PID; and raw
 * HTTP for requests a client library would normalise or refuse to send.
 */
#ifndef TH_GATEWAY_H
#define TH_GATEWAY_H

#include <sys/types.h>

#include "micro/banned.h"

typedef struct {
    char *dir;
    int port;
    pid_t pid;
} th_gateway;

/* Renders the gateway with the given upstream ports and extra render variables ("NAME=value",
 * NULL-terminated, may be NULL) and starts nginx on a free port; fails the test otherwise. */
void th_gw_start(th_gateway *g, int auth_upstream, int blog_upstream, const char *const *vars);
/* Stops it (by PID) and removes its directory; idempotent. */
void th_gw_stop(th_gateway *g);

/* A loopback TCP socket listening on a free port (*port), never accepting by itself: a silent
 * upstream, or one the test accepts on. The caller closes it. */
int th_loopback_listener(int *port);

/* How many /verify/apikey requests auth-service (the stack's first replica, port auth_port)
 * has logged with a request id starting with prefix: complete for everything sent before the
 * call (a sentinel request is logged after them). */
int th_verify_count(int auth_port, const char *prefix);

/* Sends request (raw bytes) to 127.0.0.1:port and returns the whole response, read until the
 * server closes or 5 s pass (heap, caller frees; "" when nothing came back). */
char *th_raw_http(int port, const char *request);

#endif
