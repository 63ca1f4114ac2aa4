#include "password.h"

#include <crypt.h>
#include <stdlib.h>
#include <string.h>

#include "micro/alloc.h"
#include "micro/clock.h"

/* bcrypt (cost 10) of a random string nobody knows. */
static const char DEFAULT_DUMMY_HASH[] =
    "$2b$10$nJteiJbwZkvtltiy8IFWBuWdBs9kDqVFz2oEQUl7x02nCIeDhZe1e";
/* Written once at start, before any thread reads it. */
static char *dummy_hash;

char *auth_password_hash(const char *password, int cost)
{
    if (!password || strlen(password) > AUTH_PASSWORD_MAX_BYTES || cost < 4 || cost > 31)
        return NULL;
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    /* NULL random bytes: libxcrypt reads them from the OS CSPRNG. */
    if (!crypt_gensalt_rn("$2b$", (unsigned long)cost, NULL, 0, salt, sizeof(salt)))
        return NULL;
    struct crypt_data *cd = mf_calloc(1, sizeof(*cd));
    char *out = crypt_rn(password, salt, cd, sizeof(*cd));
    char *res = (out && out[0] != '*') ? mf_strdup(out) : NULL;
    explicit_bzero(cd, sizeof(*cd));
    free(cd);
    return res;
}

static bool is_bcrypt(const char *hash)
{
    return strncmp(hash, "$2a$", 4) == 0 || strncmp(hash, "$2b$", 4) == 0 ||
           strncmp(hash, "$2y$", 4) == 0;
}

bool auth_password_verify(const char *password, const char *hash)
{
    if (!password || !hash || !is_bcrypt(hash) || strlen(password) > AUTH_PASSWORD_MAX_BYTES)
        return false;
    struct crypt_data *cd = mf_calloc(1, sizeof(*cd));
    char *out = crypt_rn(password, hash, cd, sizeof(*cd));
    size_t n = strlen(hash);
    bool ok = out && out[0] != '*' && strlen(out) == n && mf_secure_equal(out, hash, n);
    explicit_bzero(cd, sizeof(*cd));
    free(cd);
    return ok;
}

void auth_password_set_dummy_cost(int cost)
{
    char secret[33];
    if (mf_random_hex(16, secret, sizeof(secret)) != 0)
        return;
    char *h = auth_password_hash(secret, cost);
    if (h) {
        free(dummy_hash);
        dummy_hash = h;
    }
}

bool auth_password_verify_dummy(const char *password)
{
    auth_password_verify(password ? password : "", dummy_hash ? dummy_hash : DEFAULT_DUMMY_HASH);
    return false;
}

bool auth_password_valid_bytes(mf_valid *v, const char *password)
{
    if (password && strlen(password) > AUTH_PASSWORD_MAX_BYTES) {
        mf_valid_fail(v, "password must be at most %d bytes", AUTH_PASSWORD_MAX_BYTES);
        return false;
    }
    return true;
}
