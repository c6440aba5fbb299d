/*
 * The arch-neutral part of every arch's selftest (x86/selftest.c,
 * s390x/selftest.c, ...): the printf family against a table of formats whose
 * expected output is written out here, and how the loader's command line
 * reaches main().  Kept in one place so every port checks the same things.
 * The report API itself (lines, counts, return values, XFAIL/XPASS) is
 * checked on the host by tests/libc/report_test.c: a guest check of
 * report()'s own return value could not fail on any host.
 */
#include "vmc.h"
#include "argv.h"
#include "selftest-common.h"

/* ---- printf ---- */

static char buf[128];

static void check_fmt(const char *expect, const char *call, int ret)
{
	report(ret == (int)strlen(expect) && !strcmp(buf, expect),
	       "snprintf(%s) gives \"%s\" and returns %d (got \"%s\", %d)",
	       call, expect, (int)strlen(expect), buf, ret);
}

#define FMT(expect, ...)						\
	do {								\
		memset(buf, 'Z', sizeof(buf));				\
		check_fmt(expect, #__VA_ARGS__,				\
			  snprintf(buf, sizeof(buf), __VA_ARGS__));	\
	} while (0)

void selftest_printf(void)
{
	const char *volatile null_str = NULL;
	int r;

	report_prefix_push("printf");
	FMT("0", "%d", 0);
	FMT("-42", "%d", -42);
	FMT("123", "%i", 123);
	FMT("-2147483648", "%d", (int)0x80000000);
	FMT("4294967295", "%u", 4294967295u);
	FMT("beef", "%x", 0xbeef);
	FMT("BEEF", "%X", 0xbeef);
	FMT("777", "%o", 0777);
	FMT("A", "%c", 'A');
	FMT("hi there", "%s", "hi there");
	FMT("(null)", "%s", null_str);
	FMT("100%", "%d%%", 100);
	FMT("-9223372036854775808", "%ld", (long)(-0x7fffffffffffffffL - 1));
	FMT("18446744073709551615", "%lu", ~0ul);
	FMT("ffffffffffffffff", "%lx", ~0ul);
	FMT("123456789abcdef", "%llx", 0x123456789abcdefull);
	FMT("-1", "%lld", -1ll);
	FMT("12345", "%zu", (size_t)12345);
	FMT("3039", "%zx", (size_t)12345);
	FMT("-1", "%hhd", 255);
	FMT("-1", "%hd", 65535);
	FMT("   42", "%5d", 42);
	FMT("42   |", "%-5d|", 42);
	FMT("00042", "%05d", 42);
	FMT("-0042", "%05d", -42);
	FMT("007", "%.3d", 7);
	FMT("     007", "%8.3d", 7);
	FMT("", "%.0d", 0);
	FMT("ab", "%.2s", "abcdef");
	FMT("       abc", "%10s", "abc");
	FMT("abc       |", "%-10s|", "abc");
	FMT("0000dead", "%08x", 0xdead);
	FMT("0xff", "%#x", 255);
	FMT("010", "%#o", 8);
	FMT("+5 -5", "%+d %+d", 5, -5);
	FMT(" 5", "% d", 5);
	FMT("    42", "%*d", 6, 42);
	FMT("42    |", "%*d|", -6, 42);
	FMT("abc", "%.*s", 3, "abcdef");
	FMT("0x1234", "%p", (void *)0x1234);
	FMT("x=1 y=ffffffff z=s", "x=%d y=%x z=%s", 1, 0xffffffffu, "s");
	/* more arguments than fit in registers on any of our arches */
	FMT("a=1 b=2 c=3 d=4 e=5 f=6 g=7", "a=%d b=%ld c=%d d=%lld e=%d f=%u g=%d",
	    1, 2L, 3, 4LL, 5, 6u, 7);

	memset(buf, 'Z', sizeof(buf));
	r = snprintf(buf, 5, "%d", 123456789);
	report(r == 9 && !strcmp(buf, "1234"),
	       "snprintf truncated to 5 bytes stores \"1234\" and returns 9 (got \"%s\", %d)",
	       buf, r);
	memset(buf, 'Z', sizeof(buf));
	r = snprintf(buf, 1, "abc");
	report(r == 3 && buf[0] == '\0',
	       "snprintf with size 1 stores only the NUL and returns 3 (returned %d)", r);
	r = snprintf(NULL, 0, "%s-%d", "hello", 42);
	report(r == 8, "snprintf(NULL, 0, ...) returns the full length 8 (returned %d)", r);
	report_prefix_pop();
}

static bool ignored(const char *arg, const char *const *ignore)
{
	for (; ignore && *ignore; ignore++)
		if (!strcmp(arg, *ignore))
			return true;
	return false;
}

void selftest_args(int argc, char **argv, const char *const *ignore, long *mem_mib,
		   const char *cfg_args)
{
	static const char *const want[] = { "arg1", "arg2=x" };
	char *rest[8], *words[8], *probe[8];
	int nrest = 0, i, n;
	char joined[256] = "";

	report_prefix_push("argv");
	report(argv[argc] == NULL, "argv[argc] is NULL");
	report(!strcmp(argv[0], "selftest"),
	       "argv[0] is the test name \"selftest\" (got \"%s\")", argv[0]);

	for (i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "mem=", 4))
			*mem_mib = strtol(argv[i] + 4, NULL, 0);
		else if (ignored(argv[i], ignore))
			continue;
		else if (nrest < (int)ARRAY_SIZE(rest))
			rest[nrest++] = argv[i];
	}
	if (!nrest) {
		report_skip("argv[1..] match the cfg args (no arguments other than options: "
			    "set %s in its unittests.cfg section)", cfg_args);
	} else {
		report(nrest == 2 && !strcmp(rest[0], want[0]) && !strcmp(rest[1], want[1]),
		       "the arguments other than options are exactly \"arg1\" \"arg2=x\" "
		       "(got %d: \"%s\" \"%s\")", nrest, rest[0], nrest > 1 ? rest[1] : "");
	}

	/* argv[1..] rejoined with single blanks is the command line */
	for (i = 1; i < argc; i++) {
		if (i > 1)
			strcat(joined, " ");
		if (strlen(joined) + strlen(argv[i]) < sizeof(joined) - 1)
			strcat(joined, argv[i]);
	}
	report(!strcmp(joined, boot_cmdline()),
	       "boot_cmdline() \"%s\" is argv[1..] joined by blanks \"%s\"",
	       boot_cmdline(), joined);

	/*
	 * The splitter itself, on a known string.  It reuses one static store,
	 * so argv's strings are not used after this point.
	 */
	n = parse_cmdline("  a\tb  \"c d\"e  ", words, ARRAY_SIZE(words));
	report(n == 3 && !strcmp(words[0], "a") && !strcmp(words[1], "b") &&
	       !strcmp(words[2], "c de") && words[3] == NULL,
	       "parse_cmdline splits blanks/tabs and groups quotes into a, b, \"c de\" (got %d)", n);
	n = parse_cmdline("x y z", probe, 3);
	report(n == 2 && probe[2] == NULL,
	       "parse_cmdline stores at most max-1 words then NULL (got %d)", n);
	report_prefix_pop();
}
