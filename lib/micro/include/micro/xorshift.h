/*
 * A deterministic pseudo-random sequence (xorshift64): for tests and benchmarks that must
 * build the same data on every run from a seed. Never for anything secret (tokens and ids
 * come from OpenSSL's RAND_bytes).
 */
#ifndef MF_XORSHIFT_H
#define MF_XORSHIFT_H

/* Advances *state (any non-zero seed) and returns the next value. */
static inline unsigned mf_xorshift_next(unsigned long long *state)
{
    unsigned long long x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return (unsigned)(x >> 11);
}

#endif
