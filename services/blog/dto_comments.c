/* Comment bodies in (API.md section 4, "Comments and tags"); the Comment shape is in dto.c. */
#include <stdlib.h>
#include <string.h>

#include "micro/alloc.h"
#include "micro/utf8.h"

#include "dto.h"

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool blog_dto_comment_text(json_t *body, mf_valid *v, char **text)
{
    *text = NULL;
    json_t *t = json_object_get(body, "text");
    if (!t || json_is_null(t)) {
        mf_valid_fail(v, "text is required");
        return false;
    }
    const char *s = json_string_value(t);
    /* an embedded NUL would cut the stored text short: not a string we accept */
    if (!json_is_string(t) || strlen(s) != json_string_length(t)) {
        mf_valid_fail(v, "text must be a string");
        return false;
    }
    size_t len = json_string_length(t);
    while (len > 0 && is_space(s[len - 1]))
        len--;
    while (len > 0 && is_space(*s)) {
        s++;
        len--;
    }
    if (len == 0) {
        mf_valid_fail(v, "text is required");
        return false;
    }
    char *out = mf_malloc(len + 1);
    memcpy(out, s, len);
    out[len] = '\0';
    if (mf_utf8_len(out) > BLOG_COMMENT_TEXT_MAX) {
        mf_valid_fail(v, "text must be at most %d characters", BLOG_COMMENT_TEXT_MAX);
        free(out);
        return false;
    }
    *text = out;
    return true;
}

bool blog_dto_comment_parent(json_t *body, mf_valid *v, const char **parent)
{
    *parent = NULL;
    json_t *p = json_object_get(body, "parentId");
    if (!p || json_is_null(p))
        return true;
    if (!json_is_string(p)) {
        mf_valid_fail(v, "parentid must be a string");
        return false;
    }
    if (!mf_valid_object_id(v, "parentId", json_string_value(p)))
        return false;
    *parent = json_string_value(p);
    return true;
}
