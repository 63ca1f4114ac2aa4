/*
 * Time and randomness helpers shared by the services.
 */
#ifndef MF_CLOCK_H
#define MF_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "micro/banned.h"

/* Wall clock in milliseconds since the epoch. */
int64_t mf_now_ms(void);
/* Monotonic clock in milliseconds. */
int64_t mf_mono_ms(void);
/* The same clock in nanoseconds (durations in metrics and $SRV.STATS). */
int64_t mf_mono_ns(void);
/* RFC3339 UTC with milliseconds ("2024-01-02T03:04:05.678Z") into out (>= 25 bytes). */
void mf_time_format(int64_t epoch_ms, char out[32]);
/* Fills out with 2*nbytes lower-case hex characters of CSPRNG bytes + NUL. 0 or MF_ERR. */
int mf_random_hex(size_t nbytes, char *out, size_t outsize);
/* New random (v4) lower-case UUID into out (37 bytes). */
void mf_uuid_new(char out[37]);
/* Constant-time comparison of two equal-length buffers: true when equal. */
int mf_secure_equal(const void *a, const void *b, size_t n);

#endif
