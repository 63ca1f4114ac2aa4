#include "dto.h"

#include <stdlib.h>

#include "micro/alloc.h"
#include "micro/clock.h"
#include "micro/strbuf.h"

void blog_input_release(blog_input *in)
{
    free(in->slug);
    *in = (blog_input){0};
}

char *blog_slug_normalize(const char *slug)
{
    mf_strbuf sb;
    mf_strbuf_init(&sb);
    for (const char *p = slug; *p; p++) {
        if (*p == ' ' || *p == '?')
            continue;
        mf_strbuf_addch(&sb, *p == '/' ? '-' : *p);
    }
    char *out = mf_strbuf_detach(&sb, NULL);
    mf_strbuf_release(&sb); /* detach leaves an initialised (allocated) buffer */
    return out;
}

/* Present = the key exists with a non-null value (null counts as absent, like a missing
 * optional field). */
static bool present(json_t *body, const char *key)
{
    json_t *v = json_object_get(body, key);
    return v && !json_is_null(v);
}

/* The slug is normalised before it is validated, so "my blog?" is checked as "myblog". */
static void parse_slug(json_t *body, blog_input *in, mf_valid *v, unsigned rules)
{
    json_t *js = json_object_get(body, "slug");
    if (js && json_is_string(js) && strlen(json_string_value(js)) == json_string_length(js)) {
        char *norm = blog_slug_normalize(json_string_value(js));
        if (mf_valid_check_str(v, "slug", norm, rules | MF_V_NO_CTL, BLOG_SLUG_MIN, BLOG_SLUG_MAX))
            in->slug = norm;
        else
            free(norm);
        return;
    }
    /* absent, null, wrong type or embedded NUL: the generic check names the problem */
    mf_valid_str(v, body, "slug", rules, BLOG_SLUG_MIN, BLOG_SLUG_MAX);
}

static json_t *parse_tags(json_t *body, mf_valid *v)
{
    json_t *tags = mf_valid_str_array(v, body, "tags", MF_V_REQUIRED, MF_V_REQUIRED | MF_V_UPPER, 0,
                                      BLOG_TAG_MAX);
    if (tags && json_array_size(tags) > BLOG_TAGS_MAX) {
        mf_valid_fail(v, "tags must have at most %d items", BLOG_TAGS_MAX);
        return NULL;
    }
    return tags;
}

bool blog_dto_create(json_t *body, blog_input *in, mf_valid *v)
{
    *in = (blog_input){0};
    in->title = mf_valid_str(v, body, "title", MF_V_REQUIRED, BLOG_TITLE_MIN, BLOG_TITLE_MAX);
    in->description =
        mf_valid_str(v, body, "description", MF_V_REQUIRED, BLOG_DESC_MIN, BLOG_DESC_MAX);
    in->draft_text = mf_valid_str(v, body, "draftText", MF_V_REQUIRED, 0, BLOG_DRAFT_MAX);
    parse_slug(body, in, v, MF_V_REQUIRED);
    in->img_url = mf_valid_str(v, body, "imgUrl", MF_V_REQUIRED | MF_V_WEB_URI, 0, BLOG_IMGURL_MAX);
    in->tags = parse_tags(body, v);
    return mf_valid_ok(v);
}

bool blog_dto_update(json_t *body, blog_input *in, mf_valid *v)
{
    *in = (blog_input){0};
    const char *id = mf_valid_str(v, body, "_id", MF_V_REQUIRED, 0, 0);
    if (id && mf_valid_object_id(v, "_id", id))
        in->id = id;
    if (present(body, "title"))
        in->title = mf_valid_str(v, body, "title", 0, BLOG_TITLE_MIN, BLOG_TITLE_MAX);
    if (present(body, "description"))
        in->description = mf_valid_str(v, body, "description", 0, BLOG_DESC_MIN, BLOG_DESC_MAX);
    /* An empty draftText would leave nothing to publish: rejected like a missing one. */
    if (present(body, "draftText"))
        in->draft_text = mf_valid_str(v, body, "draftText", MF_V_REQUIRED, 0, BLOG_DRAFT_MAX);
    if (present(body, "slug"))
        parse_slug(body, in, v, 0);
    if (present(body, "imgUrl"))
        in->img_url = mf_valid_str(v, body, "imgUrl", MF_V_WEB_URI, 0, BLOG_IMGURL_MAX);
    if (present(body, "tags"))
        in->tags = parse_tags(body, v);
    return mf_valid_ok(v);
}

/* ---- output ---- */

static void copy(json_t *out, const json_t *rec, const char *key)
{
    json_t *v = json_object_get(rec, key);
    if (v)
        json_object_set(out, key, v);
}

static void copy_date(json_t *out, const json_t *rec, const char *key)
{
    json_t *v = json_object_get(rec, key);
    if (!json_is_integer(v))
        return;
    char buf[32];
    mf_time_format((int64_t)json_integer_value(v), buf);
    json_object_set_new(out, key, json_string(buf));
}

