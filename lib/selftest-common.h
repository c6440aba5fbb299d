/* checks shared by the arch selftests (lib/selftest-common.c) */
#ifndef VMC_SELFTEST_COMMON_H
#define VMC_SELFTEST_COMMON_H

/* printf/snprintf over a table of formats; truncation return values */
void selftest_printf(void);
/*
 * argv[argc] is NULL, argv[0] is "selftest", mem=<MiB> goes to *mem_mib, the
 * words in the NULL-terminated ignore list are options of the arch's test,
 * the rest must be "arg1 arg2=x" (skipped without any; the SKIP names cfg_args,
 * the unittests.cfg keys that pass them, e.g. "args = arg1 arg2=x"), and
 * boot_cmdline() is argv[1..] joined by blanks; parse_cmdline on known input.
 */
void selftest_args(int argc, char **argv, const char *const *ignore, long *mem_mib,
		   const char *cfg_args);

#endif
