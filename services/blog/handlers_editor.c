/* The editor's view: any author's non-deleted blog, and the publication workflow. */
#include "micro/error.h"

#include "guard.h"
#include "handlers.h"
#include "ops.h"
#include "request.h"

void blog_handle_editor_get(mf_req *req)
{
    blog_respond_blog(req, NULL);
}

void blog_handle_editor_publish(mf_req *req)
{
    blog_respond_step(req, blog_op_publish_blog, BLOG_STEP_BY_EDITOR, "blog published successfully",
                      "publish");
}

void blog_handle_editor_unpublish(mf_req *req)
{
    blog_respond_step(req, blog_op_unpublish_blog, BLOG_STEP_BY_EDITOR,
                      "blog unpublished successfully", "unpublish");
}

void blog_handle_editor_submitted(mf_req *req)
{
    blog_respond_list(req, BLOG_LIST_EDITOR_SUBMITTED, NULL, NULL);
}

void blog_handle_editor_published(mf_req *req)
{
    blog_respond_list(req, BLOG_LIST_EDITOR_PUBLISHED, NULL, NULL);
}
