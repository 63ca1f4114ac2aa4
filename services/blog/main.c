/*
 * blog-service: loads the configuration, opens MongoDB, Redis and NATS, creates the indexes,
 * starts the user-event consumer, mounts the routes and serves until SIGINT/SIGTERM.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "micro/breaker.h"
#include "micro/cache.h"
#include "micro/clock.h"
#include "micro/config.h"
#include "micro/http.h"
#include "micro/log.h"
#include "micro/nats.h"
#include "micro/service.h"

#include "guard.h"
#include "blog.h"
#include "config.h"
#include "contract.h"
#include "events.h"
#include "mongo.h"
#include "readmodel.h"
#include "routes.h"
#include "store_blog.h"
#include "store_comments.h"

#define NATS_CONNECT_TIMEOUT_MS 5000
#define REDIS_TIMEOUT_MS        500
#define BLOG_VERSION            "1.1.0"

/* Indexes exist before the service reports healthy: retry while MongoDB starts. */
static int ensure_indexes(blog_mongo *m, long timeout_s)
{
    int64_t deadline = mf_mono_ms() + timeout_s * 1000;
    for (;;) {
        int rc = blog_store_ensure_indexes(m);
        if (rc == 0)
            rc = blog_store_comments_ensure_indexes(m);
        if (rc == 0)
            return 0;
        if (mf_mono_ms() >= deadline)
            return rc;
        mf_log_warn(NULL, "creating indexes failed, retrying");
        nanosleep(&(struct timespec){.tv_nsec = 500 * 1000 * 1000}, NULL);
    }
}

int main(int argc, char **argv)
{
    mf_service_process_init();
    mf_config *cfg =
        mf_config_load(blog_config_opts, blog_config_nopts, argc, argv, "blog-service");
    mf_service_log_init(cfg, "blog-service");

    int rc = 1;
    blog_ctx ctx = {.cfg = cfg,
                    .auth_timeout_ms = (int)mf_config_int(cfg, "AUTH_TIMEOUT_MS"),
                    .comments_per_minute = (int)mf_config_int(cfg, "COMMENTS_PER_MINUTE")};
    atomic_init(&ctx.cache_dirty, false);
    atomic_init(&ctx.rm_dirty, false);
    atomic_init(&ctx.comments_dirty, false);
    atomic_init(&ctx.tags_dirty, false);
    ctx.auth_cache = blog_auth_cache_new((size_t)mf_config_int(cfg, "AUTH_CACHE_MAX"),
                                         mf_config_int(cfg, "AUTH_CACHE_TTL_S") * 1000);
    mf_server *srv = NULL;

    ctx.mongo = blog_mongo_new(mf_config_str(cfg, "MONGO_URI"), mf_config_str(cfg, "MONGO_DB"),
                               (int)mf_config_int(cfg, "MONGO_TIMEOUT_MS"),
                               (int)mf_config_int(cfg, "MONGO_SOCKET_TIMEOUT_MS"));
    if (!ctx.mongo)
        goto out;
    /* After a run of failures neither MongoDB nor auth-service is waited for: 503 at once,
     * one probe at a time, until it answers again. Index creation at start-up is not behind
     * the breaker (it waits for MongoDB on purpose). */
    mf_breaker_opts bo;
    mf_service_breaker_opts(cfg, &bo);
    mf_breaker_opts mongo_bo = bo;
    mongo_bo.open_ms = (int)mf_config_int(cfg, "MONGO_BREAKER_OPEN_MS");
    blog_mongo_set_breaker(ctx.mongo, &mongo_bo);
    if (ensure_indexes(ctx.mongo, mf_config_int(cfg, "MONGO_START_TIMEOUT_S")) != 0) {
        mf_log_error(NULL, "MongoDB unreachable: cannot create indexes");
        goto out;
    }
    int threads = (int)mf_config_int(cfg, "HTTP_THREADS");
    ctx.cache = mf_service_cache(cfg, REDIS_TIMEOUT_MS, threads);
    mf_cache_set_name(ctx.cache, "blog");
    ctx.nats = mf_service_nats(cfg, "blog-service", NATS_CONNECT_TIMEOUT_MS);
    if (!ctx.nats) {
        mf_log_error(NULL, "cannot connect to NATS");
        goto out;
    }
    mf_nats_breaker(ctx.nats, CMICRO_SUBJECT_AUTHENTICATION, &bo);
    if (blog_events_start(&ctx) != 0)
        goto out;
    /* before the first request: a fresh Redis gets its read models rebuilt at once */
    if (!blog_rm_worker_start(&ctx))
        goto out;

    mf_server_opts opts;
    mf_service_server_opts(cfg, "blog-service", &opts);
    opts.guard = blog_guard;
    opts.app = &ctx;
    srv = mf_server_new(&opts);
    if (!srv || mf_server_mount(srv, blog_routes, blog_routes_count) != 0)
        goto out;
    mf_server_add_health(srv, "mongo", blog_mongo_ping, ctx.mongo);
    mf_server_add_health(srv, "redis", mf_cache_ping, ctx.cache);
    mf_server_add_health(srv, "nats", mf_nats_ping, ctx.nats);
    if (mf_server_start(srv) != 0) {
        mf_log_error(NULL, "cannot listen on %s:%ld", opts.host, mf_config_int(cfg, "PORT"));
        goto out;
    }
    mf_log_info(NULL, "listening on %s:%d", opts.host, mf_server_port(srv));
    if (mf_service_announce(cfg, ctx.nats, srv, "blog", BLOG_VERSION,
                            "blogs, the publication workflow, lists") != 0)
        mf_log_warn(NULL, "service discovery not started");
    mf_server_run_until_signal(srv);
    rc = 0;
out:
    mf_server_free(srv);
    blog_rm_worker_stop(ctx.rm_worker);
    mf_nats_free(ctx.nats);
    blog_auth_cache_free(ctx.auth_cache); /* after the last auth.invalidate handler returned */
    mf_cache_free(ctx.cache);
    blog_mongo_free(ctx.mongo);
    mf_config_free(cfg);
    return rc;
}
