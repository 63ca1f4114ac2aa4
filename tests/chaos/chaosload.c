/*
 * The load generator of the fault suite (tests/chaos/run, docs/faults.md).
 *
 *   chaosload GATEWAY_PORT API_KEY THREADS MAX_SECONDS DIR
 *
 * Sets up one AUTHOR user with a published blog per thread, writes DIR/ready, then runs a paced
 * mixed load through the gateway (cached and uncached public reads, authenticated reads,
 * sign-ups, blog creates, comments, profile renames) until SIGTERM or MAX_SECONDS. Then it
 * reads the fault windows the driver wrote to DIR/faults.tsv ("name start end until" in ms
 * since the epoch, one line per fault), prints one table row per fault, checks every write
 * answered 200 (all of them), checks that every rename reached blog-service, and exits 1 when
 * an assertion failed (each one is printed as "FAIL: ...").
 */
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS        16
#define MAX_RECORDS        400000 /* per thread */
#define MAX_WRITES         40000  /* per thread */
#define RATE_PER_THR       40     /* requests per second per thread */
#define COMMENT_EVERY      7000   /* ms: blog-service allows 10 comments a minute per user */
#define RENAME_EVERY       1000   /* ms between renames of one user */
#define REQ_TIMEOUT_MS     15000
#define EVENT_DEADLINE     15000 /* ms for a rename to reach blog-service after the load ends */
#define OUTAGE_RECOVERY_MS 5000

enum fail { F_NONE = 0, F_CONN, F_BODY, F_5XX };
enum wkind { W_SIGNUP, W_BLOG, W_COMMENT };

typedef struct {
    int64_t t;    /* completion, ms since the epoch */
    short status; /* 0: no answer */
    char fail;    /* enum fail */
    char idem;    /* a GET */
    char svc;     /* 0: /auth, 1: /blog */
} rec;

typedef struct {
    char kind;
    char id[40];
} wrec;

typedef struct {
    int n;
    CURL *curl;
    char *uid, *token, *blog, *email;
    char name[64];         /* last name answered 200 */
    bool rename_ambiguous; /* a rename after it got no clear answer */
    int renames_ok;
    int64_t last_rename;
    rec *recs;
    size_t nrec;
    wrec *writes;
    size_t nw;
    uint64_t seq;
} worker;

static int g_port;
static const char *g_key;
static volatile sig_atomic_t g_stop;
static int64_t g_deadline;
static worker g_w[MAX_THREADS];
static int g_failed;
static bool g_check_events = true; /* CHAOS_CHECK_EVENTS=0: report lost events, do not fail */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("FAIL: ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    g_failed = 1;
}

typedef struct {
    char *p;
    size_t n;
} buf;

static size_t collect(char *d, size_t sz, size_t nm, void *ud)
{
    buf *b = ud;
    size_t k = sz * nm;
    if (b->n + k > 1 << 20)
        return 0;
    char *np = realloc(b->p, b->n + k + 1);
    if (!np)
        return 0;
    b->p = np;
    memcpy(b->p + b->n, d, k);
    b->n += k;
    b->p[b->n] = '\0';
    return k;
}

typedef struct {
    long status;
    json_t *json; /* the envelope, NULL when the body is not one */
    enum fail fail;
} answer;

static bool is_envelope(json_t *j, long status)
{
    if (!json_is_object(j))
        return false;
    const char *code = json_string_value(json_object_get(j, "code"));
    json_t *st = json_object_get(j, "status");
    if (!code || !json_is_integer(st) || json_integer_value(st) != status)
        return false;
    if (!json_is_string(json_object_get(j, "message")))
        return false;
    return strcmp(code, status < 400 ? "10000" : "10001") == 0;
}

