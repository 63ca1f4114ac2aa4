/*
 * Validation with API.md's message templates. Each check reports at most one message per
 * field, the first rule broken in the fixed order required, type, encoding, min, max,
 * formats, so a client sees the most basic problem first.
 */
#include "micro/valid.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "micro/alloc.h"
#include "micro/utf8.h"

void mf_valid_init(mf_valid *v)
{
    mf_strbuf_init(&v->msg);
    v->count = 0;
}

void mf_valid_release(mf_valid *v)
{
    mf_strbuf_release(&v->msg);
    v->count = 0;
}

const char *mf_valid_message(const mf_valid *v)
{
    return v->msg.buf ? v->msg.buf : "";
}

void mf_valid_fail(mf_valid *v, const char *fmt, ...)
{
    if (v->count > 0)
        mf_strbuf_adds(&v->msg, ", ");
    va_list ap;
    va_start(ap, fmt);
    mf_strbuf_vaddf(&v->msg, fmt, ap);
    va_end(ap);
    v->count++;
}

/* Field names appear lower-cased in messages (API.md), whatever the DTO spelling. Caller
 * frees. */
static char *lower_name(const char *name)
{
    char *s = mf_strdup(name ? name : "");
    for (char *p = s; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return s;
}

/* ---- predicates ---- */

static bool has_space_or_ctl(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= 0x20 || *p == 0x7F)
            return true;
    return false;
}

/* RFC 5322 "atext" plus '.', checked separately for placement. */
static bool is_local_char(unsigned char c)
{
    return isalnum(c) || c >= 0x80 || strchr("!#$%&'*+/=?^_`{|}~-.", c) != NULL;
}

/* A DNS name of at least two labels; labels of letters, digits and '-' (not at either end),
 * 1..63 bytes. Non-ASCII bytes are allowed for internationalised names. */
static bool is_domain(const char *d, size_t len)
{
    if (len == 0 || len > 253)
        return false;
    size_t labels = 0, lab = 0;
    for (size_t i = 0; i <= len; i++) {
        unsigned char c = i < len ? (unsigned char)d[i] : '.';
        if (c == '.') {
            if (lab == 0 || lab > 63 || d[i - 1] == '-')
                return false;
            labels++;
            lab = 0;
        } else if (isalnum(c) || c >= 0x80 || c == '-') {
            if (lab == 0 && c == '-')
                return false;
            lab++;
        } else {
            return false;
        }
    }
    return labels >= 2;
}

bool mf_is_email(const char *s)
{
    if (!s || mf_utf8_len(s) < 0 || has_space_or_ctl(s))
        return false;
    size_t len = strlen(s);
    if (len > 254)
        return false;
    const char *at = strchr(s, '@');
    if (!at || strchr(at + 1, '@'))
        return false;
    size_t local = (size_t)(at - s);
    if (local == 0 || local > 64 || s[0] == '.' || s[local - 1] == '.')
        return false;
    for (size_t i = 0; i < local; i++) {
        if (!is_local_char((unsigned char)s[i]))
            return false;
        if (s[i] == '.' && s[i + 1] == '.')
            return false;
    }
    return is_domain(at + 1, len - local - 1);
}

/* Host of an http(s) URL: a bracketed IPv6 literal or a reg-name / IPv4 address. */
static bool is_url_host(const char *h, size_t len)
{
    if (len == 0)
        return false;
    if (h[0] == '[') {
        if (len < 3 || h[len - 1] != ']')
            return false;
        for (size_t i = 1; i < len - 1; i++)
            if (!isxdigit((unsigned char)h[i]) && h[i] != ':' && h[i] != '.')
                return false;
        return true;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)h[i];
        if (!isalnum(c) && c < 0x80 && !strchr("-._~%!$&'()*+,;=", c))
            return false;
    }
    return true;
}

/* ":port" part of an authority (after the colon): 1..65535 in decimal. */
static bool is_port(const char *p, const char *end)
{
    if (p == end || end - p > 5)
        return false;
    long port = 0;
    for (; p < end; p++) {
        if (!isdigit((unsigned char)*p))
            return false;
        port = port * 10 + (*p - '0');
    }
    return port >= 1 && port <= 65535;
}

