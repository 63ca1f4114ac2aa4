/*
 * Metrics in the Prometheus text format (version 0.0.4). The process has one registry of
 * collectors; GET /metrics (mounted by the HTTP server) renders them all, plus the process
 * families (process_resident_memory_bytes, process_start_time_seconds).
 *
 * Counting is cheap: an mf_metric_vec is a family whose label values are few and stable in
 * practice (NATS subjects, cache names, outcomes). Finding a child is a lock-free scan of an
 * append-only table and adding is one relaxed atomic; only the first use of a new label set
 * takes a mutex. Past MF_METRIC_VEC_MAX label sets, new ones are counted under "other".
 */
#ifndef MF_METRICS_H
#define MF_METRICS_H

#include <stdint.h>

#include "micro/banned.h"
#include "micro/strbuf.h"

#define MF_METRIC_VEC_MAX 64

/* Writes a collector's families into out. Runs under the registry's lock: it must not
 * register or remove collectors. */
typedef void (*mf_metrics_collect_fn)(mf_strbuf *out, void *ctx);

/* Adds a collector (fn with ctx); it stays until mf_metrics_remove(fn, ctx). */
void mf_metrics_add(mf_metrics_collect_fn fn, void *ctx);
void mf_metrics_remove(mf_metrics_collect_fn fn, void *ctx);
/* Every collector's families, then the process families, appended to out. */
void mf_metrics_render(mf_strbuf *out);

/* ---- writing the text format (for collectors) ---- */

/* "# HELP name help\n# TYPE name type\n" */
void mf_metrics_family(mf_strbuf *out, const char *name, const char *type, const char *help);
/* A label value with \, " and newline escaped (without the quotes). */
void mf_metrics_label(mf_strbuf *out, const char *value);

/* ---- labelled families ---- */

typedef enum { MF_METRIC_COUNTER, MF_METRIC_GAUGE } mf_metric_kind;

typedef struct mf_metric_vec mf_metric_vec;

/* A family with one or two labels (label2 may be NULL), registered as a collector. name,
 * help and the label names are borrowed (string literals). Lives until mf_metric_vec_free. */
mf_metric_vec *mf_metric_vec_new(mf_metric_kind kind, const char *name, const char *help,
                                 const char *label1, const char *label2);
void mf_metric_vec_free(mf_metric_vec *v);
/* Adds n to the child {v1, v2} (v2 ignored without a second label); values are copied on
 * first use. */
void mf_metric_vec_add(mf_metric_vec *v, const char *v1, const char *v2, uint64_t n);
/* Sets a gauge child. */
void mf_metric_vec_set(mf_metric_vec *v, const char *v1, const char *v2, int64_t value);
/* Current value of a child (0 when it does not exist): for tests and tools. */
int64_t mf_metric_vec_get(mf_metric_vec *v, const char *v1, const char *v2);

#endif
