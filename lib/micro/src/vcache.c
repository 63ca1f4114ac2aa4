/*
 * Versioned entries over mf_cache (see vcache.h). An entry is stored as "v1,v2,...;value":
 * the versions it was read under, the epoch last, then the caller's value. A lookup reads the
 * entry and the current versions in one MGET (one instant), so a hit is an entry whose
 * versions are all still current.
 */
#include "micro/vcache.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "micro/alloc.h"
#include "micro/error.h"
#include "micro/log.h"

struct mf_vcache {
    mf_cache *cache;
    char *epoch_key;
    int version_ttl_s;
    atomic_bool dirty;
    pthread_mutex_t mu; /* guards the reconcile thread's start and stop */
    pthread_cond_t cond;
    pthread_t thread;
    bool thread_running;
    bool thread_started; /* must be joined */
    bool stopping;
};

/* Check and write in one step: a put whose versions moved since its lookup stores nothing.
 * KEYS[1] the entry, KEYS[2..] the versions; ARGV[1] the stored text, ARGV[2] its TTL,
 * ARGV[3..] the versions the lookup saw. */
static const char PUT_SCRIPT[] = "for i = 2, #KEYS do "
                                 "local v = redis.call('GET', KEYS[i]) or '0' "
                                 "if v ~= ARGV[i + 1] then return 0 end "
                                 "end "
                                 "redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) "
                                 "return 1";

/* INCR, and a lifetime for per-subject versions (ARGV[1] > 0); the epoch lives forever. */
static const char BUMP_SCRIPT[] = "local v = redis.call('INCR', KEYS[1]) "
                                  "if tonumber(ARGV[1]) > 0 then "
                                  "redis.call('EXPIRE', KEYS[1], ARGV[1]) end "
                                  "return v";

mf_vcache *mf_vcache_new(mf_cache *cache, const char *epoch_key, int version_ttl_s)
{
    mf_vcache *vc = mf_calloc(1, sizeof(*vc));
    vc->cache = cache;
    vc->epoch_key = mf_strdup(epoch_key);
    vc->version_ttl_s = version_ttl_s > 0 ? version_ttl_s : 1;
    atomic_init(&vc->dirty, false);
    pthread_mutex_init(&vc->mu, NULL);
    pthread_cond_init(&vc->cond, NULL);
    return vc;
}

void mf_vcache_free(mf_vcache *vc)
{
    if (vc == NULL)
        return;
    pthread_mutex_lock(&vc->mu);
    vc->stopping = true;
    pthread_cond_broadcast(&vc->cond);
    bool join = vc->thread_started;
    pthread_mutex_unlock(&vc->mu);
    if (join)
        pthread_join(vc->thread, NULL);
    pthread_cond_destroy(&vc->cond);
    pthread_mutex_destroy(&vc->mu);
    free(vc->epoch_key);
    free(vc);
}

bool mf_vcache_dirty(mf_vcache *vc)
{
    return vc != NULL && atomic_load(&vc->dirty);
}

static int bump_now(mf_vcache *vc, const char *key, int ttl_s)
{
    char ttl[16];
    snprintf(ttl, sizeof(ttl), "%d", ttl_s);
    const char *keys[] = {key};
    const char *args[] = {ttl};
    return mf_cache_eval_int(vc->cache, BUMP_SCRIPT, keys, 1, args, 1, NULL);
}

