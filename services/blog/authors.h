/*
 * Author info denormalised into blog-service: the `authors` collection (latest name and
 * picture of each user seen in a user.* event) and the `author` sub-document of every blog,
 * kept in step so that public reads never call auth-service.
 */
#ifndef BLOG_AUTHORS_H
#define BLOG_AUTHORS_H

#include <jansson.h>
#include <stdint.h>

#include "micro/banned.h"

#include "mongo.h"

/* user.created / user.updated: stores the author's info and copies it into every blog of
 * that author (pic NULL = none). Idempotent. */
int blog_authors_apply(blog_mongo *m, const char *id, const char *name, const char *pic,
                       int64_t now);
/* {_id, slug} of the author's published, non-deleted blogs (for cache invalidation). */
int blog_authors_published(blog_mongo *m, const char *id, json_t **recs);

#endif
