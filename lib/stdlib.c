/*
 * vmconform guest library: strto* / ato* and abort().
 *
 * One parser produces the magnitude, the sign and whether the magnitude
 * overflowed unsigned long long; each function then clamps like C:
 * strtoul/strtoull negate an in-range magnitude for "-", strtol/strtoll
 * clamp to [MIN, MAX].
 */
#include <stdbool.h>

#include "vmc.h"

/*
 * gcc's <limits.h> does #include_next, which fails under -nostdinc; the
 * compiler's predefined macros give the same values.
 */
#define LONG_MAX	__LONG_MAX__
#define LONG_MIN	(-LONG_MAX - 1)
#define ULONG_MAX	(LONG_MAX * 2UL + 1)
#define LLONG_MAX	__LONG_LONG_MAX__
#define LLONG_MIN	(-LLONG_MAX - 1)
#define ULLONG_MAX	(LLONG_MAX * 2ULL + 1)

static int digit_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 36;
}

/*
 * Parse nptr: white space, sign, prefix, digits.  Returns the magnitude and
 * sets *over when it exceeds lim (the largest magnitude the caller can
 * represent); digits are consumed either way.
 */
static unsigned long long parse(const char *nptr, char **endptr, int base,
				unsigned long long lim, bool *neg, bool *over)
{
	const char *s = nptr;
	unsigned long long v = 0;
	bool any = false;
	int d;

	*neg = false;
	*over = false;
	if (base < 0 || base == 1 || base > 36) {
		if (endptr)
			*endptr = (char *)nptr;
		return 0;
	}
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '+' || *s == '-')
		*neg = *s++ == '-';
	/* "0x" is a prefix only when a hex digit follows it */
	if ((base == 0 || base == 16) && s[0] == '0' &&
	    (s[1] == 'x' || s[1] == 'X') && digit_value(s[2]) < 16) {
		s += 2;
		base = 16;
	} else if (base == 0) {
		base = s[0] == '0' ? 8 : 10;
	}
	for (; (d = digit_value((unsigned char)*s)) < base; s++) {
		any = true;
		if (*over)
			continue;
		if (v > (lim - d) / base)
			*over = true;
		else
			v = v * base + d;
	}
	if (endptr)
		*endptr = (char *)(any ? s : nptr);
	return any ? v : 0;
}

unsigned long long strtoull(const char *nptr, char **endptr, int base)
{
	bool neg, over;
	unsigned long long v = parse(nptr, endptr, base, ULLONG_MAX, &neg, &over);

	if (over)
		return ULLONG_MAX;
	return neg ? -v : v;
}

unsigned long strtoul(const char *nptr, char **endptr, int base)
{
	bool neg, over;
	unsigned long long v = parse(nptr, endptr, base, ULONG_MAX, &neg, &over);

	if (over)
		return ULONG_MAX;
	return neg ? -(unsigned long)v : (unsigned long)v;
}

long long strtoll(const char *nptr, char **endptr, int base)
{
	bool neg, over;
	/* the magnitude of LLONG_MIN is LLONG_MAX + 1 */
	unsigned long long lim = (unsigned long long)LLONG_MAX + 1;
	unsigned long long v = parse(nptr, endptr, base, lim, &neg, &over);

	if (neg)
		return over || v == lim ? LLONG_MIN : -(long long)v;
	return over || v > LLONG_MAX ? LLONG_MAX : (long long)v;
}

long strtol(const char *nptr, char **endptr, int base)
{
	bool neg, over;
	unsigned long long lim = (unsigned long long)LONG_MAX + 1;
	unsigned long long v = parse(nptr, endptr, base, lim, &neg, &over);

	if (neg)
		return over || v == lim ? LONG_MIN : -(long)v;
	return over || v > LONG_MAX ? LONG_MAX : (long)v;
}

int atoi(const char *s)
{
	return (int)strtol(s, NULL, 10);
}

long atol(const char *s)
{
	return strtol(s, NULL, 10);
}

void abort(void)
{
	puts("ABORT: abort() called");
	exit(VMC_STATUS_ERROR);
}
