/*
 * The read models (readmodel.h): memberships, the versioned apply and the reads. The
 * background worker and the rebuild are in readmodel_worker.c.
 *
 * Every apply is one Lua script, so a blog's sorted-set memberships, slug key and record
 * change together: a list read (also one script) sees a blog in a set only together with its
 * record. The old memberships are worked out in C from the record the models hold, and the
 * script applies only over that very version (else the caller reads again), so the script
 * needs no JSON.
 *
 * Similar lists: the candidates are the newest BLOG_RM_CANDIDATES published blogs that share a
 * tag or a keyword with the blog (the sets of its tags and keywords, each read only to that
 * depth, merged by publishedAt), ranked in C by similar.c: the rule of the MongoDB query it
 * replaces (store_list.c), at a cost that does not depend on how many blogs there are. A
 * keyword set keeps only its newest BLOG_RM_WORD_CAP blogs, which bounds its memory; a blog
 * unpublished from a full set is not replaced by an older one until the next rebuild.
 */
#include "readmodel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "micro/alloc.h"
#include "micro/cache_cmd.h"
#include "micro/error.h"
#include "micro/log.h"

#include "dto.h"
#include "similar.h"

#define ITEM_FMT    "blog:rm:it:%s"
#define APPLY_TRIES 8

/* KEYS[1] the record key. ARGV: expected current version (-1: none), id, new value
 * "<version> <json>", its TTL (0: none), then ops: R key (leave a sorted set), U key (drop a
 * string key that still names id), A key score (join a sorted set), C key score cap (join,
 * keep the newest cap: room is made before the join, so that the set never holds more than
 * cap, not even for a moment (the new one joins when it is newer than the cap-th newest; a
 * set from a larger cap before is cut to the newest cap): a sorted set that went over
 * zset-max-listpack-entries once stays a skiplist, three times the memory, in Redis 7.0), S key
 * (string key naming id). 1 applied, 0 a version as new or newer is there already, -1 the current
 * version is not the expected one (read again). */
static const char APPLY_LUA[] =
    "local cur = redis.call('GET', KEYS[1])\n"
    "local curv = -1\n"
    "if cur then curv = tonumber(string.match(cur, '^(%-?%d+) ')) or -1 end\n"
    "local newv = tonumber(string.match(ARGV[3], '^(%-?%d+) '))\n"
    "if curv >= newv then return 0 end\n"
    "if curv ~= tonumber(ARGV[1]) then return -1 end\n"
    "local id = ARGV[2]\n"
    "local i = 5\n"
    "while i <= #ARGV do\n"
    "  local op, k = ARGV[i], ARGV[i + 1]\n"
    "  if op == 'R' then redis.call('ZREM', k, id); i = i + 2\n"
    "  elseif op == 'U' then\n"
    "    if redis.call('GET', k) == id then redis.call('DEL', k) end\n"
    "    i = i + 2\n"
    "  elseif op == 'A' then redis.call('ZADD', k, ARGV[i + 2], id); i = i + 3\n"
    "  elseif op == 'C' then\n"
    "    local score, cap = tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])\n"
    "    local n = redis.call('ZCARD', k)\n"
    "    local join = true\n"
    "    if n >= cap and not redis.call('ZSCORE', k, id) then\n"
    "      local low = redis.call('ZRANGE', k, n - cap, n - cap, 'WITHSCORES')\n"
    "      local ls = tonumber(low[2])\n"
    "      if score < ls or (score == ls and id < low[1]) then join = false\n"
    "      else redis.call('ZREMRANGEBYRANK', k, 0, n - cap) end\n"
    "    end\n"
    "    if join then redis.call('ZADD', k, ARGV[i + 2], id) end\n"
    "    redis.call('ZREMRANGEBYRANK', k, 0, -(cap + 1))\n"
    "    i = i + 4\n"
    "  elseif op == 'S' then redis.call('SET', k, id); i = i + 2\n"
    "  else return redis.error_reply('readmodel: bad op') end\n"
    "end\n"
    "if tonumber(ARGV[4]) > 0 then redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[4])\n"
    "else redis.call('SET', KEYS[1], ARGV[3]) end\n"
    "return 1\n";

