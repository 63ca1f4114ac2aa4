/*
 * Configuration table. Values are resolved once at start (environment, then .env file,
 * then default), validated against their row, and kept as strings plus parsed numbers, so
 * the accessors are plain lookups. Secrets are never copied into a message.
 */
#include "micro/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "micro/alloc.h"
#include "micro/log.h"
#include "micro/strbuf.h"

typedef struct {
    char *name;
    mf_cfg_type type;
    char *value;
    long num; /* INT value, or BOOL 0/1 */
} cfg_item;

struct mf_config {
    cfg_item *items;
    size_t n;
};

static const char *type_name(mf_cfg_type t)
{
    switch (t) {
    case MF_CFG_STR:
        return "string";
    case MF_CFG_INT:
        return "int";
    case MF_CFG_BOOL:
        return "bool";
    case MF_CFG_SECRET:
        return "secret";
    }
    return "?";
}

/* Quotes a user-supplied value for an error message: escaped, and cut when very long, so a
 * stray binary value cannot garble the terminal. */
static void add_quoted(mf_strbuf *sb, const char *s)
{
    mf_strbuf_addch(sb, '"');
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++, n++) {
        if (n == 80) {
            mf_strbuf_adds(sb, "...");
            break;
        }
        if (*p == '"' || *p == '\\')
            mf_strbuf_addf(sb, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7F)
            mf_strbuf_addf(sb, "\\x%02x", *p);
        else
            mf_strbuf_addch(sb, (char)*p);
    }
    mf_strbuf_addch(sb, '"');
}

/* Strict decimal: optional sign, digits, nothing else, no overflow. */
static bool parse_long(const char *s, long *out)
{
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    if (!*p)
        return false;
    for (const char *q = p; *q; q++)
        if (!isdigit((unsigned char)*q))
            return false;
    errno = 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (errno == ERANGE || *end)
        return false;
    *out = v;
    return true;
}

static int parse_bool(const char *s)
{
    static const char *const yes[] = {"true", "1", "yes"};
    static const char *const no[] = {"false", "0", "no"};
    for (size_t i = 0; i < 3; i++) {
        if (strcasecmp(s, yes[i]) == 0)
            return 1;
        if (strcasecmp(s, no[i]) == 0)
            return 0;
    }
    return -1;
}

/* min == max == 0 leaves an INT unbounded (the natural zero-initialised row). */
static bool int_bounded(const mf_cfg_opt *o)
{
    return o->min != 0 || o->max != 0;
}

/* Validates value against its row; on failure appends the reason to err and returns
 * false. */
static bool check_value(const mf_cfg_opt *o, const char *value, cfg_item *it, mf_strbuf *err)
{
    switch (o->type) {
    case MF_CFG_INT: {
        long v;
        bool ok = parse_long(value, &v);
        if (ok && int_bounded(o))
            ok = v >= o->min && v <= o->max;
        if (!ok) {
            if (int_bounded(o))
                mf_strbuf_addf(err, "%s must be an integer between %ld and %ld (got ", o->name,
                               o->min, o->max);
            else
                mf_strbuf_addf(err, "%s must be an integer (got ", o->name);
            add_quoted(err, value);
            mf_strbuf_addch(err, ')');
            return false;
        }
        it->num = v;
        return true;
    }
    case MF_CFG_BOOL: {
        int b = parse_bool(value);
        if (b < 0) {
            mf_strbuf_addf(err, "%s must be a boolean: true/false, 1/0 or yes/no (got ", o->name);
            add_quoted(err, value);
            mf_strbuf_addch(err, ')');
            return false;
        }
        it->num = b;
        return true;
    }
    case MF_CFG_STR:
    case MF_CFG_SECRET: {
        /* LOG_LEVEL belongs to the framework (mf_log), and every service has it: checking it
         * here gives the same start-up error as any other bad value. */
        if (o->type == MF_CFG_STR && strcmp(o->name, "LOG_LEVEL") == 0 &&
            mf_log_level_parse(value) < 0) {
            mf_strbuf_adds(err, "LOG_LEVEL must be one of debug, info, warn, error (got ");
            add_quoted(err, value);
            mf_strbuf_addch(err, ')');
            return false;
        }
        if (o->max <= 0)
            return true;
        size_t len = strlen(value);
        if ((long)len < o->min || (long)len > o->max) {
            mf_strbuf_addf(err, "%s must be between %ld and %ld characters long", o->name, o->min,
                           o->max);
            if (o->type == MF_CFG_STR) {
                mf_strbuf_adds(err, " (got ");
                add_quoted(err, value);
                mf_strbuf_addch(err, ')');
            } else {
                mf_strbuf_addf(err, " (got %zu)", len);
            }
            return false;
        }
        return true;
    }
    }
    mf_strbuf_addf(err, "%s has an unknown type %d", o->name, (int)o->type);
    return false;
}

