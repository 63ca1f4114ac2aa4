#include "throttle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "micro/alloc.h"
#include "micro/cache.h"
#include "micro/log.h"

#define WINDOW_S "60"

/* KEYS[1] the window's counter; ARGV[1] 1 to count this call, 0 to read; ARGV[2] the window.
 * Returns count * 1000 + the window's seconds left (a window starts with its first count). */
static const char WINDOW_SCRIPT[] = "local n "
                                    "if ARGV[1] == '1' then n = redis.call('INCR', KEYS[1]) "
                                    "else n = tonumber(redis.call('GET', KEYS[1]) or '0') end "
                                    "local t = redis.call('TTL', KEYS[1]) "
                                    "if n > 0 and t < 0 then "
                                    "redis.call('EXPIRE', KEYS[1], ARGV[2]) t = tonumber(ARGV[2]) "
                                    "end "
                                    "if t < 0 then t = 0 end "
                                    "return n * 1000 + t";

/* Emails are not put into key names as they are (private data in Redis keys): a digest. */
static char *email_key(const char *email)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_Digest(email, strlen(email), md, &len, EVP_sha256(), NULL);
    char hex[33];
    for (unsigned i = 0; i < 16 && i < len; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return mf_asprintf("auth:signin:email:%s", hex);
}

/* The window's count and seconds left; -1 when Redis could not be asked. */
static long long window(auth_ctx *ctx, const char *key, bool count, int *left)
{
    const char *keys[] = {key};
    const char *args[] = {count ? "1" : "0", WINDOW_S};
    long long v = 0;
    if (mf_cache_eval_int(ctx->cache, WINDOW_SCRIPT, keys, 1, args, 2, &v) != 0)
        return -1;
    *left = (int)(v % 1000);
    return v / 1000;
}

bool auth_throttle_signin(auth_ctx *ctx, const char *email, const char *client, int *retry_after_s)
{
    *retry_after_s = 0;
    if (!ctx->cache)
        return true;
    int left = 0;
    if (ctx->signin_max_per_addr > 0 && client && *client) {
        char *key = mf_asprintf("auth:signin:addr:%.64s", client);
        long long n = window(ctx, key, true, &left);
        free(key);
        if (n < 0) {
            mf_log_warn(NULL, "sign-in throttle unavailable (Redis): attempt let through");
            return true;
        }
        if (n > ctx->signin_max_per_addr) {
            *retry_after_s = left > 0 ? left : 1;
            return false;
        }
    }
    if (ctx->signin_max_failures > 0) {
        char *key = email_key(email);
        long long n = window(ctx, key, false, &left);
        free(key);
        if (n >= ctx->signin_max_failures) {
            *retry_after_s = left > 0 ? left : 1;
            return false;
        }
    }
    return true;
}

void auth_throttle_signin_failed(auth_ctx *ctx, const char *email)
{
    if (!ctx->cache || ctx->signin_max_failures <= 0)
        return;
    char *key = email_key(email);
    int left = 0;
    window(ctx, key, true, &left);
    free(key);
}
