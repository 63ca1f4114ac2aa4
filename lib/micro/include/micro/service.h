/*
 * What every cmicro service shares: the configuration rows common to all of them (listen
 * address, HTTP limits, logging, NATS, Redis) and opening the framework's parts from them, so
 * that a service's main.c only adds what is its own.
 *
 *   static const mf_cfg_opt opts[] = {
 *       MF_SERVICE_CFG_ROWS("8080", "8"),
 *       {"DB_HOST", MF_CFG_STR, ...},
 *   };
 */
#ifndef MF_SERVICE_H
#define MF_SERVICE_H

#include "micro/banned.h"
#include "micro/breaker.h"
#include "micro/cache.h"
#include "micro/config.h"
#include "micro/http.h"
#include "micro/nats.h"

/* One row per line reads as the table it is. */
// clang-format off
#define MF_SERVICE_CFG_ROWS(default_port, default_threads)                                         \
    {"HOST", MF_CFG_STR, "127.0.0.1", 1, 255, "listen address"},                                   \
    {"PORT", MF_CFG_INT, default_port, 0, 65535, "listen port (0 = any free port)"},               \
    {"HTTP_THREADS", MF_CFG_INT, default_threads, 1, 1024, "HTTP worker threads"},                 \
    {"HTTP_MAX_BODY", MF_CFG_INT, "1048576", 1024, 67108864, "largest request body (bytes)"},      \
    {"HTTP_CONN_TIMEOUT_S", MF_CFG_INT, "30", 1, 3600, "idle connection timeout"},                 \
    {"HTTP_REQUEST_TIMEOUT_MS", MF_CFG_INT, "10000", 100, 600000, "time to receive a body"},       \
    {"LOG_LEVEL", MF_CFG_STR, "info", 0, 0, "debug, info, warn or error"},                         \
    {"NATS_URL", MF_CFG_STR, "nats://127.0.0.1:4222", 1, 1024, "NATS server"},                     \
    {"NATS_USER", MF_CFG_STR, "", 0, 255, "NATS user (empty = no authentication)"},                \
    {"NATS_PASSWORD", MF_CFG_SECRET, "", 0, 0, "NATS password"},                                   \
    {"REDIS_HOST", MF_CFG_STR, "127.0.0.1", 1, 255, "Redis host (this service's cache)"},          \
    {"REDIS_PORT", MF_CFG_INT, "6379", 1, 65535, "Redis port"},                                    \
    {"REDIS_PASSWORD", MF_CFG_SECRET, "", 0, 0, "Redis password (empty = none)"}

/* Rows for circuit breakers and discovery (docs/operations.md), next to the rows above:
 *   MF_SERVICE_CFG_ROWS("8080", "8"), MF_SERVICE_OBS_CFG_ROWS, ... */
#define MF_SERVICE_OBS_CFG_ROWS                                                                    \
    {"BREAKER_FAILURES", MF_CFG_INT, "5", 1, 1000, "failures in a row that open a breaker"},        \
    {"BREAKER_OPEN_MS", MF_CFG_INT, "5000", 100, 600000, "time a breaker stays open"},             \
    {"ADVERTISE_HOST", MF_CFG_STR, "", 0, 255, "host of the HTTP address in $SRV (empty: HOST)"}
// clang-format on

/* Process-wide settings every service wants; call first in main, before any thread starts. */
void mf_service_process_init(void);
/* Sets up logging from LOG_LEVEL for the named service. */
void mf_service_log_init(const mf_config *cfg, const char *service);
/* The service's Redis (REDIS_*), with pool_size connections. Free with mf_cache_free. */
mf_cache *mf_service_cache(const mf_config *cfg, int timeout_ms, int pool_size);
/* The NATS connection (NATS_*), named after the service; NULL only for an invalid URL.
 * Free with mf_nats_free. */
mf_nats *mf_service_nats(const mf_config *cfg, const char *service, int timeout_ms);
/* Breaker options from BREAKER_* (MF_SERVICE_OBS_CFG_ROWS). */
void mf_service_breaker_opts(const mf_config *cfg, mf_breaker_opts *out);
/* Declares the service for discovery (micro/discovery.h) with metadata "http" = the started
 * server's address (ADVERTISE_HOST, else HOST, else the host name when HOST is a wildcard;
 * ":port"), which cmicro-ctl health checks. Call after mf_server_start. 0 or as
 * mf_discovery_start. */
int mf_service_announce(const mf_config *cfg, mf_nats *n, const mf_server *srv, const char *name,
                        const char *version, const char *description);
/* Fills the HTTP server options from HOST, PORT and HTTP_*; guard and app are the caller's. */
void mf_service_server_opts(const mf_config *cfg, const char *service, mf_server_opts *out);

#endif
