/*
 * The auth-service context: configuration and the clients every handler, NATS endpoint and
 * background task shares. Built once by main.c (or cli.c) and read-only afterwards; each
 * client is thread-safe on its own.
 */
#ifndef AUTH_AUTH_H
#define AUTH_AUTH_H

#include "db.h"
#include "keys.h"
#include "micro/cache.h"
#include "micro/config.h"
#include "micro/nats.h"
#include "micro/vcache.h"

/* relay.h */
typedef struct auth_relay auth_relay;

typedef struct {
    const mf_config *cfg;
    auth_db *db;
    mf_cache *cache;   /* session / API-key cache; a miss when Redis is down */
    mf_vcache *vcache; /* the versioned view of cache the sessions and keys use */
    mf_nats *nats;     /* NULL in CLI subcommands that announce nothing (and without NATS_URL) */
    auth_keys *keys;
    auth_relay *relay; /* the outbox relay (serve only; NULL in the CLI): poked after commits */
    const char *issuer;
    const char *audience;
    long access_validity_s;
    long refresh_validity_s;
    int bcrypt_cost;
    int cache_ttl_s;
    int signin_max_per_addr; /* attempts a minute per client address (0: no limit) */
    int signin_max_failures; /* failed attempts a minute per email (0: no limit) */
} auth_ctx;

/* Fills the plain fields of ctx from cfg (clients are opened by the caller). */
void auth_ctx_init(auth_ctx *ctx, const mf_config *cfg);

#endif
