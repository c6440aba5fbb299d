/*
 * vmconform guest library: number parsing and abort (lib/stdlib.c).
 * strto* follow C: leading white space, optional sign, base 0 (0x / 0
 * prefixes) or 2..36, *endptr after the last digit used (or nptr when no
 * digits), and out-of-range values clamped to the type's limits.  There is
 * no errno: an out-of-range result is only recognisable by the clamp.
 */
#ifndef VMC_STDLIB_H
#define VMC_STDLIB_H

#include <stddef.h>

unsigned long strtoul(const char *nptr, char **endptr, int base);
long strtol(const char *nptr, char **endptr, int base);
unsigned long long strtoull(const char *nptr, char **endptr, int base);
long long strtoll(const char *nptr, char **endptr, int base);
int atoi(const char *s);
long atol(const char *s);

/* print an "ABORT" line and exit(VMC_STATUS_ERROR) */
void abort(void) __attribute__((noreturn));
/* provided by the arch (also declared in vmc.h) */
void exit(int status) __attribute__((noreturn));

#endif
