/*
 * What every handler of blog-service reads and answers alike: path and query parameters with
 * API.md's messages, an operation's answer, and the one place that turns an operation's
 * fault (not one it has a message for) into a response.
 *
 * Functions returning bool follow micro/http.h: true = go on, false = already answered.
 */
#ifndef BLOG_REQUEST_H
#define BLOG_REQUEST_H

#include <stdbool.h>

#include "micro/banned.h"
#include "micro/http.h"
#include "micro/valid.h"

#include "ops.h"

/* The :id parameter as a blog ObjectId into *id (borrowed from the request); answers 400
 * when it is not one. */
bool blog_param_id(mf_req *req, const char **id);

/* 200 "success" with a read's answer (released). */
void blog_respond_answer(mf_req *req, blog_answer *a);

/* The list handler of every list: page and limit checked after what v holds (path
 * parameter failures; NULL: none), then blog_op_list_blogs answered. */
void blog_respond_list(mf_req *req, blog_list_kind kind, const char *arg, mf_valid *v);

/* GET of blog :id as PrivateBlog: author's own (NULL: any author's, for editors); 404
 * "<id> not found". */
void blog_respond_blog(mf_req *req, const char *author);

/* A workflow step (ops_workflow.c) on blog :id by the authenticated user, answered: done;
 * 404 "blog not found" to an author, "blog for _id <id> not found" to an editor; 400
 * "blog for _id <id> <why>". */
typedef int (*blog_step_fn)(blog_ctx *ctx, const char *id, const char *user, blog_why *why);
typedef enum { BLOG_STEP_BY_AUTHOR, BLOG_STEP_BY_EDITOR } blog_step_by;
void blog_respond_step(mf_req *req, blog_step_fn step, blog_step_by by, const char *done,
                       const char *what);

/* An operation's fault: 503 when a dependency is down, else 500 (what and the code logged). */
void blog_respond_fault(mf_req *req, int rc, const char *what);

#endif
