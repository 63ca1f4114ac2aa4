/*
 * The one shape of a cached read, shared by the read operations: look the key up under the
 * current generation of its scope; on a miss run the read and store its answer under the
 * generation the lookup saw (cache.c explains why that order keeps reads fresh).
 */
#ifndef BLOG_OPS_CACHED_H
#define BLOG_OPS_CACHED_H

#include "micro/banned.h"

#include "ops.h"

/* Reads the answer from MongoDB into *data (new reference) for arg; 0 or an MF_ERR_*. */
typedef int (*blog_read_fn)(blog_ctx *ctx, const void *arg, json_t **data);

/* key is taken over (NULL: not cached). author: for BLOG_SCOPE_AUTHOR, else NULL. */
int blog_cached_read(blog_ctx *ctx, blog_cache_scope scope, const char *author, char *key,
                     int ttl_s, blog_read_fn read, const void *arg, blog_answer *out);

#endif