/* KEYS[1] ready, KEYS[2] the set. ARGV: offset, count, cursor id ('' none), the record field
 * the set is scored by. false when not ready, else the records of the page. */
static const char LIST_LUA[] =
    "if redis.call('EXISTS', KEYS[1]) == 0 then return false end\n"
    "local start = tonumber(ARGV[1])\n"
    "local after = ARGV[3]\n"
    "if after ~= '' then\n"
    "  local r = redis.call('ZREVRANK', KEYS[2], after)\n"
    "  if r then start = start + r + 1\n"
    "  else\n"
    /* the cursor blog left the list: count from where its score sorts */
    "    local it = redis.call('GET', 'blog:rm:it:' .. after)\n"
    "    if not it then return {} end\n"
    "    local s = cjson.decode(string.sub(it, string.find(it, ' ') + 1))[ARGV[4]]\n"
    "    if type(s) ~= 'number' then return {} end\n"
    "    local n = redis.call('ZCOUNT', KEYS[2], '(' .. s, '+inf')\n"
    "    for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], s, s)) do\n"
    "      if m > after then n = n + 1 end\n"
    "    end\n"
    "    start = start + n\n"
    "  end\n"
    "end\n"
    "local ids = redis.call('ZREVRANGE', KEYS[2], start, start + tonumber(ARGV[2]) - 1)\n"
    "if #ids == 0 then return {} end\n"
    "for i = 1, #ids do ids[i] = 'blog:rm:it:' .. ids[i] end\n"
    "return redis.call('MGET', unpack(ids))\n";

/* KEYS[1] ready, KEYS[2] a key. false when not ready, else {value or false}. */
static const char GET_LUA[] = "if redis.call('EXISTS', KEYS[1]) == 0 then return false end\n"
                              "return {redis.call('GET', KEYS[2])}\n";

/* KEYS[1] ready. ARGV: self id, how many, chunk, then the sets. The records of the newest
 * candidates (score desc, id desc), self left out: a merge of the sets (every member of all of
 * them is scored by publishedAt, so a blog in several has one score), each read a chunk at a
 * time as the merge consumes it, never past its first `how many` (self included, as before). The
 * answer is the newest `how many` of their union, what sorting every set's first `how many` gave
 * (the script before this one), at a fraction of the cost: Redis turns every element a script reads
 * into a Lua string, and a blog with 64 keywords has 67 sets. Measured at 10k blogs on a 36-set
 * blog: 13.7 ms of Redis CPU per call before, 1.7 ms with chunks of 8. */
static const char SIMILAR_LUA[] =
    "if redis.call('EXISTS', KEYS[1]) == 0 then return false end\n"
    "local want, chunk = tonumber(ARGV[2]), tonumber(ARGV[3])\n"
    "local sets, buf, pos, off, more, hs, hid = {}, {}, {}, {}, {}, {}, {}\n"
    "local function head(i)\n"
    "  local p = pos[i]\n"
    "  if p > #buf[i] and more[i] then\n"
    "    local stop = math.min(off[i] + chunk, want) - 1\n"
    "    local r = redis.call('ZREVRANGE', sets[i], off[i], stop, 'WITHSCORES')\n"
    "    buf[i], p = r, 1\n"
    "    more[i] = #r == 2 * (stop - off[i] + 1) and stop + 1 < want\n"
    "    off[i] = stop + 1\n"
    "  end\n"
    "  pos[i] = p\n"
    "  if p <= #buf[i] then hid[i], hs[i] = buf[i][p], tonumber(buf[i][p + 1])\n"
    "  else hid[i], hs[i] = nil, nil end\n"
    "end\n"
    "local n = 0\n"
    "for i = 4, #ARGV do\n"
    "  n = n + 1\n"
    "  sets[n], off[n], buf[n], pos[n], more[n] = ARGV[i], 0, {}, 1, true\n"
    "  head(n)\n"
    "end\n"
    "local seen = {[ARGV[1]] = true}\n"
    "local keys = {}\n"
    "while #keys < want do\n"
    "  local bi, bid, bs = nil, nil, nil\n"
    "  for i = 1, n do\n"
    "    local s = hs[i]\n"
    "    if s and (not bi or s > bs or (s == bs and hid[i] > bid)) then bi, bid, bs = i, hid[i], s "
    "end\n"
    "  end\n"
    "  if not bi then break end\n"
    "  pos[bi] = pos[bi] + 2\n"
    "  head(bi)\n"
    "  if not seen[bid] then\n"
    "    seen[bid] = true\n"
    "    keys[#keys + 1] = 'blog:rm:it:' .. bid\n"
    "  end\n"
    "end\n"
    "if #keys == 0 then return {} end\n"
    "return redis.call('MGET', unpack(keys))\n";

