/*
 * Author info denormalised into blog-service: the `authors` collection (latest name and
 * picture of each user seen in a user.* event) and the `author` sub-document of every blog,
 * kept in step so that public reads never call auth-service.
 */
#ifndef BLOG_STORE_AUTHORS_H
#define BLOG_STORE_AUTHORS_H

#include <jansson.h>
#include <stdint.h>

#include "micro/banned.h"

#include "mongo.h"

/* Stores the author's info and copies it into every blog of that author (pic NULL = none).
 * Idempotent. 0 or a negative MF_ERR_*. */
int blog_store_author_apply(blog_mongo *m, const char *id, const char *name, const char *pic,
                            int64_t now);
/* The author's published, non-deleted blogs, as {_id, slug, author, published, status}
 * (what retiring their public answers needs). *recs: new array, caller decrefs. */
int blog_store_author_published(blog_mongo *m, const char *id, json_t **recs);

#endif