/* One request through the gateway; recorded in w->recs when record is set. */
static answer call(worker *w, const char *method, const char *path, const char *body,
                   const char *token, bool record)
{
    answer a = {0};
    char url[512], key[128], authz[1200];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", g_port, path);
    snprintf(key, sizeof key, "x-api-key: %s", g_key);
    struct curl_slist *h = curl_slist_append(NULL, key);
    h = curl_slist_append(h, "Content-Type: application/json");
    if (token) {
        snprintf(authz, sizeof authz, "Authorization: Bearer %s", token);
        h = curl_slist_append(h, authz);
    }
    buf b = {0};
    CURL *c = w->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)REQ_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (body)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a.status);
        json_t *j = b.p ? json_loads(b.p, 0, NULL) : NULL;
        if (is_envelope(j, a.status)) {
            a.json = j;
        } else {
            json_decref(j);
            a.fail = F_BODY;
        }
        if (!a.fail && a.status >= 500 && a.status != 503)
            a.fail = F_5XX;
    } else {
        a.fail = F_CONN;
    }
    free(b.p);
    curl_slist_free_all(h);
    if (record && w->nrec < MAX_RECORDS)
        w->recs[w->nrec++] = (rec){now_ms(), (short)a.status, (char)a.fail,
                                   strcmp(method, "GET") == 0, strncmp(path, "/auth", 5) != 0};
    return a;
}

static const char *dstr(const answer *a, const char *k1, const char *k2)
{
    json_t *d = json_object_get(a->json, "data");
    if (k1)
        d = json_object_get(d, k1);
    return json_string_value(json_object_get(d, k2));
}

static void add_write(worker *w, enum wkind k, const char *id)
{
    if (id && w->nw < MAX_WRITES) {
        w->writes[w->nw].kind = (char)k;
        snprintf(w->writes[w->nw].id, sizeof w->writes[w->nw].id, "%s", id);
        w->nw++;
    }
}

/* Creates a blog of w's user; its id (heap) or NULL. */
static char *create_blog(worker *w, bool record)
{
    char body[512];
    unsigned long long s = (unsigned long long)now_ms() * 100 + (unsigned long long)w->n;
    snprintf(body, sizeof body,
             "{\"title\":\"Chaos %llu-%llu\",\"description\":\"Written under faults.\","
             "\"draftText\":\"Nothing to see.\",\"slug\":\"chaos-%d-%llu-%llu\","
             "\"imgUrl\":\"https://example.com/c.png\",\"tags\":[\"CHAOS\"]}",
             s, (unsigned long long)w->seq, w->n, s, (unsigned long long)w->seq);
    answer a = call(w, "POST", "/blog/author", body, w->token, record);
    char *id = NULL;
    if (a.status == 200 && dstr(&a, NULL, "_id"))
        id = strdup(dstr(&a, NULL, "_id"));
    json_decref(a.json);
    return id;
}

static bool expect_ok(worker *w, const char *method, const char *path, const char *body,
                      const char *token, answer *out)
{
    for (int i = 0; i < 5; i++) {
        answer a = call(w, method, path, body, token, false);
        if (a.status == 200) {
            if (out)
                *out = a;
            else
                json_decref(a.json);
            return true;
        }
        fprintf(stderr, "chaosload: setup %s %s: %ld\n", method, path, a.status);
        json_decref(a.json);
    }
    return false;
}

/* One AUTHOR user with a published blog for worker w. */
static bool setup_worker(worker *w, const char *admin_token)
{
    char body[512], path[256];
    snprintf(body, sizeof body,
             "{\"email\":\"chaos-%d-%lld@example.com\",\"password\":\"secret-pw-1\","
             "\"name\":\"Chaos %d\"}",
             w->n, (long long)now_ms(), w->n);
    answer a;
    if (!expect_ok(w, "POST", "/auth/signup/basic", body, NULL, &a))
        return false;
    w->uid = strdup(dstr(&a, "user", "id"));
    json_decref(a.json);
    snprintf(path, sizeof path, "/auth/roles/user/id/%s", w->uid);
    if (!expect_ok(w, "PUT", path, "{\"roles\":[\"LEARNER\",\"AUTHOR\"]}", admin_token, NULL))
        return false;
    /* The role change revoked nothing, but sign in again for a token with the new roles. */
    const char *email = strstr(body, "chaos-");
    char em[128];
    snprintf(em, sizeof em, "%.*s", (int)(strchr(email, '"') - email), email);
    w->email = strdup(em);
    snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"secret-pw-1\"}", em);
    if (!expect_ok(w, "POST", "/auth/signin/basic", body, NULL, &a))
        return false;
    w->token = strdup(dstr(&a, "tokens", "accessToken"));
    json_decref(a.json);
    snprintf(w->name, sizeof w->name, "Chaos %d", w->n);
    w->blog = create_blog(w, false);
    if (!w->blog)
        return false;
    snprintf(path, sizeof path, "/blog/author/submit/id/%s", w->blog);
    if (!expect_ok(w, "PUT", path, NULL, w->token, NULL))
        return false;
    snprintf(path, sizeof path, "/blog/editor/publish/id/%s", w->blog);
    return expect_ok(w, "PUT", path, NULL, admin_token, NULL);
}

