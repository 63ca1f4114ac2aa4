#include "request.h"

#include "micro/error.h"

#include "dto.h"

const char *blog_param_id(mf_req *req)
{
    const char *id = mf_req_param(req, "id");
    mf_valid v;
    mf_valid_init(&v);
    mf_valid_object_id(&v, "id", id ? id : "");
    return mf_respond_invalid(req, &v) ? NULL : id;
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

void blog_respond_items(mf_req *req, json_t *recs)
{
    json_t *items = blog_dto_items(recs);
    json_decref(recs);
    mf_respond_ok(req, "success", items);
}
