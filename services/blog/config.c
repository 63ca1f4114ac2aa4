#include "config.h"

#include "micro/service.h"

const mf_cfg_opt blog_config_opts[] = {
    /* HTTP_THREADS 8, like auth-service. It was 16 while every author/editor request waited about
     * 1 ms for auth.authentication over NATS (authenticated cached list, wrk straight to the
     * service, 2 cores: 4.8k req/s with 8 threads, 5.6k with 16). With the auth cache a handler
     * waits only for Redis, and 8 threads measured as fast or faster (cached read 18.2-20.1k vs
     * 17.2-18.0k req/s, authenticated list 16.6-18.5k vs 13.7-18.4k) with 1.4 MB less peak RSS. */
    MF_SERVICE_CFG_ROWS("8081", "8"),
    MF_SERVICE_OBS_CFG_ROWS,
    {"MONGO_URI", MF_CFG_SECRET, "mongodb://127.0.0.1:27017", 1, 4096, "MongoDB/FerretDB URI"},
    {"MONGO_DB", MF_CFG_STR, "blogs", 1, 64, "database name"},
    {"MONGO_TIMEOUT_MS", MF_CFG_INT, "2000", 100, 60000,
     "server selection and connect timeout (unless set in MONGO_URI)"},
    {"MONGO_SOCKET_TIMEOUT_MS", MF_CFG_INT, "10000", 100, 600000,
     "socket timeout of one operation (unless set in MONGO_URI)"},
    {"MONGO_START_TIMEOUT_S", MF_CFG_INT, "60", 1, 3600,
     "how long start-up waits for MongoDB to create indexes"},
    /* Shorter than BREAKER_OPEN_MS (5 s): MongoDB outages are mostly restarts of a few seconds,
     * and a 5 s open time kept reads refused for 4.5 s after a 3 s restart had ended (make
     * chaos, restart-mongo: 161 x 503 against 5 without the breaker; 23 and no tail with 1 s).
     * A probe costs one request at most MONGO_TIMEOUT_MS while the rest get 503 at once. */
    {"MONGO_BREAKER_OPEN_MS", MF_CFG_INT, "1000", 100, 600000,
     "time the MongoDB circuit breaker stays open before a probe"},
    {"AUTH_TIMEOUT_MS", MF_CFG_INT, "2000", 10, 60000, "auth-service NATS request timeout"},
    /* 30 s: long enough that a busy token is asked for twice a minute, short enough to bound
     * the one stale case (auth-service could not announce a change on NATS). */
    {"AUTH_CACHE_TTL_S", MF_CFG_INT, "30", 0, 3600,
     "how long an authenticated token skips the auth-service round trip (0: always ask)"},
    {"AUTH_CACHE_MAX", MF_CFG_INT, "1024", 0, 1000000, "tokens kept by that cache"},
    /* API.md says 10; 0 is for benchmarks that measure comment creation itself. */
    {"COMMENTS_PER_MINUTE", MF_CFG_INT, "10", 0, 1000000,
     "comments one user may create in any 60 s (0: no limit)"},
};

const size_t blog_config_nopts = sizeof blog_config_opts / sizeof blog_config_opts[0];
