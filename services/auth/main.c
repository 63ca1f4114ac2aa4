/*
 * auth-service: loads the configuration, opens PostgreSQL (applying migrations), Redis and
 * NATS, mounts the routes and the NATS endpoints, and serves until SIGINT/SIGTERM. With a
 * subcommand (migrate, seed-dev, ...) it runs that instead: see cli.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "cleanup.h"
#include "cli.h"
#include "config.h"
#include "contract.h"
#include "events.h"
#include "handlers.h"
#include "micro/error.h"
#include "micro/http.h"
#include "micro/log.h"
#include "micro/service.h"
#include "migrate.h"
#include "nats_endpoints.h"
#include "password.h"
#include "relay.h"
#include "routes.h"
#include "session_cache.h"

#define NATS_CONNECT_TIMEOUT_MS 5000
/* A CLI command only announces what it did: it must not wait long for a NATS that is down. */
#define CLI_NATS_TIMEOUT_MS 1000
#define CACHE_TIMEOUT_MS    500
/* How long a CLI command waits to send the events it queued before it exits; what is left
 * is sent by the serving replicas' relays (they poll the outbox). */
#define CLI_RELAY_TIMEOUT_MS 3000
#define AUTH_VERSION         "1.1.0"

static auth_db *open_db(const mf_config *cfg)
{
    mf_breaker_opts bo;
    mf_service_breaker_opts(cfg, &bo);
    auth_db_opts o = {
        .breaker = &bo,
        .host = mf_config_str(cfg, "DB_HOST"),
        .port = (int)mf_config_int(cfg, "DB_PORT"),
        .name = mf_config_str(cfg, "DB_NAME"),
        .user = mf_config_str(cfg, "DB_USER"),
        .password = mf_config_str(cfg, "DB_PASSWORD"),
        .pool_size = (int)mf_config_int(cfg, "DB_POOL_SIZE"),
        .connect_timeout_s = 3,
    };
    return auth_db_new(&o);
}

static mf_cache *open_cache(const mf_config *cfg)
{
    return mf_service_cache(cfg, CACHE_TIMEOUT_MS, (int)mf_config_int(cfg, "HTTP_THREADS"));
}

static mf_nats *open_nats(const mf_config *cfg)
{
    mf_nats *n = mf_service_nats(cfg, "auth-service", NATS_CONNECT_TIMEOUT_MS);
    /* NATS being down is not fatal: the handle reconnects, health reports it, and the stream
     * is created on the first publish. */
    if (n && auth_events_init(n) != 0)
        mf_log_warn(NULL, "JetStream stream %s not ensured yet", CMICRO_STREAM_USERS);
    return n;
}

/* NATS for a CLI command that announces its changes; without it the command still runs, its
 * invalidations are logged as not sent and its events stay in the outbox (sent by the relay
 * of a serving replica). */
static mf_nats *open_cli_nats(const mf_config *cfg)
{
    mf_nats *n = mf_service_nats(cfg, "auth-service", CLI_NATS_TIMEOUT_MS);
    if (n && !mf_nats_connected(n))
        mf_log_warn(NULL, "NATS not reachable: this command's invalidations will not be sent;"
                          " its user events wait in the outbox for a serving auth-service");
    return n;
}

static int serve_requests(auth_ctx *ctx);

static int serve(auth_ctx *ctx)
{
    const mf_config *cfg = ctx->cfg;
    char *err = NULL;
    ctx->keys = auth_keys_load(mf_config_str(cfg, "RSA_PRIVATE_KEY_PATH"),
                               mf_config_str(cfg, "RSA_PUBLIC_KEY_PATH"), &err);
    if (!ctx->keys) {
        fprintf(stderr, "auth-service: %s\n", err);
        free(err);
        return 2;
    }
    auth_password_set_dummy_cost(ctx->bcrypt_cost);
    int rc = auth_migrate_when_ready(ctx->db, (int)mf_config_int(cfg, "DB_WAIT_S") * 1000);
    if (rc != 0) {
        mf_log_error(NULL, "PostgreSQL not ready: %s", mf_err_name(rc));
        return 1;
    }
    ctx->cache = open_cache(cfg);
    mf_cache_set_name(ctx->cache, "auth");
    ctx->vcache = auth_session_cache_new(ctx);
    if (!(ctx->nats = open_nats(cfg))) {
        mf_log_error(NULL, "invalid NATS_URL %s", mf_config_str(cfg, "NATS_URL"));
        return 1;
    }
    /* Before anything can take a request: the operations poke ctx->relay, read unlocked. */
    if (!(ctx->relay = auth_relay_start(ctx)))
        mf_log_warn(NULL, "outbox relay not started: events wait for another replica");
    rc = serve_requests(ctx);
    /* after the server: no request pokes a freed relay */
    auth_relay_stop(ctx->relay);
    ctx->relay = NULL;
    return rc;
}

