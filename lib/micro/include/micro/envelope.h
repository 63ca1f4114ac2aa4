/*
 * The response envelope of API.md section 2:
 *   {"code":"10000","status":200,"message":"success","data":...}
 * code "10000" for 2xx, "10001" otherwise; data omitted when NULL.
 */
#ifndef MF_ENVELOPE_H
#define MF_ENVELOPE_H

#include <jansson.h>
#include <stddef.h>

#include "micro/banned.h"

#define MF_MSG_INTERNAL "An unexpected error occurred. Please try again later."

/* New JSON object for the envelope; data reference is stolen (may be NULL). Caller decrefs. */
json_t *mf_envelope_new(int status, const char *message, json_t *data);
/* Serialised envelope (compact, keys in the order above). Caller frees. data is stolen. */
char *mf_envelope_dumps(int status, const char *message, json_t *data, size_t *len);
/* The standard reason used for a status when a layer has no better message ("url not found"
 * for 404, MF_MSG_INTERNAL for 500, "service unavailable" for 503, ...). Static string. */
const char *mf_envelope_default_message(int status);

#endif
