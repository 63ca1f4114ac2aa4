/*
 * Trace ids and the per-thread request context. Ids come from a per-thread xoshiro256**
 * seeded once per thread from the kernel's CSPRNG: trace ids need to be unique, not
 * unpredictable, and a getrandom(2) per request would cost what request ids once did.
 */
#include "micro/trace.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static _Thread_local mf_context current;
static _Thread_local uint64_t rng[4];
static _Thread_local bool rng_ready;

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void rng_seed(void)
{
    uint64_t seed[4] = {0};
    if (getrandom(seed, sizeof seed, 0) != (ssize_t)sizeof seed) {
        /* No entropy: still distinct per thread and per process start. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)(uintptr_t)&ts;
        for (int i = 0; i < 4; i++)
            seed[i] = splitmix(&x);
    }
    memcpy(rng, seed, sizeof rng);
    if ((rng[0] | rng[1] | rng[2] | rng[3]) == 0)
        rng[0] = 1;
    rng_ready = true;
}

static uint64_t rng_next(void)
{
    if (!rng_ready)
        rng_seed();
    uint64_t result = rotl(rng[1] * 5, 7) * 9;
    uint64_t t = rng[1] << 17;
    rng[2] ^= rng[0];
    rng[3] ^= rng[1];
    rng[1] ^= rng[2];
    rng[0] ^= rng[3];
    rng[2] ^= t;
    rng[3] = rotl(rng[3], 45);
    return result;
}

static void hex64(uint64_t v, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 15; i >= 0; i--) {
        out[i] = digits[v & 0xf];
        v >>= 4;
    }
}

/* A non-zero random id of 16 or 32 hex digits. */
static void random_id(char *out, int words)
{
    uint64_t w[2];
    do {
        for (int i = 0; i < words; i++)
            w[i] = rng_next();
    } while (w[0] == 0 && (words == 1 || w[1] == 0));
    for (int i = 0; i < words; i++)
        hex64(w[i], out + 16 * i);
    out[16 * words] = '\0';
}

static bool lower_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

static bool all_zero(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != '0')
            return false;
    return true;
}

static int hexval(char c)
{
    return c <= '9' ? c - '0' : c - 'a' + 10;
}

bool mf_trace_parse(const char *h, mf_trace *t)
{
    /* version(2) - trace-id(32) - parent-id(16) - flags(2) = 55 characters */
    if (!h || strlen(h) < 55)
        return false;
    if (!lower_hex(h, 2) || h[2] != '-' || !lower_hex(h + 3, 32) || h[35] != '-' ||
        !lower_hex(h + 36, 16) || h[52] != '-' || !lower_hex(h + 53, 2))
        return false;
    if (strncmp(h, "ff", 2) == 0 || all_zero(h + 3, 32) || all_zero(h + 36, 16))
        return false;
    /* Version 00 has exactly these fields; a later version may append "-<more>". */
    if (strncmp(h, "00", 2) == 0 ? h[55] != '\0' : (h[55] != '\0' && h[55] != '-'))
        return false;
    memcpy(t->trace_id, h + 3, 32);
    t->trace_id[32] = '\0';
    memcpy(t->span_id, h + 36, 16);
    t->span_id[16] = '\0';
    t->flags = (uint8_t)(hexval(h[53]) * 16 + hexval(h[54]));
    return true;
}

void mf_trace_start(mf_trace *t)
{
    random_id(t->trace_id, 2);
    random_id(t->span_id, 1);
    t->flags = 1;
}

void mf_trace_continue(mf_trace *t, const char *header)
{
    mf_trace parent;
    if (mf_trace_parse(header, &parent))
        mf_trace_child(&parent, t);
    else
        mf_trace_start(t);
}

void mf_trace_child(const mf_trace *parent, mf_trace *child)
{
    if (!parent || parent->trace_id[0] == '\0') {
        mf_trace_start(child);
        return;
    }
    if (child != parent)
        memcpy(child->trace_id, parent->trace_id, sizeof child->trace_id);
    child->flags = parent->flags;
    random_id(child->span_id, 1);
}

void mf_trace_format(const mf_trace *t, char out[MF_TRACE_HEADER_SIZE])
{
    snprintf(out, MF_TRACE_HEADER_SIZE, "00-%s-%s-%02x", t->trace_id, t->span_id, t->flags);
}

void mf_context_set(const char *request_id, const mf_trace *trace)
{
    current.request_id = request_id;
    current.trace = (trace && trace->trace_id[0]) ? trace : NULL;
}

void mf_context_clear(void)
{
    current.request_id = NULL;
    current.trace = NULL;
}

const mf_context *mf_context_current(void)
{
    return &current;
}
