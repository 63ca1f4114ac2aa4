/* What anonymous readers see: published, non-deleted blogs (cached by the operations). */
#include <stdlib.h>

#include "micro/error.h"
#include "micro/valid.h"

#include "handlers.h"
#include "ops.h"
#include "request.h"

#define MSG_NOT_FOUND "blog not found"

typedef int (*public_read_fn)(blog_ctx *ctx, const char *value, blog_answer *out);

static void answer_read(mf_req *req, public_read_fn read, const char *value, const char *what)
{
    blog_answer a;
    int rc = read(mf_req_app(req), value, &a);
    if (rc == 0)
        blog_respond_answer(req, &a);
    else if (rc == MF_ERR_NOT_FOUND)
        mf_respond_error(req, 404, MSG_NOT_FOUND);
    else
        blog_respond_fault(req, rc, what);
}

void blog_handle_public_by_id(mf_req *req)
{
    const char *id;
    if (blog_param_id(req, &id))
        answer_read(req, blog_op_get_public_blog_by_id, id, "public blog");
}

void blog_handle_public_by_slug(mf_req *req)
{
    const char *raw = mf_req_param(req, "slug");
    char *slug = blog_slug_normalize(raw ? raw : "");
    mf_valid v;
    mf_valid_init(&v);
    mf_valid_check_str(&v, "slug", slug, MF_V_REQUIRED | MF_V_NO_CTL, BLOG_SLUG_MIN, BLOG_SLUG_MAX);
    if (mf_req_valid(req, &v))
        answer_read(req, blog_op_get_public_blog_by_slug, slug, "public blog");
    free(slug);
}

void blog_handle_list_latest(mf_req *req)
{
    blog_respond_list(req, BLOG_LIST_LATEST, NULL, NULL);
}

void blog_handle_list_tag(mf_req *req)
{
    const char *tag = mf_req_param(req, "tag");
    mf_valid v;
    mf_valid_init(&v);
    mf_valid_check_str(&v, "tag", tag, MF_V_REQUIRED | MF_V_UPPER, 0, BLOG_TAG_MAX);
    blog_respond_list(req, BLOG_LIST_TAG, tag, &v);
    mf_valid_release(&v);
}

void blog_handle_list_similar(mf_req *req)
{
    const char *id;
    if (blog_param_id(req, &id))
        answer_read(req, blog_op_list_similar_blogs, id, "similar");
}