/* author as {_id, name, profilePicUrl?}: only the known keys of the stored sub-document. */
static void copy_author(json_t *out, const json_t *rec)
{
    json_t *a = json_object_get(rec, "author");
    json_t *o = json_object();
    if (json_is_object(a)) {
        copy(o, a, "_id");
        copy(o, a, "name");
        json_t *pic = json_object_get(a, "profilePicUrl");
        if (json_is_string(pic))
            json_object_set(o, "profilePicUrl", pic);
    }
    json_object_set_new(out, "author", o);
}

static void copy_img(json_t *out, const json_t *rec)
{
    json_t *v = json_object_get(rec, "imgUrl");
    if (json_is_string(v))
        json_object_set(out, "imgUrl", v);
}

/* How a response shape takes one field from a record (FIELD_COUNT: an integer, 0 when the
 * record has none, as blogs written before comments existed). */
typedef enum {
    FIELD_COPY,
    FIELD_DATE,
    FIELD_AUTHOR,
    FIELD_IMG,
    FIELD_COUNT,
    FIELD_FLAG
} field_kind;

typedef struct {
    const char *key;
    field_kind kind;
} field;

#define NFIELDS(a) (sizeof(a) / sizeof(a)[0])

static json_t *shape(const json_t *rec, const field *fields, size_t n)
{
    json_t *o = json_object();
    for (size_t i = 0; i < n; i++) {
        switch (fields[i].kind) {
        case FIELD_COPY:
            copy(o, rec, fields[i].key);
            break;
        case FIELD_DATE:
            copy_date(o, rec, fields[i].key);
            break;
        case FIELD_AUTHOR:
            copy_author(o, rec);
            break;
        case FIELD_IMG:
            copy_img(o, rec);
            break;
        case FIELD_FLAG: /* a boolean, false when the record has none */
            json_object_set_new(o, fields[i].key,
                                json_boolean(json_is_true(json_object_get(rec, fields[i].key))));
            break;
        case FIELD_COUNT: {
            json_t *c = json_object_get(rec, fields[i].key);
            json_object_set_new(o, fields[i].key,
                                json_integer(json_is_integer(c) ? json_integer_value(c) : 0));
            break;
        }
        }
    }
    return o;
}

/* API.md section 4, in its field order. */
static const field public_fields[] = {
    {"_id", FIELD_COPY},         {"title", FIELD_COPY},         {"description", FIELD_COPY},
    {"text", FIELD_COPY},        {"slug", FIELD_COPY},          {"author", FIELD_AUTHOR},
    {"imgUrl", FIELD_IMG},       {"score", FIELD_COPY},         {"tags", FIELD_COPY},
    {"publishedAt", FIELD_DATE}, {"commentCount", FIELD_COUNT},
};
static const field private_fields[] = {
    {"_id", FIELD_COPY},       {"title", FIELD_COPY},         {"description", FIELD_COPY},
    {"text", FIELD_COPY},      {"draftText", FIELD_COPY},     {"slug", FIELD_COPY},
    {"author", FIELD_AUTHOR},  {"imgUrl", FIELD_IMG},         {"score", FIELD_COPY},
    {"tags", FIELD_COPY},      {"submitted", FIELD_COPY},     {"drafted", FIELD_COPY},
    {"published", FIELD_COPY}, {"publishedAt", FIELD_DATE},   {"createdAt", FIELD_DATE},
    {"updatedAt", FIELD_DATE}, {"commentCount", FIELD_COUNT},
};
static const field item_fields[] = {
    {"_id", FIELD_COPY},   {"title", FIELD_COPY}, {"description", FIELD_COPY}, {"slug", FIELD_COPY},
    {"imgUrl", FIELD_IMG}, {"score", FIELD_COPY}, {"tags", FIELD_COPY},
};

/* Comment of API.md section 4, "Comments and tags". */
static const field comment_fields[] = {
    {"_id", FIELD_COPY},       {"blogId", FIELD_COPY},   {"parentId", FIELD_COPY},
    {"text", FIELD_COPY},      {"author", FIELD_AUTHOR}, {"createdAt", FIELD_DATE},
    {"updatedAt", FIELD_DATE}, {"edited", FIELD_FLAG},
};

json_t *blog_dto_comment(const json_t *rec)
{
    return shape(rec, comment_fields, NFIELDS(comment_fields));
}

json_t *blog_dto_public(const json_t *rec)
{
    return shape(rec, public_fields, NFIELDS(public_fields));
}

json_t *blog_dto_private(const json_t *rec)
{
    return shape(rec, private_fields, NFIELDS(private_fields));
}

json_t *blog_dto_item(const json_t *rec)
{
    return shape(rec, item_fields, NFIELDS(item_fields));
}

json_t *blog_dto_items(const json_t *recs)
{
    json_t *arr = json_array();
    size_t i;
    json_t *rec;
    json_array_foreach(recs, i, rec) json_array_append_new(arr, blog_dto_item(rec));
    return arr;
}
