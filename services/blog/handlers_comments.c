/* Comments of published blogs and the tag counts (API.md section 4, "Comments and tags"). */
#include <stdlib.h>

#include "micro/error.h"
#include "micro/valid.h"

#include "contract.h"
#include "guard.h"
#include "handlers.h"
#include "ops.h"
#include "request.h"

#define MSG_BLOG_NOT_FOUND    "blog not found"
#define MSG_COMMENT_NOT_FOUND "comment not found"
#define MSG_NO_PARENT         "parent comment not found"
#define MSG_TOO_MANY          "too many comments"

/* The ObjectId path parameter name into v (API.md's "id ..." messages either way). */
static const char *param_oid(mf_req *req, const char *name, mf_valid *v)
{
    const char *p = mf_req_param(req, name);
    return mf_valid_object_id(v, "id", p ? p : "") ? p : NULL;
}

/* page and limit after what v holds; answers 400 with every message when anything failed. */
static bool query_page(mf_req *req, mf_valid *v, long *page, long *limit)
{
    mf_valid_int_param(v, "page", mf_req_query(req, "page"), 1, 1000, page);
    mf_valid_int_param(v, "limit", mf_req_query(req, "limit"), 1, 1000, limit);
    return mf_req_valid(req, v);
}

/* A comment write's request: the ObjectId parameter name into *id, the body's text (heap,
 * *text, the caller frees it either way) and, when parent is not NULL, its parentId. false:
 * answered (400). */
static bool comment_body(mf_req *req, const char *name, const char **id, char **text,
                         const char **parent)
{
    *text = NULL;
    mf_valid v;
    mf_valid_init(&v);
    *id = param_oid(req, name, &v);
    json_t *body = NULL;
    if (!mf_req_valid(req, &v) || !mf_req_json(req, &body))
        return false;
    mf_valid_init(&v);
    blog_dto_comment_text(body, &v, text);
    if (parent)
        blog_dto_comment_parent(body, &v, parent);
    return mf_req_valid(req, &v);
}

void blog_handle_comment_create(mf_req *req)
{
    const char *blog_id = NULL, *parent = NULL;
    char *text = NULL;
    if (comment_body(req, "blogId", &blog_id, &text, &parent)) {
        blog_comment_why why = BLOG_COMMENT_WHY_NONE;
        json_t *comment = NULL;
        int rc = blog_op_create_comment(mf_req_app(req), blog_id, parent, text, blog_req_user(req),
                                        &why, &comment);
        if (rc == 0)
            mf_respond_ok(req, "comment created successfully", comment);
        else if (rc == MF_ERR_NOT_FOUND)
            mf_respond_error(req, 404, MSG_BLOG_NOT_FOUND);
        else if (rc == MF_ERR_STATE && why == BLOG_COMMENT_WHY_RATE_LIMITED)
            mf_respond_error(req, 429, MSG_TOO_MANY);
        else if (rc == MF_ERR_STATE)
            mf_respond_error(req, 400, MSG_NO_PARENT);
        else
            blog_respond_fault(req, rc, "comment create");
    }
    free(text);
}

void blog_handle_comment_list(mf_req *req)
{
    mf_valid v;
    mf_valid_init(&v);
    const char *blog_id = param_oid(req, "blogId", &v);
    long page = 0, limit = 0;
    if (!query_page(req, &v, &page, &limit))
        return;
    blog_answer a;
    int rc = blog_op_list_comments(mf_req_app(req), blog_id, page, limit, &a);
    if (rc == 0)
        blog_respond_answer(req, &a);
    else if (rc == MF_ERR_NOT_FOUND)
        mf_respond_error(req, 404, MSG_BLOG_NOT_FOUND);
    else
        blog_respond_fault(req, rc, "comment list");
}

void blog_handle_comment_update(mf_req *req)
{
    const char *id = NULL;
    char *text = NULL;
    if (comment_body(req, "id", &id, &text, NULL)) {
        json_t *comment = NULL;
        int rc = blog_op_update_comment(mf_req_app(req), id, text, blog_req_user_id(req), &comment);
        if (rc == 0)
            mf_respond_ok(req, "comment updated successfully", comment);
        else if (rc == MF_ERR_NOT_FOUND)
            mf_respond_error(req, 404, MSG_COMMENT_NOT_FOUND);
        else
            blog_respond_fault(req, rc, "comment update");
    }
    free(text);
}

void blog_handle_comment_delete(mf_req *req)
{
    mf_valid v;
    mf_valid_init(&v);
    const char *id = param_oid(req, "id", &v);
    if (!mf_req_valid(req, &v))
        return;
    const json_t *user = blog_req_user(req);
    /* moderation: editors and admins delete anyone's comment */
    bool moderator =
        !blog_role_check(user, CMICRO_ROLE_EDITOR) || !blog_role_check(user, CMICRO_ROLE_ADMIN);
    int rc = blog_op_delete_comment(mf_req_app(req), id, blog_req_user_id(req), moderator);
    if (rc == 0)
        mf_respond_ok(req, "comment deleted successfully", NULL);
    else if (rc == MF_ERR_NOT_FOUND)
        mf_respond_error(req, 404, MSG_COMMENT_NOT_FOUND);
    else
        blog_respond_fault(req, rc, "comment delete");
}

void blog_handle_tags(mf_req *req)
{
    mf_valid v;
    mf_valid_init(&v);
    const char *prefix = mf_req_query(req, "prefix");
    if (prefix && !*prefix)
        prefix = NULL; /* ?prefix= : no filter */
    if (prefix)
        mf_valid_check_str(&v, "prefix", prefix, MF_V_UPPER, 0, BLOG_TAG_MAX);
    long page = 0, limit = 0;
    if (!query_page(req, &v, &page, &limit))
        return;
    blog_answer a;
    int rc = blog_op_list_tags(mf_req_app(req), prefix, page, limit, &a);
    if (rc == 0)
        blog_respond_answer(req, &a);
    else
        blog_respond_fault(req, rc, "tags");
}
