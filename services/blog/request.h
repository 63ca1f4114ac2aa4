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

#include "cache.h"

/* The :id parameter as a blog ObjectId; answers 400 and returns NULL when invalid. */
const char *blog_param_id(mf_req *req);

/* page and limit (required, 1..1000), checked after whatever v already holds (path
 * parameters). Answers 400 with every message and returns false when anything failed. */
bool blog_query_page(mf_req *req, mf_valid *v, long *page, long *limit);

/* Any store error: 503 when MongoDB is down, else 500 (detail logged only). */
void blog_respond_store_err(mf_req *req, int rc, const char *what);

/*
 * 200 "success" straight from the cache when key (taken over) holds a current answer of
 * scope (author: the author's id for BLOG_SCOPE_AUTHOR): returns true, the handler is done.
 * Otherwise returns false with slot ready for blog_cache_fill; release it either way.
 */
bool blog_respond_cached(mf_req *req, blog_cache_scope scope, const char *author, char *key,
                         blog_cache_slot *slot);

#endif
