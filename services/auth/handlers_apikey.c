/* GET /verify/apikey: the gateway's hot path (SHA-256, Redis, PostgreSQL only on a miss). */
#include <string.h>

#include "handlers.h"
#include "ops.h"

#define MSG_MISSING_KEY "permission denied: missing x-api-key header"
#define MSG_INVALID_KEY "permission denied: invalid x-api-key"
/* Longer values cannot be keys we issued; not worth hashing. */
#define MAX_KEY_LEN 256

void auth_handle_verify_apikey(mf_req *req)
{
    const char *key = mf_req_header(req, "x-api-key");
    if (!key || !*key) {
        mf_respond_error(req, 401, MSG_MISSING_KEY);
        return;
    }
    if (strlen(key) > MAX_KEY_LEN) {
        mf_respond_error(req, 403, MSG_INVALID_KEY);
        return;
    }
    bool valid = false;
    char key_id[17];
    int rc = auth_op_apikey_verify(mf_req_app(req), key, &valid, key_id);
    if (!auth_req_op_ok(req, rc, NULL, "apikey lookup"))
        return;
    mf_respond_header(req, "x-api-key-id", key_id);
    if (!valid)
        mf_respond_error(req, 403, MSG_INVALID_KEY);
    else
        mf_respond_ok(req, "success", NULL);
}
