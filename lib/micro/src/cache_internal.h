/*
 * What cache.c shares with the other files of the Redis client (cache_cmd.c): one command on a
 * pooled connection, with cache.c's fail-fast and reconnect rules. Not a public header.
 */
#ifndef MF_CACHE_INTERNAL_H
#define MF_CACHE_INTERNAL_H

#include <hiredis/hiredis.h>
#include <stddef.h>

#include "micro/cache.h"

/* The reply (caller frees with freeReplyObject; may be an error reply), or NULL when Redis is
 * unreachable (the cache is then marked down for a second). */
redisReply *mf_cache_exec(mf_cache *c, int argc, const char **argv, const size_t *argvlen);

#endif