static const char *rec_str(const json_t *rec, const char *key)
{
    return json_string_value(json_object_get(rec, key));
}

static bool rec_true(const json_t *rec, const char *key)
{
    return json_is_true(json_object_get(rec, key));
}

static double rec_num(const json_t *rec, const char *key)
{
    json_t *v = json_object_get(rec, key);
    return json_is_number(v) ? json_number_value(v) : 0;
}

static bool live(const json_t *rec)
{
    return rec && rec_true(rec, "status");
}

/* ---- memberships ---- */

typedef struct {
    blog_rm_member *m;
    size_t n, cap;
} members;

static void add(members *ms, char *key, double score, int cap, bool is_str)
{
    if (ms->n == ms->cap) {
        ms->cap = ms->cap ? 2 * ms->cap : 16;
        ms->m = mf_realloc(ms->m, ms->cap * sizeof *ms->m);
    }
    ms->m[ms->n++] = (blog_rm_member){key, score, cap, is_str};
}

void blog_rm_members(const json_t *rec, blog_rm_member **out, size_t *n)
{
    members ms = {0};
    const char *author = rec_str(json_object_get(rec, "author"), "_id");
    if (live(rec) && author) {
        double pa = rec_num(rec, "publishedAt"), ua = rec_num(rec, "updatedAt");
        if (rec_true(rec, "published")) {
            add(&ms, mf_strdup("blog:rm:latest"), pa, 0, false);
            size_t i;
            json_t *t;
            json_array_foreach(json_object_get(rec, "tags"), i, t)
            {
                if (json_is_string(t))
                    add(&ms, mf_asprintf("blog:rm:tag:%s", json_string_value(t)), pa, 0, false);
            }
            json_t *words = blog_keywords(rec_str(rec, "title"), rec_str(rec, "description"));
            json_array_foreach(words, i, t)
                add(&ms, mf_asprintf("blog:rm:kw:%s", json_string_value(t)), pa, BLOG_RM_WORD_CAP,
                    false);
            json_decref(words);
            add(&ms, mf_strdup("blog:rm:ed:pub"), ua, 0, false);
            add(&ms, mf_asprintf("blog:rm:au:%s:pub", author), ua, 0, false);
            if (rec_str(rec, "slug"))
                add(&ms, mf_asprintf("blog:rm:slug:%s", rec_str(rec, "slug")), 0, 0, true);
        }
        if (rec_true(rec, "submitted")) {
            add(&ms, mf_strdup("blog:rm:ed:sub"), ua, 0, false);
            add(&ms, mf_asprintf("blog:rm:au:%s:sub", author), ua, 0, false);
        }
        if (rec_true(rec, "drafted"))
            add(&ms, mf_asprintf("blog:rm:au:%s:drafts", author), ua, 0, false);
    }
    *out = ms.m;
    *n = ms.n;
}

void blog_rm_members_free(blog_rm_member *m, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(m[i].key);
    free(m);
}

json_t *blog_rm_record(const json_t *rec)
{
    static const char *const keep[] = {
        "_id",         "title",     "description", "slug",      "imgUrl",    "score", "tags",
        "publishedAt", "updatedAt", "drafted",     "submitted", "published", "status"};
    json_t *o = json_object();
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
        json_t *v = json_object_get(rec, keep[i]);
        if (v)
            json_object_set(o, keep[i], v);
    }
    const char *author = rec_str(json_object_get(rec, "author"), "_id");
    if (author)
        json_object_set_new(o, "author", json_pack("{ss}", "_id", author));
    return o;
}

