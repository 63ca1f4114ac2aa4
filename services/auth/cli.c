#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "micro/clock.h"
#include "micro/error.h"
#include "micro/valid.h"
#include "migrate.h"
#include "ops.h"
#include "password.h"

#define API_KEY_BYTES 24

static const char *const COMMANDS[] = {"migrate", "seed-dev", "create-apikey", "disable-apikey",
                                       "create-admin"};

static bool is_command(const char *name)
{
    for (size_t i = 0; name && i < sizeof(COMMANDS) / sizeof(COMMANDS[0]); i++)
        if (strcmp(name, COMMANDS[i]) == 0)
            return true;
    return false;
}

bool auth_cli_announces(const char *name)
{
    return name && (strcmp(name, "seed-dev") == 0 || strcmp(name, "create-admin") == 0);
}

/* Value of "--flag V" in argv, NULL when absent. */
static const char *flag(int argc, char **argv, const char *name)
{
    for (int i = 2; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return NULL;
}

static int cmd_seed_dev(auth_ctx *ctx)
{
    int rc = auth_op_apikey_create(ctx, AUTH_DEV_API_KEY, "dev seed");
    if (rc == 0)
        rc = auth_op_admin_ensure(ctx, AUTH_DEV_ADMIN_EMAIL, AUTH_DEV_ADMIN_PASSWORD,
                                  AUTH_DEV_ADMIN_NAME, true, NULL);
    if (rc != 0) {
        fprintf(stderr, "seed-dev failed: %s\n", mf_err_name(rc));
        return 1;
    }
    fprintf(stderr, "dev API key and admin %s are in place\n", AUTH_DEV_ADMIN_EMAIL);
    return 0;
}

static int cmd_create_apikey(auth_ctx *ctx, int argc, char **argv)
{
    char key[2 * API_KEY_BYTES + 1];
    if (mf_random_hex(API_KEY_BYTES, key, sizeof(key)) != 0)
        return 1;
    int rc = auth_op_apikey_create(ctx, key, flag(argc, argv, "--comment"));
    if (rc != 0) {
        fprintf(stderr, "create-apikey failed: %s\n", mf_err_name(rc));
        return 1;
    }
    /* The only time the key exists in clear: only its hash is stored. */
    printf("%s\n", key);
    return 0;
}

static int cmd_disable_apikey(auth_ctx *ctx, int argc, char **argv)
{
    if (argc < 3 || !*argv[2]) {
        fprintf(stderr, "usage: auth-service disable-apikey KEY\n");
        return 2;
    }
    int rc = auth_op_apikey_disable(ctx, argv[2]);
    if (rc != 0) {
        fprintf(stderr, "disable-apikey failed: %s\n",
                rc == MF_ERR_NOT_FOUND     ? "unknown key"
                : rc == MF_ERR_UNAVAILABLE ? "service unavailable (the key is disabled, but its "
                                             "cached verdict could not be retired: run it again)"
                                           : mf_err_name(rc));
        return 1;
    }
    return 0;
}

static int cmd_create_admin(auth_ctx *ctx, int argc, char **argv)
{
    const char *email = flag(argc, argv, "--email");
    const char *password = flag(argc, argv, "--password");
    const char *name = flag(argc, argv, "--name");
    mf_valid v;
    mf_valid_init(&v);
    mf_valid_check_str(&v, "email", email, MF_V_REQUIRED | MF_V_EMAIL, 0, 0);
    if (mf_valid_check_str(&v, "password", password, MF_V_REQUIRED, 6, 100))
        auth_password_valid_bytes(&v, password);
    mf_valid_check_str(&v, "name", name, MF_V_REQUIRED, 2, 200);
    if (!mf_valid_ok(&v)) {
        fprintf(stderr, "%s\nusage: auth-service create-admin --email E --password P --name N\n",
                mf_valid_message(&v));
        mf_valid_release(&v);
        return 2;
    }
    mf_valid_release(&v);
    int rc = auth_op_admin_ensure(ctx, email, password, name, false, NULL);
    if (rc != 0) {
        fprintf(stderr, "create-admin failed: %s\n",
                rc == MF_ERR_CONFLICT ? AUTH_MSG_ALREADY_REGISTERED : mf_err_name(rc));
        return 1;
    }
    fprintf(stderr, "admin created\n");
    return 0;
}

int auth_cli_run(auth_ctx *ctx, int argc, char **argv)
{
    const char *cmd = argv[1];
    if (!is_command(cmd)) {
        fprintf(stderr,
                "unknown command %s; commands: migrate, seed-dev, create-apikey,"
                " disable-apikey, create-admin\n",
                cmd);
        return 2;
    }
    int rc = auth_migrate_when_ready(ctx->db, (int)mf_config_int(ctx->cfg, "DB_WAIT_S") * 1000);
    if (rc != 0) {
        fprintf(stderr, "migrations failed: %s\n", mf_err_name(rc));
        return 1;
    }
    if (strcmp(cmd, "migrate") == 0)
        return 0;
    if (strcmp(cmd, "seed-dev") == 0)
        return cmd_seed_dev(ctx);
    if (strcmp(cmd, "create-apikey") == 0)
        return cmd_create_apikey(ctx, argc, argv);
    if (strcmp(cmd, "disable-apikey") == 0)
        return cmd_disable_apikey(ctx, argc, argv);
    return cmd_create_admin(ctx, argc, argv);
}
