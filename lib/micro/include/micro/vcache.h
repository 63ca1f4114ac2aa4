/*
 * Versioned cache entries: a cache that a revocation can outlaw at once, whatever is in flight.
 *
 * Every entry is stored with the versions it was read under: the values of a few version keys
 * (e.g. "the user's version", plus the cache's own epoch) at the moment the caller looked the
 * entry up, before it read the truth from its database. A write that must hold (a signout, a
 * role removal) commits to the database, then bumps a version; from then on every entry
 * stored under the older value is a miss, and a put made by a request that read the database
 * before the commit carries the older value and is refused by Redis itself (the check and the
 * write are one Lua script). So no check-then-cache race can bring a revoked credential back,
 * and nothing has to be deleted.
 *
 * A bump that cannot reach Redis is reported, and the caller does not claim success. The cache
 * is then dirty for this process, as it is after any lookup that could not reach Redis (a
 * revocation may have been missed meanwhile): it is not read, nor written, until it has been
 * reconciled by bumping the epoch (which outlaws every entry, the ones a failed bump should
 * have outlawed among them). A background thread retries that every MF_VCACHE_RECONCILE_MS while
 * dirty, so other processes stop trusting old entries as soon as Redis is back too.
 */
#ifndef MF_VCACHE_H
#define MF_VCACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "micro/banned.h"
#include "micro/cache.h"

#define MF_VCACHE_MAX_VERSIONS 4
#define MF_VCACHE_RECONCILE_MS 50

typedef struct mf_vcache mf_vcache;

/* The versions one lookup saw, to be handed to mf_vcache_put. */
typedef struct {
    size_t n;
    long long v[MF_VCACHE_MAX_VERSIONS + 1];
    bool valid; /* false when the lookup could not read them: the put is then skipped */
} mf_vcache_stamp;

/* Over cache (borrowed, may be NULL: every lookup misses, every bump succeeds), with its epoch
 * in the Redis key epoch_key (copied). version_ttl_s bounds how long a bumped version key
 * lives: longer than any entry (entries stored under an expired version simply miss). Free
 * with mf_vcache_free. */
mf_vcache *mf_vcache_new(mf_cache *cache, const char *epoch_key, int version_ttl_s);
void mf_vcache_free(mf_vcache *vc);

/*
 * Looks key up under the version keys (at most MF_VCACHE_MAX_VERSIONS). A hit: the value
 * (heap, caller frees; *len set when len is not NULL). A miss (absent, stored under other
 * versions, Redis down, or the cache dirty): NULL, with *stamp filled for the put that follows
 * the database read.
 */
char *mf_vcache_get(mf_vcache *vc, const char *key, const char *const *versions, size_t nver,
                    size_t *len, mf_vcache_stamp *stamp);
/* Stores value under key for ttl_s seconds, unless a version moved since the lookup that gave
 * stamp (then nothing is stored). Best effort: a failure only costs a later miss. */
void mf_vcache_put(mf_vcache *vc, const char *key, const char *value, size_t len, int ttl_s,
                   const char *const *versions, size_t nver, const mf_vcache_stamp *stamp);
/* Outlaws every entry stored under version_key's current value. 0, or MF_ERR_UNAVAILABLE when
 * Redis could not be reached (the cache is then dirty until reconciled; do not report the
 * write that needed the bump as done). */
int mf_vcache_bump(mf_vcache *vc, const char *version_key);
/* True while the cache is not trusted (a bump failed and the epoch has not moved since). */
bool mf_vcache_dirty(mf_vcache *vc);

#endif
