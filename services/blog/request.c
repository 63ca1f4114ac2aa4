#include "request.h"

#include "micro/error.h"

#include "guard.h"

bool blog_param_id(mf_req *req, const char **id)
{
    const char *p = mf_req_param(req, "id");
    mf_valid v;
    mf_valid_init(&v);
    mf_valid_object_id(&v, "id", p ? p : "");
    if (!mf_req_valid(req, &v))
        return false;
    *id = p;
    return true;
}

/* page and limit (required, 1..1000), checked after whatever v already holds (path
 * parameters); answers 400 with every message when anything failed. */
static bool query_page(mf_req *req, mf_valid *v, long *page, long *limit)
{
    mf_valid_int_param(v, "page", mf_req_query(req, "page"), 1, 1000, page);
    mf_valid_int_param(v, "limit", mf_req_query(req, "limit"), 1, 1000, limit);
    if (mf_valid_ok(v))
        return true;
    mf_respond_error(req, 400, mf_valid_message(v));
    return false;
}

void blog_respond_answer(mf_req *req, blog_answer *a)
{
    if (a->cached) {
        /* our own serialisation, stored by the operation: no need to parse it again */
        mf_respond_ok_raw(req, "success", a->cached, a->len);
    } else {
        mf_respond_ok(req, "success", a->data);
        a->data = NULL;
    }
    blog_answer_release(a);
}

void blog_respond_list(mf_req *req, blog_list_kind kind, const char *arg, mf_valid *v)
{
    mf_valid none;
    mf_valid_init(&none);
    long page = 0, limit = 0;
    /* optional cursor: the _id of the last blog of the page before (ops.h) */
    const char *after = mf_req_query(req, "after");
    if (after)
        mf_valid_object_id(v ? v : &none, "after", after);
    if (query_page(req, v ? v : &none, &page, &limit)) {
        blog_answer a;
        int rc = blog_op_list_blogs_after(mf_req_app(req), kind, arg, page, limit, after, &a);
        if (rc == 0)
            blog_respond_answer(req, &a);
        else
            blog_respond_fault(req, rc, "list");
    }
    mf_valid_release(&none);
}

void blog_respond_blog(mf_req *req, const char *author)
{
    const char *id;
    if (!blog_param_id(req, &id))
        return;
    json_t *blog = NULL;
    int rc = blog_op_get_blog(mf_req_app(req), id, author, &blog);
    if (rc == 0)
        mf_respond_ok(req, "success", blog);
    else if (rc == MF_ERR_NOT_FOUND)
        mf_respond_error(req, 404, mf_req_printf(req, "%s not found", id));
    else
        blog_respond_fault(req, rc, author ? "author get" : "editor get");
}

static const char *why_text(blog_why why)
{
    switch (why) {
    case BLOG_WHY_ALREADY_PUBLISHED:
        return "is already published";
    case BLOG_WHY_NOT_SUBMITTED:
        return "is not submitted";
    case BLOG_WHY_NOT_PUBLISHED:
        return "is not published";
    case BLOG_WHY_ALREADY_SUBMITTED:
        return "is already submitted";
    case BLOG_WHY_NONE:
        break;
    }
    return "is invalid";
}

void blog_respond_step(mf_req *req, blog_step_fn step, blog_step_by by, const char *done,
                       const char *what)
{
    const char *id;
    if (!blog_param_id(req, &id))
        return;
    blog_why why = BLOG_WHY_NONE;
    int rc = step(mf_req_app(req), id, blog_req_user_id(req), &why);
    if (rc == 0)
        mf_respond_ok(req, done, NULL);
    else if (rc == MF_ERR_NOT_FOUND && by == BLOG_STEP_BY_EDITOR)
        mf_respond_error(req, 404, mf_req_printf(req, "blog for _id %s not found", id));
    else if (rc == MF_ERR_NOT_FOUND)
        mf_respond_error(req, 404, "blog not found");
    else if (rc == MF_ERR_STATE)
        mf_respond_error(req, 400, mf_req_printf(req, "blog for _id %s %s", id, why_text(why)));
    else
        blog_respond_fault(req, rc, what);
}

void blog_respond_fault(mf_req *req, int rc, const char *what)
{
    /* NOT_FOUND, CONFLICT and STATE are answered by the handlers with their own messages;
     * whatever reaches here is a dependency problem or a bug */
    mf_respond_err(req, rc == MF_ERR_NOT_FOUND ? MF_ERR : rc, what);
}
