/*
 * vmc-harness: small host-side helpers shared by every harness file.
 *
 * TEST_ASSERT(cond, fmt, ...) checks a condition the harness itself relies
 * on (an ioctl that must work, an invariant).  On failure it builds one
 * line, "harness assertion failed: EXPR at FILE:LINE: errno N (text): MSG",
 * and ends the run as ERROR (4): a broken harness or host is an ERROR,
 * never a PASS.
 *   - On a vCPU thread (test_assert_hook, set by vcpu.c) the run ends
 *     through the normal path: run_finish(HX_ERROR, line) (the reason line
 *     on stderr), this vCPU's register dump, then the thread leaves with
 *     pthread_exit() and main.c flushes the console and the exit log and
 *     exits 4.  pthread_exit() runs cleanup handlers only: code that holds a
 *     lock across something that can assert wraps it in
 *     pthread_cleanup_push(), or the other threads would block on it
 *     (channel.c does this for the channel lock).
 *   - Elsewhere it prints "ERROR: <line>" and exits with HX_ERROR.
 */
#ifndef HARNESS_UTIL_H
#define HARNESS_UTIL_H

#include <errno.h>
#include <pthread.h>
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

/*
 * Called with the assertion's line before the process would exit; when it
 * returns, the process exits.  vcpu.c's hook never returns on a vCPU
 * thread (it ends the run and the thread) and returns on any other.
 */
extern void (*test_assert_hook)(const char *line);

/* print "vmc-harness: <msg>" to stderr and exit with code */
void die(int code, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
/* print "vmc-harness: <msg>" to stderr */
void warnx_h(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void *xcalloc(size_t n, size_t size);
/* monotonic clock in nanoseconds */
uint64_t now_ns(void);
/*
 * pthread_cond_wait on c (m held) for at most ns nanoseconds, timed on
 * CLOCK_MONOTONIC: a stepped wall clock can neither stretch nor cut it.
 */
void cond_wait_ns(pthread_cond_t *c, pthread_mutex_t *m, uint64_t ns);
/* nonzero when a + b wraps around 64 bits */
static inline int add_overflows(uint64_t a, uint64_t b)
{
	return a + b < a;
}

extern int verbose;

#endif