static void one_op(worker *w, int64_t *last_comment)
{
    char path[256], body[512];
    answer a = {0};
    unsigned op = (unsigned)(w->seq++ % 20);
    switch (op) {
    case 0:
    case 10: /* cached public reads */
        a = call(w, "GET", "/blog/list/latest?page=1&limit=5", NULL, NULL, true);
        break;
    case 1:
    case 11:
    case 15:
        snprintf(path, sizeof path, "/blog/id/%s", w->blog);
        a = call(w, "GET", path, NULL, NULL, true);
        break;
    case 2:
    case 12: /* uncached public reads: a miss goes to MongoDB, a profile to PostgreSQL */
        snprintf(path, sizeof path, "/blog/slug/no-such-blog-%d-%llu", w->n,
                 (unsigned long long)w->seq);
        a = call(w, "GET", path, NULL, NULL, true);
        break;
    case 3:
    case 13:
        snprintf(path, sizeof path, "/auth/profile/id/%s", w->uid);
        a = call(w, "GET", path, NULL, NULL, true);
        break;
    case 4:
    case 14:
    case 16: /* authenticated reads */
        a = call(w, "GET", "/auth/profile/mine", NULL, w->token, true);
        break;
    case 5:
    case 17:
        a = call(w, "GET", "/blog/author/drafts?page=1&limit=5", NULL, w->token, true);
        break;
    case 6: /* sign-up */
        snprintf(body, sizeof body,
                 "{\"email\":\"load-%d-%llu-%lld@example.com\",\"password\":\"secret-pw-1\","
                 "\"name\":\"Load %d\"}",
                 w->n, (unsigned long long)w->seq, (long long)now_ms(), w->n);
        a = call(w, "POST", "/auth/signup/basic", body, NULL, true);
        if (a.status == 200)
            add_write(w, W_SIGNUP, dstr(&a, "user", "id"));
        break;
    case 7: { /* blog create */
        char *id = create_blog(w, true);
        add_write(w, W_BLOG, id);
        free(id);
        return;
    }
    case 8:
    case 18: { /* profile rename, at most one a second per user (docs/faults.md says why) */
        if (now_ms() - w->last_rename < RENAME_EVERY) {
            a = call(w, "GET", "/auth/profile/mine", NULL, w->token, true);
            break;
        }
        w->last_rename = now_ms();
        char name[64];
        snprintf(name, sizeof name, "Chaos %d r%llu", w->n, (unsigned long long)w->seq);
        snprintf(body, sizeof body, "{\"name\":\"%s\"}", name);
        a = call(w, "PUT", "/auth/profile/mine", body, w->token, true);
        if (a.status == 200) {
            memcpy(w->name, name, sizeof name);
            w->rename_ambiguous = false;
            w->renames_ok++;
        } else if (a.status == 0 || a.status >= 500) {
            w->rename_ambiguous = true;
        }
        break;
    }
    default: /* 9, 19: a comment when the per-user limit allows, else read them */
        snprintf(path, sizeof path, "/blog/comments/id/%s%s", w->blog,
                 now_ms() - *last_comment >= COMMENT_EVERY ? "" : "?page=1&limit=5");
        if (!strchr(path, '?')) {
            *last_comment = now_ms();
            a = call(w, "POST", path, "{\"text\":\"A comment under fire.\"}", w->token, true);
            if (a.status == 200)
                add_write(w, W_COMMENT, dstr(&a, NULL, "_id"));
        } else {
            a = call(w, "GET", path, NULL, NULL, true);
        }
        break;
    }
    json_decref(a.json);
}

