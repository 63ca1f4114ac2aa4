/*
 * A MongoDB-wire server of a test's own, started the way scripts/stack starts the stack's: mongod
 * when one is in PATH, else FerretDB on SQLite (ferretdb in PATH, else the one scripts/install-deps
 * builds into ${XDG_CACHE_HOME:-~/.cache}/cmicro/bin), with the same flags.
 */
#ifndef TH_MONGO_SERVER_H
#define TH_MONGO_SERVER_H

#include "harness.h"

/* Starts it on a free port in a temp dir; 0 once it accepts connections, -1 otherwise (nothing
 * left running). s->url is "mongodb://127.0.0.1:<port>"; stop with th_server_stop. */
int th_mongo_start(th_server *s);
/* The server alone, on port with its data and log in dir, not waited for; again with the same
 * dir and port after a stop it serves the same data. Its PID (stop it with th_stop), or -1. */
pid_t th_mongo_spawn(const char *dir, int port);
/* Whether th_mongo_start runs FerretDB (no mongod in PATH). */
bool th_mongo_is_ferretdb(void);

#endif
