/*
 * The route table of blog-service (API.md section 4): one row per endpoint with the guard
 * flag of the role it needs (guard.h). GET /health is mounted by the server itself.
 */
#ifndef BLOG_ROUTES_H
#define BLOG_ROUTES_H

#include <stddef.h>

#include "micro/banned.h"
#include "micro/router.h"

extern const mf_route blog_routes[];
extern const size_t blog_routes_count;

#endif