static void *run_worker(void *arg)
{
    worker *w = arg;
    int64_t next = now_ms(), last_comment = 0;
    while (!g_stop && now_ms() < g_deadline) {
        one_op(w, &last_comment);
        next += 1000 / RATE_PER_THR;
        int64_t wait = next - now_ms();
        if (wait > 0) {
            struct timespec ts = {wait / 1000, (wait % 1000) * 1000000};
            nanosleep(&ts, NULL); /* pacing of the load, not synchronisation */
        } else if (wait < -1000) {
            next = now_ms(); /* fell behind (a slow answer): do not burst */
        }
    }
    return NULL;
}

/* ---- checks after the load --------------------------------------------------------------- */

static int cmp_rec(const void *a, const void *b)
{
    int64_t x = ((const rec *)a)->t, y = ((const rec *)b)->t;
    return (x > y) - (x < y);
}

typedef struct {
    char name[64];
    int64_t start, end, until;
} fault;

static void report(const char *dir, int nthreads)
{
    size_t total = 0;
    for (int i = 0; i < nthreads; i++)
        total += g_w[i].nrec;
    rec *all = malloc(total * sizeof *all + 1);
    size_t k = 0;
    for (int i = 0; i < nthreads; i++) {
        memcpy(all + k, g_w[i].recs, g_w[i].nrec * sizeof *all);
        k += g_w[i].nrec;
    }
    qsort(all, total, sizeof *all, cmp_rec);

    char path[512];
    snprintf(path, sizeof path, "%s/faults.tsv", dir);
    FILE *f = fopen(path, "r");
    printf(
        "| fault | requests | 2xx | 4xx | 503 | failures (conn/body/5xx) | failed GETs | longest "
        "window of 503s or failures | recovery after the fault ends |\n");
    printf("|---|---:|---:|---:|---:|---|---:|---:|---:|\n");
    fault ft;
    char line[256];
    size_t nonenv_total = 0;
    for (size_t i = 0; i < total; i++)
        nonenv_total += all[i].fail == F_BODY;
    while (f && fgets(line, sizeof line, f)) {
        long long s, e, u;
        if (sscanf(line, "%63s %lld %lld %lld", ft.name, &s, &e, &u) != 4)
            continue;
        ft.start = s, ft.end = e, ft.until = u;
        size_t n = 0, s2 = 0, s4 = 0, s503 = 0, fc = 0, fb = 0, f5 = 0, fget = 0;
        /* A window: from a failed answer of one service to the last of the failed answers of
         * that service that follow it without a good one between them. */
        int64_t win = 0, run_start[2] = {-1, -1}, last_bad = -1;
        for (size_t i = 0; i < total; i++) {
            rec *r = &all[i];
            if (r->t < ft.start || r->t > ft.until)
                continue;
            n++;
            bool bad = r->fail || r->status == 503;
            if (r->fail == F_CONN)
                fc++;
            else if (r->fail == F_BODY)
                fb++;
            else if (r->fail == F_5XX)
                f5++;
            if (r->fail && r->idem)
                fget++;
            if (!r->fail) {
                if (r->status == 503)
                    s503++;
                else if (r->status >= 400)
                    s4++;
                else if (r->status >= 200)
                    s2++;
            }
            int sv = r->svc;
            if (bad) {
                if (run_start[sv] < 0)
                    run_start[sv] = r->t;
                if (r->t - run_start[sv] > win)
                    win = r->t - run_start[sv];
                last_bad = r->t;
            } else {
                run_start[sv] = -1;
            }
        }
        int64_t recov = last_bad > ft.end ? last_bad - ft.end : 0;
        printf("| %s | %zu | %zu | %zu | %zu | %zu (%zu/%zu/%zu) | %zu | %.1f s | %.1f s |\n",
               ft.name, n, s2, s4, s503, fc + fb + f5, fc, fb, f5, fget, (double)win / 1000,
               (double)recov / 1000);
        fflush(stdout);
        bool kill = strncmp(ft.name, "kill", 4) == 0;
        if (fb)
            fail("%s: %zu answers were not a JSON envelope", ft.name, fb);
        if (kill && fget)
            fail("%s: %zu idempotent requests failed", ft.name, fget);
        if (!kill && fc + fb + f5)
            fail("%s: %zu failures other than 503 during an outage", ft.name, fc + fb + f5);
        if (!kill && recov > OUTAGE_RECOVERY_MS)
            fail("%s: answers still failing %.1f s after the dependency came back", ft.name,
                 (double)recov / 1000);
    }
    if (f)
        fclose(f);
    if (nonenv_total)
        fail("%zu answers in the whole run were not a JSON envelope", nonenv_total);
    printf("\nrequests in the whole run: %zu\n", total);
    free(all);
}

