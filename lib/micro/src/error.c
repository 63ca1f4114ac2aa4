#include "micro/error.h"

const char *mf_err_name(int err)
{
    switch (err) {
    case MF_OK:
        return "ok";
    case MF_ERR_NOT_FOUND:
        return "not found";
    case MF_ERR_CONFLICT:
        return "conflict";
    case MF_ERR_TIMEOUT:
        return "timeout";
    case MF_ERR_NO_RESPONDERS:
        return "no responders";
    case MF_ERR_UNAVAILABLE:
        return "unavailable";
    case MF_ERR_INVALID:
        return "invalid";
    case MF_ERR_REMOTE:
        return "remote error";
    case MF_ERR_STATE:
        return "wrong state";
    case MF_ERR_LIMITED:
        return "rate limited";
    case MF_ERR_OPEN:
        return "breaker open";
    default:
        return "error";
    }
}
