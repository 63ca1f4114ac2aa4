/* An author's own blogs: every operation is scoped to the authenticated user. */
#include "micro/error.h"
#include "micro/valid.h"

#include "guard.h"
#include "handlers.h"
#include "ops.h"
#include "request.h"

typedef bool (*parse_fn)(json_t *body, blog_input *in, mf_valid *v);
typedef int (*write_fn)(mf_req *req, const blog_input *in, json_t **blog);

static int create(mf_req *req, const blog_input *in, json_t **blog)
{
    return blog_op_create_blog(mf_req_app(req), in, blog_req_user(req), blog);
}

static int update(mf_req *req, const blog_input *in, json_t **blog)
{
    return blog_op_update_blog(mf_req_app(req), in, blog_req_user_id(req), blog);
}

/* Create and update: the body parsed and validated, the write, its answer. */
static void write_body(mf_req *req, parse_fn parse, write_fn write, const char *done,
                       const char *what)
{
    json_t *body = NULL;
    if (!mf_req_json(req, &body))
        return;
    blog_input in;
    mf_valid v;
    mf_valid_init(&v);
    parse(body, &in, &v);
    if (mf_req_valid(req, &v)) {
        json_t *blog = NULL;
        int rc = write(req, &in, &blog);
        if (rc == 0)
            mf_respond_ok(req, done, blog);
        else if (rc == MF_ERR_CONFLICT)
            mf_respond_error(req, 400,
                             mf_req_printf(req, "Blog with slug: %s already exists", in.slug));
        else if (rc == MF_ERR_NOT_FOUND && in.id) /* an update's blog; a create's is a fault */
            mf_respond_error(req, 404,
                             mf_req_printf(req, "Blog with id: %s does not exists", in.id));
        else
            blog_respond_fault(req, rc, what);
    }
    blog_input_release(&in);
}

void blog_handle_author_create(mf_req *req)
{
    write_body(req, blog_dto_create, create, "blog created successfully", "create");
}

void blog_handle_author_update(mf_req *req)
{
    write_body(req, blog_dto_update, update, "blog updated successfully", "update");
}

void blog_handle_author_get(mf_req *req)
{
    blog_respond_blog(req, blog_req_user_id(req));
}

void blog_handle_author_delete(mf_req *req)
{
    const char *id;
    if (!blog_param_id(req, &id))
        return;
    int rc = blog_op_delete_blog(mf_req_app(req), id, blog_req_user_id(req));
    if (rc == 0)
        mf_respond_ok(req, "blog deleted successfully", NULL);
    else if (rc == MF_ERR_NOT_FOUND)
        mf_respond_error(req, 404, "blog not found");
    else
        blog_respond_fault(req, rc, "delete");
}

void blog_handle_author_submit(mf_req *req)
{
    blog_respond_step(req, blog_op_submit_blog, BLOG_STEP_BY_AUTHOR, "blog submitted successfully",
                      "submit");
}

void blog_handle_author_withdraw(mf_req *req)
{
    blog_respond_step(req, blog_op_withdraw_blog, BLOG_STEP_BY_AUTHOR,
                      "blog withdrawn successfully", "withdraw");
}

/* The list is scoped to the authenticated author, in the query and in the cache key. */
void blog_handle_author_drafts(mf_req *req)
{
    blog_respond_list(req, BLOG_LIST_AUTHOR_DRAFTS, blog_req_user_id(req), NULL);
}

void blog_handle_author_submitted(mf_req *req)
{
    blog_respond_list(req, BLOG_LIST_AUTHOR_SUBMITTED, blog_req_user_id(req), NULL);
}

void blog_handle_author_published(mf_req *req)
{
    blog_respond_list(req, BLOG_LIST_AUTHOR_PUBLISHED, blog_req_user_id(req), NULL);
}
