#include "tag_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "micro/alloc.h"
#include "micro/cache_cmd.h"
#include "micro/log.h"

#define TAGS_KEY   "blog:tags"
#define WRITES_KEY "blog:tags:writes"
#define BUILD_KEY  "blog:tags:build"
#define LOCK_KEY   "blog:tags:lock"
#define LOCK_TTL   "120000"

/* KEYS: set, counter. ARGV: tag, delta, tag, delta, ... The counter moves first, so a
 * rebuild that started before this change cannot be installed after it. */
static const char *const apply_lua =
    "redis.call('INCR', KEYS[2]) "
    "if not redis.call('ZSCORE', KEYS[1], '') then return 0 end "
    "for i = 1, #ARGV, 2 do "
    "  local v = redis.call('ZINCRBY', KEYS[1], -tonumber(ARGV[i + 1]), ARGV[i]) "
    "  if tonumber(v) >= 0 then redis.call('ZREM', KEYS[1], ARGV[i]) end "
    "end return 1";

int blog_tag_index_apply(blog_ctx *ctx, const json_t *deltas)
{
    size_t n = json_object_size(deltas);
    if (n == 0)
        return 0;
    /* a blog has at most BLOG_TAGS_MAX tags on each side of a write: 2 * 20 pairs fit */
    const char *argv[MF_CACHE_CMD_MAX_ARGS];
    char nums[(MF_CACHE_CMD_MAX_ARGS - 5) / 2][24];
    int argc = 0;
    argv[argc++] = "EVAL";
    argv[argc++] = apply_lua;
    argv[argc++] = "2";
    argv[argc++] = TAGS_KEY;
    argv[argc++] = WRITES_KEY;
    const char *tag;
    json_t *d;
    size_t k = 0;
    json_object_foreach((json_t *)deltas, tag, d)
    {
        if (json_integer_value(d) == 0)
            continue;
        if (argc + 2 > MF_CACHE_CMD_MAX_ARGS)
            return blog_tag_index_invalidate(ctx); /* more than fits: recount instead */
        snprintf(nums[k], sizeof nums[k], "%lld", (long long)json_integer_value(d));
        argv[argc++] = tag;
        argv[argc++] = nums[k++];
    }
    if (argc == 5)
        return 0;
    return mf_cache_cmd_int(ctx->cache, argc, argv, NULL);
}

int blog_tag_index_invalidate(blog_ctx *ctx)
{
    const char *iargv[] = {"INCR", WRITES_KEY};
    int rc = mf_cache_cmd_int(ctx->cache, 2, iargv, NULL);
    const char *argv[] = {"ZREM", TAGS_KEY, ""};
    if (rc == 0)
        rc = mf_cache_cmd_int(ctx->cache, 3, argv, NULL);
    return rc;
}

/* {"1", tag, score, ...} when complete, {"0"} when not. ARGV: first and last index. */
static const char *const range_lua =
    "if not redis.call('ZSCORE', KEYS[1], '') then return {'0'} end "
    "local r = redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[2], 'WITHSCORES') "
    "table.insert(r, 1, '1') return r";

static int range(blog_ctx *ctx, const char *first, const char *last, json_t **tags, bool *complete)
{
    *tags = NULL;
    *complete = false;
    const char *argv[] = {"EVAL", range_lua, "1", TAGS_KEY, first, last};
    char **items = NULL;
    size_t n = 0;
    int rc = mf_cache_cmd_strings(ctx->cache, 6, argv, &items, &n);
    if (rc != 0)
        return rc;
    if (n > 0 && strcmp(items[0], "1") == 0) {
        *complete = true;
        json_t *arr = json_array();
        for (size_t i = 1; i + 1 < n; i += 2)
            json_array_append_new(arr, json_pack("{s:s,s:I}", "tag", items[i], "count",
                                                 (json_int_t)-strtoll(items[i + 1], NULL, 10)));
        *tags = arr;
    }
    mf_cache_strings_free(items, n);
    return 0;
}

int blog_tag_index_all(blog_ctx *ctx, json_t **tags, bool *complete)
{
    return range(ctx, "1", "-1", tags, complete);
}

int blog_tag_index_page(blog_ctx *ctx, long offset, long limit, json_t **tags, bool *complete)
{
    char first[24], last[24];
    snprintf(first, sizeof first, "%ld", offset + 1);
    snprintf(last, sizeof last, "%ld", offset + limit);
    return range(ctx, first, last, tags, complete);
}

int blog_tag_index_rebuild_begin(blog_ctx *ctx, bool *won, long long *writes)
{
    *won = false;
    *writes = 0;
    const char *largv[] = {"SET", LOCK_KEY, "1", "NX", "PX", LOCK_TTL};
    long long got = 0;
    int rc = mf_cache_cmd_int(ctx->cache, 6, largv, &got);
    if (rc != 0 || !got)
        return rc;
    const char *gargv[] = {"GET", WRITES_KEY};
    rc = mf_cache_cmd_int(ctx->cache, 2, gargv, writes);
    if (rc != 0) {
        const char *dargv[] = {"DEL", LOCK_KEY};
        mf_cache_cmd_int(ctx->cache, 2, dargv, NULL);
        return rc;
    }
    *won = true;
    return 0;
}

/* Installs the built set when the change counter still says ARGV[1]. KEYS: set, build,
 * counter. */
static const char *const install_lua =
    "if tonumber(redis.call('GET', KEYS[3]) or '0') ~= tonumber(ARGV[1]) then "
    "  redis.call('DEL', KEYS[2]) return 0 end "
    "redis.call('RENAME', KEYS[2], KEYS[1]) return 1";

int blog_tag_index_rebuild_finish(blog_ctx *ctx, long long writes, const json_t *counts,
                                  bool *installed)
{
    *installed = false;
    const char *dargv[] = {"DEL", BUILD_KEY};
    int rc = mf_cache_cmd_int(ctx->cache, 2, dargv, NULL);
    const char *argv[MF_CACHE_CMD_MAX_ARGS];
    char nums[(MF_CACHE_CMD_MAX_ARGS - 2) / 2][24];
    int argc = 2;
    argv[0] = "ZADD";
    argv[1] = BUILD_KEY;
    argv[argc++] = "-inf";
    argv[argc++] = "";
    const char *tag;
    json_t *c;
    json_object_foreach((json_t *)counts, tag, c)
    {
        if (rc != 0)
            break;
        snprintf(nums[(argc - 2) / 2], sizeof nums[0], "%lld", -(long long)json_integer_value(c));
        argv[argc] = nums[(argc - 2) / 2];
        argv[argc + 1] = tag;
        argc += 2;
        if (argc + 2 > MF_CACHE_CMD_MAX_ARGS) {
            rc = mf_cache_cmd_int(ctx->cache, argc, argv, NULL);
            argc = 2;
        }
    }
    if (rc == 0 && argc > 2)
        rc = mf_cache_cmd_int(ctx->cache, argc, argv, NULL);
    if (rc == 0) {
        char w[24];
        snprintf(w, sizeof w, "%lld", writes);
        const char *iargv[] = {"EVAL", install_lua, "3", TAGS_KEY, BUILD_KEY, WRITES_KEY, w};
        long long ok = 0;
        rc = mf_cache_cmd_int(ctx->cache, 7, iargv, &ok);
        *installed = rc == 0 && ok == 1;
    }
    const char *largv[] = {"DEL", LOCK_KEY};
    mf_cache_cmd_int(ctx->cache, 2, largv, NULL);
    if (rc != 0)
        mf_log_warn(NULL, "tag index rebuild failed: redis unavailable");
    return rc;
}
