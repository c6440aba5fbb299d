/*
 * libc-compare, strtol group: lib/stdlib.c's strtol/strtoul/strtoll/
 * strtoull/atoi/atol against glibc on generated inputs (white space, signs,
 * 0x / 0 prefixes, digits valid and invalid for the base, runs long enough
 * to overflow, trailing junk) for bases 0 and 2..36, plus fixed edge inputs.
 * The value and the *endptr offset must match.  (glibc 2.36 has no 0b
 * prefix; neither do we.)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "vmc_api.h"

static const char digits36[] = "0123456789abcdefghijklmnopqrstuvwxyz";

static void gen(char *s, size_t cap, int base)
{
	static const char *const pre[] = { "", "", "0", "0x", "0X", "0x0", "00" };
	size_t n = 0;
	int b = base ? base : 16;

	for (int i = rnd_below(4) ? 0 : rnd_below(4); i > 0; i--)
		s[n++] = " \t\n\v\f\r"[rnd_below(6)];
	if (rnd_below(2))
		s[n++] = "+-"[rnd_below(2)];
	n += snprintf(s + n, cap - n, "%s", pre[rnd_below(7)]);
	/* 0..30 digits: 64-bit overflow needs ~20 decimal or 13 base-36 */
	for (int i = rnd_below(31); i > 0 && n < cap - 3; i--) {
		if (!rnd_below(4)) /* a digit of the largest value in base b */
			s[n++] = digits36[b - 1];
		else
			s[n++] = digits36[rnd_below(rnd_below(8) ? b : 36)];
		if (!rnd_below(3) && s[n - 1] >= 'a')
			s[n - 1] += 'A' - 'a';
	}
	if (rnd_below(2))
		s[n++] = "x z9-+ ."[rnd_below(8)];
	s[n] = '\0';
}

static void compare(struct group *g, const char *s, int base)
{
	char *e1, *e2, es[128];

#define CMP(FN, T, FMT)							\
	do {								\
		T a = vmc_##FN(s, &e1, base), b = FN(s, &e2, base);	\
		g->cases++;						\
		if (a != b || e1 != e2)					\
			mismatch(g, #FN "(\"%s\", %d): ours " FMT " end +%td, " \
				 "glibc " FMT " end +%td",		\
				 esc(s, strlen(s), es, sizeof(es)), base, \
				 a, e1 - s, b, e2 - s);			\
	} while (0)
	CMP(strtol, long, "%ld");
	CMP(strtoul, unsigned long, "%lu");
	CMP(strtoll, long long, "%lld");
	CMP(strtoull, unsigned long long, "%llu");
#undef CMP
	if (base == 10) {
		long a = vmc_atol(s), b = atol(s);
		int ia = vmc_atoi(s), ib = atoi(s);

		g->cases += 2;
		if (a != b || ia != ib)
			mismatch(g, "atol/atoi(\"%s\"): ours %ld/%d, glibc %ld/%d",
				 esc(s, strlen(s), es, sizeof(es)), a, ia, b, ib);
	}
}

bool test_strtol(unsigned long n)
{
	static const char *const edges[] = {
		"", " ", "-", "+", "+-1", "0", "-0", "0x", "0X", "0xg", "0x1",
		" -0x", " \t+0x7f", "08", "0778", "z", "Z", "zz", "-zz",
		"18446744073709551615", "18446744073709551616",
		"-18446744073709551615", "-18446744073709551616",
		"9223372036854775807", "9223372036854775808",
		"-9223372036854775808", "-9223372036854775809",
		"0xffffffffffffffff", "0x10000000000000000", "-0x8000000000000000",
		"777777777777777777777", "1777777777777777777777",
		"2000000000000000000000", "11111111111111111111111111111111111111111111111111111111111111111",
		"3w5e11264sgsf", "3w5e11264sgsg", "2147483648", "-2147483649",
		"99999999999999999999999999999", "  42abc", "\v\f\r\n42",
	};
	struct group g = { .name = "strtol" };
	char s[64];

	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		for (int base = 0; base <= 36; base++)
			if (base != 1)
				compare(&g, edges[i], base);
	for (unsigned long i = 0; i < n; i++) {
		int base = rnd_below(4) ? "\0\2\10\12\20\44"[rnd_below(6)] :
			   (int)rnd_below(36) + 1;

		if (base == 1)
			base = 0;
		gen(s, sizeof(s), base);
		compare(&g, s, base);
	}
	return group_done(&g, "glibc (value and endptr)");
}
