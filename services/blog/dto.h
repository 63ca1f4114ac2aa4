/*
 * Request bodies in, response shapes out. Parsing validates with mf_valid, so a client gets
 * every problem of one body in one 400 message, in the DTO's field order (API.md section 2),
 * and only the known fields are ever picked from a body: unknown ones are never stored.
 *
 * Output shapes are built from a blog record (see mongo.h: _id as hex, dates as epoch ms):
 * PublicBlog, PrivateBlog and ItemBlog of API.md section 4, timestamps as RFC3339 UTC with
 * milliseconds.
 */
#ifndef BLOG_DTO_H
#define BLOG_DTO_H

#include <jansson.h>
#include <stdbool.h>

#include "micro/banned.h"
#include "micro/valid.h"

/* Limits of API.md section 4 (in code points). */
#define BLOG_TITLE_MIN  3
#define BLOG_TITLE_MAX  500
#define BLOG_DESC_MIN   3
#define BLOG_DESC_MAX   2000
#define BLOG_DRAFT_MAX  50000
#define BLOG_SLUG_MIN   3
#define BLOG_SLUG_MAX   200
#define BLOG_IMGURL_MAX 200
/* Not in the original contract: bounds that keep one blog's tag list (and the queries built
 * from it) small. */
#define BLOG_TAG_MAX  100
#define BLOG_TAGS_MAX 20

/* A validated create or update body. Strings are borrowed from the body JSON except slug
 * (normalised copy, freed by blog_input_release). NULL = field absent (update only). */
typedef struct {
    const char *id; /* update only */
    const char *title;
    const char *description;
    const char *draft_text;
    char *slug;
    const char *img_url;
    json_t *tags; /* borrowed array of upper-case strings */
} blog_input;

void blog_input_release(blog_input *in);

/* Slug normalisation (before validation): spaces removed, "/" -> "-", "?" removed.
 * Returns a new string (caller frees). */
char *blog_slug_normalize(const char *slug);

/* Parse + validate; true when valid. On false, v holds the message. in is filled either way
 * and must be released. */
bool blog_dto_create(json_t *body, blog_input *in, mf_valid *v);
bool blog_dto_update(json_t *body, blog_input *in, mf_valid *v);

/* Response shapes from a record; new references (caller decrefs). */
json_t *blog_dto_public(const json_t *rec);
json_t *blog_dto_private(const json_t *rec);
json_t *blog_dto_item(const json_t *rec);
/* Array of ItemBlog from an array of records. */
json_t *blog_dto_items(const json_t *recs);

/* ---- dto_comments.c: comment bodies ---- */
#define BLOG_COMMENT_TEXT_MAX 2000

/* The text of a comment body, trimmed (heap copy in *text, caller frees; NULL on failure):
 * "text is required" when absent, null, empty or only whitespace, "text must be a string",
 * "text must be at most 2000 characters" (code points, after trimming). */
bool blog_dto_comment_text(json_t *body, mf_valid *v, char **text);
/* The optional parentId of a create body (*parent borrowed, NULL when absent or null):
 * "parentid must be a string", then the ObjectId messages of API.md section 2. */
bool blog_dto_comment_parent(json_t *body, mf_valid *v, const char **parent);
/* Comment of API.md from a comment record (dto.c); new reference. */
json_t *blog_dto_comment(const json_t *rec);

#endif