static void verify(int nthreads)
{
    size_t counts[3] = {0}, missing[3] = {0};
    const char *names[3] = {"sign-ups", "blog creates", "comments"};
    for (int i = 0; i < nthreads; i++) {
        worker *w = &g_w[i];
        char path[256];
        for (size_t j = 0; j < w->nw; j++) {
            wrec *x = &w->writes[j];
            counts[(int)x->kind]++;
            if (x->kind == W_COMMENT)
                continue;
            if (x->kind == W_SIGNUP)
                snprintf(path, sizeof path, "/auth/profile/id/%s", x->id);
            else
                snprintf(path, sizeof path, "/blog/author/id/%s", x->id);
            answer a = call(w, "GET", path, NULL, x->kind == W_BLOG ? w->token : NULL, false);
            if (a.status != 200) {
                missing[(int)x->kind]++;
                fprintf(stderr, "missing: GET %s: %ld\n", path, a.status);
            }
            json_decref(a.json);
        }
        /* Comments: every page of the blog's comments, each id answered 200 must be there. */
        size_t want = 0;
        for (size_t j = 0; j < w->nw; j++)
            want += w->writes[j].kind == W_COMMENT;
        if (want) {
            char *seen = calloc(w->nw, 1);
            for (int page = 1; page <= 200; page++) {
                snprintf(path, sizeof path, "/blog/comments/id/%s?page=%d&limit=50", w->blog, page);
                answer a = call(w, "GET", path, NULL, NULL, false);
                json_t *d = json_object_get(a.json, "data");
                size_t n = json_array_size(d);
                for (size_t m = 0; m < n; m++) {
                    const char *id =
                        json_string_value(json_object_get(json_array_get(d, m), "_id"));
                    for (size_t j = 0; id && j < w->nw; j++)
                        if (w->writes[j].kind == W_COMMENT && !strcmp(w->writes[j].id, id))
                            seen[j] = 1;
                }
                json_decref(a.json);
                if (n < 50)
                    break;
            }
            for (size_t j = 0; j < w->nw; j++)
                if (w->writes[j].kind == W_COMMENT && !seen[j]) {
                    missing[W_COMMENT]++;
                    fprintf(stderr, "missing: comment %s on blog %s\n", w->writes[j].id, w->blog);
                }
            free(seen);
        }
    }
    for (int k = 0; k < 3; k++) {
        printf("%s answered 200: %zu, missing afterwards: %zu\n", names[k], counts[k], missing[k]);
        if (missing[k])
            fail("%zu of %zu %s answered 200 are missing", missing[k], counts[k], names[k]);
    }

    /* Renames: auth has the last name answered 200 (or, after an unclear answer, whatever it
     * has), and blog-service shows auth's name on the user's blog within EVENT_DEADLINE. */
    int lost = 0, renames = 0;
    for (int i = 0; i < nthreads; i++) {
        worker *w = &g_w[i];
        renames += w->renames_ok;
        char path[256], want[64];
        snprintf(path, sizeof path, "/auth/profile/id/%s", w->uid);
        answer a = call(w, "GET", path, NULL, NULL, false);
        const char *nm = dstr(&a, NULL, "name");
        snprintf(want, sizeof want, "%s", nm ? nm : "");
        json_decref(a.json);
        if (!w->rename_ambiguous && strcmp(want, w->name) != 0) {
            fail("user %s: auth has name \"%s\", the last rename answered 200 was \"%s\"", w->uid,
                 want, w->name);
            continue;
        }
        snprintf(path, sizeof path, "/blog/id/%s", w->blog);
        int64_t deadline = now_ms() + EVENT_DEADLINE;
        char got[64] = "";
        for (int tries = 0; tries < 200; tries++) {
            a = call(w, "GET", path, NULL, NULL, false);
            json_t *an =
                json_object_get(json_object_get(json_object_get(a.json, "data"), "author"), "name");
            snprintf(got, sizeof got, "%s", json_string_value(an) ? json_string_value(an) : "");
            json_decref(a.json);
            if (!strcmp(got, want) || now_ms() > deadline)
                break;
            struct timespec ts = {0, 100 * 1000000};
            nanosleep(&ts, NULL); /* polling interval, with a deadline */
        }
        printf("user %s renames-ok %d\n", w->uid, w->renames_ok);
        if (strcmp(got, want) != 0) {
            lost++;
            printf("user %s: blog-service shows author \"%s\", auth has \"%s\" (%.0f s after the "
                   "load)\n",
                   w->uid, got, want, EVENT_DEADLINE / 1000.0);
        }
    }
    printf("profile renames answered 200: %d; users whose last rename never reached "
           "blog-service: %d of %d\n",
           renames, lost, nthreads);
    if (lost && g_check_events)
        fail("%d users' last renames had not reached blog-service %d s after the load", lost,
             EVENT_DEADLINE / 1000);
    else if (lost)
        printf("(not asserted here: CHAOS_CHECK_EVENTS=0)\n");
}

