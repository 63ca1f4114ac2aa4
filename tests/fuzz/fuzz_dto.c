/* JSON request bodies through the decoding and validation of every request DTO: auth's
 * signin, signup, refresh, profile update and roles (dto.h), blog's create and update
 * (services/blog/dto.h). The bytes are parsed as the HTTP server parses a body; DTOs only
 * ever see objects (mf_req_json refuses the rest), but they must not crash on anything. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../../services/auth/dto.h"
#include "../../services/auth/user.h"
#include "fuzz_support.h"
#include "micro/utf8.h"
#include "../../services/blog/dto.h"

/* A string a valid DTO hands on to an operation: valid UTF-8 without NUL, within bounds. */
static void check_str(const char *s, long min, long max)
{
    if (!s)
        return;
    long n = mf_utf8_len(s);
    FUZZ_CHECK(n >= 0);
    FUZZ_CHECK(n >= min && (max == 0 || n <= max));
}

static void auth_dtos(json_t *body)
{
    mf_valid v;
    auth_dto_access in;

    mf_valid_init(&v);
    bool ok = auth_dto_signin(body, &v, &in);
    if (ok) {
        FUZZ_CHECK(in.email && in.password);
        FUZZ_CHECK(mf_is_email(in.email));
        check_str(in.password, 6, 100);
    }
    fuzz_check_valid(&v, ok);

    mf_valid_init(&v);
    ok = auth_dto_signup(body, &v, &in);
    if (ok) {
        FUZZ_CHECK(in.email && in.password && in.name);
        check_str(in.name, 2, 200);
        FUZZ_CHECK(!in.pic || mf_is_url(in.pic));
    }
    fuzz_check_valid(&v, ok);

    const char *refresh = NULL;
    mf_valid_init(&v);
    ok = auth_dto_refresh(body, &v, &refresh);
    FUZZ_CHECK(!ok || (refresh && *refresh));
    fuzz_check_valid(&v, ok);

    const char *name = NULL, *pic = NULL;
    mf_valid_init(&v);
    ok = auth_dto_profile(body, &v, &name, &pic);
    if (ok)
        check_str(name, 2, 200);
    fuzz_check_valid(&v, ok);

    const char **codes = NULL;
    size_t n = 0;
    mf_valid_init(&v);
    ok = auth_dto_roles(body, &v, &codes, &n);
    FUZZ_CHECK(codes != NULL);
    if (ok) {
        FUZZ_CHECK(n > 0);
        for (size_t i = 0; i < n; i++)
            FUZZ_CHECK(codes[i] && auth_role_code_valid(codes[i]));
    }
    free(codes);
    fuzz_check_valid(&v, ok);
}

static void check_blog(const blog_input *in, bool create)
{
    if (create)
        FUZZ_CHECK(in->title && in->description && in->draft_text && in->slug && in->img_url &&
                   in->tags);
    else
        FUZZ_CHECK(in->id && strlen(in->id) == 24);
    check_str(in->title, BLOG_TITLE_MIN, BLOG_TITLE_MAX);
    check_str(in->description, BLOG_DESC_MIN, BLOG_DESC_MAX);
    check_str(in->draft_text, create ? 0 : 1, BLOG_DRAFT_MAX);
    check_str(in->slug, BLOG_SLUG_MIN, BLOG_SLUG_MAX);
    FUZZ_CHECK(!in->slug || !strpbrk(in->slug, " ?/"));
    check_str(in->img_url, 0, BLOG_IMGURL_MAX);
    if (in->tags) {
        FUZZ_CHECK(json_array_size(in->tags) >= 1 && json_array_size(in->tags) <= BLOG_TAGS_MAX);
        size_t i;
        json_t *t;
        json_array_foreach(in->tags, i, t)
        {
            FUZZ_CHECK(json_is_string(t) && mf_is_upper(json_string_value(t)));
        }
    }
}

static void blog_dtos(json_t *body)
{
    mf_valid v;
    blog_input in;

    mf_valid_init(&v);
    bool ok = blog_dto_create(body, &in, &v);
    if (ok)
        check_blog(&in, true);
    blog_input_release(&in);
    fuzz_check_valid(&v, ok);

    mf_valid_init(&v);
    ok = blog_dto_update(body, &in, &v);
    if (ok)
        check_blog(&in, false);
    blog_input_release(&in);
    fuzz_check_valid(&v, ok);
    /* Comments (API.md section 4) get their DTO later: add its parse + checks here. */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_quiet();
    json_t *body = fuzz_json(data, size);
    if (json_is_object(body)) {
        auth_dtos(body);
        blog_dtos(body);
    }
    json_decref(body);
    return 0;
}
