/*
 * Error convention for every layer: functions return int (0 = ok, negative = one of the
 * codes below) or a pointer (NULL = failure) and fill out-parameters. The HTTP layer maps
 * faults to envelope statuses in one place (mf_respond_err in http.h); NOT_FOUND, CONFLICT,
 * INVALID and STATE are answered by handlers with the operation's own message (API.md).
 * A programming error is neither: it aborts (micro/assert.h) or is MF_ERR, never INVALID.
 */
#ifndef MF_ERROR_H
#define MF_ERROR_H

#include "micro/banned.h"

enum {
    MF_OK = 0,
    MF_ERR = -1,               /* unexpected failure: 500 */
    MF_ERR_NOT_FOUND = -2,     /* 404 */
    MF_ERR_CONFLICT = -3,      /* unique constraint / duplicate: 400 */
    MF_ERR_TIMEOUT = -4,       /* a peer did not answer in time: 503 */
    MF_ERR_NO_RESPONDERS = -5, /* nobody serves a NATS subject: 503 */
    MF_ERR_UNAVAILABLE = -6,   /* a dependency is down: 503 */
    MF_ERR_INVALID = -7,       /* bad input (the caller's): 400 with a message of its own */
    MF_ERR_REMOTE = -8,        /* a NATS peer answered with an error envelope */
    MF_ERR_STATE = -9,         /* the record is not in the state the operation needs */
    MF_ERR_OPEN = -10,         /* a circuit breaker is open (micro/breaker.h): 503 + Retry-After */
    MF_ERR_LIMITED = -11,      /* the caller made too many requests: 429 */
};

/* Short lower-case name of an error code, for logs ("timeout"). Static string. */
const char *mf_err_name(int err);

#endif
