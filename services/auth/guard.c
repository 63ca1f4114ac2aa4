/* The auth routes' guard (handlers.h): Bearer authentication through auth_op_authenticate,
 * then the route's roles. */
#include <stdlib.h>

#include "contract.h"
#include "handlers.h"
#include "micro/alloc.h"
#include "ops.h"

static void principal_free(void *p)
{
    auth_principal *pr = p;
    auth_user_free(pr->user);
    free(pr);
}

/* Any one of the route's role bits is enough. */
static bool has_route_role(const auth_user *u, unsigned guard)
{
    const char *codes[CMICRO_NROLES];
    size_t n = 0;
    for (int i = 0; i < CMICRO_NROLES; i++)
        if (guard & (AUTH_GUARD_LEARNER << i))
            codes[n++] = auth_role_codes[i];
    return auth_user_has_any_role(u, codes, n);
}

bool auth_guard(mf_req *req, unsigned guard)
{
    if (!(guard & AUTH_GUARD_BEARER))
        return true;
    auth_principal *pr = mf_calloc(1, sizeof(*pr));
    const char *msg = NULL;
    int rc = auth_op_authenticate(mf_req_app(req), mf_req_header(req, "Authorization"), &pr->user,
                                  &pr->claims, &msg);
    if (!auth_req_op_ok(req, rc, msg, "authentication")) {
        free(pr);
        return false;
    }
    mf_req_set_user(req, pr, principal_free);
    unsigned roles = guard & ~(unsigned)AUTH_GUARD_BEARER;
    if (roles && !has_route_role(pr->user, roles)) {
        mf_respond_error(req, 403, CMICRO_MSG_ROLE_INSUFFICIENT);
        return false;
    }
    return true;
}

auth_principal *auth_req_principal(mf_req *req)
{
    return mf_req_user(req);
}
