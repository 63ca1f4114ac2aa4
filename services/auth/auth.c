#include "auth.h"

#include <string.h>

void auth_ctx_init(auth_ctx *ctx, const mf_config *cfg)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->cfg = cfg;
    ctx->issuer = mf_config_str(cfg, "TOKEN_ISSUER");
    ctx->audience = mf_config_str(cfg, "TOKEN_AUDIENCE");
    ctx->access_validity_s = mf_config_int(cfg, "ACCESS_TOKEN_VALIDITY_SEC");
    ctx->refresh_validity_s = mf_config_int(cfg, "REFRESH_TOKEN_VALIDITY_SEC");
    ctx->bcrypt_cost = (int)mf_config_int(cfg, "BCRYPT_COST");
    ctx->cache_ttl_s = (int)mf_config_int(cfg, "SESSION_CACHE_TTL_S");
    ctx->signin_max_per_addr = (int)mf_config_int(cfg, "SIGNIN_MAX_PER_ADDR");
    ctx->signin_max_failures = (int)mf_config_int(cfg, "SIGNIN_MAX_FAILURES");
}
