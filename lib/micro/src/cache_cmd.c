/*
 * Redis commands beyond get/set (cache_cmd.h). Scripts go by their SHA-1 (EVALSHA): a script
 * of a few KB is sent once per Redis lifetime, not on every call, and NOSCRIPT (a restarted or
 * flushed Redis) falls back to EVAL, which also loads it again.
 */
#include "micro/cache_cmd.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "micro/alloc.h"
#include "micro/error.h"
#include "micro/log.h"

#include "cache_internal.h"

#define EVAL_MAX_ARGS 1024

static mf_reply *copy_reply(const redisReply *r)
{
    mf_reply *o = mf_calloc(1, sizeof *o);
    switch (r->type) {
    case REDIS_REPLY_INTEGER:
        o->type = MF_REPLY_INT;
        o->integer = r->integer;
        break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
        o->type = r->type == REDIS_REPLY_ERROR ? MF_REPLY_ERROR : MF_REPLY_STR;
        o->len = r->len;
        o->str = mf_malloc(r->len + 1);
        if (r->len)
            memcpy(o->str, r->str, r->len);
        o->str[r->len] = '\0';
        break;
    case REDIS_REPLY_ARRAY:
        o->type = MF_REPLY_ARRAY;
        o->n = r->elements;
        o->elem = mf_calloc(r->elements ? r->elements : 1, sizeof *o->elem);
        for (size_t i = 0; i < r->elements; i++)
            o->elem[i] = copy_reply(r->element[i]);
        break;
    default:
        o->type = MF_REPLY_NIL;
        break;
    }
    return o;
}

void mf_reply_free(mf_reply *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        mf_reply_free(r->elem[i]);
    free(r->elem);
    free(r->str);
    free(r);
}

const mf_reply *mf_reply_at(const mf_reply *r, size_t i)
{
    return r && r->type == MF_REPLY_ARRAY && i < r->n ? r->elem[i] : NULL;
}

mf_reply *mf_cache_command(mf_cache *c, int argc, const char *const *argv, const size_t *lens)
{
    if (!c || argc <= 0 || !argv)
        return NULL;
    size_t *l = mf_calloc((size_t)argc, sizeof *l);
    for (int i = 0; i < argc; i++)
        l[i] = lens ? lens[i] : strlen(argv[i]);
    redisReply *r = mf_cache_exec_internal(c, argc, (const char **)argv, l);
    free(l);
    if (!r)
        return NULL;
    mf_reply *o = copy_reply(r);
    freeReplyObject(r);
    return o;
}

/* Lower-case hex SHA-1 of s, as Redis names scripts. */
static void sha1_hex(const char *s, char out[41])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(s, strlen(s), md, &n, EVP_sha1(), NULL);
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < 20 && i < n; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[40] = '\0';
}

mf_reply *mf_cache_eval(mf_cache *c, const char *script, size_t nkeys, const char *const *keys,
                        size_t nargs, const char *const *args, const size_t *arg_lens)
{
    if (!c || !script || nkeys + nargs > EVAL_MAX_ARGS)
        return NULL;
    size_t argc = 3 + nkeys + nargs;
    const char **argv = mf_calloc(argc, sizeof *argv);
    size_t *lens = mf_calloc(argc, sizeof *lens);
    char sha[41], nk[24];
    sha1_hex(script, sha);
    snprintf(nk, sizeof nk, "%zu", nkeys);
    argv[0] = "EVALSHA";
    argv[1] = sha;
    argv[2] = nk;
    for (size_t i = 0; i < nkeys; i++)
        argv[3 + i] = keys[i];
    for (size_t i = 0; i < nargs; i++) {
        argv[3 + nkeys + i] = args[i];
        lens[3 + nkeys + i] = arg_lens ? arg_lens[i] : strlen(args[i]);
    }
    for (size_t i = 0; i < 3 + nkeys; i++)
        lens[i] = strlen(argv[i]);
    mf_reply *r = mf_cache_command(c, (int)argc, argv, lens);
    if (r && r->type == MF_REPLY_ERROR && strncmp(r->str, "NOSCRIPT", 8) == 0) {
        mf_reply_free(r);
        argv[0] = "EVAL";
        argv[1] = script;
        lens[0] = 4;
        lens[1] = strlen(script);
        r = mf_cache_command(c, (int)argc, argv, lens);
    }
    free(argv);
    free(lens);
    return r;
}

/* One command; NULL when Redis is down or answered an error (logged without values). */
static mf_reply *run_checked(mf_cache *c, int argc, const char *const *argv)
{
    if (c == NULL || argv == NULL || argc <= 0 || argc > MF_CACHE_CMD_MAX_ARGS)
        return NULL;
    mf_reply *r = mf_cache_command(c, argc, argv, NULL);
    if (r != NULL && r->type == MF_REPLY_ERROR) {
        mf_log_warn(NULL, "cache: %s failed: %s", argv[0], r->str != NULL ? r->str : "");
        mf_reply_free(r);
        return NULL;
    }
    return r;
}

int mf_cache_cmd_int(mf_cache *c, int argc, const char *const *argv, long long *out)
{
    if (out != NULL)
        *out = 0;
    if (c == NULL || argc <= 0 || argc > MF_CACHE_CMD_MAX_ARGS)
        return MF_ERR_INVALID;
    mf_reply *r = run_checked(c, argc, argv);
    if (r == NULL)
        return MF_ERR_UNAVAILABLE;
    long long v = 0;
    if (r->type == MF_REPLY_INT)
        v = r->integer;
    else if (r->type == MF_REPLY_STR)
        v = r->str != NULL ? (strcmp(r->str, "OK") == 0 ? 1 : strtoll(r->str, NULL, 10)) : 0;
    /* nil: SET NX that lost, a missing member */
    mf_reply_free(r);
    if (out != NULL)
        *out = v;
    return 0;
}

int mf_cache_cmd_strings(mf_cache *c, int argc, const char *const *argv, char ***items, size_t *n)
{
    *items = NULL;
    *n = 0;
    if (c == NULL || argc <= 0 || argc > MF_CACHE_CMD_MAX_ARGS)
        return MF_ERR_INVALID;
    mf_reply *r = run_checked(c, argc, argv);
    if (r == NULL)
        return MF_ERR_UNAVAILABLE;
    if (r->type != MF_REPLY_ARRAY) {
        mf_reply_free(r);
        return MF_ERR_UNAVAILABLE;
    }
    char **out = mf_calloc(r->n > 0 ? r->n : 1, sizeof *out);
    for (size_t i = 0; i < r->n; i++) {
        const mf_reply *e = r->elem[i];
        out[i] = (e != NULL && e->type == MF_REPLY_STR && e->str != NULL)
                     ? mf_strndup(e->str, e->len)
                     : mf_strdup("");
    }
    *items = out;
    *n = r->n;
    mf_reply_free(r);
    return 0;
}

void mf_cache_strings_free(char **items, size_t n)
{
    if (items == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(items[i]);
    free(items);
}
