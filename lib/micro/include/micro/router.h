/*
 * Router: method + path patterns with ":name" segments, declared as tables of mf_route.
 * A trailing slash is the same route as without it. Matching is pure logic (no I/O), so
 * it is unit-tested on its own; the HTTP server uses it to dispatch.
 */
#ifndef MF_ROUTER_H
#define MF_ROUTER_H

#include <stddef.h>

#include "micro/banned.h"

typedef struct mf_req mf_req;
typedef void (*mf_handler_fn)(mf_req *req);

typedef struct {
    const char *method;    /* "GET", "POST", "PUT", "DELETE", ... */
    const char *pattern;   /* "/profile/id/:id" */
    mf_handler_fn handler; /* must answer with one of the mf_respond* calls */
    unsigned guard; /* service-defined access flags given to the server's guard; 0 = public */
} mf_route;

#define MF_ROUTER_MAX_PARAMS 8

typedef struct {
    size_t count;
    struct {
        const char *name;        /* NUL-terminated, owned by the router (lives as long as it) */
        const char *value_start; /* points into the matched path */
        size_t value_len;
    } items[MF_ROUTER_MAX_PARAMS];
} mf_params;

typedef struct mf_router mf_router;

mf_router *mf_router_new(void); /* free with mf_router_free */
void mf_router_free(mf_router *r);
/* Adds every row; the table must outlive the router. Returns MF_ERR_INVALID on a malformed
 * pattern or a duplicate method+pattern. */
int mf_router_add(mf_router *r, const mf_route *routes, size_t n);
/* Finds the route for method and path (no query string); NULL when none. Static segments win
 * over parameters. params may be NULL. */
const mf_route *mf_router_match(const mf_router *r, const char *method, const char *path,
                                mf_params *params);
/* Calls fn for each route in insertion order (used by the docs test). */
void mf_router_each(const mf_router *r, void (*fn)(const mf_route *route, void *ctx), void *ctx);

#endif
