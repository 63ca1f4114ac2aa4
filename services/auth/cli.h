/*
 * Operator subcommands of auth-service (each applies pending migrations first):
 *   migrate                                   apply migrations and exit
 *   seed-dev                                  dev API key + dev admin (idempotent)
 *   create-apikey [--comment C]               new API key, printed once on stdout
 *   disable-apikey KEY                        disable a key (and drop it from the cache)
 *   create-admin --email E --password P --name N
 * Production keys and admins are made here, never silently at start. Each command goes
 * through the same operations (ops.h) as the HTTP API, so seed-dev and create-admin publish
 * user.created and announce role changes like a sign-up or a role grant do, when NATS is
 * reachable; when it is not, they still succeed and log what was not sent.
 */
#ifndef AUTH_CLI_H
#define AUTH_CLI_H

#include <stdbool.h>

#include "auth.h"

#define AUTH_DEV_API_KEY        "1D3F2DD1A5DE725DD4DF1D82BBB37"
#define AUTH_DEV_ADMIN_EMAIL    "admin@afteracademy.com"
#define AUTH_DEV_ADMIN_PASSWORD "changeit"
#define AUTH_DEV_ADMIN_NAME     "Admin"

/* true when the subcommand announces what it changes, so it wants ctx->nats. */
bool auth_cli_announces(const char *name);
/* Runs argv[1] with ctx (db opened; cache and nats may be NULL). Returns the process exit
 * status: 0 ok, 1 failure, 2 usage error. */
int auth_cli_run(auth_ctx *ctx, int argc, char **argv);

#endif
