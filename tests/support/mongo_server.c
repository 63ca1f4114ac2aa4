#include "mongo_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "micro/alloc.h"

#define MONGO_START_MS 30000

/* Full path of an executable named name in PATH, or NULL. Caller frees. */
static char *in_path(const char *name)
{
    const char *path = getenv("PATH");
    if (path == NULL)
        return NULL;
    char *copy = mf_strdup(path), *save = NULL;
    char *found = NULL;
    for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        char *p = mf_asprintf("%s/%s", d, name);
        if (access(p, X_OK) == 0)
            found = p;
        else
            free(p);
    }
    free(copy);
    return found;
}

bool th_mongo_is_ferretdb(void)
{
    char *mongod = in_path("mongod");
    free(mongod);
    return mongod == NULL;
}

/* The FerretDB binary scripts/stack would run. Caller frees. */
static char *ferretdb_path(void)
{
    char *bin = in_path("ferretdb");
    if (bin)
        return bin;
    const char *cache = getenv("XDG_CACHE_HOME");
    return cache ? mf_asprintf("%s/cmicro/bin/ferretdb", cache)
                 : mf_asprintf("%s/.cache/cmicro/bin/ferretdb", getenv("HOME"));
}

pid_t th_mongo_spawn(const char *dir, int port_number)
{
    char *log = mf_asprintf("%s/server.log", dir);
    char port[16];
    snprintf(port, sizeof port, "%d", port_number);
    pid_t pid;
    char *mongod = in_path("mongod");
    if (mongod) {
        const char *argv[] = {mongod,   "--dbpath", dir,       "--bind_ip", "127.0.0.1",
                              "--port", port,       "--quiet", NULL};
        pid = th_spawn(argv, log);
        free(mongod);
    } else {
        char *bin = ferretdb_path();
        char *url = mf_asprintf("--sqlite-url=file:%s/", dir);
        char *listen = mf_asprintf("--listen-addr=127.0.0.1:%d", port_number);
        char *state = mf_asprintf("--state-dir=%s", dir);
        char *debug = mf_asprintf("--debug-addr=127.0.0.1:%d", th_free_port());
        const char *argv[] = {bin,   "--handler=sqlite", url, listen, state, "--telemetry=disable",
                              debug, "--log-level=warn", NULL};
        pid = th_spawn(argv, log);
        free(debug);
        free(state);
        free(listen);
        free(url);
        free(bin);
    }
    free(log);
    return pid;
}

int th_mongo_start(th_server *s)
{
    memset(s, 0, sizeof *s);
    s->dir = th_tmpdir("mongo");
    s->port = th_free_port();
    snprintf(s->url, sizeof s->url, "mongodb://127.0.0.1:%d", s->port);
    s->pid = th_mongo_spawn(s->dir, s->port);
    if (s->pid <= 0 || th_wait_port(s->port, MONGO_START_MS) != 0) {
        th_server_stop(s);
        return -1;
    }
    return 0;
}