mf_config *mf_config_parse(const mf_cfg_opt *opts, size_t n, mf_cfg_lookup lookup, void *ctx,
                           char **err)
{
    if (err)
        *err = NULL;
    mf_config *c = mf_calloc(1, sizeof(*c));
    c->items = mf_calloc(n ? n : 1, sizeof(cfg_item));
    mf_strbuf msg;
    mf_strbuf_init(&msg);

    for (size_t i = 0; i < n; i++) {
        const mf_cfg_opt *o = &opts[i];
        cfg_item *it = &c->items[c->n];
        if (!o->name || !*o->name) {
            mf_strbuf_addf(&msg, "option %zu has no name", i);
            break;
        }
        bool dup = false;
        for (size_t j = 0; j < c->n; j++)
            dup = dup || strcmp(c->items[j].name, o->name) == 0;
        if (dup) {
            mf_strbuf_addf(&msg, "%s is declared twice", o->name);
            break;
        }
        const char *value = lookup ? lookup(o->name, ctx) : NULL;
        if (!value)
            value = o->def;
        /* An empty value for an option without a default is as good as missing: a service
         * would otherwise start with, say, an empty key path and fail later, less clearly. */
        if (!value || (!o->def && !*value)) {
            mf_strbuf_addf(&msg, "%s is required", o->name);
            break;
        }
        it->name = mf_strdup(o->name);
        it->type = o->type;
        it->value = mf_strdup(value);
        c->n++;
        if (!check_value(o, value, it, &msg))
            break;
    }

    if (msg.len > 0) {
        if (err)
            *err = mf_strbuf_detach(&msg, NULL);
        mf_strbuf_release(&msg);
        mf_config_free(c);
        return NULL;
    }
    mf_strbuf_release(&msg);
    return c;
}

void mf_config_free(mf_config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->items[i].name);
        if (c->items[i].value) {
            /* secrets should not linger in freed heap memory */
            if (c->items[i].type == MF_CFG_SECRET)
                explicit_bzero(c->items[i].value, strlen(c->items[i].value));
            free(c->items[i].value);
        }
    }
    free(c->items);
    free(c);
}

static const cfg_item *find(const mf_config *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->items[i].name, name) == 0)
            return &c->items[i];
    fprintf(stderr, "mf_config: unknown option %s (not in the configuration table)\n",
            name ? name : "(null)");
    abort();
}

const char *mf_config_str(const mf_config *c, const char *name)
{
    return find(c, name ? name : "")->value;
}

long mf_config_int(const mf_config *c, const char *name)
{
    const cfg_item *it = find(c, name ? name : "");
    if (it->type != MF_CFG_INT) {
        fprintf(stderr, "mf_config: option %s is a %s, not an int\n", it->name,
                type_name(it->type));
        abort();
    }
    return it->num;
}

int mf_config_bool(const mf_config *c, const char *name)
{
    const cfg_item *it = find(c, name ? name : "");
    if (it->type != MF_CFG_BOOL) {
        fprintf(stderr, "mf_config: option %s is a %s, not a bool\n", it->name,
                type_name(it->type));
        abort();
    }
    return (int)it->num;
}

