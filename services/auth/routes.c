#include "routes.h"

#include "handlers.h"

const mf_route auth_routes[] = {
    {"GET", "/verify/apikey", auth_handle_verify_apikey, 0},
    {"POST", "/signup/basic", auth_handle_signup, 0},
    {"POST", "/signin/basic", auth_handle_signin, 0},
    /* Not guarded: the access token may be expired; the handler checks it itself. */
    {"POST", "/token/refresh", auth_handle_refresh, 0},
    {"DELETE", "/signout", auth_handle_signout, AUTH_GUARD_BEARER},
    {"GET", "/profile/id/:id", auth_handle_profile_by_id, 0},
    {"GET", "/profile/mine", auth_handle_profile_mine, AUTH_GUARD_BEARER},
    {"PUT", "/profile/mine", auth_handle_profile_update, AUTH_GUARD_BEARER},
    {"PUT", "/roles/user/id/:id", auth_handle_roles_update, AUTH_GUARD_BEARER | AUTH_GUARD_ADMIN},
};
const size_t auth_routes_count = sizeof(auth_routes) / sizeof(auth_routes[0]);
