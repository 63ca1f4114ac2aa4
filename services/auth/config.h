/*
 * auth-service configuration: the option table (name, type, default, bounds, help) read once
 * at start by mf_config. Every tunable of the service is a row here.
 */
#ifndef AUTH_CONFIG_H
#define AUTH_CONFIG_H

#include <stddef.h>

#include "micro/config.h"

extern const mf_cfg_opt auth_config_opts[];
extern const size_t auth_config_nopts;

/* Environment + .env, exits 2 on a bad value, 0 after --help. Free with mf_config_free. */
mf_config *auth_config_load(int argc, char **argv);

#endif
