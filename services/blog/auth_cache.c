#include "auth_cache.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "micro/alloc.h"

#define KEY_LEN 32 /* SHA-256 */

/* Keyed by a digest of the header, not the header: the table never holds a usable token and a
 * lookup compares fixed-size digests. */
typedef struct entry entry;
struct entry {
    entry *next;
    unsigned char key[KEY_LEN];
    char *user_id;
    json_t *user;
    int64_t expires_ms;
    uint64_t epoch;
};

struct blog_auth_cache {
    pthread_mutex_t mu;
    entry **buckets;
    size_t mask; /* bucket count - 1 (a power of two) */
    size_t count;
    size_t max;
    int64_t ttl_ms;
    uint64_t invalidations;
    int64_t swept_ms; /* when expired entries were last removed */
};

blog_auth_cache *blog_auth_cache_new(size_t max_entries, int64_t ttl_ms)
{
    if (max_entries == 0 || ttl_ms <= 0)
        return NULL;
    blog_auth_cache *c = mf_calloc(1, sizeof(*c));
    size_t n = 16;
    while (n < max_entries)
        n <<= 1;
    c->buckets = mf_calloc(n, sizeof(entry *));
    c->mask = n - 1;
    c->max = max_entries;
    c->ttl_ms = ttl_ms;
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

static void entry_free(entry *e)
{
    json_decref(e->user);
    free(e->user_id);
    free(e);
}

/* Removes the entries pred selects; caller holds mu. */
static void sweep(blog_auth_cache *c, int (*pred)(const entry *, const void *), const void *arg)
{
    for (size_t i = 0; i <= c->mask; i++) {
        entry **pp = &c->buckets[i];
        while (*pp) {
            entry *e = *pp;
            if (pred(e, arg)) {
                *pp = e->next;
                entry_free(e);
                c->count--;
            } else {
                pp = &e->next;
            }
        }
    }
}

static int pred_all(const entry *e, const void *arg)
{
    (void)e;
    (void)arg;
    return 1;
}

void blog_auth_cache_free(blog_auth_cache *c)
{
    if (!c)
        return;
    sweep(c, pred_all, NULL);
    free(c->buckets);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static void digest(const char *authorization, unsigned char key[KEY_LEN])
{
    unsigned int len = KEY_LEN;
    if (EVP_Digest(authorization, strlen(authorization), key, &len, EVP_sha256(), NULL) != 1)
        memset(key, 0, KEY_LEN); /* cannot happen with a built-in digest; never matches a put */
}

static entry **bucket(blog_auth_cache *c, const unsigned char key[KEY_LEN])
{
    size_t h;
    memcpy(&h, key, sizeof(h));
    return &c->buckets[h & c->mask];
}

uint64_t blog_auth_cache_stamp(blog_auth_cache *c)
{
    if (!c)
        return 0;
    pthread_mutex_lock(&c->mu);
    uint64_t s = c->invalidations;
    pthread_mutex_unlock(&c->mu);
    return s;
}

json_t *blog_auth_cache_get(blog_auth_cache *c, const char *authorization, int64_t now_ms,
                            uint64_t epoch)
{
    if (!c)
        return NULL;
    unsigned char key[KEY_LEN];
    digest(authorization, key);
    json_t *user = NULL;
    pthread_mutex_lock(&c->mu);
    for (entry **pp = bucket(c, key); *pp; pp = &(*pp)->next) {
        entry *e = *pp;
        if (CRYPTO_memcmp(e->key, key, KEY_LEN) != 0)
            continue;
        if (e->expires_ms > now_ms && e->epoch == epoch) {
            user = json_incref(e->user);
        } else {
            *pp = e->next;
            entry_free(e);
            c->count--;
        }
        break;
    }
    pthread_mutex_unlock(&c->mu);
    return user;
}

typedef struct {
    int64_t now_ms;
    uint64_t epoch;
} stale_arg;

static int pred_stale(const entry *e, const void *arg)
{
    const stale_arg *a = arg;
    return e->expires_ms <= a->now_ms || e->epoch != a->epoch;
}

void blog_auth_cache_put(blog_auth_cache *c, const char *authorization, json_t *user,
                         int64_t exp_ms, int64_t now_ms, uint64_t stamp, uint64_t epoch)
{
    const char *id = json_string_value(json_object_get(user, "id"));
    if (!c || !id)
        return;
    int64_t expires = now_ms + c->ttl_ms;
    if (exp_ms < expires)
        expires = exp_ms;
    if (expires <= now_ms)
        return;
    unsigned char key[KEY_LEN];
    digest(authorization, key);

    pthread_mutex_lock(&c->mu);
    if (stamp != c->invalidations)
        goto out;
    entry **head = bucket(c, key);
    for (entry *e = *head; e; e = e->next) {
        if (CRYPTO_memcmp(e->key, key, KEY_LEN) == 0)
            goto out; /* another request stored the same answer */
    }
    /* Expired entries go at least once a lifetime, not only when the cache is full: the memory
     * held follows the tokens in use instead of climbing to max under a stream of sign-ups. */
    if (c->count >= c->max || now_ms - c->swept_ms >= c->ttl_ms) {
        stale_arg a = {now_ms, epoch};
        sweep(c, pred_stale, &a);
        c->swept_ms = now_ms;
    }
    /* Still full: the newcomer waits until entries expire (at most the lifetime). */
    if (c->count >= c->max)
        goto out;
    entry *e = mf_calloc(1, sizeof(*e));
    memcpy(e->key, key, KEY_LEN);
    e->user_id = mf_strdup(id);
    e->user = json_incref(user);
    e->expires_ms = expires;
    e->epoch = epoch;
    e->next = *head;
    *head = e;
    c->count++;
out:
    pthread_mutex_unlock(&c->mu);
}

static int pred_user(const entry *e, const void *arg)
{
    return arg == NULL || strcmp(e->user_id, arg) == 0;
}

void blog_auth_cache_drop_user(blog_auth_cache *c, const char *user_id)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    c->invalidations++;
    sweep(c, pred_user, user_id);
    pthread_mutex_unlock(&c->mu);
}

size_t blog_auth_cache_size(blog_auth_cache *c)
{
    if (!c)
        return 0;
    pthread_mutex_lock(&c->mu);
    size_t n = c->count;
    pthread_mutex_unlock(&c->mu);
    return n;
}
