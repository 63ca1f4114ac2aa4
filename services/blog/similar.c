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
#include "micro/utf8.h"

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

/* A set of distinct words in order of first appearance, at most BLOG_KEYWORDS_MAX, with a
 * small open-addressing hash so that tokenising and scoring are linear: ranking
 * BLOG_RM_CANDIDATES candidates is on every uncached similar read, and the json-array
 * version this replaced (a linear search per word, four tokenisations per pair) was most of
 * that read's time (perf: strcmp, malloc). */
#define SET_SLOTS 256 /* a power of two, > 2 * BLOG_KEYWORDS_MAX */

typedef struct {
    const char *w[BLOG_KEYWORDS_MAX];
    unsigned char len[BLOG_KEYWORDS_MAX];
    unsigned char slot[SET_SLOTS]; /* index + 1 into w, 0 empty */
    size_t n;
    char store[BLOG_KEYWORDS_MAX * (WORD_MAX + 1)];
    size_t used;
} wordset;

static void ws_init(wordset *s)
{
    s->n = 0;
    s->used = 0;
    memset(s->slot, 0, sizeof s->slot);
}

static unsigned hash_of(const char *w, size_t len)
{
    unsigned h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)w[i]) * 16777619u;
    return h;
}

/* The slot of w: where it is, or the empty one where it would go. */
static size_t ws_find(const wordset *s, const char *w, size_t len)
{
    size_t i = hash_of(w, len) & (SET_SLOTS - 1);
    while (s->slot[i]) {
        size_t k = s->slot[i] - 1u;
        if (s->len[k] == len && memcmp(s->w[k], w, len) == 0)
            return i;
        i = (i + 1) & (SET_SLOTS - 1);
    }
    return i;
}

static bool ws_has(const wordset *s, const char *w, size_t len)
{
    return s->slot[ws_find(s, w, len)] != 0;
}

/* Adds w (len <= WORD_MAX) unless present or the set holds max words. */
static void ws_add(wordset *s, const char *w, size_t len, size_t max)
{
    if (s->n >= max || s->n >= BLOG_KEYWORDS_MAX)
        return;
    size_t i = ws_find(s, w, len);
    if (s->slot[i])
        return;
    char *dst = s->store + s->used;
    memcpy(dst, w, len);
    dst[len] = '\0';
    s->used += len + 1;
    s->w[s->n] = dst;
    s->len[s->n] = (unsigned char)len;
    s->slot[i] = (unsigned char)(++s->n);
}

/* The words of text into s, up to max in s (blog_words' rule). */
static void ws_words(wordset *s, const char *text, size_t max)
{
    char w[WORD_MAX + 1];
    size_t len = 0;
    bool high = false;
    const unsigned char *p = (const unsigned char *)(text ? text : "");
    for (;; p++) {
        unsigned char c = *p;
        if (c && is_word_byte(c)) {
            if (len < WORD_MAX + 1)
                w[len] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
            len++; /* counted past WORD_MAX: too long, dropped below */
            high = high || c >= 0x80;
            continue;
        }
        if (len >= WORD_MIN && len <= WORD_MAX) {
            w[len] = '\0';
            /* keywords are stored as JSON strings: a fragment of invalid UTF-8 is not one */
            if (!blog_is_stop_word(w) && (!high || mf_utf8_len(w) >= 0))
                ws_add(s, w, len, max);
        }
        len = 0;
        high = false;
        if (!c)
            break;
    }
}

/* What scoring needs of a blog: its title words and its keywords. */
typedef struct {
    wordset title, keywords;
} profile;

static const char *str_field(const json_t *rec, const char *key)
{
    const char *s = json_string_value(json_object_get(rec, key));
    return s ? s : "";
}

