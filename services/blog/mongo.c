/* The only file that includes libmongoc / libbson (see mongo.h). */
#include "mongo.h"

#include <mongoc/mongoc.h>
#include <pthread.h>

#include "micro/alloc.h"
#include "micro/error.h"
#include "micro/log.h"

#define MDOC_DEPTH 8

struct blog_mdoc {
    bson_t root;
    bson_t levels[MDOC_DEPTH]; /* open children; stable addresses while appending */
    bool is_array[MDOC_DEPTH + 1];
    uint32_t next_index[MDOC_DEPTH + 1];
    int depth; /* 0 = root */
    bool invalid;
};

struct blog_mongo {
    mongoc_uri_t *uri;
    mongoc_client_pool_t *pool;
    char *db;
    int64_t max_time_ms; /* of every find: the server gives up when the client does */
    /* After a run of operations that found the server unreachable or slow, callers get
     * MF_ERR_OPEN at once instead of each waiting out the selection or socket timeout; one
     * probe at a time while half-open (micro/breaker.h). NULL: none. */
    mf_breaker *breaker;
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* The driver's own log lines go through mf_log (one JSON object per line). FerretDB does
 * not know endSessions, which the driver sends when the pool closes: not worth a warning. */
static void driver_log(mongoc_log_level_t level, const char *domain, const char *message,
                       void *data)
{
    (void)data;
    mf_log_level l = level <= MONGOC_LOG_LEVEL_CRITICAL  ? MF_LOG_ERROR
                     : level == MONGOC_LOG_LEVEL_WARNING ? MF_LOG_WARN
                                                         : MF_LOG_DEBUG;
    if (l == MF_LOG_WARN && strstr(message, "endSessions"))
        l = MF_LOG_DEBUG;
    mf_log(l, NULL, NULL, "mongoc %s: %s", domain, message);
}

static void init_driver(void)
{
    mongoc_log_set_handler(driver_log, NULL);
    mongoc_init();
}

/* ---- builder ---- */

blog_mdoc *blog_mdoc_new(void)
{
    blog_mdoc *d = mf_calloc(1, sizeof *d);
    bson_init(&d->root);
    return d;
}

void blog_mdoc_free(blog_mdoc *d)
{
    if (!d)
        return;
    /* Unclosed children are part of root's buffer: only root owns memory. */
    bson_destroy(&d->root);
    free(d);
}

static bson_t *cur(blog_mdoc *d)
{
    return d->depth == 0 ? &d->root : &d->levels[d->depth - 1];
}

/* Key to use at the current level: arrays number their elements. buf holds the number. */
static const char *key_at(blog_mdoc *d, const char *key, char buf[16])
{
    if (!d->is_array[d->depth])
        return key;
    const char *k = NULL;
    bson_uint32_to_string(d->next_index[d->depth]++, &k, buf, 16);
    return k;
}

static void note(blog_mdoc *d, bool ok)
{
    if (!ok)
        d->invalid = true;
}

void blog_mdoc_str(blog_mdoc *d, const char *key, const char *value)
{
    char buf[16];
    const char *k = key_at(d, key, buf);
    note(d, bson_append_utf8(cur(d), k, -1, value ? value : "", -1));
}

void blog_mdoc_oid(blog_mdoc *d, const char *key, const char *hex)
{
    if (!hex || strlen(hex) != 24 || !bson_oid_is_valid(hex, 24)) {
        d->invalid = true;
        return;
    }
    bson_oid_t oid;
    bson_oid_init_from_string(&oid, hex);
    char buf[16];
    note(d, bson_append_oid(cur(d), key_at(d, key, buf), -1, &oid));
}

void blog_mdoc_bool(blog_mdoc *d, const char *key, bool value)
{
    char buf[16];
    note(d, bson_append_bool(cur(d), key_at(d, key, buf), -1, value));
}

void blog_mdoc_int(blog_mdoc *d, const char *key, int64_t value)
{
    char buf[16];
    note(d, bson_append_int64(cur(d), key_at(d, key, buf), -1, value));
}

void blog_mdoc_double(blog_mdoc *d, const char *key, double value)
{
    char buf[16];
    note(d, bson_append_double(cur(d), key_at(d, key, buf), -1, value));
}

void blog_mdoc_date(blog_mdoc *d, const char *key, int64_t epoch_ms)
{
    char buf[16];
    note(d, bson_append_date_time(cur(d), key_at(d, key, buf), -1, epoch_ms));
}

static void begin(blog_mdoc *d, const char *key, bool array)
{
    if (d->depth >= MDOC_DEPTH) {
        d->invalid = true;
        return;
    }
    char buf[16];
    const char *k = key_at(d, key, buf);
    bson_t *parent = cur(d);
    bson_t *child = &d->levels[d->depth];
    bool ok = array ? bson_append_array_begin(parent, k, -1, child)
                    : bson_append_document_begin(parent, k, -1, child);
    note(d, ok);
    d->depth++;
    d->is_array[d->depth] = array;
    d->next_index[d->depth] = 0;
}

void blog_mdoc_begin(blog_mdoc *d, const char *key)
{
    begin(d, key, false);
}

void blog_mdoc_begin_array(blog_mdoc *d, const char *key)
{
    begin(d, key, true);
}

void blog_mdoc_end(blog_mdoc *d)
{
    if (d->depth == 0) {
        d->invalid = true;
        return;
    }
    bson_t *child = &d->levels[d->depth - 1];
    bson_t *parent = d->depth == 1 ? &d->root : &d->levels[d->depth - 2];
    bool ok = d->is_array[d->depth] ? bson_append_array_end(parent, child)
                                    : bson_append_document_end(parent, child);
    note(d, ok);
    d->depth--;
}

blog_mdoc *blog_mdoc_projection(const char *const *fields, size_t n)
{
    blog_mdoc *d = blog_mdoc_new();
    for (size_t i = 0; i < n; i++)
        blog_mdoc_int(d, fields[i], 1);
    return d;
}

void blog_mdoc_str_array(blog_mdoc *d, const char *key, json_t *strings, size_t max)
{
    blog_mdoc_begin_array(d, key);
    size_t i, n = 0;
    json_t *v;
    json_array_foreach(strings, i, v)
    {
        if (n >= max)
            break;
        if (json_is_string(v)) {
            blog_mdoc_str(d, NULL, json_string_value(v));
            n++;
        }
    }
    blog_mdoc_end(d);
}

/* The finished document, or NULL when it is unusable: a builder misuse (an unchecked ObjectId,
 * unbalanced begin/end), which is the program's fault, never the client's. */
static const bson_t *finished(const blog_mdoc *d, const char *op)
{
    if (d && !d->invalid && d->depth == 0)
        return &d->root;
    mf_log_error(NULL, "mongo %s: malformed document (a bug in its builder)", op);
    return NULL;
}

void blog_mongo_new_oid(char out[25])
{
    bson_oid_t oid;
    bson_oid_init(&oid, NULL);
    bson_oid_to_string(&oid, out);
}

/* ---- BSON -> JSON ---- */

static json_t *value_to_json(bson_iter_t *it);

static json_t *doc_to_json(bson_iter_t *it, bool array)
{
    json_t *out = array ? json_array() : json_object();
    while (bson_iter_next(it)) {
        json_t *v = value_to_json(it);
        if (!v)
            continue;
        if (array)
            json_array_append_new(out, v);
        else
            json_object_set_new(out, bson_iter_key(it), v);
    }
    return out;
}

static json_t *value_to_json(bson_iter_t *it)
{
    switch (bson_iter_type(it)) {
    case BSON_TYPE_UTF8: {
        uint32_t len = 0;
        const char *s = bson_iter_utf8(it, &len);
        return json_stringn(s, len);
    }
    case BSON_TYPE_OID: {
        char hex[25];
        bson_oid_to_string(bson_iter_oid(it), hex);
        return json_string(hex);
    }
    case BSON_TYPE_BOOL:
        return json_boolean(bson_iter_bool(it));
    case BSON_TYPE_INT32:
        return json_integer(bson_iter_int32(it));
    case BSON_TYPE_INT64:
        return json_integer(bson_iter_int64(it));
    case BSON_TYPE_DOUBLE:
        return json_real(bson_iter_double(it));
    case BSON_TYPE_DATE_TIME:
        return json_integer(bson_iter_date_time(it));
    case BSON_TYPE_NULL:
        return json_null();
    case BSON_TYPE_DOCUMENT:
    case BSON_TYPE_ARRAY: {
        bson_iter_t child;
        if (!bson_iter_recurse(it, &child))
            return NULL;
        return doc_to_json(&child, bson_iter_type(it) == BSON_TYPE_ARRAY);
    }
    default:
        return NULL; /* types the blog schema never stores */
    }
}

static json_t *bson_to_json(const bson_t *b)
{
    bson_iter_t it;
    if (!bson_iter_init(&it, b))
        return json_object();
    return doc_to_json(&it, false);
}

json_t *blog_mongo_record_from_bson(const uint8_t *data, size_t len)
{
    bson_t b;
    /* bson_init_static checks the length prefix and the terminator; the iterator checks the
     * rest element by element as it goes (what a corrupt reply would hit too). */
    if (!bson_init_static(&b, data, len))
        return NULL;
    return bson_to_json(&b);
}

/* ---- client ---- */

/* Codes of errors a server answers with that say it is going away or gave up on time, not
 * that the request was wrong: the drivers' retryable errors plus the time limits. A query
 * stopped by maxTimeMS waited as long as a socket timeout would have. */
static bool server_gave_up(uint32_t code)
{
    switch (code) {
    case 6:     /* HostUnreachable */
    case 7:     /* HostNotFound */
    case 50:    /* MaxTimeMSExpired */
    case 89:    /* NetworkTimeout */
    case 91:    /* ShutdownInProgress */
    case 189:   /* PrimarySteppedDown */
    case 262:   /* ExceededTimeLimit */
    case 9001:  /* SocketException */
    case 10107: /* NotWritablePrimary */
    case 11600: /* InterruptedAtShutdown */
    case 11602: /* InterruptedDueToReplStateChange */
    case 13435: /* NotPrimaryNoSecondaryOk */
    case 13436: /* NotPrimaryOrSecondary */
        return true;
    default:
        return false;
    }
}

/* MF_ERR_UNAVAILABLE (and only that) counts against the breaker: the server could not be
 * reached or did not answer in time. Everything else is an answer from a working server. */
static int map_error(const bson_error_t *err, const char *op)
{
    /* FerretDB 1.24 (SQLite) reports a unique violation on update as an internal error
     * (code 1) whose text carries SQLite's message: recognised by that text. */
    if (err->code == 11000 || err->code == 11001 || strstr(err->message, "E11000") ||
        strstr(err->message, "UNIQUE constraint failed"))
        return MF_ERR_CONFLICT;
    /* selection: no reachable server within serverSelectionTimeoutMS; stream: connect
     * refused or timed out, name resolution, a socket error or socketTimeoutMS mid-operation */
    bool unreachable =
        err->domain == MONGOC_ERROR_SERVER_SELECTION || err->domain == MONGOC_ERROR_STREAM;
    bool gave_up = (err->domain == MONGOC_ERROR_SERVER || err->domain == MONGOC_ERROR_QUERY ||
                    err->domain == MONGOC_ERROR_WRITE_CONCERN) &&
                   server_gave_up(err->code);
    if (unreachable || gave_up) {
        mf_log_warn(NULL, "mongo %s: unavailable: %s (domain %u code %u)", op, err->message,
                    err->domain, err->code);
        return MF_ERR_UNAVAILABLE;
    }
    mf_log_error(NULL, "mongo %s: %s (domain %u code %u)", op, err->message, err->domain,
                 err->code);
    return MF_ERR;
}

static void set_default_timeout(mongoc_uri_t *uri, const char *option, int value)
{
    if (!mongoc_uri_has_option(uri, option))
        mongoc_uri_set_option_as_int32(uri, option, value);
}

blog_mongo *blog_mongo_new(const char *uri_str, const char *db, int select_timeout_ms,
                           int socket_timeout_ms)
{
    pthread_once(&init_once, init_driver);
    bson_error_t err;
    mongoc_uri_t *uri = mongoc_uri_new_with_error(uri_str, &err);
    if (!uri) {
        mf_log_error(NULL, "invalid MONGO_URI: %s", err.message);
        return NULL;
    }
    /* Bounded waits are what turns "database down" into a quick 503 instead of a hang. */
    set_default_timeout(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, select_timeout_ms);
    set_default_timeout(uri, MONGOC_URI_CONNECTTIMEOUTMS, select_timeout_ms);
    set_default_timeout(uri, MONGOC_URI_SOCKETTIMEOUTMS, socket_timeout_ms);
    /* No automatic read retry: after a socket timeout it would start the same slow query
     * again and double the wait, while the server still runs the first one. A failed read
     * is a 503 the client may retry. */
    if (!mongoc_uri_has_option(uri, MONGOC_URI_RETRYREADS))
        mongoc_uri_set_option_as_bool(uri, MONGOC_URI_RETRYREADS, false);
    mongoc_client_pool_t *pool = mongoc_client_pool_new(uri);
    if (!pool) {
        mongoc_uri_destroy(uri);
        return NULL;
    }
    mongoc_client_pool_set_error_api(pool, MONGOC_ERROR_API_VERSION_2);
    mongoc_client_pool_set_appname(pool, "blog-service");
    blog_mongo *m = mf_calloc(1, sizeof *m);
    m->uri = uri;
    m->pool = pool;
    m->db = mf_strdup(db);
    int32_t sock =
        mongoc_uri_get_option_as_int32(uri, MONGOC_URI_SOCKETTIMEOUTMS, socket_timeout_ms);
    m->max_time_ms = sock > 0 ? sock : socket_timeout_ms;
    return m;
}

void blog_mongo_free(blog_mongo *m)
{
    if (!m)
        return;
    mongoc_client_pool_destroy(m->pool);
    mongoc_uri_destroy(m->uri);
    mf_breaker_free(m->breaker);
    free(m->db);
    free(m);
}

int blog_mongo_ping(void *ctx)
{
    blog_mongo *m = ctx;
    mongoc_client_t *c = mongoc_client_pool_pop(m->pool);
    bson_t cmd = BSON_INITIALIZER;
    BSON_APPEND_INT32(&cmd, "ping", 1);
    bson_error_t err;
    bool ok = mongoc_client_command_simple(c, m->db, &cmd, NULL, NULL, &err);
    bson_destroy(&cmd);
    mongoc_client_pool_push(m->pool, c);
    return ok ? 0 : map_error(&err, "ping");
}

typedef struct {
    mongoc_client_t *client;
    mongoc_collection_t *coll;
} conn;

void blog_mongo_set_breaker(blog_mongo *m, const mf_breaker_opts *opts)
{
    if (m && !m->breaker)
        m->breaker = mf_breaker_new("mongo", opts);
}

/* Every operation behind the breaker starts here: 0 with a pooled client on coll in *c, or
 * MF_ERR_OPEN (nothing sent, nothing to close) while the breaker is open. */
static int conn_open(blog_mongo *m, const char *coll, conn *c)
{
    int rc = mf_breaker_allow(m->breaker);
    if (rc != 0)
        return rc;
    c->client = mongoc_client_pool_pop(m->pool);
    c->coll = mongoc_client_get_collection(c->client, m->db, coll);
    return 0;
}

/* ...and ends here: gives the client back and reports rc, the operation's outcome (0 or
 * map_error's), to the breaker. Returns rc. */
static int conn_close(blog_mongo *m, conn *c, int rc)
{
    mongoc_collection_destroy(c->coll);
    mongoc_client_pool_push(m->pool, c->client);
    mf_breaker_done(m->breaker, rc != MF_ERR_UNAVAILABLE);
    return rc;
}

int blog_mongo_insert(blog_mongo *m, const char *coll, const blog_mdoc *doc)
{
    const bson_t *b = finished(doc, "insert");
    if (!b)
        return MF_ERR;
    conn c;
    int rc = conn_open(m, coll, &c);
    if (rc != 0)
        return rc;
    bson_error_t err;
    bool ok = mongoc_collection_insert_one(c.coll, b, NULL, NULL, &err);
    return conn_close(m, &c, ok ? 0 : map_error(&err, "insert"));
}

int blog_mongo_insert_many(blog_mongo *m, const char *coll, const blog_mdoc *const *docs, size_t n)
{
    const bson_t **b = mf_calloc(n ? n : 1, sizeof *b);
    for (size_t i = 0; i < n; i++) {
        b[i] = finished(docs[i], "insert_many");
        if (!b[i]) {
            free(b);
            return MF_ERR;
        }
    }
    conn c;
    int rc = conn_open(m, coll, &c);
    if (rc != 0) {
        free(b);
        return rc;
    }
    bson_t opts = BSON_INITIALIZER;
    BSON_APPEND_BOOL(&opts, "ordered", false);
    bson_error_t err;
    bool ok = mongoc_collection_insert_many(c.coll, b, n, &opts, NULL, &err);
    rc = conn_close(m, &c, ok ? 0 : map_error(&err, "insert_many"));
    bson_destroy(&opts);
    free(b);
    return rc;
}

static int run_find(blog_mongo *m, const char *coll, const blog_mdoc *filter,
                    const blog_mdoc *projection, const blog_mdoc *sort, int64_t skip, int64_t limit,
                    json_t *out)
{
    const bson_t *f = finished(filter, "find");
    const bson_t *p = projection ? finished(projection, "find") : NULL;
    const bson_t *s = sort ? finished(sort, "find") : NULL;
    if (!f || (projection && !p) || (sort && !s))
        return MF_ERR;
    conn c;
    int rc = conn_open(m, coll, &c);
    if (rc != 0)
        return rc;
    bson_t opts = BSON_INITIALIZER;
    if (p)
        BSON_APPEND_DOCUMENT(&opts, "projection", p);
    if (s)
        BSON_APPEND_DOCUMENT(&opts, "sort", s);
    if (skip > 0)
        BSON_APPEND_INT64(&opts, "skip", skip);
    if (limit > 0)
        BSON_APPEND_INT64(&opts, "limit", limit);
    /* the server stops a query the client has stopped waiting for (FerretDB otherwise runs an
     * abandoned scan to its end) */
    if (m->max_time_ms > 0)
        BSON_APPEND_INT64(&opts, "maxTimeMS", m->max_time_ms);
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts(c.coll, f, &opts, NULL);
    const bson_t *doc;
    while (mongoc_cursor_next(cursor, &doc))
        json_array_append_new(out, bson_to_json(doc));
    bson_error_t err;
    if (mongoc_cursor_error(cursor, &err))
        rc = map_error(&err, "find");
    mongoc_cursor_destroy(cursor);
    bson_destroy(&opts);
    return conn_close(m, &c, rc);
}

int blog_mongo_find_one(blog_mongo *m, const char *coll, const blog_mdoc *filter,
                        const blog_mdoc *projection, json_t **out)
{
    *out = NULL;
    json_t *arr = json_array();
    int rc = run_find(m, coll, filter, projection, NULL, 0, 1, arr);
    if (rc == 0 && json_array_size(arr) == 0)
        rc = MF_ERR_NOT_FOUND;
    if (rc == 0)
        *out = json_incref(json_array_get(arr, 0));
    json_decref(arr);
    return rc;
}

int blog_mongo_find(blog_mongo *m, const char *coll, const blog_mdoc *filter,
                    const blog_mdoc *projection, const blog_mdoc *sort, int64_t skip, int64_t limit,
                    json_t **out)
{
    *out = NULL;
    json_t *arr = json_array();
    int rc = run_find(m, coll, filter, projection, sort, skip, limit, arr);
    if (rc != 0) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return 0;
}

int blog_mongo_find_ids(blog_mongo *m, const char *coll, const json_t *ids, bool oids,
                        const blog_mdoc *projection, json_t **by_id)
{
    *by_id = NULL;
    size_t n = json_array_size(ids);
    if (n > BLOG_MONGO_IDS_MAX)
        return MF_ERR_INVALID;
    json_t *out = json_object();
    if (n == 0) {
        *by_id = out;
        return 0;
    }
    blog_mdoc *f = blog_mdoc_new();
    blog_mdoc_begin(f, "_id");
    blog_mdoc_begin_array(f, "$in");
    size_t i;
    json_t *id;
    json_array_foreach(ids, i, id)
    {
        if (oids)
            blog_mdoc_oid(f, NULL, json_string_value(id));
        else
            blog_mdoc_str(f, NULL, json_string_value(id));
    }
    blog_mdoc_end(f);
    blog_mdoc_end(f);
    json_t *docs = NULL;
    int rc = blog_mongo_find(m, coll, f, projection, NULL, 0, (int64_t)n, &docs);
    blog_mdoc_free(f);
    if (rc != 0) {
        json_decref(out);
        return rc;
    }
    json_t *d;
    json_array_foreach(docs, i, d)
    {
        const char *k = json_string_value(json_object_get(d, "_id"));
        if (k)
            json_object_set(out, k, d);
    }
    json_decref(docs);
    *by_id = out;
    return 0;
}

int blog_mongo_each(blog_mongo *m, const char *coll, const blog_mdoc *filter,
                    const blog_mdoc *projection, int (*fn)(void *arg, json_t *rec), void *arg)
{
    const bson_t *f = finished(filter, "scan");
    const bson_t *p = projection ? finished(projection, "scan") : NULL;
    if (!f || (projection && !p))
        return MF_ERR;
    conn c;
    int rc = conn_open(m, coll, &c);
    if (rc != 0)
        return rc;
    bson_t opts = BSON_INITIALIZER;
    if (p)
        BSON_APPEND_DOCUMENT(&opts, "projection", p);
    BSON_APPEND_INT32(&opts, "batchSize", 500);
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts(c.coll, f, &opts, NULL);
    const bson_t *doc;
    while (rc == 0 && mongoc_cursor_next(cursor, &doc))
        rc = fn(arg, bson_to_json(doc));
    bson_error_t err;
    /* what fn stopped with is its own business: only the cursor's error is the server's */
    int server_rc = 0;
    if (rc == 0 && mongoc_cursor_error(cursor, &err))
        rc = server_rc = map_error(&err, "scan");
    mongoc_cursor_destroy(cursor);
    bson_destroy(&opts);
    conn_close(m, &c, server_rc);
    return rc;
}

static int64_t reply_count(const bson_t *reply, const char *key)
{
    bson_iter_t it;
    if (bson_iter_init_find(&it, reply, key) && BSON_ITER_HOLDS_NUMBER(&it))
        return bson_iter_as_int64(&it);
    return 0;
}

typedef enum { UPDATE_ONE, UPSERT_ONE } update_kind;

static int update(blog_mongo *m, const char *coll, const blog_mdoc *filter, const blog_mdoc *update,
                  update_kind kind, int64_t *matched)
{
    static const char *const names[] = {"update_one", "upsert"};
    const bson_t *f = finished(filter, names[kind]), *u = finished(update, names[kind]);
    if (!f || !u)
        return MF_ERR;
    conn c;
    int rc = conn_open(m, coll, &c);
    if (rc != 0)
        return rc;
    bson_t opts = BSON_INITIALIZER;
    if (kind == UPSERT_ONE)
        BSON_APPEND_BOOL(&opts, "upsert", true);
    bson_t reply;
    bson_error_t err;
    bool ok = mongoc_collection_update_one(c.coll, f, u, &opts, &reply, &err);
    rc = conn_close(m, &c, ok ? 0 : map_error(&err, names[kind]));
    if (ok && matched)
        *matched = reply_count(&reply, "matchedCount") + reply_count(&reply, "upsertedCount");
    bson_destroy(&reply);
    bson_destroy(&opts);
    return rc;
}

int blog_mongo_update_one(blog_mongo *m, const char *coll, const blog_mdoc *filter,
                          const blog_mdoc *update_doc, int64_t *matched)
{
    return update(m, coll, filter, update_doc, UPDATE_ONE, matched);
}

int blog_mongo_upsert(blog_mongo *m, const char *coll, const blog_mdoc *filter,
                      const blog_mdoc *update_doc)
{
    return update(m, coll, filter, update_doc, UPSERT_ONE, NULL);
}

int blog_mongo_create_index(blog_mongo *m, const char *coll, const char *name,
                            const blog_mdoc *keys, blog_index_flags flags)
{
    const bson_t *k = finished(keys, "createIndexes");
    if (!k)
        return MF_ERR;
    bson_t cmd = BSON_INITIALIZER, indexes, index;
    BSON_APPEND_UTF8(&cmd, "createIndexes", coll);
    BSON_APPEND_ARRAY_BEGIN(&cmd, "indexes", &indexes);
    BSON_APPEND_DOCUMENT_BEGIN(&indexes, "0", &index);
    BSON_APPEND_DOCUMENT(&index, "key", k);
    BSON_APPEND_UTF8(&index, "name", name);
    if (flags & BLOG_INDEX_UNIQUE)
        BSON_APPEND_BOOL(&index, "unique", true);
    bson_append_document_end(&indexes, &index);
    bson_append_array_end(&cmd, &indexes);
    mongoc_client_t *c = mongoc_client_pool_pop(m->pool);
    mongoc_database_t *db = mongoc_client_get_database(c, m->db);
    bson_error_t err;
    bool ok = mongoc_database_write_command_with_opts(db, &cmd, NULL, NULL, &err);
    mongoc_database_destroy(db);
    mongoc_client_pool_push(m->pool, c);
    bson_destroy(&cmd);
    return ok ? 0 : map_error(&err, "createIndexes");
}