bool mf_is_url(const char *s)
{
    if (!s || mf_utf8_len(s) < 0 || has_space_or_ctl(s))
        return false;
    const char *p;
    if (strncasecmp(s, "http://", 7) == 0)
        p = s + 7;
    else if (strncasecmp(s, "https://", 8) == 0)
        p = s + 8;
    else
        return false;
    const char *end = p + strcspn(p, "/?#");
    /* userinfo is allowed by RFC 3986; only the host after it matters */
    const char *host = p;
    for (const char *q = p; q < end; q++)
        if (*q == '@')
            host = q + 1;
    const char *host_end;
    if (*host == '[') {
        const char *close = memchr(host, ']', (size_t)(end - host));
        if (!close)
            return false;
        host_end = close + 1;
    } else {
        const char *colon = memchr(host, ':', (size_t)(end - host));
        host_end = colon ? colon : end;
    }
    if (host_end < end && (*host_end != ':' || !is_port(host_end + 1, end)))
        return false;
    return is_url_host(host, (size_t)(host_end - host));
}

bool mf_is_uri(const char *s)
{
    if (!s || mf_utf8_len(s) < 0 || has_space_or_ctl(s))
        return false;
    /* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 3.1) */
    if (!isalpha((unsigned char)s[0]))
        return false;
    const char *p = s + 1;
    while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
        p++;
    return *p == ':' && p[1] != '\0';
}

bool mf_is_web_uri(const char *s)
{
    if (!s || mf_utf8_len(s) < 0 || has_space_or_ctl(s))
        return false;
    if (s[0] == '/')
        return s[1] != '/' && s[1] != '\\';
    return mf_is_url(s);
}

static bool has_ctl(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return true;
    return false;
}

bool mf_is_uuid(const char *s)
{
    if (!s || strlen(s) != 36)
        return false;
    for (size_t i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
        } else if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return false;
        }
    }
    return true;
}

/* Lower-case letters of the scripts a tag is likely to use (Latin-1, Latin Extended-A, Greek,
 * Cyrillic): the code points whose simple upper-case mapping differs from themselves, as in
 * the original's s == ToUpper(s) rule. Other scripts have no case and pass. */
static bool is_lower_cp(uint32_t c)
{
    if (c >= 'a' && c <= 'z')
        return true;
    if (c == 0xB5 || c == 0xFF || (c >= 0xE0 && c <= 0xFE && c != 0xF7))
        return true;
    if (c >= 0x100 && c <= 0x137)
        return c % 2 == 1;
    if (c >= 0x139 && c <= 0x148)
        return c % 2 == 0;
    if (c >= 0x14A && c <= 0x177)
        return c % 2 == 1;
    if (c >= 0x179 && c <= 0x17E)
        return c % 2 == 0;
    if (c == 0x17F)
        return true;
    if ((c >= 0x3AC && c <= 0x3AF) || (c >= 0x3B1 && c <= 0x3CE))
        return true;
    if (c >= 0x430 && c <= 0x45F)
        return true;
    return false;
}

bool mf_is_upper(const char *s)
{
    if (!s || !*s)
        return false;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        size_t n = mf_utf8_decode(p, &cp);
        if (n == 0 || is_lower_cp(cp))
            return false;
        p += n;
    }
    return true;
}

/* ---- checks ---- */

bool mf_valid_check_str(mf_valid *v, const char *name, const char *value, unsigned rules, int min,
                        int max)
{
    bool required = rules & MF_V_REQUIRED;
    if (!value || (required && value[0] == '\0')) {
        if (!required)
            return true;
        char *ln = lower_name(name);
        mf_valid_fail(v, "%s is required", ln);
        free(ln);
        return false;
    }

    char *ln = lower_name(name);
    bool ok = false;
    long len = mf_utf8_len(value);
    if (len < 0)
        mf_valid_fail(v, "%s is invalid", ln);
    else if (min > 0 && len < min)
        mf_valid_fail(v, "%s must be at least %d characters", ln, min);
    else if (max > 0 && len > max)
        mf_valid_fail(v, "%s must be at most %d characters", ln, max);
    else if ((rules & MF_V_EMAIL) && !mf_is_email(value))
        mf_valid_fail(v, "%s is not a valid email", ln);
    else if ((rules & MF_V_URL) && !mf_is_url(value))
        mf_valid_fail(v, "%s is not a valid URL", ln);
    else if ((rules & MF_V_URI) && !mf_is_uri(value))
        mf_valid_fail(v, "%s is not a valid URI", ln);
    else if ((rules & MF_V_WEB_URI) && !mf_is_web_uri(value))
        mf_valid_fail(v, "%s is not a valid URI", ln);
    else if ((rules & MF_V_NO_CTL) && has_ctl(value))
        mf_valid_fail(v, "%s is invalid", ln);
    else if ((rules & MF_V_UUID) && !mf_is_uuid(value))
        mf_valid_fail(v, "%s must be a valid UUID", ln);
    else if ((rules & MF_V_UPPER) && !mf_is_upper(value))
        mf_valid_fail(v, "%s must be uppercase", ln);
    else
        ok = true;
    free(ln);
    return ok;
}

