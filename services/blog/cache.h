/*
 * What blog-service keeps in its Redis, and how writes make it go away:
 *   public answers   PublicBlog by id and by slug (BLOG_TTL_BLOG_S), similar lists
 *                    (BLOG_TTL_SIMILAR_S), the latest and by-tag lists (BLOG_TTL_LIST_S);
 *   editor lists     submitted and published blogs of every author (BLOG_TTL_LIST_S);
 *   author lists     one author's drafts, submitted and published blogs (BLOG_TTL_LIST_S).
 *
 * Each of these scopes has a generation (a random token in Redis), and every cached value is
 * stamped with the generation it was read under: "<stamp> <json>". A lookup reads the
 * generation and the value in one MGET; a value whose stamp differs is a miss. A write moves
 * the generations of every scope it changes to new tokens before it answers, which retires
 * all values of those scopes at once. See cache.c for why this also closes the read/write
 * race. Redis down: every lookup misses, nothing is stored, everything is read from MongoDB.
 */
#ifndef BLOG_CACHE_H
#define BLOG_CACHE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "micro/banned.h"

#include "blog.h"

#define BLOG_CACHE_GEN_KEY         "blog:gen"        /* public answers */
#define BLOG_CACHE_EDITOR_GEN_KEY  "blog:gen:editor" /* editor lists */
#define BLOG_CACHE_AUTHORS_GEN_KEY "blog:gen:authors"
#define BLOG_CACHE_AUTHOR_GEN_FMT  "blog:gen:author:%s"
#define BLOG_CACHE_BLOG_GEN_FMT    "blog:gen:blog:%s" /* one blog: by-id answer, comment pages */
#define BLOG_CACHE_SLUG_GEN_FMT    "blog:gen:slug:%s" /* one slug: by-slug answer */
#define BLOG_CACHE_GEN_LEN         33                 /* 32 hex characters + NUL */
/* Longest stamp: two generations joined by '.' (author lists), + NUL. */
#define BLOG_CACHE_STAMP_LEN (2 * BLOG_CACHE_GEN_LEN)
/* The shared generations outlive any entry (a missing one makes a round of misses). */
#define BLOG_CACHE_GEN_TTL_S (30 * 24 * 3600)
/* One key per author who reads their lists: short-lived, so Redis does not collect them. */
#define BLOG_CACHE_AUTHOR_GEN_TTL_S (24 * 3600)
/* One key per blog (and slug) read lately: outlives its entries (BLOG_TTL_BLOG_S,
 * BLOG_TTL_LIST_S), and when it expires the next read merely misses once. */
#define BLOG_CACHE_ITEM_GEN_TTL_S 3600

typedef enum {
    /* everything anonymous readers see: blog:gen */
    BLOG_SCOPE_PUBLIC,
    /* the editor lists: blog:gen:editor */
    BLOG_SCOPE_EDITOR,
    /* one author's own lists: blog:gen:authors (retires every author's lists after a lost
     * invalidation, see cache.c) and blog:gen:author:<id> */
    BLOG_SCOPE_AUTHOR,
    /* public answers about ONE blog (its by-id answer, its comment pages): blog:gen and
     * blog:gen:blog:<id>, so that a comment write retires only them (the public move still
     * retires them with everything else) */
    BLOG_SCOPE_BLOG,
    /* the by-slug answer of one slug: blog:gen and blog:gen:slug:<slug> (a comment write
     * knows the slug from the blog record; a reader by slug does not know the id yet) */
    BLOG_SCOPE_SLUG,
} blog_cache_scope;

/* Key of a cached value, "blog:<kind>:<value>" (kinds: "id", "slug", "similar", "latest",
 * "tag", "editor", "author"; value may hold ':'). Caller frees. */
char *blog_cache_key(const char *kind, const char *value);

/* What a lookup learnt: where and under which stamp a miss may be stored. */
typedef struct {
    char *key; /* NULL: do not store this answer */
    char stamp[BLOG_CACHE_STAMP_LEN];
} blog_cache_slot;

/*
 * One round trip: the generation(s) of scope (author: the author's user id for AUTHOR, the
 * blog id for BLOG, the slug for SLUG, else NULL) and
 * the value under key (taken over by slot). A hit returns the cached JSON text (heap, caller
 * frees; *len its length). A miss returns NULL and fills slot: blog_cache_fill then stores
 * the answer read from MongoDB AFTER this call, under the generation this call saw.
 * Release slot with blog_cache_slot_release either way.
 */
char *blog_cache_lookup(blog_ctx *ctx, blog_cache_scope scope, const char *author, char *key,
                        blog_cache_slot *slot, size_t *len);
/* Stores data (borrowed) for the slot of a miss; failures are ignored (it is only a cache). */
void blog_cache_fill(blog_ctx *ctx, const blog_cache_slot *slot, const json_t *data, int ttl_s);
void blog_cache_slot_release(blog_cache_slot *slot);

/* The stamped form of a value, "<stamp> <json>" (heap, caller frees; *len its length), and
 * the reverse: the JSON text of value when its stamp is stamp, else NULL (points into
 * value). Pure functions, exposed for the unit tests. */
char *blog_cache_stamp_value(const char *stamp, const char *json, size_t json_len, size_t *len);
const char *blog_cache_stamped_json(const char *value, size_t len, const char *stamp,
                                    size_t *json_len);

/*
 * Retiring, called by retire.c (which works out what a write changed) after MongoDB accepted
 * the write and before it is answered.
 * Deletes keys (values blog_cache_key names) right away, so Redis frees the memory; the
 * generation move that follows is what retires them for readers.
 */
void blog_cache_forget(blog_ctx *ctx, const char *const *keys, size_t n);
/* Moves the generation of scope to a new token (author: the author's lists; NULL: every
 * author's lists; for BLOG and SLUG the blog id or slug, required). Redis unreachable: the
 * process is marked dirty, see cache.c. */
void blog_cache_retire(blog_ctx *ctx, blog_cache_scope scope, const char *author);

#endif
