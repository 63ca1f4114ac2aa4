/*
 * Router: a list of routes scanned in order, each pattern split once into segments at add
 * time. With a few dozen routes a linear scan with segment comparison is faster than any
 * tree once cache misses are counted, and it is easy to reason about.
 *
 * Precedence: among the routes whose pattern matches a path, the one with a static segment
 * at the first position where the candidates differ wins ("/list/latest" beats
 * "/list/:tag"), independent of insertion order.
 */
#include "micro/router.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "micro/alloc.h"
#include "micro/error.h"

typedef struct {
    const char *start; /* into the pattern; for a parameter, after the ':' */
    size_t len;
    bool param;
} rt_seg;

typedef struct {
    const mf_route *route;
    rt_seg *segs;
    size_t nsegs;
    size_t nparams;
    /* NUL-terminated copies of the parameter names, so mf_params.name can be used with
     * strcmp even when the parameter is not the last segment of the pattern. */
    char *names[MF_ROUTER_MAX_PARAMS];
} rt_entry;

struct mf_router {
    rt_entry *entries;
    size_t count;
    size_t cap;
};

mf_router *mf_router_new(void)
{
    return mf_calloc(1, sizeof(mf_router));
}

static void entry_release(rt_entry *e)
{
    free(e->segs);
    for (size_t i = 0; i < e->nparams; i++)
        free(e->names[i]);
}

void mf_router_free(mf_router *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->count; i++)
        entry_release(&r->entries[i]);
    free(r->entries);
    free(r);
}

/* Splits a pattern into e; false when it is malformed. A single trailing slash is dropped
 * (so "/a/" is the route "/a"), but "/" alone is the root with zero segments. */
static bool parse_pattern(const char *pattern, rt_entry *e)
{
    if (!pattern || pattern[0] != '/')
        return false;
    size_t plen = strlen(pattern);
    if (plen > 1 && pattern[plen - 1] == '/') {
        plen--;
        if (plen == 1)
            return false; /* "//" */
    }
    e->nsegs = 0;
    e->nparams = 0;
    if (plen == 1)
        return true;

    size_t cap = 0;
    for (size_t i = 0; i < plen; i++)
        if (pattern[i] == '/')
            cap++;
    e->segs = mf_calloc(cap, sizeof(rt_seg));

    const char *end = pattern + plen;
    const char *p = pattern + 1;
    for (;;) {
        const char *slash = memchr(p, '/', (size_t)(end - p));
        const char *seg_end = slash ? slash : end;
        size_t len = (size_t)(seg_end - p);
        if (len == 0)
            return false; /* "//" inside a pattern: could never match a real path */
        rt_seg *s = &e->segs[e->nsegs++];
        if (p[0] == ':') {
            if (len == 1 || e->nparams == MF_ROUTER_MAX_PARAMS)
                return false;
            s->param = true;
            s->start = p + 1;
            s->len = len - 1;
            for (size_t i = 0; i < e->nparams; i++)
                if (strlen(e->names[i]) == s->len && memcmp(e->names[i], s->start, s->len) == 0)
                    return false; /* the same name twice: the second value would be lost */
            e->names[e->nparams++] = mf_strndup(s->start, s->len);
        } else {
            s->param = false;
            s->start = p;
            s->len = len;
        }
        if (!slash)
            return true;
        p = slash + 1;
    }
}

/* Two patterns are the same route when they have the same shape: equal static segments and
 * parameters at the same positions (whatever their names), since the second could never be
 * reached. */
static bool same_shape(const rt_entry *a, const rt_entry *b)
{
    if (a->nsegs != b->nsegs)
        return false;
    for (size_t i = 0; i < a->nsegs; i++) {
        const rt_seg *x = &a->segs[i], *y = &b->segs[i];
        if (x->param != y->param)
            return false;
        if (!x->param && (x->len != y->len || memcmp(x->start, y->start, x->len) != 0))
            return false;
    }
    return true;
}

