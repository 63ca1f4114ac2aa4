/*
 * Similar blogs without a full-text index (FerretDB has no $text): each blog stores
 * `keywords`, the normalised words of its title and description; MongoDB preselects
 * candidates that share a keyword or a tag, and the ranking happens here, in C.
 * Everything in this file is pure logic (no I/O), unit-tested on its own.
 */
#ifndef BLOG_SIMILAR_H
#define BLOG_SIMILAR_H

#include <jansson.h>
#include <stddef.h>

#include "micro/banned.h"

#define BLOG_SIMILAR_TOP        6
#define BLOG_SIMILAR_CANDIDATES 200
/* Weights of one shared word / tag. */
#define BLOG_SIMILAR_W_TITLE 3
#define BLOG_SIMILAR_W_WORD  1
#define BLOG_SIMILAR_W_TAG   2
/* Bounds on stored keywords: per text, and in total. */
#define BLOG_WORDS_MAX    32
#define BLOG_KEYWORDS_MAX 64

/* Distinct normalised words of text, in order of first appearance, at most max: ASCII
 * lower-cased, split on anything that is not a letter or digit (bytes of multi-byte UTF-8
 * characters count as letters), 2..64 bytes long, stop-words removed. New JSON array
 * (caller decrefs). */
json_t *blog_words(const char *text, size_t max);

/* Keywords stored on a blog: title words then description words, deduplicated, at most
 * BLOG_KEYWORDS_MAX. New JSON array (caller decrefs). */
json_t *blog_keywords(const char *title, const char *description);

/* True for an English stop-word (lower-case). */
int blog_is_stop_word(const char *word);

/* Similarity of two blog records (title, description, tags); see similar.c. */
int blog_similar_score(const json_t *a, const json_t *b);

/*
 * The at most top records of cands most similar to self, best first: score desc, then
 * publishedAt desc, then _id desc. self (same _id) and candidates scoring 0 are left out.
 * New JSON array holding references to the candidate records (caller decrefs).
 */
json_t *blog_similar_rank(const json_t *self, const json_t *cands, size_t top);

#endif
