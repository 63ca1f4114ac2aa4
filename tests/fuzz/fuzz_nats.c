/* NATS payload decoding: the bytes are a message payload, parsed as mf_nats parses requests
 * and events (JSON_DECODE_ANY), then read by what each subject's handler reads before it
 * touches a database: auth-service's three endpoints (nats_endpoints.h), blog-service's
 * user.created / user.updated consumer (blog_events_user_parse) and its auth.invalidate
 * handler (blog_events_invalidate, run for real against an auth cache holding an entry). */
#include <string.h>

#include "../../services/auth/authn.h"
#include "../../services/auth/nats_endpoints.h"
#include "../../services/blog/events.h"
#include "fuzz_support.h"

#define USER "0b6f3c1e-9a52-4c1e-8b1a-2f0d3e4c5b6a"

static void auth_endpoints(json_t *data)
{
    const char *value = auth_nats_authentication_parse(data);
    const char *msg = NULL;
    const char *tok = auth_authn_bearer_token(value, &msg);
    FUZZ_CHECK(tok ? strncmp(value, "Bearer ", 7) == 0 && *tok && !strchr(tok, ' ') : msg && *msg);

    const char *id = NULL, **codes = NULL;
    size_t n = 0;
    int status = 0;
    msg = NULL;
    if (auth_nats_authorization_parse(data, &id, &codes, &n, &status, &msg) == 0) {
        FUZZ_CHECK(id && mf_is_uuid(id) && codes);
        json_t *roles = json_object_get(data, "roles");
        FUZZ_CHECK(n <= json_array_size(roles));
        for (size_t i = 0; i < n; i++)
            FUZZ_CHECK(codes[i] != NULL);
    } else {
        FUZZ_CHECK((status == 401 || status == 403) && msg && *msg && !codes);
    }
    free(codes);

    id = auth_nats_profile_parse(data);
    FUZZ_CHECK(!id || mf_is_uuid(id));
}

static void blog_events(json_t *data)
{
    const char *id, *name, *pic;
    if (blog_events_user_parse(data, &id, &name, &pic))
        FUZZ_CHECK(id && mf_is_uuid(id) && name);

    /* An entry of USER: an invalidation naming USER (or no valid user) must drop it, one
     * naming another valid user must keep it. */
    blog_ctx ctx = {0};
    ctx.auth_cache = blog_auth_cache_new(8, 60000);
    json_t *user = json_pack("{s:s}", "id", USER);
    blog_auth_cache_put(ctx.auth_cache, "Bearer t", user, 2000000, 1000,
                        blog_auth_cache_stamp(ctx.auth_cache), 0);
    json_decref(user);
    FUZZ_CHECK(blog_auth_cache_size(ctx.auth_cache) == 1);
    blog_events_invalidate(data, "fuzz", &ctx);
    const char *target = json_string_value(json_object_get(data, "userId"));
    bool other = target && mf_is_uuid(target) && strcmp(target, USER) != 0;
    FUZZ_CHECK(blog_auth_cache_size(ctx.auth_cache) == (other ? 1u : 0u));
    blog_auth_cache_free(ctx.auth_cache);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_quiet();
    json_t *payload = fuzz_json(data, size);
    if (payload) {
        auth_endpoints(payload);
        blog_events(payload);
    }
    json_decref(payload);
    return 0;
}
