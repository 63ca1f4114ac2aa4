/*
 * The process's metrics registry and the labelled families behind micro/metrics.h.
 *
 * A vec's children live in a fixed array that only grows: a reader scans the published
 * prefix (count, acquire) without a lock; a writer adding a label set takes the vec's mutex,
 * scans again (another writer may have added it), fills the next slot and publishes it
 * (release). Children are never removed, so a pointer found once stays valid.
 */
#include "micro/metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "micro/alloc.h"

typedef struct collector {
    struct collector *next;
    mf_metrics_collect_fn fn;
    void *ctx;
} collector;

static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static collector *collectors; /* in registration order */

void mf_metrics_add(mf_metrics_collect_fn fn, void *ctx)
{
    collector *c = mf_calloc(1, sizeof *c);
    c->fn = fn;
    c->ctx = ctx;
    pthread_mutex_lock(&registry_mu);
    collector **tail = &collectors;
    while (*tail)
        tail = &(*tail)->next;
    *tail = c;
    pthread_mutex_unlock(&registry_mu);
}

void mf_metrics_remove(mf_metrics_collect_fn fn, void *ctx)
{
    pthread_mutex_lock(&registry_mu);
    for (collector **p = &collectors; *p; p = &(*p)->next) {
        if ((*p)->fn == fn && (*p)->ctx == ctx) {
            collector *c = *p;
            *p = c->next;
            free(c);
            break;
        }
    }
    pthread_mutex_unlock(&registry_mu);
}

void mf_metrics_family(mf_strbuf *out, const char *name, const char *type, const char *help)
{
    mf_strbuf_addf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void mf_metrics_label(mf_strbuf *out, const char *value)
{
    for (const char *p = value ? value : ""; *p; p++) {
        if (*p == '\\')
            mf_strbuf_adds(out, "\\\\");
        else if (*p == '"')
            mf_strbuf_adds(out, "\\\"");
        else if (*p == '\n')
            mf_strbuf_adds(out, "\\n");
        else
            mf_strbuf_addch(out, *p);
    }
}

static void process_families(mf_strbuf *out)
{
    long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        long size;
        if (fscanf(f, "%ld %ld", &size, &pages) != 2)
            pages = 0;
        fclose(f);
    }
    mf_metrics_family(out, "process_resident_memory_bytes", "gauge", "Resident memory size.");
    mf_strbuf_addf(out, "process_resident_memory_bytes %ld\n", pages * sysconf(_SC_PAGESIZE));
    struct timespec cpu;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
    mf_metrics_family(out, "process_cpu_seconds_total", "counter",
                      "User and system CPU time spent.");
    mf_strbuf_addf(out, "process_cpu_seconds_total %.6f\n",
                   (double)cpu.tv_sec + (double)cpu.tv_nsec / 1e9);
}

void mf_metrics_render(mf_strbuf *out)
{
    pthread_mutex_lock(&registry_mu);
    for (collector *c = collectors; c; c = c->next)
        c->fn(out, c->ctx);
    pthread_mutex_unlock(&registry_mu);
    process_families(out);
}

/* ---- vec ---- */

typedef struct {
    char *v1;
    char *v2;
    _Atomic int64_t value;
} vec_child;

struct mf_metric_vec {
    mf_metric_kind kind;
    const char *name;
    const char *help;
    const char *label1;
    const char *label2;
    pthread_mutex_t mu;                        /* adding children */
    _Atomic size_t count;                      /* published children */
    vec_child children[MF_METRIC_VEC_MAX + 1]; /* the last one is "other" */
};

static void vec_collect(mf_strbuf *out, void *ctx)
{
    mf_metric_vec *v = ctx;
    size_t n = atomic_load_explicit(&v->count, memory_order_acquire);
    if (n == 0)
        return;
    mf_metrics_family(out, v->name, v->kind == MF_METRIC_COUNTER ? "counter" : "gauge", v->help);
    for (size_t i = 0; i < n; i++) {
        vec_child *c = &v->children[i];
        mf_strbuf_addf(out, "%s{%s=\"", v->name, v->label1);
        mf_metrics_label(out, c->v1);
        if (v->label2) {
            mf_strbuf_addf(out, "\",%s=\"", v->label2);
            mf_metrics_label(out, c->v2);
        }
        mf_strbuf_addf(out, "\"} %lld\n", (long long)atomic_load(&c->value));
    }
}

mf_metric_vec *mf_metric_vec_new(mf_metric_kind kind, const char *name, const char *help,
                                 const char *label1, const char *label2)
{
    mf_metric_vec *v = mf_calloc(1, sizeof *v);
    v->kind = kind;
    v->name = name;
    v->help = help;
    v->label1 = label1;
    v->label2 = label2;
    pthread_mutex_init(&v->mu, NULL);
    mf_metrics_add(vec_collect, v);
    return v;
}

void mf_metric_vec_free(mf_metric_vec *v)
{
    if (!v)
        return;
    mf_metrics_remove(vec_collect, v);
    size_t n = atomic_load(&v->count);
    for (size_t i = 0; i < n; i++) {
        free(v->children[i].v1);
        free(v->children[i].v2);
    }
    pthread_mutex_destroy(&v->mu);
    free(v);
}

static bool same(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static vec_child *scan(mf_metric_vec *v, size_t n, const char *v1, const char *v2)
{
    for (size_t i = 0; i < n; i++) {
        vec_child *c = &v->children[i];
        if (same(c->v1, v1) && (!v->label2 || same(c->v2, v2)))
            return c;
    }
    return NULL;
}

static vec_child *child(mf_metric_vec *v, const char *v1, const char *v2, bool create)
{
    vec_child *c = scan(v, atomic_load_explicit(&v->count, memory_order_acquire), v1, v2);
    if (c || !create)
        return c;
    pthread_mutex_lock(&v->mu);
    size_t n = atomic_load_explicit(&v->count, memory_order_relaxed);
    c = scan(v, n, v1, v2);
    if (!c && n >= MF_METRIC_VEC_MAX) {
        v1 = "other";
        v2 = v->label2 ? "other" : NULL;
        c = scan(v, n, v1, v2);
    }
    if (!c) {
        c = &v->children[n];
        c->v1 = mf_strdup(v1 ? v1 : "");
        c->v2 = v->label2 ? mf_strdup(v2 ? v2 : "") : NULL;
        atomic_store_explicit(&v->count, n + 1, memory_order_release);
    }
    pthread_mutex_unlock(&v->mu);
    return c;
}

void mf_metric_vec_add(mf_metric_vec *v, const char *v1, const char *v2, uint64_t n)
{
    if (v)
        atomic_fetch_add_explicit(&child(v, v1, v2, true)->value, (int64_t)n, memory_order_relaxed);
}

void mf_metric_vec_set(mf_metric_vec *v, const char *v1, const char *v2, int64_t value)
{
    if (v)
        atomic_store_explicit(&child(v, v1, v2, true)->value, value, memory_order_relaxed);
}

int64_t mf_metric_vec_get(mf_metric_vec *v, const char *v1, const char *v2)
{
    vec_child *c = v ? child(v, v1, v2, false) : NULL;
    return c ? atomic_load(&c->value) : 0;
}