/* ---- apply ---- */

/* The record in a stored value "<version> <json>" (new reference), NULL when malformed. */
static json_t *parse_value(const char *v, size_t len, long long *version)
{
    const char *sp = memchr(v, ' ', len);
    if (!sp)
        return NULL;
    *version = strtoll(v, NULL, 10);
    return json_loadb(sp + 1, len - (size_t)(sp + 1 - v), 0, NULL);
}

static void mark_dirty(blog_ctx *ctx, const char *why)
{
    if (!atomic_exchange(&ctx->rm_dirty, true))
        mf_log_warn(NULL, "read models stale (%s): rebuilt when redis answers", why);
}

/* Growing argv of one EVAL. */
typedef struct {
    const char **v;
    size_t *len;
    size_t n, cap;
    char **owned; /* strings built here, freed with the args */
    size_t nowned;
} args;

static void arg(args *a, const char *s, size_t len)
{
    if (a->n == a->cap) {
        a->cap = a->cap ? 2 * a->cap : 32;
        a->v = mf_realloc(a->v, a->cap * sizeof *a->v);
        a->len = mf_realloc(a->len, a->cap * sizeof *a->len);
        a->owned = mf_realloc(a->owned, a->cap * sizeof *a->owned);
    }
    a->len[a->n] = len;
    a->v[a->n++] = s;
}

static void arg_str(args *a, const char *s)
{
    arg(a, s, strlen(s));
}

static void arg_own(args *a, char *s)
{
    arg(a, s, strlen(s));
    a->owned[a->nowned++] = s;
}

static void args_free(args *a)
{
    for (size_t i = 0; i < a->nowned; i++)
        free(a->owned[i]);
    free(a->owned);
    free(a->v);
    free(a->len);
}

/* One try: 1 applied or nothing to do, 0 read again, -1 Redis unusable. */
static int apply_once(blog_ctx *ctx, const char *item_key, const char *id, const json_t *rec,
                      long long version)
{
    size_t olen = 0;
    const char *gk[] = {item_key};
    char *vals[1];
    if (mf_cache_mget(ctx->cache, gk, 1, vals, &olen) != 0)
        return -1;
    char *old_value = vals[0];
    json_t *old = NULL;
    long long old_version = -1;
    if (old_value) {
        old = parse_value(old_value, olen, &old_version);
        free(old_value);
        if (!old)
            old_version = -1; /* unreadable: overwritten as if absent */
    }
    if (old && old_version >= version) {
        json_decref(old);
        return 1;
    }
    if (!old && !live(rec)) {
        return 1; /* a deleted blog the models never held */
    }
    args a = {0};
    arg_own(&a, mf_asprintf("%lld", old_version));
    arg_str(&a, id);
    json_t *kept = blog_rm_record(rec);
    char *json = json_dumps(kept, JSON_COMPACT);
    json_decref(kept);
    arg_own(&a, mf_asprintf("%lld %s", version, json ? json : "{}"));
    free(json);
    arg_own(&a, mf_asprintf("%d", live(rec) ? 0 : BLOG_RM_TOMB_TTL_S));
    blog_rm_member *om = NULL, *nm = NULL;
    size_t on = 0, nn = 0;
    blog_rm_members(old, &om, &on);
    blog_rm_members(rec, &nm, &nn);
    for (size_t i = 0; i < on; i++) {
        bool kept_same = false; /* a string key that stays is not dropped first */
        for (size_t j = 0; j < nn && om[i].is_str; j++)
            kept_same = kept_same || (nm[j].is_str && strcmp(nm[j].key, om[i].key) == 0);
        if (kept_same)
            continue;
        arg_str(&a, om[i].is_str ? "U" : "R");
        arg_str(&a, om[i].key);
    }
    for (size_t i = 0; i < nn; i++) {
        if (nm[i].is_str) {
            arg_str(&a, "S");
            arg_str(&a, nm[i].key);
            continue;
        }
        arg_str(&a, nm[i].cap > 0 ? "C" : "A");
        arg_str(&a, nm[i].key);
        arg_own(&a, mf_asprintf("%.0f", nm[i].score));
        if (nm[i].cap > 0)
            arg_own(&a, mf_asprintf("%d", nm[i].cap));
    }
    mf_reply *r = mf_cache_eval(ctx->cache, APPLY_LUA, 1, gk, a.n, a.v, a.len);
    blog_rm_members_free(om, on);
    blog_rm_members_free(nm, nn);
    args_free(&a);
    json_decref(old);
    int rc = -1;
    if (r && r->type == MF_REPLY_INT)
        rc = r->integer >= 0 ? 1 : 0;
    else if (r && r->type == MF_REPLY_ERROR)
        mf_log_error(NULL, "read model apply: %s", r->str);
    mf_reply_free(r);
    return rc;
}

