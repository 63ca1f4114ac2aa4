/*
 * The response envelope. Keys are inserted in wire order; jansson keeps insertion order, so
 * the serialised form is byte-for-byte what API.md shows.
 */
#include "micro/envelope.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "micro/alloc.h"
#include "micro/strbuf.h"
#include "micro/utf8.h"

const char *mf_envelope_default_message(int status)
{
    switch (status) {
    case 400:
        return "bad request";
    case 401:
    case 403:
        return "permission denied";
    case 404:
        return "url not found";
    case 405:
        return "method not allowed";
    case 408:
        return "request timeout";
    case 413:
        return "request body too large";
    case 429:
        return "too many requests";
    case 500:
        return MF_MSG_INTERNAL;
    case 502:
        return "bad gateway";
    case 503:
        return "service unavailable";
    case 504:
        return "gateway timeout";
    default:
        break;
    }
    if (status >= 500)
        return MF_MSG_INTERNAL;
    if (status >= 400)
        return "bad request";
    return "success";
}

/* A message can quote client input (a slug, an id); jansson refuses invalid UTF-8, so bad
 * bytes become U+FFFD rather than losing the whole response. */
static json_t *message_string(const char *msg)
{
    json_t *s = json_string(msg);
    if (s)
        return s;
    mf_strbuf sb;
    mf_strbuf_init(&sb);
    const unsigned char *p = (const unsigned char *)msg;
    while (*p) {
        uint32_t cp;
        size_t n = mf_utf8_decode(p, &cp);
        if (n == 0) {
            mf_strbuf_adds(&sb, "\xEF\xBF\xBD");
            p++;
        } else {
            mf_strbuf_add(&sb, (const char *)p, n);
            p += n;
        }
    }
    s = json_string(sb.buf);
    mf_strbuf_release(&sb);
    return s;
}

json_t *mf_envelope_new(int status, const char *message, json_t *data)
{
    json_t *env = json_object();
    json_object_set_new(env, "code",
                        json_string(status >= 200 && status < 300 ? "10000" : "10001"));
    json_object_set_new(env, "status", json_integer(status));
    json_object_set_new(env, "message",
                        message_string(message ? message : mf_envelope_default_message(status)));
    if (data)
        json_object_set_new(env, "data", data);
    return env;
}

char *mf_envelope_dumps(int status, const char *message, json_t *data, size_t *len)
{
    json_t *env = mf_envelope_new(status, message, data);
    char *out = json_dumps(env, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(env);
    if (!out) {
        /* only reachable with a data value that cannot be serialised (a programming error):
         * answer a plain 500 rather than nothing */
        out =
            mf_asprintf("{\"code\":\"10001\",\"status\":500,\"message\":\"%s\"}", MF_MSG_INTERNAL);
    }
    if (len)
        *len = strlen(out);
    return out;
}
