/*
 * Unsafe string functions are banned at compile time (git's banned.h idea): any use
 * expands to an undeclared identifier naming the problem. The system headers are included
 * first so that their own declarations are not rewritten.
 */
#ifndef MF_BANNED_H
#define MF_BANNED_H

#include <stdio.h>
#include <string.h>

#define MF_BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) MF_BANNED(strcpy)
#undef strcat
#define strcat(x, y) MF_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) MF_BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) MF_BANNED(strncat)
#undef sprintf
#define sprintf(...) MF_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) MF_BANNED(vsprintf)
#undef gets
#define gets(x) MF_BANNED(gets)
#undef strtok
#define strtok(x, y) MF_BANNED(strtok)

#endif
