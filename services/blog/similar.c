/*
 * Design of "similar blogs".
 *
 * The original used MongoDB's $text index with weights (title 3, description 1). FerretDB
 * 1.24 has no $text, so the service does the same job in two steps that work on both:
 *
 * 1. Write time: every blog stores `keywords`, the distinct normalised words of its title
 *    and description (see blog_words: lower-case, stop-words removed, bounded to 64), kept
 *    up to date by create and update. It is indexed.
 * 2. Read time: one find selects the candidates, published && status && _id != this &&
 *    (keywords $in this.keywords || tags $in this.tags), newest first, at most 200; the
 *    ranking below runs in C over those few records and keeps the best 6.
 *
 * Score of a candidate b against the blog a, each shared item counted once:
 *   - a word in both titles:                          3 (BLOG_SIMILAR_W_TITLE)
 *   - any other word shared by their title+description: 1 (BLOG_SIMILAR_W_WORD)
 *   - a tag in both tag lists:                        2 (BLOG_SIMILAR_W_TAG)
 * Ties go to the more recently published blog, then to the larger _id, so the order is
 * total and stable between calls. The candidate bound trades recall on very large
 * collections (older matching blogs beyond the newest 200 are not considered) for a
 * bounded cost per request; the result is cached for 6 hours anyway.
 */
#include "similar.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "micro/alloc.h"
#include "micro/strbuf.h"

#define WORD_MIN 2
#define WORD_MAX 64

/* Sorted for bsearch. */
static const char *const stop_words[] = {
    "about", "after",  "all",   "also", "an",   "and",   "any",    "are",   "as",   "at",    "be",
    "been",  "before", "being", "but",  "by",   "can",   "could",  "did",   "do",   "does",  "for",
    "from",  "had",    "has",   "have", "he",   "her",   "his",    "how",   "if",   "in",    "into",
    "is",    "it",     "its",   "just", "me",   "more",  "most",   "my",    "no",   "not",   "of",
    "on",    "or",     "our",   "out",  "over", "she",   "should", "so",    "some", "such",  "than",
    "that",  "the",    "their", "them", "then", "there", "these",  "they",  "this", "those", "to",
    "too",   "under",  "up",    "us",   "very", "via",   "was",    "we",    "were", "what",  "when",
    "where", "which",  "while", "who",  "why",  "will",  "with",   "would", "you",  "your",
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int blog_is_stop_word(const char *word)
{
    return bsearch(&word, stop_words, sizeof stop_words / sizeof stop_words[0],
                   sizeof stop_words[0], cmp_str) != NULL;
}

static bool is_word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

static bool contains(const json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (json_is_string(v) &&
                                      strcmp(json_string_value(v), s) == 0) return true;
    return false;
}

/* Appends s unless present or the array is full. */
static void add_unique(json_t *arr, const char *s, size_t max)
{
    if (json_array_size(arr) < max && !contains(arr, s))
        json_array_append_new(arr, json_string(s));
}

json_t *blog_words(const char *text, size_t max)
{
    json_t *out = json_array();
    if (!text)
        return out;
    mf_strbuf w;
    mf_strbuf_init(&w);
    const unsigned char *p = (const unsigned char *)text;
    for (;;) {
        unsigned char c = *p;
        if (c && is_word_byte(c)) {
            mf_strbuf_addch(&w, (char)((c >= 'A' && c <= 'Z') ? c + 32 : c));
        } else if (w.len > 0) {
            /* json_string rejects invalid UTF-8; such fragments are just not keywords */
            if (w.len >= WORD_MIN && w.len <= WORD_MAX && !blog_is_stop_word(w.buf) &&
                json_array_size(out) < max && !contains(out, w.buf)) {
                json_t *s = json_string(w.buf);
                if (s)
                    json_array_append_new(out, s);
            }
            mf_strbuf_reset(&w);
        }
        if (!c)
            break;
        p++;
    }
    mf_strbuf_release(&w);
    return out;
}

json_t *blog_keywords(const char *title, const char *description)
{
    json_t *out = blog_words(title, BLOG_WORDS_MAX);
    json_t *d = blog_words(description, BLOG_WORDS_MAX);
    size_t i;
    json_t *v;
    json_array_foreach(d, i, v) add_unique(out, json_string_value(v), BLOG_KEYWORDS_MAX);
    json_decref(d);
    return out;
}

static const char *str_field(const json_t *rec, const char *key)
{
    const char *s = json_string_value(json_object_get(rec, key));
    return s ? s : "";
}

int blog_similar_score(const json_t *a, const json_t *b)
{
    json_t *ta = blog_words(str_field(a, "title"), BLOG_WORDS_MAX);
    json_t *tb = blog_words(str_field(b, "title"), BLOG_WORDS_MAX);
    json_t *ka = blog_keywords(str_field(a, "title"), str_field(a, "description"));
    json_t *kb = blog_keywords(str_field(b, "title"), str_field(b, "description"));
    int score = 0;
    size_t i;
    json_t *v;
    json_array_foreach(ka, i, v)
    {
        const char *w = json_string_value(v);
        if (!contains(kb, w))
            continue;
        score += (contains(ta, w) && contains(tb, w)) ? BLOG_SIMILAR_W_TITLE : BLOG_SIMILAR_W_WORD;
    }
    json_t *tags_a = json_object_get(a, "tags"), *tags_b = json_object_get(b, "tags");
    json_t *seen = json_array();
    json_array_foreach(tags_a, i, v)
    {
        const char *t = json_string_value(v);
        if (t && !contains(seen, t) && contains(tags_b, t)) {
            score += BLOG_SIMILAR_W_TAG;
            json_array_append(seen, v);
        }
    }
    json_decref(seen);
    json_decref(ta);
    json_decref(tb);
    json_decref(ka);
    json_decref(kb);
    return score;
}

typedef struct {
    int score;
    json_int_t published_at;
    const char *id;
    json_t *rec;
} ranked;

static int cmp_ranked(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    if (a->published_at != b->published_at)
        return a->published_at > b->published_at ? -1 : 1;
    return -strcmp(a->id, b->id);
}

json_t *blog_similar_rank(const json_t *self, const json_t *cands, size_t top)
{
    const char *self_id = str_field(self, "_id");
    size_t n = json_array_size(cands), used = 0;
    ranked *r = mf_calloc(n ? n : 1, sizeof *r);
    size_t i;
    json_t *c;
    json_array_foreach(cands, i, c)
    {
        if (strcmp(str_field(c, "_id"), self_id) == 0)
            continue;
        int s = blog_similar_score(self, c);
        if (s <= 0)
            continue;
        json_t *pa = json_object_get(c, "publishedAt");
        r[used++] =
            (ranked){s, json_is_integer(pa) ? json_integer_value(pa) : 0, str_field(c, "_id"), c};
    }
    qsort(r, used, sizeof *r, cmp_ranked);
    json_t *out = json_array();
    for (size_t k = 0; k < used && k < top; k++)
        json_array_append(out, r[k].rec);
    free(r);
    return out;
}
