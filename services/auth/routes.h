/*
 * The auth-service HTTP routes: one table row per endpoint of API.md section 3, with the
 * guard flags of handlers.h. GET /health is mounted by the server itself.
 */
#ifndef AUTH_ROUTES_H
#define AUTH_ROUTES_H

#include <stddef.h>

#include "micro/router.h"

extern const mf_route auth_routes[];
extern const size_t auth_routes_count;

#endif
