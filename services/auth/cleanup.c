#include "cleanup.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "micro/alloc.h"
#include "micro/error.h"
#include "micro/log.h"
#include "ops.h"

struct auth_cleanup {
    auth_ctx *ctx;
    int interval_s;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
};

static void *loop(void *arg)
{
    auth_cleanup *c = arg;
    pthread_mutex_lock(&c->mu);
    while (!c->stop) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += c->interval_s;
        while (!c->stop && pthread_cond_timedwait(&c->cv, &c->mu, &until) == 0) {
        }
        if (c->stop)
            break;
        pthread_mutex_unlock(&c->mu);
        long n = 0;
        int rc = auth_op_sessions_sweep(c->ctx, &n);
        if (rc != 0)
            mf_log_warn(NULL, "session cleanup failed: %s", mf_err_name(rc));
        else if (n > 0)
            mf_log_info(NULL, "session cleanup removed %ld expired sessions", n);
        pthread_mutex_lock(&c->mu);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

auth_cleanup *auth_cleanup_start(auth_ctx *ctx, int interval_s)
{
    auth_cleanup *c = mf_calloc(1, sizeof(*c));
    c->ctx = ctx;
    c->interval_s = interval_s > 0 ? interval_s : 1;
    pthread_mutex_init(&c->mu, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&c->cv, &attr);
    pthread_condattr_destroy(&attr);
    if (pthread_create(&c->thread, NULL, loop, c) != 0) {
        pthread_cond_destroy(&c->cv);
        pthread_mutex_destroy(&c->mu);
        free(c);
        return NULL;
    }
    return c;
}

void auth_cleanup_stop(auth_cleanup *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    c->stop = true;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
}
