/*
 * vmc-harness: small host-side helpers shared by every harness file.
 *
 * TEST_ASSERT(cond, fmt, ...) checks a condition the harness itself relies
 * on (an ioctl that must work, an invariant).  On failure it prints the
 * expression, file:line, errno and the message, and ends the process with
 * HX_ERROR (4): a broken harness or host is an ERROR, never a PASS.
 */
#ifndef HARNESS_UTIL_H
#define HARNESS_UTIL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* process exit codes (COMMON contract; guest statuses come from status.h) */
#define HX_USAGE	2	/* usage error, bad option, bad ELF */
#define HX_ERROR	4	/* unhandled exit, shutdown, internal error */
#define HX_SKIP_NOKVM	77	/* /dev/kvm missing or not accessible */
#define HX_TIMEOUT	124	/* deadline passed / no progress */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void test_assert_fail(const char *expr, const char *file, int line, int err,
		      const char *fmt, ...)
	__attribute__((noreturn, format(printf, 5, 6)));

#define TEST_ASSERT(cond, fmt, ...) do {					\
	if (!(cond))								\
		test_assert_fail(#cond, __FILE__, __LINE__, errno,		\
				 fmt, ##__VA_ARGS__);				\
} while (0)

/* print "vmc-harness: <msg>" to stderr and exit with code */
void die(int code, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
/* print "vmc-harness: <msg>" to stderr */
void warnx_h(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void *xcalloc(size_t n, size_t size);
/* monotonic clock in nanoseconds */
uint64_t now_ns(void);
/* nonzero when a + b wraps around 64 bits */
static inline int add_overflows(uint64_t a, uint64_t b)
{
	return a + b < a;
}

extern int verbose;

#endif
