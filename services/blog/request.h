/*
 * Reading path and query parameters of blog routes with API.md's messages, and the one
 * place that turns a store error into a response.
 */
#ifndef BLOG_REQUEST_H
#define BLOG_REQUEST_H

#include <jansson.h>
#include <stdbool.h>

#include "micro/banned.h"
#include "micro/http.h"
#include "micro/valid.h"

/* The :id parameter as a blog ObjectId; answers 400 and returns NULL when invalid. */
const char *blog_param_id(mf_req *req);

/* page and limit (required, 1..1000), checked after whatever v already holds (path
 * parameters). Answers 400 with every message and returns false when anything failed. */
bool blog_query_page(mf_req *req, mf_valid *v, long *page, long *limit);

/* Any store error: 503 when MongoDB is down, else 500 (detail logged only). */
void blog_respond_store_err(mf_req *req, int rc, const char *what);

/* 200 "success" with an ItemBlog array built from recs (reference stolen). */
void blog_respond_items(mf_req *req, json_t *recs);

#endif
