/*
 * Integration-test harness (see harness.h). Servers are children of the test process and
 * die with it (PR_SET_PDEATHSIG), so a crashed test leaves nothing running; a normal test
 * stops them by PID in its teardown.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "micro/alloc.h"
#include "micro/clock.h"
#include "micro/strbuf.h"

#define POLL_STEP_MS    20
#define SERVER_START_MS 15000
#define SERVER_STOP_MS  5000
#define KIND_FILE       "th-kind"

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

char *th_tmpdir(const char *prefix)
{
    const char *base = getenv("TMPDIR");
    if (base == NULL || *base == '\0')
        base = "/tmp";
    char *tmpl = mf_asprintf("%s/cmicro-%s-XXXXXX", base, prefix != NULL ? prefix : "test");
    if (mkdtemp(tmpl) == NULL) {
        fprintf(stderr, "th_tmpdir: mkdtemp %s: %s\n", tmpl, strerror(errno));
        free(tmpl);
        return NULL;
    }
    return tmpl;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    if (flag == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

void th_rmrf(const char *dir)
{
    /* Guard against an empty or root path turning a test bug into a disaster. */
    if (dir == NULL || dir[0] != '/' || strcmp(dir, "/") == 0 || strlen(dir) < 6)
        return;
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static struct sockaddr_in loopback(int port)
{
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons((uint16_t)port);
    return sa;
}

int th_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa = loopback(0);
    socklen_t len = sizeof(sa);
    int port = -1;
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

pid_t th_spawn(const char *const argv[], const char *log_path)
{
    /* The child reports an exec failure through a close-on-exec pipe: EOF means exec worked. */
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0)
        return -1;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        close(pfd[0]);
        close(pfd[1]);
        return -1;
    }
    if (pid == 0) {
        close(pfd[0]);
        /* Dies with the thread that forked it: a crashed test leaves no server behind. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        int in = open("/dev/null", O_RDONLY);
        int out =
            open(log_path != NULL ? log_path : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (in >= 0)
            dup2(in, 0);
        if (out >= 0) {
            dup2(out, 1);
            dup2(out, 2);
        }
        execvp(argv[0], (char *const *)argv);
        int err = errno;
        ssize_t w = write(pfd[1], &err, sizeof(err));
        (void)w;
        _exit(127);
    }
    close(pfd[1]);
    int err = 0;
    ssize_t r;
    do {
        r = read(pfd[0], &err, sizeof(err));
    } while (r < 0 && errno == EINTR);
    close(pfd[0]);
    if (r > 0) {
        fprintf(stderr, "th_spawn: cannot run %s: %s\n", argv[0], strerror(err));
        waitpid(pid, NULL, 0);
        return -1;
    }
    return pid;
}

static int exit_status(int st)
{
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return -1;
}

/* Reaps the child within timeout_ms: 1 with *st set, 0 when it is still running, -1 when it is
 * not (or no longer) our child. */
static int reap_within(pid_t pid, int timeout_ms, int step_ms, int *st)
{
    int64_t deadline = mf_mono_ms() + timeout_ms;
    for (;;) {
        pid_t w = waitpid(pid, st, WNOHANG);
        if (w == pid)
            return 1;
        if (w < 0 && errno != EINTR)
            return -1;
        if (mf_mono_ms() >= deadline)
            return 0;
        sleep_ms(step_ms);
    }
}

int th_stop(pid_t pid, int timeout_ms)
{
    if (pid <= 0)
        return -1;
    if (kill(pid, SIGTERM) != 0 && errno == ESRCH)
        return -1;
    int st = 0;
    int r = reap_within(pid, timeout_ms, 10, &st);
    if (r == 0) {
        kill(pid, SIGKILL);
        r = waitpid(pid, &st, 0) == pid ? 1 : -1;
    }
    return r == 1 ? exit_status(st) : -1;
}

int th_wait_exit(pid_t pid, int timeout_ms)
{
    if (pid <= 0)
        return -1;
    int st = 0;
    int r = reap_within(pid, timeout_ms, POLL_STEP_MS, &st);
    if (r == 0)
        th_stop(pid, SERVER_STOP_MS);
    return r == 1 ? exit_status(st) : -1;
}

int th_run(const char *const argv[], const char *log_path, int timeout_ms)
{
    pid_t pid = th_spawn(argv, log_path);
    return pid > 0 ? th_wait_exit(pid, timeout_ms) : -1;
}

int th_tcp_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa = loopback(port);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

static bool port_accepts(int port)
{
    int fd = th_tcp_connect(port);
    if (fd < 0)
        return false;
    close(fd);
    return true;
}

int th_wait_port(int port, int timeout_ms)
{
    int64_t deadline = mf_mono_ms() + timeout_ms;
    for (;;) {
        if (port_accepts(port))
            return 0;
        if (mf_mono_ms() >= deadline)
            return -1;
        sleep_ms(POLL_STEP_MS);
    }
}

bool th_poll(th_cond_fn cond, void *ctx, int timeout_ms)
{
    int64_t deadline = mf_mono_ms() + timeout_ms;
    for (;;) {
        bool ok = cond(ctx);
        if (ok || mf_mono_ms() >= deadline)
            return ok;
        sleep_ms(POLL_STEP_MS);
    }
}

/* ---- servers ------------------------------------------------------------------------------ */

typedef enum { KIND_UNKNOWN, KIND_REDIS, KIND_NATS } server_kind;

static void write_kind(const char *dir, server_kind kind)
{
    char *path = mf_asprintf("%s/%s", dir, KIND_FILE);
    FILE *f = fopen(path, "w");
    if (f != NULL) {
        fputs(kind == KIND_REDIS ? "redis\n" : "nats\n", f);
        fclose(f);
    }
    free(path);
}

static server_kind read_kind(const char *dir)
{
    char *path = mf_asprintf("%s/%s", dir, KIND_FILE);
    FILE *f = fopen(path, "r");
    free(path);
    if (f == NULL)
        return KIND_UNKNOWN;
    char buf[16] = "";
    server_kind kind = KIND_UNKNOWN;
    if (fgets(buf, sizeof(buf), f) != NULL)
        kind = strncmp(buf, "redis", 5) == 0 ? KIND_REDIS : KIND_NATS;
    fclose(f);
    return kind;
}

/* True when a PING on a raw socket gets +PONG (Redis answers, not only accepts). */
static bool redis_pong(void *ctx)
{
    int fd = th_tcp_connect(*(int *)ctx);
    if (fd < 0)
        return false;
    bool ok = false;
    if (write(fd, "PING\r\n", 6) == 6) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        char buf[64] = "";
        if (poll(&p, 1, 500) == 1 && read(fd, buf, sizeof(buf) - 1) > 0)
            ok = strncmp(buf, "+PONG", 5) == 0;
    }
    close(fd);
    return ok;
}

