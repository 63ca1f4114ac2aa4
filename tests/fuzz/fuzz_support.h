/*
 * What the libFuzzer harnesses share (docs/fuzzing.md): an invariant check that survives
 * NDEBUG (the fuzz build is RelWithDebInfo), quiet logs (a line per input would slow the
 * fuzzer down and bury its report), and the checks every validation result must pass.
 */
#ifndef FUZZ_SUPPORT_H
#define FUZZ_SUPPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "micro/banned.h"
#include "micro/valid.h"

/* abort() is what libFuzzer reports as a crash, with the input that caused it. */
#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);     \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Only errors are logged (and nothing at all is expected from a harness). Idempotent. */
void fuzz_quiet(void);

/* The JSON value of the bytes, parsed as the HTTP server and the NATS layer parse payloads
 * (JSON_DECODE_ANY), or NULL. Caller decrefs. */
json_t *fuzz_json(const uint8_t *data, size_t size);

/* A validation result is either ok with an empty message or refused with a non-empty one
 * that is valid UTF-8 (it goes into a JSON envelope). ok is what the DTO function returned.
 * Releases v. */
void fuzz_check_valid(mf_valid *v, bool ok);

#endif