static void on_term(int sig)
{
    (void)sig;
    g_stop = 1;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: chaosload GATEWAY_PORT API_KEY THREADS MAX_SECONDS DIR\n");
        return 2;
    }
    g_port = atoi(argv[1]);
    g_key = argv[2];
    int nthreads = atoi(argv[3]);
    int max_s = atoi(argv[4]);
    const char *dir = argv[5];
    if (g_port <= 0 || nthreads < 1 || nthreads > MAX_THREADS || max_s < 1 || max_s > 3600)
        return 2;
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *ce = getenv("CHAOS_CHECK_EVENTS");
    g_check_events = !ce || strcmp(ce, "0") != 0;
    struct sigaction sa = {.sa_handler = on_term};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    curl_global_init(CURL_GLOBAL_ALL);

    worker admin = {.n = 99, .curl = curl_easy_init()};
    answer a;
    if (!expect_ok(&admin, "POST", "/auth/signin/basic",
                   "{\"email\":\"admin@afteracademy.com\",\"password\":\"changeit\"}", NULL, &a)) {
        fprintf(stderr, "chaosload: admin sign-in failed\n");
        return 1;
    }
    char *admin_token = strdup(dstr(&a, "tokens", "accessToken"));
    json_decref(a.json);
    for (int i = 0; i < nthreads; i++) {
        worker *w = &g_w[i];
        w->n = i;
        w->curl = curl_easy_init();
        w->recs = calloc(MAX_RECORDS, sizeof *w->recs);
        w->writes = calloc(MAX_WRITES, sizeof *w->writes);
        if (!w->curl || !w->recs || !w->writes || !setup_worker(w, admin_token)) {
            fprintf(stderr, "chaosload: setup of worker %d failed\n", i);
            return 1;
        }
    }
    char path[512];
    snprintf(path, sizeof path, "%s/ready", dir);
    FILE *rf = fopen(path, "w");
    if (!rf)
        return 1;
    fclose(rf);

    g_deadline = now_ms() + (int64_t)max_s * 1000;
    pthread_t th[MAX_THREADS];
    for (int i = 0; i < nthreads; i++)
        pthread_create(&th[i], NULL, run_worker, &g_w[i]);
    for (int i = 0; i < nthreads; i++)
        pthread_join(th[i], NULL);
    if (!g_stop)
        fprintf(stderr, "chaosload: stopped by its own deadline (%d s)\n", max_s);

    report(dir, nthreads);
    printf("\n");
    verify(nthreads);
    printf("%s\n", g_failed ? "RESULT: FAIL" : "RESULT: PASS");
    for (int i = 0; i < nthreads; i++) {
        curl_easy_cleanup(g_w[i].curl);
        free(g_w[i].recs);
        free(g_w[i].writes);
        free(g_w[i].uid);
        free(g_w[i].token);
        free(g_w[i].blog);
        free(g_w[i].email);
    }
    curl_easy_cleanup(admin.curl);
    free(admin_token);
    curl_global_cleanup();
    return g_failed;
}
