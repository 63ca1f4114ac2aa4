/*
 * GET /health: pings every registered dependency in turn and reports each as UP or DOWN;
 * one DOWN makes the whole answer 503, so a load balancer takes the replica out. The
 * process's circuit breakers are listed too, without changing the status.
 */
#include <stdlib.h>

#include "http_internal.h"
#include "micro/breaker.h"
#include "micro/clock.h"
#include "micro/log.h"

void mf_server_add_health(mf_server *s, const char *name, mf_health_ping_fn ping, void *ctx)
{
    if (!s || !name || !ping) {
        return;
    }
    /* Registration happens before the server starts; requests only read the table. */
    s->deps = mf_realloc(s->deps, (s->ndeps + 1) * sizeof *s->deps);
    s->deps[s->ndeps++] = (mf_health_dep){.name = mf_strdup(name), .ping = ping, .ctx = ctx};
}

void mf_health_handle(mf_req *req)
{
    const mf_server *s = req->srv;
    json_t *checks = json_object();
    bool all_up = true;
    for (size_t i = 0; i < s->ndeps; i++) {
        bool up = s->deps[i].ping(s->deps[i].ctx) == 0;
        if (!up) {
            all_up = false;
            mf_log_warn(req->id, "health: %s is down", s->deps[i].name);
        }
        json_object_set_new(checks, s->deps[i].name, json_string(up ? "UP" : "DOWN"));
    }
    char ts[32];
    mf_time_format(mf_now_ms(), ts);
    json_t *data = json_object();
    json_object_set_new(data, "timestamp", json_string(ts));
    json_object_set_new(data, "status", json_string(all_up ? "OK" : "DOWN"));
    json_object_set_new(data, "checks", checks);
    json_t *breakers = mf_breakers_json();
    if (json_object_size(breakers) > 0) {
        json_object_set_new(data, "breakers", breakers);
    } else {
        json_decref(breakers);
    }
    if (all_up) {
        mf_respond(req, 200, "success", data);
    } else {
        mf_respond(req, 503, "service unavailable", data);
    }
}
