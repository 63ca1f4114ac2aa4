/*
 * Service discovery over NATS: the $SRV protocol of the NATS services API (ADR-32, what
 * nats.go's micro package and `nats micro ls` speak). libnats 3.4 has no services API, so
 * lib/micro answers the protocol itself. An instance declared with mf_discovery_start
 * answers $SRV.PING, $SRV.INFO and $SRV.STATS, each also as .<name> and .<name>.<id>, with
 * io.nats.micro.v1.ping_response / info_response / stats_response; its endpoints are the
 * subjects it serves with mf_nats_serve (before or after the declaration), counted on their
 * real request path.
 *
 * The other side is mf_discovery_query: one request, every instance's reply.
 */
#ifndef MF_DISCOVERY_H
#define MF_DISCOVERY_H

#include <jansson.h>

#include "micro/banned.h"
#include "micro/nats.h"

#define MF_DISCOVERY_PING  "io.nats.micro.v1.ping_response"
#define MF_DISCOVERY_INFO  "io.nats.micro.v1.info_response"
#define MF_DISCOVERY_STATS "io.nats.micro.v1.stats_response"

typedef struct {
    const char *name;        /* [A-Za-z0-9_-]+, shared by every replica ("auth") */
    const char *version;     /* semantic version ("1.4.0") */
    const char *description; /* may be NULL */
} mf_discovery_info;

/* Declares this connection an instance of info->name (strings copied) with a new unique id
 * and starts answering $SRV. Once per connection. 0, MF_ERR_INVALID (bad name or version,
 * or declared already) or MF_ERR (subscription failed). */
int mf_discovery_start(mf_nats *n, const mf_discovery_info *info);
/* Adds or replaces a metadata entry (copied) of the instance's replies, e.g. "http" =
 * "host:port" of its HTTP server (what cmicro-ctl health checks). */
void mf_discovery_set_meta(mf_nats *n, const char *key, const char *value);
/* The instance id into out (>= 24 bytes; "" before mf_discovery_start). */
void mf_discovery_id(mf_nats *n, char out[24]);

/* Sends $SRV.<verb>[.<name>[.<id>]] (verb "PING", "INFO" or "STATS"; name and id may be
 * NULL) and collects the replies that arrive within timeout_ms: a JSON array of the reply
 * objects (caller decrefs), NULL when not connected or the request cannot be sent. */
json_t *mf_discovery_query(mf_nats *n, const char *verb, const char *name, const char *id,
                           int timeout_ms);

#endif
