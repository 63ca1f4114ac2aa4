#include "config.h"

#include "micro/service.h"

#include <stdbool.h>
#include <string.h>

#define DAY_S 86400L

const mf_cfg_opt auth_config_opts[] = {
    MF_SERVICE_CFG_ROWS("8080", "8"),
    MF_SERVICE_OBS_CFG_ROWS,
    {"NATS_WORKERS", MF_CFG_INT, "4", 1, 64, "parallel subscriptions per NATS endpoint"},
    {"DB_HOST", MF_CFG_STR, "127.0.0.1", 1, 255, "PostgreSQL host"},
    {"DB_PORT", MF_CFG_INT, "5432", 1, 65535, "PostgreSQL port"},
    {"DB_NAME", MF_CFG_STR, "auth", 1, 63, "PostgreSQL database"},
    {"DB_USER", MF_CFG_STR, "postgres", 1, 63, "PostgreSQL user"},
    {"DB_PASSWORD", MF_CFG_SECRET, "", 0, 0, "PostgreSQL password"},
    {"DB_POOL_SIZE", MF_CFG_INT, "8", 1, 256, "PostgreSQL connections"},
    {"DB_WAIT_S", MF_CFG_INT, "30", 0, 3600, "how long to wait for PostgreSQL at start"},
    {"RSA_PRIVATE_KEY_PATH", MF_CFG_STR, "", 0, 4096, "PEM private key signing tokens (required)"},
    {"RSA_PUBLIC_KEY_PATH", MF_CFG_STR, "", 0, 4096, "PEM public key verifying tokens (required)"},
    {"TOKEN_ISSUER", MF_CFG_STR, "api.goserve.afteracademy.com", 1, 255, "JWT iss"},
    {"TOKEN_AUDIENCE", MF_CFG_STR, "goserve.afteracademy.com", 1, 255, "JWT aud"},
    {"ACCESS_TOKEN_VALIDITY_SEC", MF_CFG_INT, "172800", 1, 365 * DAY_S, "access token lifetime"},
    {"REFRESH_TOKEN_VALIDITY_SEC", MF_CFG_INT, "604800", 1, 3650 * DAY_S,
     "refresh token (session) lifetime"},
    {"BCRYPT_COST", MF_CFG_INT, "10", 4, 16, "bcrypt cost of new password hashes"},
    {"SESSION_CLEANUP_INTERVAL_S", MF_CFG_INT, "300", 1, DAY_S,
     "period of the expired-session cleanup"},
    {"SESSION_CACHE_TTL_S", MF_CFG_INT, "600", 1, DAY_S, "longest life of a cached session"},
    {"SIGNIN_MAX_PER_ADDR", MF_CFG_INT, "60", 0, 1000000,
     "sign-in attempts a minute per client address through the gateway (0: no limit)"},
    {"SIGNIN_MAX_FAILURES", MF_CFG_INT, "10", 0, 1000000,
     "failed sign-in attempts a minute per email (0: no limit)"},
};
const size_t auth_config_nopts = sizeof(auth_config_opts) / sizeof(auth_config_opts[0]);

mf_config *auth_config_load(int argc, char **argv)
{
    /* Subcommands and their flags are not configuration: only --help is passed on. */
    bool help = argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0);
    return mf_config_load(auth_config_opts, auth_config_nopts, help ? argc : 1, argv,
                          "auth-service");
}