void mf_config_print_help(const mf_cfg_opt *opts, size_t n, const char *program, FILE *f)
{
    int w = 4;
    for (size_t i = 0; i < n; i++)
        if (opts[i].name && (int)strlen(opts[i].name) > w)
            w = (int)strlen(opts[i].name);

    fprintf(f, "Usage: %s [--help]\n\n", program ? program : "program");
    fprintf(f, "Configuration is read from environment variables, then from NAME=VALUE lines in\n"
               "$ENV_FILE (or ./.env when present), then from the defaults below.\n\n");
    fprintf(f, "  %-*s  %-6s  %-24s  %-16s  %s\n", w, "NAME", "TYPE", "DEFAULT", "BOUNDS",
            "DESCRIPTION");
    for (size_t i = 0; i < n; i++) {
        const mf_cfg_opt *o = &opts[i];
        mf_strbuf def, bounds;
        mf_strbuf_init(&def);
        mf_strbuf_init(&bounds);
        if (o->type == MF_CFG_SECRET)
            mf_strbuf_adds(&def, "(secret)");
        else if (!o->def)
            mf_strbuf_adds(&def, "(required)");
        else if (!*o->def)
            mf_strbuf_adds(&def, "\"\"");
        else
            mf_strbuf_adds(&def, o->def);

        if (o->type == MF_CFG_INT && int_bounded(o))
            mf_strbuf_addf(&bounds, "%ld..%ld", o->min, o->max);
        else if ((o->type == MF_CFG_STR || o->type == MF_CFG_SECRET) && o->max > 0)
            mf_strbuf_addf(&bounds, "len %ld..%ld", o->min, o->max);
        else if (o->type == MF_CFG_BOOL)
            mf_strbuf_adds(&bounds, "true/false");
        if (o->type == MF_CFG_SECRET && !o->def)
            mf_strbuf_adds(&bounds, bounds.len ? ", required" : "required");

        fprintf(f, "  %-*s  %-6s  %-24s  %-16s  %s\n", w, o->name ? o->name : "?",
                type_name(o->type), def.buf, bounds.buf, o->help ? o->help : "");
        mf_strbuf_release(&def);
        mf_strbuf_release(&bounds);
    }
}

/* ---- .env file ---- */

typedef struct {
    char *name;
    char *value;
} env_pair;

typedef struct {
    env_pair *pairs;
    size_t n, cap;
} env_file;

static void env_file_set(env_file *ef, char *name, char *value)
{
    /* the last assignment of a name wins, as when the file is sourced by a shell */
    for (size_t i = 0; i < ef->n; i++) {
        if (strcmp(ef->pairs[i].name, name) == 0) {
            free(name);
            free(ef->pairs[i].value);
            ef->pairs[i].value = value;
            return;
        }
    }
    if (ef->n == ef->cap) {
        ef->cap = ef->cap ? ef->cap * 2 : 16;
        ef->pairs = mf_realloc(ef->pairs, ef->cap * sizeof(env_pair));
    }
    ef->pairs[ef->n].name = name;
    ef->pairs[ef->n].value = value;
    ef->n++;
}

static void env_file_release(env_file *ef)
{
    for (size_t i = 0; i < ef->n; i++) {
        free(ef->pairs[i].name);
        explicit_bzero(ef->pairs[i].value, strlen(ef->pairs[i].value));
        free(ef->pairs[i].value);
    }
    free(ef->pairs);
}

static bool is_name_char(char ch, bool first)
{
    return ch == '_' || isalpha((unsigned char)ch) || (!first && isdigit((unsigned char)ch));
}

/* Parses one line (without its newline) into ef. Returns false on a syntax error. */
static bool env_parse_line(env_file *ef, char *line)
{
    char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '\0' || *p == '#')
        return true;
    if (strncmp(p, "export", 6) == 0 && (p[6] == ' ' || p[6] == '\t')) {
        p += 6;
        while (*p == ' ' || *p == '\t')
            p++;
    }
    char *name = p;
    if (!is_name_char(*p, true))
        return false;
    while (is_name_char(*p, false))
        p++;
    char *name_end = p;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p != '=')
        return false;
    p++;
    while (*p == ' ' || *p == '\t')
        p++;

    mf_strbuf val;
    mf_strbuf_init(&val);
    if (*p == '"' || *p == '\'') {
        char q = *p++;
        for (;; p++) {
            if (*p == '\0') {
                mf_strbuf_release(&val);
                return false; /* unterminated quote */
            }
            if (*p == q)
                break;
            /* double quotes take the usual escapes; single quotes are literal */
            if (q == '"' && *p == '\\' && p[1]) {
                p++;
                mf_strbuf_addch(&val, *p == 'n' ? '\n' : *p == 't' ? '\t' : *p);
            } else {
                mf_strbuf_addch(&val, *p);
            }
        }
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p != '\0' && *p != '#') {
            mf_strbuf_release(&val);
            return false;
        }
    } else {
        /* unquoted: a '#' after whitespace starts a comment; trailing blanks are dropped */
        char *end = p;
        for (char *q = p; *q; q++) {
            if (*q == '#' && (q == p || q[-1] == ' ' || q[-1] == '\t'))
                break;
            end = q + 1;
        }
        while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        mf_strbuf_add(&val, p, (size_t)(end - p));
    }
    env_file_set(ef, mf_strndup(name, (size_t)(name_end - name)), mf_strbuf_detach(&val, NULL));
    mf_strbuf_release(&val);
    return true;
}

