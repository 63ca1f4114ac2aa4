#include "request.h"

#include <stdlib.h>

#include "micro/error.h"

#include "dto.h"

const char *blog_param_id(mf_req *req)
{
    const char *id = mf_req_param(req, "id");
    mf_valid v;
    mf_valid_init(&v);
    mf_valid_object_id(&v, "id", id ? id : "");
    return mf_req_valid(req, &v) ? id : NULL;
}

bool blog_query_page(mf_req *req, mf_valid *v, long *page, long *limit)
{
    mf_valid_int_param(v, "page", mf_req_query(req, "page"), 1, 1000, page);
    mf_valid_int_param(v, "limit", mf_req_query(req, "limit"), 1, 1000, limit);
    if (mf_valid_ok(v))
        return true;
    mf_respond_error(req, 400, mf_valid_message(v));
    return false;
}

void blog_respond_store_err(mf_req *req, int rc, const char *what)
{
    /* NOT_FOUND and state errors are answered by the handlers with their own messages;
     * whatever reaches here is a dependency problem or a bug */
    mf_respond_err(req, rc == MF_ERR_NOT_FOUND ? MF_ERR : rc, what);
}

bool blog_respond_cached(mf_req *req, blog_cache_scope scope, const char *author, char *key,
                         blog_cache_slot *slot)
{
    size_t len = 0;
    char *hit = blog_cache_lookup(mf_req_app(req), scope, author, key, slot, &len);
    if (!hit)
        return false;
    /* our own serialisation, stored by blog_cache_fill: no need to parse it again */
    mf_respond_ok_raw(req, "success", hit, len);
    free(hit);
    return true;
}
