/* The .env / config parser (micro/config.h): the bytes are a .env file, parsed by
 * mf_config_env_parse, and its assignments are then resolved against both services' real
 * option tables by mf_config_parse, as mf_config_load does at start-up. */
#include <ctype.h>
#include <string.h>

#include "../../services/auth/config.h"
#include "../../services/blog/config.h"
#include "fuzz_support.h"
#include "micro/alloc.h"
#include "micro/config.h"

#define MAX_PAIRS 64

typedef struct {
    char *name[MAX_PAIRS];
    char *value[MAX_PAIRS];
    size_t n, seen;
} pairs;

static void collect(const char *name, const char *value, void *arg)
{
    pairs *p = arg;
    /* a name is [A-Za-z_][A-Za-z0-9_]*, seen once */
    FUZZ_CHECK(name[0] == '_' || isalpha((unsigned char)name[0]));
    for (const char *c = name; *c; c++)
        FUZZ_CHECK(*c == '_' || isalnum((unsigned char)*c));
    for (size_t i = 0; i < p->n; i++)
        FUZZ_CHECK(strcmp(p->name[i], name) != 0);
    p->seen++;
    if (p->n < MAX_PAIRS) {
        p->name[p->n] = mf_strdup(name);
        p->value[p->n] = mf_strdup(value);
        p->n++;
    }
}

static const char *lookup(const char *name, void *arg)
{
    const pairs *p = arg;
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->name[i], name) == 0)
            return p->value[i];
    return NULL;
}

/* Either a config whose every option can be read, or an error message; never both. */
static void resolve(const mf_cfg_opt *opts, size_t n, pairs *p)
{
    char *err = NULL;
    mf_config *c = mf_config_parse(opts, n, lookup, p, &err);
    FUZZ_CHECK((c != NULL) != (err != NULL));
    if (c) {
        for (size_t i = 0; i < n; i++) {
            if (opts[i].type == MF_CFG_INT) {
                long v = mf_config_int(c, opts[i].name);
                FUZZ_CHECK((opts[i].min == 0 && opts[i].max == 0) ||
                           (v >= opts[i].min && v <= opts[i].max));
            } else if (opts[i].type == MF_CFG_BOOL) {
                int v = mf_config_bool(c, opts[i].name);
                FUZZ_CHECK(v == 0 || v == 1);
            } else {
                const char *v = mf_config_str(c, opts[i].name);
                FUZZ_CHECK(v != NULL);
                FUZZ_CHECK(opts[i].max <= 0 || (long)strlen(v) <= opts[i].max);
            }
        }
        mf_config_free(c);
    } else {
        FUZZ_CHECK(*err != '\0');
        free(err);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_quiet();
    pairs p = {0};
    int rc = mf_config_env_parse((const char *)data, size, collect, &p);
    FUZZ_CHECK(rc >= 0);
    FUZZ_CHECK(rc == 0 || p.seen == 0);
    if (rc == 0) {
        resolve(auth_config_opts, auth_config_nopts, &p);
        resolve(blog_config_opts, blog_config_nopts, &p);
    }
    for (size_t i = 0; i < p.n; i++) {
        free(p.name[i]);
        free(p.value[i]);
    }
    return 0;
}
