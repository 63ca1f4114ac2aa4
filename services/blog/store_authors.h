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

/* Stores the author's info of event version (CMICRO_FIELD_VERSION; 0 = an event without one)
 * and copies it into every blog of that author (pic NULL = none), unless what is stored is
 * newer: the authors document is changed only when its version is <= version (an atomic
 * conditional upsert: no older event overwrites a newer one, even with two consumers), each
 * blog's author sub-document likewise (author.version). Version 0 only applies where no
 * version is stored (data from before versions). The same version again re-applies the same
 * data (a redelivery completes an event applied half-way). 0, MF_ERR_STATE when the stored
 * author is newer (nothing changed), or a negative MF_ERR_*. */
/* The authors document alone, under the same version rule (blog_store_author_apply's first
 * step): for a user.created, whose user cannot have blogs or comments showing an older name
 * (they were written with the name auth-service answered when they were). */
int blog_store_author_record(blog_mongo *m, const char *id, const char *name, const char *pic,
                             int64_t version, int64_t now);
int blog_store_author_apply(blog_mongo *m, const char *id, const char *name, const char *pic,
                            int64_t version, int64_t now);
/* Adds to filter f the condition "<prefix>version is <= version, or missing" (version 0:
 * only "missing"), the rule of blog_store_author_apply for a document holding author info. */
void blog_store_author_version_filter(blog_mdoc *f, const char *prefix, int64_t version);
/* The author's published, non-deleted blogs, as {_id, slug, author, published, status}
 * (what retiring their public answers needs). *recs: new array, caller decrefs. */
int blog_store_author_published(blog_mongo *m, const char *id, json_t **recs);

#endif