static int server_launch(th_server *s, server_kind kind, bool jetstream)
{
    char port[16];
    snprintf(port, sizeof(port), "%d", s->port);
    char *log = mf_asprintf("%s/server.log", s->dir);
    char *jsdir = mf_asprintf("%s/js", s->dir);
    pid_t pid;
    if (kind == KIND_REDIS) {
        const char *argv[] = {"redis-server", "--port",      port,     "--bind", "127.0.0.1",
                              "--dir",        s->dir,        "--save", "",       "--appendonly",
                              "no",           "--daemonize", "no",     NULL};
        pid = th_spawn(argv, log);
    } else if (jetstream) {
        const char *argv[] = {"nats-server", "-a",  "127.0.0.1", "-p", port,
                              "-js",         "-sd", jsdir,       NULL};
        pid = th_spawn(argv, log);
    } else {
        const char *argv[] = {"nats-server", "-a", "127.0.0.1", "-p", port, NULL};
        pid = th_spawn(argv, log);
    }
    free(jsdir);
    if (pid < 0) {
        free(log);
        return -1;
    }
    s->pid = pid;
    bool ready = kind == KIND_REDIS ? th_poll(redis_pong, &s->port, SERVER_START_MS)
                                    : th_wait_port(s->port, SERVER_START_MS) == 0;
    if (!ready) {
        fprintf(stderr, "harness: %s on port %d not ready; see %s\n",
                kind == KIND_REDIS ? "redis-server" : "nats-server", s->port, log);
        th_stop(s->pid, SERVER_STOP_MS);
        s->pid = 0;
        free(log);
        return -1;
    }
    free(log);
    return 0;
}

static int server_start(th_server *s, server_kind kind, bool jetstream)
{
    s->pid = 0;
    s->dir = th_tmpdir(kind == KIND_REDIS ? "redis" : "nats");
    if (s->dir == NULL)
        return -1;
    write_kind(s->dir, kind);
    /* Another process may grab the free port between our check and the server's bind: try
     * a few ports before giving up. */
    for (int attempt = 0; attempt < 3; attempt++) {
        s->port = th_free_port();
        snprintf(s->url, sizeof(s->url), "%s://127.0.0.1:%d", kind == KIND_REDIS ? "redis" : "nats",
                 s->port);
        if (s->port > 0 && server_launch(s, kind, jetstream) == 0)
            return 0;
    }
    th_rmrf(s->dir);
    free(s->dir);
    s->dir = NULL;
    return -1;
}

