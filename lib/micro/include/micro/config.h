/*
 * Configuration as a table. Each service declares its options as rows (name, type, default,
 * bounds, help); values come from the environment, else from an optional .env file, else
 * from the default. Everything is validated once at start: a bad value prints a clear
 * message and exits with status 2; --help prints the table and exits 0.
 *
 * The .env file is ENV_FILE if set, else ./.env when present. Its lines are NAME=VALUE,
 * '#' comments and blank lines; values may be wrapped in single or double quotes.
 */
#ifndef MF_CONFIG_H
#define MF_CONFIG_H

#include <stddef.h>

#include "micro/banned.h"

typedef enum {
    MF_CFG_STR,
    MF_CFG_INT,    /* decimal integer within [min, max] */
    MF_CFG_BOOL,   /* true/false/1/0/yes/no */
    MF_CFG_SECRET, /* like STR, but never printed or logged */
} mf_cfg_type;

typedef struct {
    const char *name;
    mf_cfg_type type;
    const char *def; /* NULL = required (an empty value counts as missing) */
    long min,
        max; /* INT bounds (min = max = 0: unbounded); for STR/SECRET, length bounds when max > 0 */
    const char *help;
} mf_cfg_opt;

typedef struct mf_config mf_config;

/* Looks a name up; returns NULL when unset. Used to inject the environment in tests. */
typedef const char *(*mf_cfg_lookup)(const char *name, void *ctx);

/*
 * Pure parser behind mf_config_load: resolves every option through lookup, then defaults.
 * Returns a config (free with mf_config_free) or NULL with a message in err (caller frees).
 */
mf_config *mf_config_parse(const mf_cfg_opt *opts, size_t n, mf_cfg_lookup lookup, void *ctx,
                           char **err);

/*
 * The .env parser behind mf_config_load, on text in memory (pure: unit tests and the fuzzer):
 * lines end at '\n' (trailing '\r's dropped), a NUL byte ends its line. Calls fn for each
 * name once, with its last value, in the order names first appear (strings valid during the
 * call only). Returns 0, or the 1-based number of the first malformed line (fn not called).
 */
typedef void (*mf_cfg_env_fn)(const char *name, const char *value, void *ctx);
int mf_config_env_parse(const char *text, size_t len, mf_cfg_env_fn fn, void *ctx);

/*
 * Reads environment + .env, handles --help (exit 0) and bad values (message, exit 2).
 * Never returns NULL. Free with mf_config_free.
 */
mf_config *mf_config_load(const mf_cfg_opt *opts, size_t n, int argc, char **argv,
                          const char *program);
void mf_config_free(mf_config *c);

/* Accessors abort on a name that is not in the table: a programming error. Strings are
 * owned by the config. */
const char *mf_config_str(const mf_config *c, const char *name);
long mf_config_int(const mf_config *c, const char *name);
int mf_config_bool(const mf_config *c, const char *name);

/* Writes the option table (name, type, default, bounds, help) to f. */
void mf_config_print_help(const mf_cfg_opt *opts, size_t n, const char *program, FILE *f);

#endif
