#include "micro/cache_cmd.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "micro/alloc.h"
#include "micro/error.h"
#include "micro/log.h"

#include "cache_internal.h"

/* One command; NULL when Redis is down or answered an error (logged without values). */
static redisReply *run(mf_cache *c, int argc, const char *const *argv)
{
    if (c == NULL || argv == NULL || argc <= 0 || argc > MF_CACHE_CMD_MAX_ARGS)
        return NULL;
    size_t lens[MF_CACHE_CMD_MAX_ARGS];
    for (int i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    redisReply *r = mf_cache_exec(c, argc, (const char **)argv, lens);
    if (r != NULL && r->type == REDIS_REPLY_ERROR) {
        mf_log_warn(NULL, "cache: %s failed: %s", argv[0], r->str != NULL ? r->str : "");
        freeReplyObject(r);
        return NULL;
    }
    return r;
}

int mf_cache_cmd_int(mf_cache *c, int argc, const char *const *argv, long long *out)
{
    if (out != NULL)
        *out = 0;
    if (c == NULL || argc <= 0 || argc > MF_CACHE_CMD_MAX_ARGS)
        return MF_ERR_INVALID;
    redisReply *r = run(c, argc, argv);
    if (r == NULL)
        return MF_ERR_UNAVAILABLE;
    long long v = 0;
    switch (r->type) {
    case REDIS_REPLY_INTEGER:
        v = r->integer;
        break;
    case REDIS_REPLY_STATUS:
        v = 1;
        break;
    case REDIS_REPLY_STRING:
        v = r->str != NULL ? strtoll(r->str, NULL, 10) : 0;
        break;
    default: /* nil: SET NX that lost, a missing member */
        v = 0;
        break;
    }
    freeReplyObject(r);
    if (out != NULL)
        *out = v;
    return 0;
}

int mf_cache_cmd_strings(mf_cache *c, int argc, const char *const *argv, char ***items, size_t *n)
{
    *items = NULL;
    *n = 0;
    if (c == NULL || argc <= 0 || argc > MF_CACHE_CMD_MAX_ARGS)
        return MF_ERR_INVALID;
    redisReply *r = run(c, argc, argv);
    if (r == NULL)
        return MF_ERR_UNAVAILABLE;
    if (r->type != REDIS_REPLY_ARRAY) {
        freeReplyObject(r);
        return MF_ERR_UNAVAILABLE;
    }
    char **out = mf_calloc(r->elements > 0 ? r->elements : 1, sizeof *out);
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *e = r->element[i];
        bool str = e != NULL && (e->type == REDIS_REPLY_STRING || e->type == REDIS_REPLY_STATUS);
        size_t len = str ? e->len : 0;
        out[i] = mf_malloc(len + 1);
        if (len > 0)
            memcpy(out[i], e->str, len);
        out[i][len] = '\0';
    }
    *items = out;
    *n = r->elements;
    freeReplyObject(r);
    return 0;
}

void mf_cache_strings_free(char **items, size_t n)
{
    if (items == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(items[i]);
    free(items);
}