/* Bumps the epoch until it works or the vcache is freed, then trusts the cache again. */
static void *reconcile_main(void *arg)
{
    mf_vcache *vc = arg;
    pthread_mutex_lock(&vc->mu);
    while (!vc->stopping) {
        pthread_mutex_unlock(&vc->mu);
        bool done = bump_now(vc, vc->epoch_key, 0) == 0;
        pthread_mutex_lock(&vc->mu);
        if (done) {
            atomic_store(&vc->dirty, false);
            mf_log_info(NULL, "vcache: reconciled (%s bumped); the cache is trusted again",
                        vc->epoch_key);
            break;
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += (long)MF_VCACHE_RECONCILE_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        if (!vc->stopping)
            pthread_cond_timedwait(&vc->cond, &vc->mu, &until);
    }
    vc->thread_running = false;
    pthread_mutex_unlock(&vc->mu);
    return NULL;
}

static void mark_dirty(mf_vcache *vc, const char *why)
{
    atomic_store(&vc->dirty, true);
    pthread_mutex_lock(&vc->mu);
    if (!vc->thread_running && !vc->stopping) {
        if (vc->thread_started)
            pthread_join(vc->thread, NULL); /* it has exited: it cleared thread_running */
        vc->thread_started = vc->thread_running =
            pthread_create(&vc->thread, NULL, reconcile_main, vc) == 0;
        if (!vc->thread_running)
            mf_log_error(NULL, "vcache: cannot start the reconcile thread");
    }
    pthread_mutex_unlock(&vc->mu);
    mf_log_warn(NULL, "vcache: %s; not trusted until %s is bumped", why, vc->epoch_key);
}

int mf_vcache_bump(mf_vcache *vc, const char *version_key)
{
    if (vc == NULL || vc->cache == NULL)
        return 0;
    int rc = bump_now(vc, version_key, vc->version_ttl_s);
    if (rc != 0) {
        mark_dirty(vc, "a version bump failed");
        return MF_ERR_UNAVAILABLE;
    }
    return 0;
}

/* "v1,...,vn;" for stamp into buf. */
static void stamp_text(const mf_vcache_stamp *st, char *buf, size_t size)
{
    size_t off = 0;
    for (size_t i = 0; i < st->n && off < size; i++)
        off += (size_t)snprintf(buf + off, size - off, "%s%lld", i ? "," : "", st->v[i]);
    if (off < size)
        snprintf(buf + off, size - off, ";");
}

char *mf_vcache_get(mf_vcache *vc, const char *key, const char *const *versions, size_t nver,
                    size_t *len, mf_vcache_stamp *stamp)
{
    memset(stamp, 0, sizeof(*stamp));
    if (len != NULL)
        *len = 0;
    if (vc == NULL || vc->cache == NULL || nver > MF_VCACHE_MAX_VERSIONS || atomic_load(&vc->dirty))
        return NULL;
    const char *keys[MF_VCACHE_MAX_VERSIONS + 2];
    char *vals[MF_VCACHE_MAX_VERSIONS + 2];
    size_t lens[MF_VCACHE_MAX_VERSIONS + 2];
    size_t n = 0;
    keys[n++] = key;
    for (size_t i = 0; i < nver; i++)
        keys[n++] = versions[i];
    keys[n++] = vc->epoch_key;
    if (mf_cache_mget(vc->cache, keys, n, vals, lens) != 0) {
        /* unreachable: a revocation may be missing from it by the time it is back */
        mark_dirty(vc, "the cache could not be read");
        return NULL;
    }
    stamp->n = n - 1;
    stamp->valid = true;
    for (size_t i = 1; i < n; i++) {
        char *end = NULL;
        errno = 0;
        stamp->v[i - 1] = vals[i] ? strtoll(vals[i], &end, 10) : 0;
        if (vals[i] && (errno != 0 || end == vals[i] || *end != '\0'))
            stamp->valid = false; /* not a version we wrote: never trust or put under it */
        free(vals[i]);
    }
    char *out = NULL;
    if (vals[0] != NULL && stamp->valid) {
        char want[(MF_VCACHE_MAX_VERSIONS + 1) * 21 + 2];
        stamp_text(stamp, want, sizeof(want));
        size_t wlen = strlen(want);
        if (lens[0] >= wlen && memcmp(vals[0], want, wlen) == 0) {
            out = mf_strndup(vals[0] + wlen, lens[0] - wlen);
            if (len != NULL)
                *len = lens[0] - wlen;
        }
    }
    free(vals[0]);
    return out;
}

void mf_vcache_put(mf_vcache *vc, const char *key, const char *value, size_t len, int ttl_s,
                   const char *const *versions, size_t nver, const mf_vcache_stamp *stamp)
{
    if (vc == NULL || vc->cache == NULL || !stamp->valid || stamp->n != nver + 1 || ttl_s <= 0 ||
        atomic_load(&vc->dirty))
        return;
    char prefix[(MF_VCACHE_MAX_VERSIONS + 1) * 21 + 2];
    stamp_text(stamp, prefix, sizeof(prefix));
    char *stored = mf_asprintf("%s%.*s", prefix, (int)len, value);
    char ttl[16];
    snprintf(ttl, sizeof(ttl), "%d", ttl_s);
    const char *keys[MF_VCACHE_MAX_VERSIONS + 2];
    const char *args[MF_VCACHE_MAX_VERSIONS + 3];
    char vtext[MF_VCACHE_MAX_VERSIONS + 1][24];
    size_t nk = 0, na = 0;
    keys[nk++] = key;
    for (size_t i = 0; i < nver; i++)
        keys[nk++] = versions[i];
    keys[nk++] = vc->epoch_key;
    args[na++] = stored;
    args[na++] = ttl;
    for (size_t i = 0; i < stamp->n; i++) {
        snprintf(vtext[i], sizeof(vtext[i]), "%lld", stamp->v[i]);
        args[na++] = vtext[i];
    }
    long long stored_ok = 0;
    if (mf_cache_eval_int(vc->cache, PUT_SCRIPT, keys, nk, args, na, &stored_ok) == 0 &&
        stored_ok == 0)
        mf_log_debug(NULL, "vcache: %s not stored: a version moved since its lookup", key);
    free(stored);
}
