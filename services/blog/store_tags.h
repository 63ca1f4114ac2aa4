/*
 * The tags of the published, non-deleted blogs, read from MongoDB for a rebuild of the tag
 * read model (tag_index.h) or while Redis is down. A scan of the published blogs on FerretDB:
 * never on the path of a request that the read model can answer.
 */
#ifndef BLOG_STORE_TAGS_H
#define BLOG_STORE_TAGS_H

#include <jansson.h>

#include "micro/banned.h"

#include "mongo.h"

/* *recs: new array of {_id, tags} records. 0 or an MF_ERR_*. */
int blog_store_published_tags(blog_mongo *m, json_t **recs);

#endif
