/*
 * blog-service configuration table (environment, .env, defaults; see micro/config.h).
 */
#ifndef BLOG_CONFIG_H
#define BLOG_CONFIG_H

#include <stddef.h>

#include "micro/banned.h"
#include "micro/config.h"

extern const mf_cfg_opt blog_config_opts[];
extern const size_t blog_config_nopts;

#endif
