/*
 * Impossible cases abort with file and line (like redis's serverAssert) instead of degrading
 * silently: a broken invariant is a bug to fix, not a state to answer. Always on, NDEBUG or
 * not; never for anything a client, a peer or a dependency can cause.
 */
#ifndef MF_ASSERT_H
#define MF_ASSERT_H

#include "micro/banned.h"

_Noreturn void mf_assert_fail(const char *expr, const char *file, int line, const char *func);

#define mf_assert(expr) ((expr) ? (void)0 : mf_assert_fail(#expr, __FILE__, __LINE__, __func__))

#endif
