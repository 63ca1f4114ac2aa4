/*
 * MongoDB behind a small project API, so that only mongo.c includes libmongoc/libbson.
 *
 * Documents sent to the server (filters, updates, new documents, sorts) are built field by
 * field with blog_mdoc: values are always appended as typed BSON values, never parsed from
 * user JSON, so a user string like {"$gt":""} stays a string (no operator injection).
 *
 * Documents read back are jansson objects ("records"): ObjectId -> 24-hex string, datetime ->
 * integer milliseconds since the epoch, int32/int64 -> integer, double -> real, documents and
 * arrays -> objects and arrays. Readers know the schema, so this loses nothing they need.
 *
 * Errors: MF_ERR_CONFLICT for a duplicate key (11000); MF_ERR_UNAVAILABLE when the server is
 * unreachable or slow: no server can be selected, the connection fails or times out, or the
 * server says it gave up (maxTimeMS, shutting down, not primary); MF_ERR_OPEN when the client's
 * circuit breaker is open (blog_mongo_set_breaker: the operation was not sent); MF_ERR for any
 * other error the server answered with. Works with mongod and FerretDB 1.24 (only
 * find/insert/update/createIndexes/count are used).
 */
#ifndef BLOG_MONGO_H
#define BLOG_MONGO_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "micro/banned.h"
#include "micro/breaker.h"

typedef struct blog_mongo blog_mongo;
typedef struct blog_mdoc blog_mdoc;

/* ---- document builder ---- */

/* New empty document; free with blog_mdoc_free. */
blog_mdoc *blog_mdoc_new(void);
void blog_mdoc_free(blog_mdoc *d);
/* Appenders write into the innermost open document or array (keys are ignored inside an
 * array: elements are numbered). */
void blog_mdoc_str(blog_mdoc *d, const char *key, const char *value);
/* hex must be 24 hex characters (validated by the caller); otherwise the call is ignored
 * and the document marked malformed: every operation using it logs the bug and fails with
 * MF_ERR (never MF_ERR_INVALID, which is the client's bad input). */
void blog_mdoc_oid(blog_mdoc *d, const char *key, const char *hex);
void blog_mdoc_bool(blog_mdoc *d, const char *key, bool value);
void blog_mdoc_int(blog_mdoc *d, const char *key, int64_t value);
void blog_mdoc_double(blog_mdoc *d, const char *key, double value);
void blog_mdoc_date(blog_mdoc *d, const char *key, int64_t epoch_ms);
/* Array of the strings in a JSON array (non-strings skipped); at most max elements. */
void blog_mdoc_str_array(blog_mdoc *d, const char *key, json_t *strings, size_t max);
/* {field: 1, ...}: a projection of n fields (new document, free with blog_mdoc_free). */
blog_mdoc *blog_mdoc_projection(const char *const *fields, size_t n);
/* Nested document / array; close with blog_mdoc_end. At most 8 levels. */
void blog_mdoc_begin(blog_mdoc *d, const char *key);
void blog_mdoc_begin_array(blog_mdoc *d, const char *key);
void blog_mdoc_end(blog_mdoc *d);

/* New 24-hex ObjectId (bson_oid_init) into out. */
void blog_mongo_new_oid(char out[25]);

/* The record of a BSON document given as its bytes (what the find calls build from each
 * document the server returns; exposed for the fuzzer): a new object (caller decrefs), or NULL
 * when the bytes are not a BSON document. */
json_t *blog_mongo_record_from_bson(const uint8_t *data, size_t len);

/* ---- client ---- */

/*
 * Client pool for uri (socketTimeoutMS, connectTimeoutMS and serverSelectionTimeoutMS are
 * appended when the URI does not set them). NULL on a malformed URI. Does not connect yet.
 * Free with blog_mongo_free.
 */
blog_mongo *blog_mongo_new(const char *uri, const char *db, int select_timeout_ms,
                           int socket_timeout_ms);