static bool entry_conflicts(const mf_router *r, const rt_entry *e, size_t upto)
{
    for (size_t i = 0; i < upto; i++)
        if (strcmp(r->entries[i].route->method, e->route->method) == 0 &&
            same_shape(&r->entries[i], e))
            return true;
    return false;
}

int mf_router_add(mf_router *r, const mf_route *routes, size_t n)
{
    if (!r || (!routes && n > 0))
        return MF_ERR_INVALID;
    /* A bad row releases the rows parsed before it, so a failed call leaves the router as it
     * was. */
    if (r->count + n > r->cap) {
        size_t cap = r->cap ? r->cap : 16;
        while (cap < r->count + n)
            cap *= 2;
        r->entries = mf_realloc(r->entries, cap * sizeof(rt_entry));
        r->cap = cap;
    }
    size_t base = r->count;
    for (size_t i = 0; i < n; i++) {
        rt_entry *e = &r->entries[base + i];
        memset(e, 0, sizeof(*e));
        e->route = &routes[i];
        bool ok = routes[i].method && routes[i].method[0] && parse_pattern(routes[i].pattern, e) &&
                  !entry_conflicts(r, e, base + i);
        if (!ok) {
            for (size_t j = 0; j <= i; j++)
                entry_release(&r->entries[base + j]);
            return MF_ERR_INVALID;
        }
    }
    r->count += n;
    return MF_OK;
}

/* Matches path (already known to start with '/') against e. The path's segments are
 * walked in step with the pattern's, so nothing is allocated. */
static bool entry_match(const rt_entry *e, const char *path, size_t plen, mf_params *params)
{
    if (params)
        params->count = 0;
    if (plen == 1) /* "/" */
        return e->nsegs == 0;
    const char *end = path + plen;
    const char *p = path + 1;
    size_t i = 0;
    for (;;) {
        const char *slash = memchr(p, '/', (size_t)(end - p));
        const char *seg_end = slash ? slash : end;
        size_t len = (size_t)(seg_end - p);
        if (i == e->nsegs)
            return false;
        const rt_seg *s = &e->segs[i];
        if (s->param) {
            if (len == 0)
                return false;
            if (params) {
                size_t k = params->count++;
                params->items[k].name = e->names[k];
                params->items[k].value_start = p;
                params->items[k].value_len = len;
            }
        } else if (s->len != len || memcmp(s->start, p, len) != 0) {
            return false;
        }
        i++;
        if (!slash)
            break;
        p = slash + 1;
    }
    return i == e->nsegs;
}

/* True when a should win over b: a static segment where b has a parameter, at the first
 * position where they differ. */
static bool more_specific(const rt_entry *a, const rt_entry *b)
{
    for (size_t i = 0; i < a->nsegs && i < b->nsegs; i++)
        if (a->segs[i].param != b->segs[i].param)
            return !a->segs[i].param;
    return false;
}

const mf_route *mf_router_match(const mf_router *r, const char *method, const char *path,
                                mf_params *params)
{
    if (params)
        params->count = 0;
    if (!r || !method || !path || path[0] != '/')
        return NULL;
    size_t plen = strlen(path);
    if (plen > 1 && path[plen - 1] == '/') {
        plen--;
        if (plen == 1)
            return NULL; /* "//": an empty segment, not the root */
    }

    const rt_entry *best = NULL;
    for (size_t i = 0; i < r->count; i++) {
        const rt_entry *e = &r->entries[i];
        if (strcmp(e->route->method, method) != 0)
            continue;
        if (!entry_match(e, path, plen, NULL))
            continue;
        if (!best || more_specific(e, best))
            best = e;
    }
    if (!best)
        return NULL;
    if (params)
        entry_match(best, path, plen, params);
    return best->route;
}

void mf_router_each(const mf_router *r, void (*fn)(const mf_route *route, void *ctx), void *ctx)
{
    for (size_t i = 0; i < r->count; i++)
        fn(r->entries[i].route, ctx);
}