int th_redis_start(th_server *s)
{
    return server_start(s, KIND_REDIS, false);
}

int th_nats_start(th_server *s, bool jetstream)
{
    return server_start(s, KIND_NATS, jetstream);
}

int th_server_restart(th_server *s, bool jetstream)
{
    if (s == NULL || s->dir == NULL)
        return -1;
    if (s->pid > 0)
        th_server_kill(s);
    server_kind kind = read_kind(s->dir);
    if (kind == KIND_UNKNOWN)
        return -1;
    /* The old port may linger in TIME_WAIT for clients, never for a listener: rebinding is
     * fine, but give a just-stopped server a few tries. */
    for (int attempt = 0; attempt < 3; attempt++) {
        if (server_launch(s, kind, jetstream) == 0)
            return 0;
    }
    return -1;
}

void th_server_kill(th_server *s)
{
    if (s == NULL || s->pid <= 0)
        return;
    th_stop(s->pid, SERVER_STOP_MS);
    s->pid = 0;
}

void th_server_stop(th_server *s)
{
    if (s == NULL)
        return;
    th_server_kill(s);
    if (s->dir != NULL) {
        th_rmrf(s->dir);
        free(s->dir);
        s->dir = NULL;
    }
}

/* ---- files -------------------------------------------------------------------------------- */

char *th_read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    mf_strbuf sb;
    mf_strbuf_init(&sb);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        mf_strbuf_add(&sb, buf, n);
    fclose(f);
    char *text = mf_strbuf_detach(&sb, NULL);
    mf_strbuf_release(&sb);
    return text;
}

json_t *th_env_file_read(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    json_t *env = json_object();
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '#' || *p == '\0')
            continue;
        if (strncmp(p, "export ", 7) == 0)
            p += 7;
        char *eq = strchr(p, '=');
        if (eq == NULL)
            continue;
        *eq = '\0';
        char *val = eq + 1;
        size_t vlen = strlen(val);
        /* Accept shell-quoted values as written by a script. */
        if (vlen >= 2 && (val[0] == '"' || val[0] == '\'') && val[vlen - 1] == val[0]) {
            val[vlen - 1] = '\0';
            val++;
        }
        json_object_set_new(env, p, json_string(val));
    }
    free(line);
    fclose(f);
    return env;
}

char *th_env_file_value(const char *path, const char *name)
{
    json_t *env = th_env_file_read(path);
    const char *v = json_string_value(json_object_get(env, name));
    char *val = v != NULL ? mf_strdup(v) : NULL;
    json_decref(env);
    return val;
}

int th_count_lines(const char *path, const char *needle1, const char *needle2)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    char *line = NULL;
    size_t cap = 0;
    int n = 0;
    while (getline(&line, &cap, f) >= 0)
        if (strstr(line, needle1) != NULL && (needle2 == NULL || strstr(line, needle2) != NULL))
            n++;
    free(line);
    fclose(f);
    return n;
}

typedef struct {
    const char *path, *needle1, *needle2;
    int at_least;
} log_wait;

static bool log_has(void *ctx)
{
    log_wait *w = ctx;
    return th_count_lines(w->path, w->needle1, w->needle2) >= w->at_least;
}

bool th_wait_log(const char *path, const char *needle1, const char *needle2, int n, int timeout_ms)
{
    log_wait w = {path, needle1, needle2, n};
    return th_poll(log_has, &w, timeout_ms);
}