/* Checks one JSON value as a string field. Returns the string when present and valid. */
static const char *check_json_str(mf_valid *v, const char *name, json_t *val, unsigned rules,
                                  int min, int max)
{
    if (!val || json_is_null(val)) {
        mf_valid_check_str(v, name, NULL, rules, min, max);
        return NULL;
    }
    if (!json_is_string(val)) {
        char *ln = lower_name(name);
        mf_valid_fail(v, "%s must be a string", ln);
        free(ln);
        return NULL;
    }
    const char *s = json_string_value(val);
    if (strlen(s) != json_string_length(val)) {
        /* an embedded NUL would silently truncate what is stored */
        char *ln = lower_name(name);
        mf_valid_fail(v, "%s is invalid", ln);
        free(ln);
        return NULL;
    }
    return mf_valid_check_str(v, name, s, rules, min, max) ? s : NULL;
}

const char *mf_valid_str(mf_valid *v, json_t *obj, const char *key, unsigned rules, int min,
                         int max)
{
    json_t *val = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return check_json_str(v, key, val, rules, min, max);
}

json_t *mf_valid_str_array(mf_valid *v, json_t *obj, const char *key, unsigned rules,
                           unsigned elem_rules, int elem_min, int elem_max)
{
    json_t *arr = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    bool required = rules & MF_V_REQUIRED;
    if (!arr || json_is_null(arr)) {
        if (required) {
            char *ln = lower_name(key);
            mf_valid_fail(v, "%s is required", ln);
            free(ln);
        }
        return NULL;
    }
    if (!json_is_array(arr)) {
        char *ln = lower_name(key);
        mf_valid_fail(v, "%s must be an array", ln);
        free(ln);
        return NULL;
    }
    if (json_array_size(arr) == 0 && required) {
        char *ln = lower_name(key);
        mf_valid_fail(v, "%s is required", ln);
        free(ln);
        return NULL;
    }
    bool ok = true;
    size_t i;
    json_t *el;
    json_array_foreach(arr, i, el)
    {
        char *en = mf_asprintf("%s[%zu]", key, i);
        /* a null element is a hole in the list, not an absent optional field */
        unsigned er = json_is_null(el) ? elem_rules | MF_V_REQUIRED : elem_rules;
        if (!check_json_str(v, en, el, er, elem_min, elem_max))
            ok = false;
        free(en);
    }
    return ok ? arr : NULL;
}

bool mf_valid_object_id(mf_valid *v, const char *name, const char *value)
{
    char *ln = lower_name(name);
    bool ok = false;
    if (!value || !*value) {
        mf_valid_fail(v, "%s is required", ln);
    } else if (strlen(value) != 24) {
        mf_valid_fail(v, "%s must be of length 24", ln);
    } else {
        ok = true;
        for (size_t i = 0; i < 24; i++)
            if (!isxdigit((unsigned char)value[i]))
                ok = false;
        if (!ok)
            mf_valid_fail(v, "%s is invalid", ln);
    }
    free(ln);
    return ok;
}

bool mf_valid_int_param(mf_valid *v, const char *name, const char *value, long min, long max,
                        long *out)
{
    char *ln = lower_name(name);
    bool ok = false;
    if (!value || !*value) {
        mf_valid_fail(v, "%s is required", ln);
        goto done;
    }
    /* strtol alone would accept leading spaces and stop at junk: require [+-]digits only */
    const char *p = value;
    if (*p == '+' || *p == '-')
        p++;
    if (!*p)
        goto nan;
    for (const char *q = p; *q; q++)
        if (!isdigit((unsigned char)*q))
            goto nan;
    errno = 0;
    char *end;
    long n = strtol(value, &end, 10);
    if (errno == ERANGE || *end)
        goto nan;
    if (n < min) {
        mf_valid_fail(v, "%s must be min %ld", ln, min);
    } else if (n > max) {
        mf_valid_fail(v, "%s must be max %ld", ln, max);
    } else {
        if (out)
            *out = n;
        ok = true;
    }
    goto done;
nan:
    mf_valid_fail(v, "%s must be a number", ln);
done:
    free(ln);
    return ok;
}
