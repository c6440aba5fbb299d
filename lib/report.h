/*
 * vmconform guest library: check reporting (lib/report.c).
 *
 * Each check prints one line, "<KIND>: <prefix: >message", where KIND is
 * PASS, FAIL, SKIP, XFAIL or XPASS; report_info prints "INFO: ...".  A
 * message says what should hold; a SKIP message says what would let the
 * check run.  report_summary() prints
 *	SUMMARY: N tests, F failed, S skipped, X expected failures
 * (XPASS lines count as failed) and returns VMC_STATUS_FAIL if F > 0,
 * VMC_STATUS_SKIP if every check skipped or none ran, else VMC_STATUS_PASS.
 * The state is shared by all CPUs and protected by a spinlock.
 */
#ifndef VMC_REPORT_H
#define VMC_REPORT_H

#include <stdbool.h>

#define VMC_PRINTF(f, a) __attribute__((format(__printf__, f, a)))

/* one check: PASS if pass, else FAIL; returns pass */
bool report(bool pass, const char *fmt, ...) VMC_PRINTF(2, 3);
void report_pass(const char *fmt, ...) VMC_PRINTF(1, 2);
void report_fail(const char *fmt, ...) VMC_PRINTF(1, 2);
void report_skip(const char *fmt, ...) VMC_PRINTF(1, 2);
void report_info(const char *fmt, ...) VMC_PRINTF(1, 2);
/*
 * xfail: a failure is expected (e.g. a known bug on this configuration).
 * xfail && !pass -> XFAIL (counted as expected failure)
 * xfail && pass  -> XPASS (counted as a failure: the expectation is stale)
 * !xfail         -> like report(pass, ...).  Returns pass.
 */
bool report_xfail(bool xfail, bool pass, const char *fmt, ...) VMC_PRINTF(3, 4);
/* prefixes nest; they are joined with ": " in front of the message */
void report_prefix_push(const char *prefix);
void report_prefix_pop(void);
/* the test itself is broken: print "ABORT: ..." and exit(VMC_STATUS_ERROR) */
void report_abort(const char *fmt, ...) VMC_PRINTF(1, 2) __attribute__((noreturn));
/* print the SUMMARY line and return the VMC_STATUS_* for main() */
int report_summary(void);

#endif