void blog_rm_apply(blog_ctx *ctx, const json_t *rec)
{
    const char *id = rec_str(rec, "_id");
    json_t *v = json_object_get(rec, "updatedAt");
    if (!rec || !id || !json_is_integer(v))
        return;
    char *item_key = mf_asprintf(ITEM_FMT, id);
    int rc = 0;
    for (int i = 0; i < APPLY_TRIES && rc == 0; i++)
        rc = apply_once(ctx, item_key, id, rec, (long long)json_integer_value(v));
    free(item_key);
    if (rc != 1)
        mark_dirty(ctx, rc < 0 ? "redis unavailable" : "too many concurrent writes");
}

void blog_rm_suspect(blog_ctx *ctx, const char *id)
{
    const char *argv[] = {"SADD", BLOG_RM_SUSPECT_KEY, id};
    mf_reply *r = id ? mf_cache_command(ctx->cache, 3, argv, NULL) : NULL;
    if (!r || r->type == MF_REPLY_ERROR)
        mark_dirty(ctx, id ? "redis unavailable" : "a create may have been applied");
    mf_reply_free(r);
    blog_rm_kick(ctx);
}

/* ---- reads ---- */

/* The records in the values of a script's MGET (new array; missing or malformed skipped). */
static json_t *records(const mf_reply *r)
{
    json_t *out = json_array();
    for (size_t i = 0; r && i < r->n; i++) {
        const mf_reply *e = r->elem[i];
        long long v = 0;
        json_t *rec = e->type == MF_REPLY_STR ? parse_value(e->str, e->len, &v) : NULL;
        if (rec && live(rec))
            json_array_append_new(out, rec);
        else
            json_decref(rec);
    }
    return out;
}

/* The reply of a read script: -1 when it says "not ready" or Redis failed (kicks the worker
 * so the models get rebuilt), else 0 with *r kept. */
static int ready_reply(blog_ctx *ctx, mf_reply *r, mf_reply **out)
{
    if (!r || r->type != MF_REPLY_ARRAY) {
        if (r && r->type == MF_REPLY_ERROR)
            mf_log_error(NULL, "read model read: %s", r->str);
        mf_reply_free(r);
        blog_rm_kick(ctx);
        return -1;
    }
    *out = r;
    return 0;
}

static char *list_key(blog_list_kind kind, const char *arg, const char **score_field)
{
    *score_field = "updatedAt";
    switch (kind) {
    case BLOG_LIST_LATEST:
        *score_field = "publishedAt";
        return mf_strdup("blog:rm:latest");
    case BLOG_LIST_TAG:
        *score_field = "publishedAt";
        return mf_asprintf("blog:rm:tag:%s", arg);
    case BLOG_LIST_AUTHOR_DRAFTS:
        return mf_asprintf("blog:rm:au:%s:drafts", arg);
    case BLOG_LIST_AUTHOR_SUBMITTED:
        return mf_asprintf("blog:rm:au:%s:sub", arg);
    case BLOG_LIST_AUTHOR_PUBLISHED:
        return mf_asprintf("blog:rm:au:%s:pub", arg);
    case BLOG_LIST_EDITOR_SUBMITTED:
        return mf_strdup("blog:rm:ed:sub");
    case BLOG_LIST_EDITOR_PUBLISHED:
        return mf_strdup("blog:rm:ed:pub");
    }
    return NULL;
}