static void profile_of(profile *pr, const char *title, const char *description)
{
    ws_init(&pr->title);
    ws_init(&pr->keywords);
    ws_words(&pr->title, title, BLOG_WORDS_MAX);
    wordset *d = mf_malloc(sizeof *d);
    ws_init(d);
    ws_words(d, description, BLOG_WORDS_MAX);
    for (size_t i = 0; i < pr->title.n; i++)
        ws_add(&pr->keywords, pr->title.w[i], pr->title.len[i], BLOG_KEYWORDS_MAX);
    for (size_t i = 0; i < d->n; i++)
        ws_add(&pr->keywords, d->w[i], d->len[i], BLOG_KEYWORDS_MAX);
    free(d);
}

static json_t *ws_json(const wordset *s)
{
    json_t *out = json_array();
    for (size_t i = 0; i < s->n; i++)
        json_array_append_new(out, json_stringn(s->w[i], s->len[i]));
    return out;
}

json_t *blog_words(const char *text, size_t max)
{
    wordset *s = mf_malloc(sizeof *s);
    ws_init(s);
    ws_words(s, text, max);
    json_t *out = ws_json(s);
    free(s);
    return out;
}

json_t *blog_keywords(const char *title, const char *description)
{
    profile *pr = mf_malloc(sizeof *pr);
    profile_of(pr, title, description);
    json_t *out = ws_json(&pr->keywords);
    free(pr);
    return out;
}

static bool has_tag(const json_t *tags, size_t upto, const char *t)
{
    for (size_t i = 0; i < upto; i++) {
        const char *s = json_string_value(json_array_get(tags, i));
        if (s && strcmp(s, t) == 0)
            return true;
    }
    return false;
}

/* Each shared item counted once; symmetric in a and b. */
static int score_of(const profile *a, const json_t *tags_a, const profile *b, const json_t *tags_b)
{
    int score = 0;
    for (size_t i = 0; i < a->keywords.n; i++) {
        const char *w = a->keywords.w[i];
        size_t len = a->keywords.len[i];
        if (!ws_has(&b->keywords, w, len))
            continue;
        score += (ws_has(&a->title, w, len) && ws_has(&b->title, w, len)) ? BLOG_SIMILAR_W_TITLE
                                                                          : BLOG_SIMILAR_W_WORD;
    }
    size_t nt = json_array_size(tags_a);
    for (size_t i = 0; i < nt; i++) {
        const char *t = json_string_value(json_array_get(tags_a, i));
        if (t && !has_tag(tags_a, i, t) && has_tag(tags_b, json_array_size(tags_b), t))
            score += BLOG_SIMILAR_W_TAG;
    }
    return score;
}

int blog_similar_score(const json_t *a, const json_t *b)
{
    profile *pa = mf_malloc(sizeof *pa), *pb = mf_malloc(sizeof *pb);
    profile_of(pa, str_field(a, "title"), str_field(a, "description"));
    profile_of(pb, str_field(b, "title"), str_field(b, "description"));
    int score = score_of(pa, json_object_get(a, "tags"), pb, json_object_get(b, "tags"));
    free(pa);
    free(pb);
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
    /* self is tokenised once, each candidate once (one profile reused) */
    profile *ps = mf_malloc(sizeof *ps), *pc = mf_malloc(sizeof *pc);
    profile_of(ps, str_field(self, "title"), str_field(self, "description"));
    const json_t *self_tags = json_object_get(self, "tags");
    size_t i;
    json_t *c;
    json_array_foreach(cands, i, c)
    {
        if (strcmp(str_field(c, "_id"), self_id) == 0)
            continue;
        profile_of(pc, str_field(c, "title"), str_field(c, "description"));
        int s = score_of(ps, self_tags, pc, json_object_get(c, "tags"));
        if (s <= 0)
            continue;
        json_t *pa = json_object_get(c, "publishedAt");
        r[used++] =
            (ranked){s, json_is_integer(pa) ? json_integer_value(pa) : 0, str_field(c, "_id"), c};
    }
    free(ps);
    free(pc);
    qsort(r, used, sizeof *r, cmp_ranked);
    json_t *out = json_array();
    for (size_t k = 0; k < used && k < top; k++)
        json_array_append(out, r[k].rec);
    free(r);
    return out;
}
