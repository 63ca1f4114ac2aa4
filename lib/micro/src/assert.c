#include "micro/assert.h"

#include <stdio.h>
#include <stdlib.h>

void mf_assert_fail(const char *expr, const char *file, int line, const char *func)
{
    /* stderr directly: the logger may be what is broken */
    fprintf(stderr, "=== ASSERTION FAILED: %s (%s:%d, %s)\n", expr, file, line, func);
    fflush(stderr);
    abort();
}