int blog_rm_list(blog_ctx *ctx, blog_list_kind kind, const char *arg, long page, long limit,
                 const char *after, json_t **recs)
{
    *recs = NULL;
    if (atomic_load(&ctx->rm_dirty))
        return MF_ERR_UNAVAILABLE;
    const char *field = NULL;
    char *key = list_key(kind, arg, &field);
    if (!key)
        return MF_ERR;
    const char *keys[] = {BLOG_RM_READY_KEY, key};
    char off[32], cnt[32];
    snprintf(off, sizeof off, "%ld", (page - 1) * limit);
    snprintf(cnt, sizeof cnt, "%ld", limit);
    const char *argv[] = {off, cnt, after ? after : "", field};
    mf_reply *r = NULL;
    int rc = ready_reply(ctx, mf_cache_eval(ctx->cache, LIST_LUA, 2, keys, 4, argv, NULL), &r);
    free(key);
    if (rc != 0)
        return MF_ERR_UNAVAILABLE;
    *recs = records(r);
    mf_reply_free(r);
    return 0;
}

int blog_rm_slug(blog_ctx *ctx, const char *slug, char **id)
{
    *id = NULL;
    if (atomic_load(&ctx->rm_dirty))
        return MF_ERR_UNAVAILABLE;
    char *key = mf_asprintf("blog:rm:slug:%s", slug);
    const char *keys[] = {BLOG_RM_READY_KEY, key};
    mf_reply *r = NULL;
    int rc = ready_reply(ctx, mf_cache_eval(ctx->cache, GET_LUA, 2, keys, 0, NULL, NULL), &r);
    free(key);
    if (rc != 0)
        return MF_ERR_UNAVAILABLE;
    const mf_reply *v = mf_reply_at(r, 0);
    if (v && v->type == MF_REPLY_STR)
        *id = mf_strdup(v->str);
    mf_reply_free(r);
    return *id ? 0 : MF_ERR_NOT_FOUND;
}

int blog_rm_similar_candidates(blog_ctx *ctx, const char *id, json_t **self, json_t **cands)
{
    *self = *cands = NULL;
    if (atomic_load(&ctx->rm_dirty))
        return MF_ERR_UNAVAILABLE;
    char *key = mf_asprintf(ITEM_FMT, id);
    const char *keys[] = {BLOG_RM_READY_KEY, key};
    mf_reply *r = NULL;
    int rc = ready_reply(ctx, mf_cache_eval(ctx->cache, GET_LUA, 2, keys, 0, NULL, NULL), &r);
    free(key);
    if (rc != 0)
        return MF_ERR_UNAVAILABLE;
    json_t *found = records(r);
    mf_reply_free(r);
    json_t *rec = json_array_get(found, 0);
    if (!rec || !rec_true(rec, "published")) {
        json_decref(found);
        return MF_ERR_NOT_FOUND;
    }
    json_incref(rec);
    json_decref(found);
    /* the sets its tags and keywords are in */
    blog_rm_member *m = NULL;
    size_t n = 0;
    blog_rm_members(rec, &m, &n);
    args a = {0};
    arg_str(&a, id);
    arg_own(&a, mf_asprintf("%d", BLOG_RM_CANDIDATES));
    arg_own(&a, mf_asprintf("%d", BLOG_RM_SIMILAR_CHUNK));
    for (size_t i = 0; i < n; i++)
        if (strncmp(m[i].key, "blog:rm:tag:", 12) == 0 || strncmp(m[i].key, "blog:rm:kw:", 11) == 0)
            arg_str(&a, m[i].key);
    const char *rk[] = {BLOG_RM_READY_KEY};
    rc = ready_reply(ctx, mf_cache_eval(ctx->cache, SIMILAR_LUA, 1, rk, a.n, a.v, a.len), &r);
    args_free(&a);
    blog_rm_members_free(m, n);
    if (rc != 0) {
        json_decref(rec);
        return MF_ERR_UNAVAILABLE;
    }
    *cands = records(r);
    mf_reply_free(r);
    *self = rec;
    return 0;
}