bool th_is_hex(const char *s, size_t len)
{
    if (s == NULL || strlen(s) != len)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

/* ---- stack -------------------------------------------------------------------------------- */

static pthread_mutex_t stack_mu = PTHREAD_MUTEX_INITIALIZER;
static json_t *stack_env; /* NAME -> value, read once */

static json_t *stack_load(char *err, size_t errsize)
{
    const char *path = getenv("CMICRO_STACK_ENV");
    if (path == NULL || *path == '\0') {
        snprintf(err, errsize,
                 "CMICRO_STACK_ENV is not set (run the test through ctest, "
                 "which starts the stack fixture)");
        return NULL;
    }
    json_t *env = th_env_file_read(path);
    if (env == NULL)
        snprintf(err, errsize, "cannot read stack env file %s: %s (is the stack running?)", path,
                 strerror(errno));
    return env;
}

const char *th_stack(const char *name)
{
    char err[512] = "";
    pthread_mutex_lock(&stack_mu);
    if (stack_env == NULL)
        stack_env = stack_load(err, sizeof(err));
    const char *val = NULL;
    if (stack_env != NULL) {
        val = json_string_value(json_object_get(stack_env, name));
        if (val == NULL)
            snprintf(err, sizeof(err), "%s is missing from the stack env file %s", name,
                     getenv("CMICRO_STACK_ENV"));
    }
    pthread_mutex_unlock(&stack_mu);
    if (val == NULL) {
        fail_msg("th_stack(%s): %s", name, err);
        abort(); /* fail_msg does not return inside a test; outside one, stop here */
    }
    return val;
}

char *th_stack_path(const char *rel)
{
    return mf_asprintf("%s/%s", th_stack("STACK_DIR"), rel);
}

/* ---- a stack of the test's own ------------------------------------------------------------ */

#define OWN_STACK_STOP_MS 120000

/* Runs scripts/stack with s->vars and args; its exit status, -1 when it could not run or did
 * not finish within timeout_ms. */
static int own_stack_script(const th_own_stack *s, const char *const *args, const char *log,
                            int timeout_ms)
{
    const char *src = getenv("CMICRO_SOURCE_DIR");
    const char *build = getenv("CMICRO_BUILD_DIR");
    if (src == NULL || build == NULL) {
        fprintf(stderr, "harness: CMICRO_SOURCE_DIR / CMICRO_BUILD_DIR not set\n");
        return -1;
    }
    char *script = mf_asprintf("%s/scripts/stack", src);
    char *build_env = mf_asprintf("CMICRO_BUILD_DIR=%s", build);
    /* env execs the script in place, so the script's parent (which its watchdog follows) is
     * this test process. */
    const char *argv[32] = {"env", build_env};
    size_t n = 2;
    for (size_t i = 0; s->vars != NULL && s->vars[i] != NULL && n < 20; i++)
        argv[n++] = s->vars[i];
    argv[n++] = script;
    for (size_t i = 0; args[i] != NULL && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    int rc = th_run(argv, log, timeout_ms);
    free(script);
    free(build_env);
    return rc;
}

static void own_stack_stop(th_own_stack *s)
{
    if (s->env_path == NULL)
        return;
    char *log = mf_asprintf("%s/stack-stop.log", s->dir);
    const char *args[] = {"stop", "--env-in", s->env_path, NULL};
    int rc = own_stack_script(s, args, log, OWN_STACK_STOP_MS);
    if (rc != 0)
        fprintf(stderr, "harness: stack stop exited %d; see %s\n", rc, log);
    free(log);
}

int th_own_stack_start(th_own_stack *s, const char *const *vars, int attempts, int timeout_ms)
{
    memset(s, 0, sizeof(*s));
    s->vars = vars;
    s->dir = th_tmpdir("own-stack");
    if (s->dir == NULL)
        return -1;
    s->env_path = mf_asprintf("%s/stack.env", s->dir);
    char *log = mf_asprintf("%s/stack-start.log", s->dir);
    const char *args[] = {"start", "--test", "--env-out", s->env_path, NULL};
    bool started = false;
    for (int attempt = 0; attempt < attempts && !started; attempt++) {
        int rc = own_stack_script(s, args, log, timeout_ms);
        started = rc == 0;
        if (!started) {
            fprintf(stderr, "harness: stack start attempt %d exited %d; see %s\n", attempt + 1, rc,
                    log);
            own_stack_stop(s); /* the script stops what it started; this catches the rest */
        }
    }
    free(log);
    if (started)
        s->env = th_env_file_read(s->env_path);
    if (started && s->env == NULL) {
        fprintf(stderr, "harness: cannot read %s\n", s->env_path);
        own_stack_stop(s);
        started = false;
    }
    return started ? 0 : -1;
}

const char *th_own_stack_get(const th_own_stack *s, const char *name)
{
    return json_string_value(json_object_get(s->env, name));
}

char *th_own_stack_path(const th_own_stack *s, const char *rel)
{
    const char *dir = th_own_stack_get(s, "STACK_DIR");
    return dir != NULL ? mf_asprintf("%s/%s", dir, rel) : NULL;
}

void th_own_stack_release(th_own_stack *s)
{
    if (s->env != NULL)
        own_stack_stop(s);
    json_decref(s->env);
    if (s->dir != NULL)
        th_rmrf(s->dir);
    free(s->dir);
    free(s->env_path);
    memset(s, 0, sizeof(*s));
}