/* Parses text (len bytes, modified in place) line by line into ef, as a shell reading the
 * file would see it: lines end at '\n', trailing '\r's are dropped (CRLF files), a NUL byte ends
 * its line. Returns 0, or the 1-based number of the first malformed line. */
static int env_text_parse(env_file *ef, char *text, size_t len)
{
    int lineno = 0;
    size_t pos = 0;
    while (pos < len) {
        char *line = text + pos;
        char *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos;
        pos += n + (nl ? 1 : 0);
        lineno++;
        while (n > 0 && line[n - 1] == '\r')
            n--;
        line[n] = '\0'; /* the '\n' or '\r' it replaces, or the terminator text carries */
        if (!env_parse_line(ef, line))
            return lineno;
    }
    return 0;
}

int mf_config_env_parse(const char *text, size_t len, mf_cfg_env_fn fn, void *ctx)
{
    env_file ef = {0};
    char *copy = mf_malloc(len + 1);
    memcpy(copy, text, len);
    copy[len] = '\0';
    int rc = env_text_parse(&ef, copy, len);
    if (rc == 0)
        for (size_t i = 0; i < ef.n; i++)
            fn(ef.pairs[i].name, ef.pairs[i].value, ctx);
    explicit_bzero(copy, len);
    free(copy);
    env_file_release(&ef);
    return rc;
}

/* Reads path into ef. Returns 0, or -1 with a message in err. A missing ./.env is not an
 * error (missing_ok); a missing ENV_FILE is. */
static int env_file_read(env_file *ef, const char *path, bool missing_ok, mf_strbuf *err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        if (missing_ok && errno == ENOENT)
            return 0;
        mf_strbuf_addf(err, "cannot read env file %s: %s", path, strerror(errno));
        return -1;
    }
    /* Read whole, then parsed by the same code as mf_config_env_parse (which is fuzzed). */
    mf_strbuf text;
    mf_strbuf_init(&text);
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
        mf_strbuf_add(&text, chunk, got);
    explicit_bzero(chunk, sizeof(chunk));
    int rc = 0;
    if (ferror(f)) {
        mf_strbuf_addf(err, "cannot read env file %s: %s", path, strerror(errno));
        rc = -1;
    } else {
        int bad = env_text_parse(ef, text.buf, text.len);
        if (bad) {
            mf_strbuf_addf(err, "%s:%d: expected NAME=VALUE", path, bad);
            rc = -1;
        }
    }
    explicit_bzero(text.buf, text.len);
    mf_strbuf_release(&text);
    fclose(f);
    return rc;
}

static const char *load_lookup(const char *name, void *ctx)
{
    const env_file *ef = ctx;
    const char *v = getenv(name);
    if (v)
        return v;
    for (size_t i = 0; i < ef->n; i++)
        if (strcmp(ef->pairs[i].name, name) == 0)
            return ef->pairs[i].value;
    return NULL;
}

mf_config *mf_config_load(const mf_cfg_opt *opts, size_t n, int argc, char **argv,
                          const char *program)
{
    if (!program)
        program = argc > 0 && argv && argv[0] ? argv[0] : "program";
    for (int i = 1; i < argc; i++) {
        if (argv[i] && (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)) {
            mf_config_print_help(opts, n, program, stdout);
            fflush(stdout);
            exit(0);
        }
    }

    env_file ef = {0};
    mf_strbuf err;
    mf_strbuf_init(&err);
    const char *path = getenv("ENV_FILE");
    int rc = path && *path ? env_file_read(&ef, path, false, &err)
                           : env_file_read(&ef, ".env", true, &err);
    mf_config *c = NULL;
    if (rc == 0) {
        char *msg = NULL;
        c = mf_config_parse(opts, n, load_lookup, &ef, &msg);
        if (!c)
            mf_strbuf_adds(&err, msg ? msg : "invalid configuration");
        free(msg);
    }
    env_file_release(&ef);
    if (!c) {
        fprintf(stderr, "%s: config: %s\n", program, err.buf);
        mf_strbuf_release(&err);
        exit(2);
    }
    mf_strbuf_release(&err);
    return c;
}
