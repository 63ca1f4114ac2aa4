/*
 * Validation that produces exactly API.md's messages. A mf_valid collects every failure
 * of one request, in the order the checks are made (the DTO's field order), and joins
 * them with ", ". Field names are lower-cased in messages ("profilePicUrl" ->
 * "profilepicurl is not a valid URL"). One failure per field: the first rule broken.
 * Lengths count UTF-8 code points.
 */
#ifndef MF_VALID_H
#define MF_VALID_H

#include <jansson.h>
#include <stdbool.h>

#include "micro/banned.h"
#include "micro/utf8.h"
#include "micro/strbuf.h"

enum {
    MF_V_REQUIRED = 1u << 0, /* absent (or JSON null) -> "%s is required"; "" -> required too */
    MF_V_EMAIL = 1u << 1,    /* "%s is not a valid email" */
    MF_V_URL = 1u << 2,      /* http(s)://host... -> "%s is not a valid URL" */
    MF_V_URI = 1u << 3,      /* scheme:rest -> "%s is not a valid URI" */
    MF_V_UUID = 1u << 4,     /* lower-case canonical UUID -> "%s must be a valid UUID" */
    MF_V_UPPER = 1u << 5,    /* "%s must be uppercase" */
    /* What a page may link to: an http(s) URL or an absolute path ("/img/a.png", never
     * "//host" or "javascript:") -> "%s is not a valid URI" */
    MF_V_WEB_URI = 1u << 6,
    MF_V_NO_CTL = 1u << 7, /* no control characters -> "%s is invalid" */
};

typedef struct {
    mf_strbuf msg;
    int count;
} mf_valid;

void mf_valid_init(mf_valid *v);
void mf_valid_release(mf_valid *v);
static inline bool mf_valid_ok(const mf_valid *v)
{
    return v->count == 0;
}
/* Joined message, "" when ok; owned by v. */
const char *mf_valid_message(const mf_valid *v);
/* Adds one message (already formatted, names as the caller wants them). */
void mf_valid_fail(mf_valid *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Checks a string value named name (as written in the DTO; lower-cased in messages).
 * value NULL means absent. min/max: code-point bounds, 0 = unchecked. A present-but-empty
 * optional string is validated like any other value. Returns true when it passed.
 */
bool mf_valid_check_str(mf_valid *v, const char *name, const char *value, unsigned rules, int min,
                        int max);

/*
 * Reads obj[key]: absent/null -> required check; not a string -> "%s must be a string".
 * Returns the borrowed string if present and valid, else NULL.
 */
const char *mf_valid_str(mf_valid *v, json_t *obj, const char *key, unsigned rules, int min,
                         int max);

/*
 * Reads obj[key] as an array of strings: absent -> required check (when MF_V_REQUIRED);
 * not an array -> "%s must be an array"; empty and required -> "%s is required"; each element
 * is checked with elem_rules/elem_min/elem_max under the name "key[i]". Returns the borrowed
 * array when present and valid, else NULL.
 */
json_t *mf_valid_str_array(mf_valid *v, json_t *obj, const char *key, unsigned rules,
                           unsigned elem_rules, int elem_min, int elem_max);

/* 24 hex characters: "id must be of length 24" / "id is invalid". */
bool mf_valid_object_id(mf_valid *v, const char *name, const char *value);

/*
 * Integer query parameter in [min, max]: "%s is required", "%s must be a number",
 * "%s must be min %d", "%s must be max %d". Writes *out only when valid.
 */
bool mf_valid_int_param(mf_valid *v, const char *name, const char *value, long min, long max,
                        long *out);

/* Pure predicates, exported for reuse and unit tests. */
bool mf_is_email(const char *s);
bool mf_is_url(const char *s);
bool mf_is_uri(const char *s);
/* An http(s) URL (mf_is_url) or an absolute path without spaces or controls. */
bool mf_is_web_uri(const char *s);
bool mf_is_uuid(const char *s); /* lower-case canonical 8-4-4-4-12 */
bool mf_is_upper(const char *s);

#endif
