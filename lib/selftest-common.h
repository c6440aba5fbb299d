/* checks shared by the arch selftests (lib/selftest-common.c) */
#ifndef VMC_SELFTEST_COMMON_H
#define VMC_SELFTEST_COMMON_H

/* printf/snprintf over a table of formats; truncation return values */
void selftest_printf(void);
/* report() and report_xfail() return the pass value */
void selftest_report(void);

#endif
