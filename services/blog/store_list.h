/*
 * Paged blog lists (public, author's own, editor's) and the candidate set of similar blogs.
 * Lists project ItemBlog fields only and sort with _id as the last key, so pages are stable.
 * Returns 0 or a negative MF_ERR_* (see store.h).
 */
#ifndef BLOG_STORE_LIST_H
#define BLOG_STORE_LIST_H

#include <jansson.h>

#include "micro/banned.h"

#include "mongo.h"

typedef enum {
    BLOG_LIST_LATEST,        /* published, newest publishedAt first */
    BLOG_LIST_TAG,           /* published with tag arg, newest publishedAt first */
    BLOG_LIST_AUTHOR_DRAFTS, /* author arg's, updatedAt desc (also the editor lists) */
    BLOG_LIST_AUTHOR_SUBMITTED,
    BLOG_LIST_AUTHOR_PUBLISHED,
    BLOG_LIST_EDITOR_SUBMITTED,
    BLOG_LIST_EDITOR_PUBLISHED,
} blog_list_kind;

/* One page (1-based) of ItemBlog records. arg: the tag or the author id. */
int blog_store_list(blog_mongo *m, blog_list_kind kind, const char *arg, long page, long limit,
                    json_t **recs);
/* The same, counted from right after blog after (a 24-hex id; unknown: an empty page). */
int blog_store_list_after(blog_mongo *m, blog_list_kind kind, const char *arg, long page,
                          long limit, const char *after, json_t **recs);
/* Candidate records for the similar list of self (see similar.c). */
int blog_store_similar_candidates(blog_mongo *m, const json_t *self, json_t **recs);

#endif
