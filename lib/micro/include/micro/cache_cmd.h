/*
 * Redis commands beyond get/set/del for read models and counters kept in a service's Redis
 * (sorted sets, INCR, SET NX locks, Lua scripts), on the pool of micro/cache.h with its
 * fail-fast rule. Two shapes cover them: commands answering an integer (or a status / nil,
 * read as 1 / 0) and commands answering an array of strings. Arguments are passed as
 * separate strings (never formatted into a command line), so a value cannot become syntax;
 * a Lua script's ARGV is data, never code.
 *
 * Errors: MF_ERR_UNAVAILABLE when Redis is down or answers an error, MF_ERR_INVALID on bad
 * arguments.
 */
#ifndef MF_CACHE_CMD_H
#define MF_CACHE_CMD_H

#include <stddef.h>

#include "micro/banned.h"
#include "micro/cache.h"

/* Longest command (name included) these helpers send. */
#define MF_CACHE_CMD_MAX_ARGS 64

/*
 * Runs argv[0..argc-1] (NUL-terminated strings). *out (may be NULL) gets an integer reply, a
 * status reply as 1, nil as 0, a numeric string reply (ZINCRBY, ZSCORE) truncated to an integer.
 */
int mf_cache_cmd_int(mf_cache *c, int argc, const char *const *argv, long long *out);

/*
 * Runs argv and expects an array (ZRANGE ... [WITHSCORES]): *items (heap array of heap strings,
 * free with mf_cache_strings_free) and *n. A nil element becomes "".
 */
int mf_cache_cmd_strings(mf_cache *c, int argc, const char *const *argv, char ***items, size_t *n);
void mf_cache_strings_free(char **items, size_t n);

#endif
