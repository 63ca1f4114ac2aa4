/* base64url decoding (micro/base64url.h) as JWT segments use it: decoding is strict, so
 * whatever decodes must encode back to exactly the input (one encoding per value), and
 * encoding any bytes must decode back to them. The object decoder (JWT header and payload)
 * runs on the same input. */
#include <string.h>

#include "fuzz_support.h"
#include "micro/base64url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    size_t outlen = 0;
    unsigned char *dec = mf_b64url_decode(in, size, &outlen);
    if (dec) {
        FUZZ_CHECK(dec[outlen] == '\0');
        char *again = mf_b64url_encode(dec, outlen);
        FUZZ_CHECK(strlen(again) == size && memcmp(again, in, size) == 0);
        free(again);
        free(dec);
    }

    char *enc = mf_b64url_encode(data, size);
    size_t enclen = strlen(enc);
    FUZZ_CHECK(!memchr(enc, '=', enclen));
    dec = mf_b64url_decode(enc, enclen, &outlen);
    FUZZ_CHECK(dec && outlen == size && memcmp(dec, data, size) == 0);
    free(dec);
    free(enc);

    json_t *obj = mf_b64url_decode_object(in, size);
    FUZZ_CHECK(!obj || json_is_object(obj));
    json_decref(obj);
    return 0;
}
