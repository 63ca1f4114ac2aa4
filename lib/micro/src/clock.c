#include "micro/clock.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <uuid/uuid.h>

#include "micro/error.h"

int64_t mf_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t mf_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t mf_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void mf_time_format(int64_t epoch_ms, char out[32])
{
    /* Floor division without "epoch_ms - 999", which overflows for INT64_MIN (a stored
     * datetime is any int64: tests/fuzz/fuzz_bson_blog found it). */
    int64_t q = epoch_ms / 1000, r = epoch_ms % 1000;
    if (r < 0) {
        q--;
        r += 1000;
    }
    time_t secs = (time_t)q;
    unsigned ms = (unsigned)r;
    struct tm tm;
    gmtime_r(&secs, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03uZ", ms);
}

int mf_random_hex(size_t nbytes, char *out, size_t outsize)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char buf[256];
    if (nbytes > sizeof(buf) || outsize < nbytes * 2 + 1)
        return MF_ERR_INVALID;
    if (RAND_bytes(buf, (int)nbytes) != 1)
        return MF_ERR;
    for (size_t i = 0; i < nbytes; i++) {
        out[2 * i] = hex[buf[i] >> 4];
        out[2 * i + 1] = hex[buf[i] & 15];
    }
    out[nbytes * 2] = '\0';
    OPENSSL_cleanse(buf, nbytes);
    return MF_OK;
}

void mf_uuid_new(char out[37])
{
    uuid_t u;
    uuid_generate_random(u);
    uuid_unparse_lower(u, out);
}

int mf_secure_equal(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}
