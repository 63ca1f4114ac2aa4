/*
 * The blog-service context: the clients every handler needs, created once by main.c and
 * reached from a request with mf_req_app(req). Nothing in it changes after start-up
 * except inside the clients themselves (which are thread-safe).
 */
#ifndef BLOG_BLOG_H
#define BLOG_BLOG_H

#include <stdatomic.h>

#include "micro/banned.h"
#include "micro/cache.h"
#include "micro/config.h"
#include "micro/nats.h"

#include "auth_cache.h"
#include "mongo.h"

/* Collections. */
#define BLOG_COLL_BLOGS    "blogs"
#define BLOG_COLL_AUTHORS  "authors"
#define BLOG_COLL_COMMENTS "comments"

/* Cache lifetimes (API.md section 4). Invalidation does not depend on them (see cache.c):
 * they bound how long another replica that missed a lost invalidation can serve old data,
 * hence the short one for lists, which change with every write to a listed blog. */
#define BLOG_TTL_BLOG_S    600
#define BLOG_TTL_SIMILAR_S 21600
#define BLOG_TTL_LIST_S    300

typedef struct {
    const mf_config *cfg;
    blog_mongo *mongo;
    mf_cache *cache;
    mf_nats *nats;
    int auth_timeout_ms;
    int comments_per_minute; /* COMMENTS_PER_MINUTE, 0: no limit */
    /* Users behind recently seen Authorization headers (NULL when AUTH_CACHE_TTL_S is 0). */
    blog_auth_cache *auth_cache;
    /* Set when an invalidation could not reach Redis: the cache generation is bumped before
     * the cache is used again (see cache.c). */
    atomic_bool cache_dirty;
    /* Set when a read-model update could not reach Redis: the models are rebuilt as soon as
     * Redis answers (see readmodel.h, whose worker this is; NULL when not started). */
    atomic_bool rm_dirty;
    struct blog_rm_worker *rm_worker;
    /* Set when a comment write could not update its read model in Redis (comment_index.h). */
    atomic_bool comments_dirty;
    /* Set when a tag count change could not reach Redis (tag_index.h). */
    atomic_bool tags_dirty;
} blog_ctx;

#endif