/* The NATS endpoints and the HTTP server of serve, until a signal. */
static int serve_requests(auth_ctx *ctx)
{
    const mf_config *cfg = ctx->cfg;
    if (auth_nats_endpoints_serve(ctx, (int)mf_config_int(cfg, "NATS_WORKERS")) != 0) {
        mf_log_error(NULL, "cannot subscribe the NATS endpoints");
        return 1;
    }
    mf_server_opts so;
    mf_service_server_opts(cfg, "auth-service", &so);
    so.guard = auth_guard;
    so.app = ctx;
    mf_server *srv = mf_server_new(&so);
    if (!srv || mf_server_mount(srv, auth_routes, auth_routes_count) != 0) {
        mf_server_free(srv);
        return 1;
    }
    mf_server_add_health(srv, "postgres", auth_db_ping, ctx->db);
    mf_server_add_health(srv, "redis", mf_cache_ping, ctx->cache);
    mf_server_add_health(srv, "nats", mf_nats_ping, ctx->nats);
    if (mf_server_start(srv) != 0) {
        mf_log_error(NULL, "cannot listen on %s:%d", so.host, so.port);
        mf_server_free(srv);
        return 1;
    }
    /* Discovery ($SRV.*) after the server is up, so its address is known. */
    if (mf_service_announce(cfg, ctx->nats, srv, "auth", AUTH_VERSION,
                            "users, roles, sessions, API keys") != 0)
        mf_log_warn(NULL, "service discovery not started");
    auth_cleanup *cleanup =
        auth_cleanup_start(ctx, (int)mf_config_int(cfg, "SESSION_CLEANUP_INTERVAL_S"));
    mf_server_run_until_signal(srv);
    auth_cleanup_stop(cleanup);
    mf_server_stop(srv);
    mf_server_free(srv);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
        printf("auth-service [migrate | seed-dev | create-apikey [--comment C] |"
               " disable-apikey KEY |\n              create-admin --email E --password P"
               " --name N]\nWithout a command it serves HTTP and NATS.\n\n");
    mf_service_process_init();
    mf_config *cfg = auth_config_load(argc, argv);
    mf_service_log_init(cfg, "auth-service");
    auth_ctx ctx;
    auth_ctx_init(&ctx, cfg);
    ctx.db = open_db(cfg);
    int rc;
    if (argc > 1) {
        ctx.cache = open_cache(cfg);
        ctx.vcache = auth_session_cache_new(&ctx);
        if (auth_cli_announces(argv[1]))
            ctx.nats = open_cli_nats(cfg);
        rc = auth_cli_run(&ctx, argc, argv);
        /* Sends what the command queued (user.created of create-admin, ...) now when NATS
         * is there; otherwise, or for what is left, a serving replica's relay does. */
        if (ctx.nats && mf_nats_connected(ctx.nats) &&
            !auth_relay_drain(&ctx, CLI_RELAY_TIMEOUT_MS))
            mf_log_warn(NULL, "outbox not drained: a serving auth-service sends the rest");
    } else {
        rc = serve(&ctx);
    }
    mf_nats_free(ctx.nats);
    mf_nats_shutdown();
    mf_vcache_free(ctx.vcache);
    mf_cache_free(ctx.cache);
    auth_db_free(ctx.db);
    auth_keys_free(ctx.keys);
    mf_config_free(cfg);
    return rc;
}
