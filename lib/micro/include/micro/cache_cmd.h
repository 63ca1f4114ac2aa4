/*
 * Any Redis command, on mf_cache's connection pool: what the key/value helpers of cache.h do
 * not cover (sorted sets, Lua scripts). Arguments are binary-safe (argv[i] with lens[i]
 * bytes), so values never pass through a format string. Replies come back as mf_reply trees
 * owned by the caller; hiredis stays out of the callers' code.
 */
#ifndef MF_CACHE_CMD_H
#define MF_CACHE_CMD_H

#include <stddef.h>

#include "micro/banned.h"
#include "micro/cache.h"

typedef enum {
    MF_REPLY_NIL,
    MF_REPLY_INT,
    MF_REPLY_STR, /* bulk or status string */
    MF_REPLY_ARRAY,
    MF_REPLY_ERROR, /* str holds Redis's message */
} mf_reply_type;

typedef struct mf_reply {
    mf_reply_type type;
    long long integer;
    char *str; /* NUL-terminated copy, len bytes (STR, ERROR) */
    size_t len;
    size_t n; /* ARRAY: elements */
    struct mf_reply **elem;
} mf_reply;

/* Runs one command (lens NULL: every argv[i] is a C string). The reply (free with
 * mf_reply_free; an ERROR reply is a reply), or NULL when Redis is unreachable. */
mf_reply *mf_cache_command(mf_cache *c, int argc, const char *const *argv, const size_t *lens);
/* EVALSHA of the Lua script, sending the script itself (EVAL) only when Redis does not know
 * it yet; keys then args, nkeys + nargs <= 1024. Reply as mf_cache_command. */
mf_reply *mf_cache_eval(mf_cache *c, const char *script, size_t nkeys, const char *const *keys,
                        size_t nargs, const char *const *args, const size_t *arg_lens);
void mf_reply_free(mf_reply *r);

/* Element i of an ARRAY reply (NULL when r is no array or i is out of range). */
const mf_reply *mf_reply_at(const mf_reply *r, size_t i);

/* ---- the two shapes most read models and counters need (C-string arguments) ---- */

/* Longest command (name included) these helpers send. */
#define MF_CACHE_CMD_MAX_ARGS 64

/* Runs argv[0..argc-1]; *out (may be NULL) gets an integer reply, a status reply as 1, nil as
 * 0, a numeric string reply (ZINCRBY, ZSCORE) truncated to an integer. 0, MF_ERR_UNAVAILABLE
 * when Redis is down or answers an error, MF_ERR_INVALID on bad arguments. */
int mf_cache_cmd_int(mf_cache *c, int argc, const char *const *argv, long long *out);
/* Runs argv and expects an array (ZRANGE ... [WITHSCORES]): *items (heap array of heap
 * strings, nil elements as "", free with mf_cache_strings_free) and *n. Errors as above. */
int mf_cache_cmd_strings(mf_cache *c, int argc, const char *const *argv, char ***items, size_t *n);
void mf_cache_strings_free(char **items, size_t n);

#endif