void blog_mongo_free(blog_mongo *m);
/*
 * Puts every later operation except blog_mongo_ping and blog_mongo_create_index behind a new
 * circuit breaker named "mongo" (opts as in mf_breaker_new; NULL = defaults), owned by m. Only
 * MF_ERR_UNAVAILABLE outcomes count against it: an error the server answered with (a duplicate
 * key, a bad query, a not-found) means it is there. Call once, before other threads use m.
 * Without it (tools, start-up) operations always go to the server.
 */
void blog_mongo_set_breaker(blog_mongo *m, const mf_breaker_opts *opts);
/* Health ping (ctx is the blog_mongo): 0 when the server answers. Never behind the breaker:
 * /health reports the server itself, and the breaker next to it. */
int blog_mongo_ping(void *ctx);

/* Inserts doc into coll. 0, MF_ERR_CONFLICT, MF_ERR_UNAVAILABLE, MF_ERR. */
int blog_mongo_insert(blog_mongo *m, const char *coll, const blog_mdoc *doc);

/* Inserts the n documents in one command (unordered). 0 or an error. */
int blog_mongo_insert_many(blog_mongo *m, const char *coll, const blog_mdoc *const *docs, size_t n);

/* First document matching filter (projection may be NULL). *out is a new record (caller
 * decrefs). 0, MF_ERR_NOT_FOUND, MF_ERR_UNAVAILABLE, MF_ERR. */
int blog_mongo_find_one(blog_mongo *m, const char *coll, const blog_mdoc *filter,
                        const blog_mdoc *projection, json_t **out);

/* Documents matching filter, sorted (sort may be NULL), skipping skip, at most limit
 * (> 0). *out is a new JSON array of records (caller decrefs). 0 or an error. */
int blog_mongo_find(blog_mongo *m, const char *coll, const blog_mdoc *filter,
                    const blog_mdoc *projection, const blog_mdoc *sort, int64_t skip, int64_t limit,
                    json_t **out);

/* At most this many ids in one blog_mongo_find_ids: its {_id: {$in}} is served by the _id
 * index on mongod and, up to this many, on FerretDB (scripts/ferretdb-sqlite-id.patch). */
#define BLOG_MONGO_IDS_MAX 1000
/* The documents of ids (an array of strings, borrowed: ObjectId hex when oids, else plain
 * string _ids) in one {_id: {$in}} find (projection may be NULL): *by_id, a new object of _id
 * -> record, without the ids not found (caller decrefs). 0, MF_ERR_INVALID (more than
 * BLOG_MONGO_IDS_MAX ids), or an error. */
int blog_mongo_find_ids(blog_mongo *m, const char *coll, const json_t *ids, bool oids,
                        const blog_mdoc *projection, json_t **by_id);

/* Calls fn for every document matching filter, streamed in batches (no sort, no time limit:
 * for background work over a whole collection, never on a request path). fn gets a new record
 * (it decrefs) and returns 0 to go on, anything else to stop (returned). 0 or an error. */
int blog_mongo_each(blog_mongo *m, const char *coll, const blog_mdoc *filter,
                    const blog_mdoc *projection, int (*fn)(void *arg, json_t *rec), void *arg);

/* Updates (update holds operators like $set), each 0, MF_ERR_CONFLICT, MF_ERR_UNAVAILABLE or
 * MF_ERR. update_one: the first match; *matched (may be NULL) gets how many matched (0 or 1).
 * upsert: the first match, or a new document from filter+update. No update of many: the
 * request path writes one document by _id at a time (store_authors.h). */
int blog_mongo_update_one(blog_mongo *m, const char *coll, const blog_mdoc *filter,
                          const blog_mdoc *update, int64_t *matched);
int blog_mongo_upsert(blog_mongo *m, const char *coll, const blog_mdoc *filter,
                      const blog_mdoc *update);

typedef enum {
    BLOG_INDEX_PLAIN = 0,
    BLOG_INDEX_UNIQUE = 1u << 0,
} blog_index_flags;

/* createIndexes with one index (keys like {"slug":1}). 0 or an error. Not behind the breaker:
 * only start-up creates indexes, and it retries until the server is there. */
int blog_mongo_create_index(blog_mongo *m, const char *coll, const char *name,
                            const blog_mdoc *keys, blog_index_flags flags);

#endif
