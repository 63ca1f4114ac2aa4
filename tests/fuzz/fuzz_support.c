#include "fuzz_support.h"

#include <string.h>

#include "micro/log.h"

void fuzz_quiet(void)
{
    mf_log_init("fuzz", MF_LOG_ERROR);
}

json_t *fuzz_json(const uint8_t *data, size_t size)
{
    json_error_t err;
    return json_loadb((const char *)data, size, JSON_DECODE_ANY, &err);
}

void fuzz_check_valid(mf_valid *v, bool ok)
{
    const char *msg = mf_valid_message(v);
    FUZZ_CHECK(msg != NULL);
    FUZZ_CHECK(ok == mf_valid_ok(v));
    FUZZ_CHECK(ok ? *msg == '\0' : *msg != '\0');
    /* json_string refuses invalid UTF-8: the 400 envelope would lose its message */
    json_t *s = json_string(msg);
    FUZZ_CHECK(s != NULL);
    json_decref(s);
    mf_valid_release(v);
}
