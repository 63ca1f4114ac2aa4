#include "ops_cached.h"

#include <stdlib.h>

void blog_answer_release(blog_answer *a)
{
    free(a->cached);
    json_decref(a->data);
    *a = (blog_answer){0};
}

int blog_cached_read(blog_ctx *ctx, blog_cache_scope scope, const char *author, char *key,
                     int ttl_s, blog_read_fn read, const void *arg, blog_answer *out)
{
    *out = (blog_answer){0};
    blog_cache_slot slot;
    out->cached = blog_cache_lookup(ctx, scope, author, key, &slot, &out->len);
    if (out->cached) {
        blog_cache_slot_release(&slot);
        return 0;
    }
    int rc = read(ctx, arg, &out->data);
    if (rc == 0)
        blog_cache_fill(ctx, &slot, out->data, ttl_s);
    blog_cache_slot_release(&slot);
    return rc;
}
