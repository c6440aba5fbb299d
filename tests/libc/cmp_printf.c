/*
 * libc-compare, printf group: lib/printf.c against glibc.  Each random case
 * is one conversion with random flags, width, precision (literal or '*'),
 * length modifier and a value of the matching type, between literal text,
 * formatted with random buffer sizes (0 with NULL, 1, cut, ample).  Return
 * value and every byte of the buffer (guard bytes included) must match, and
 * vmc_printf must put the same text on the console.  Only combinations C99
 * defines are generated ('#' with d/u/c/s/p, '0' with c/s/p, precision with
 * c/p are undefined), plus %p of NULL and %s of NULL, whose text C leaves to
 * the implementation, are checked against our documented output instead.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "vmc_api.h"

#define BUF 2400
#define GUARD 0xa5

enum vtype { T_INT, T_UINT, T_LONG, T_ULONG, T_LLONG, T_ULLONG, T_SIZE,
	     T_PTRDIFF, T_INTMAX, T_UINTMAX, T_STR, T_PTR, T_NONE };

/* 64 random bits, biased to the edges of signed and unsigned ranges */
static uint64_t edge_bits(void)
{
	static const uint64_t edges[] = {
		0, 1, 2, 7, 8, 9, 10, 15, 16, 0x7f, 0x80, 0xff, 0x100,
		0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff,
		0x100000000ULL, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
		~0ULL, ~0ULL - 1,
	};
	uint64_t v;

	switch (rnd_below(4)) {
	case 0:
		v = edges[rnd_below(sizeof(edges) / sizeof(edges[0]))];
		return rnd_below(2) ? v : -v;
	case 1:
		return rnd() >> rnd_below(64);
	default:
		return rnd();
	}
}

struct pcase {
	char fmt[96];
	enum vtype t;
	int stars;		/* bit 0: width '*', bit 1: precision '*' */
	int wstar, pstar;
	uint64_t v;
	char str[48];
};

static void gen(struct pcase *c)
{
	static const char convs[] = "diuxXocsp%";
	static const char *const mods[] = { "", "hh", "h", "l", "ll", "z", "t", "j" };
	char conv = convs[rnd_below(sizeof(convs) - 1)];
	bool integer = strchr("diuxXo", conv) != NULL;
	bool sgn = conv == 'd' || conv == 'i';
	char *f = c->fmt;
	int m = 0;

	memset(c, 0, sizeof(*c));
	for (int i = rnd_below(4); i > 0; i--)
		*f++ = ' ' + rnd_below(5) + (rnd_below(2) ? 'A' - ' ' : 0);
	*f++ = '%';
	if (conv == '%') {
		*f++ = '%';
		c->t = T_NONE;
		goto tail;
	}
	/* flags, any order, repeats allowed */
	for (int i = rnd_below(5); i > 0; i--) {
		char fl = "-0+ #"[rnd_below(5)];

		if (fl == '#' && !strchr("xXo", conv))
			continue;
		if (fl == '0' && !integer)
			continue;
		if ((fl == '+' || fl == ' ') && !integer)
			continue;
		*f++ = fl;
	}
	/* width: none, digits, big digits (crosses the printf flush), '*' */
	switch (rnd_below(5)) {
	case 1:
	case 2:
		f += sprintf(f, "%d", 1 + (int)rnd_below(40));
		break;
	case 3:
		if (!rnd_below(8))
			f += sprintf(f, "%d", 200 + (int)rnd_below(800));
		break;
	case 4:
		*f++ = '*';
		c->stars |= 1;
		c->wstar = (int)rnd_below(81) - 40;
		break;
	}
	/* precision: not for c and p */
	if (conv != 'c' && conv != 'p') {
		switch (rnd_below(5)) {
		case 1:
			*f++ = '.';
			break;
		case 2:
		case 3:
			f += sprintf(f, ".%d", (int)rnd_below(41));
			break;
		case 4:
			f += sprintf(f, ".*");
			c->stars |= 2;
			c->pstar = (int)rnd_below(46) - 5;
			break;
		}
	}
	if (integer) {
		m = rnd_below(8);
		f += sprintf(f, "%s", mods[m]);
	}
	*f++ = conv;
	c->v = edge_bits();
	if (integer) {
		static const enum vtype st[] = { T_INT, T_INT, T_INT, T_LONG,
			T_LLONG, T_SIZE, T_PTRDIFF, T_INTMAX };
		static const enum vtype ut[] = { T_UINT, T_UINT, T_UINT, T_ULONG,
			T_ULLONG, T_SIZE, T_PTRDIFF, T_UINTMAX };

		c->t = sgn ? st[m] : ut[m];
	} else if (conv == 'c') {
		c->t = T_INT;
		c->v = rnd_below(256);
	} else if (conv == 's') {
		int len = rnd_below(sizeof(c->str));

		for (int i = 0; i < len; i++)
			c->str[i] = ' ' + rnd_below(95);
		c->t = T_STR;
	} else {
		c->t = T_PTR;
		if (!c->v)
			c->v = 1;
	}
tail:
	for (int i = rnd_below(4); i > 0; i--)
		*f++ = 'a' + rnd_below(26);
	*f = '\0';
}

/*
 * Call FN(buf, size, fmt, [width], [prec], value) with the value passed as
 * its own C type, so va_arg in both libraries reads what was passed.
 */
#define CALL_T(r, FN, buf, size, c, T, val)				\
	do {								\
		switch ((c)->stars) {					\
		case 0: r = FN(buf, size, (c)->fmt, (T)(val)); break;	\
		case 1: r = FN(buf, size, (c)->fmt, (c)->wstar, (T)(val)); break; \
		case 2: r = FN(buf, size, (c)->fmt, (c)->pstar, (T)(val)); break; \
		default: r = FN(buf, size, (c)->fmt, (c)->wstar, (c)->pstar, \
				(T)(val)); break;			\
		}							\
	} while (0)

#define CALL(r, FN, buf, size, c)					\
	do {								\
		switch ((c)->t) {					\
		case T_INT: CALL_T(r, FN, buf, size, c, int, (c)->v); break; \
		case T_UINT: CALL_T(r, FN, buf, size, c, unsigned int, (c)->v); break; \
		case T_LONG: CALL_T(r, FN, buf, size, c, long, (c)->v); break; \
		case T_ULONG: CALL_T(r, FN, buf, size, c, unsigned long, (c)->v); break; \
		case T_LLONG: CALL_T(r, FN, buf, size, c, long long, (c)->v); break; \
		case T_ULLONG: CALL_T(r, FN, buf, size, c, unsigned long long, (c)->v); break; \
		case T_SIZE: CALL_T(r, FN, buf, size, c, size_t, (c)->v); break; \
		case T_PTRDIFF: CALL_T(r, FN, buf, size, c, ptrdiff_t, (c)->v); break; \
		case T_INTMAX: CALL_T(r, FN, buf, size, c, intmax_t, (c)->v); break; \
		case T_UINTMAX: CALL_T(r, FN, buf, size, c, uintmax_t, (c)->v); break; \
		case T_STR: CALL_T(r, FN, buf, size, c, const char *, (c)->str); break; \
		case T_PTR: CALL_T(r, FN, buf, size, c, void *, (uintptr_t)(c)->v); break; \
		default: r = FN(buf, size, (c)->fmt); break;		\
		}							\
	} while (0)

/* printf-shaped adaptors so CALL can drive vmc_printf too */
#define VMC_PRINTF_ADAPT(buf, size, ...) vmc_printf(__VA_ARGS__)

static char ours[BUF], theirs[BUF], full[BUF];

static void describe(const struct pcase *c, char *out, size_t n)
{
	char e[200];

	esc(c->fmt, strlen(c->fmt), e, sizeof(e));
	if (c->t == T_STR)
		snprintf(out, n, "fmt \"%s\" stars %d w %d p %d str \"%s\"", e,
			 c->stars, c->wstar, c->pstar, c->str);
	else
		snprintf(out, n, "fmt \"%s\" stars %d w %d p %d value 0x%llx", e,
			 c->stars, c->wstar, c->pstar, (unsigned long long)c->v);
}

static void one_case(struct group *g, const struct pcase *c)
{
	static const size_t fixed[] = { 0, 1, 2, BUF };
	size_t size;
	int r_ours = 0, r_theirs = 0, r_full = 0, r_con = 0;
	char d[400], e1[300], e2[300];
	bool null = false;

	/* glibc's whole output, then both with the same (maybe short) size */
	CALL(r_full, snprintf, full, sizeof(full), c);
	if (rnd_below(2))
		size = fixed[rnd_below(4)];
	else
		size = rnd_below(r_full + 3);
	null = size == 0 && rnd_below(2);
	memset(ours, GUARD, sizeof(ours));
	memset(theirs, GUARD, sizeof(theirs));
	CALL(r_ours, vmc_snprintf, null ? NULL : ours, size, c);
	CALL(r_theirs, snprintf, null ? NULL : theirs, size, c);
	if (break_printf)
		theirs[0] ^= 1;
	g->cases++;
	if (r_ours != r_theirs || memcmp(ours, theirs, sizeof(ours))) {
		describe(c, d, sizeof(d));
		mismatch(g, "%s size %zu%s: ours %d \"%s\", glibc %d \"%s\"", d,
			 size, null ? " (NULL)" : "", r_ours,
			 esc(ours, size ? strnlen(ours, size) : 0, e1, sizeof(e1)),
			 r_theirs,
			 esc(theirs, size ? strnlen(theirs, size) : 0, e2, sizeof(e2)));
		return;
	}
	/* the console path: same text, same count, flushed in pieces */
	console_len = 0;
	CALL(r_con, VMC_PRINTF_ADAPT, NULL, 0, c);
	if (r_con != r_full || console_len != (size_t)r_full ||
	    memcmp(console_buf, full, console_len)) {
		describe(c, d, sizeof(d));
		mismatch(g, "%s: vmc_printf returned %d and wrote %zu bytes "
			 "\"%s\", glibc has %d \"%s\"", d, r_con, console_len,
			 esc(console_buf, console_len, e1, sizeof(e1)), r_full,
			 esc(full, r_full, e2, sizeof(e2)));
	}
}

/* fixed cases: several conversions in one call, and our documented text */
static void fixed_cases(struct group *g)
{
	char a[256], b[256];
	int ra, rb;

#define BOTH(...)							\
	do {								\
		ra = vmc_snprintf(a, sizeof(a), __VA_ARGS__);		\
		rb = snprintf(b, sizeof(b), __VA_ARGS__);		\
		g->cases++;						\
		if (ra != rb || strcmp(a, b))				\
			mismatch(g, "fixed \"%s\": ours %d \"%s\", glibc %d \"%s\"", \
				 #__VA_ARGS__, ra, a, rb, b);		\
	} while (0)
	BOTH("%d %s %x %lld %c%%", -42, "str", 0xbeefu, -0x10000000000LL, 'Z');
	BOTH("%5.3s|%-5c|%#o|%#x|%+d|% d|%#X", "abcdef", 'q', 8u, 255u, 7, 7, 0xabcu);
	BOTH("%hhd %hhu %hd %hu", 0x1ff, 0x1ff, 0x18000, 0x18000);
	BOTH("%zu %zd %td %jd %ju", (size_t)-1, (size_t)-1, (ptrdiff_t)-5,
	     (intmax_t)INT64_MIN, (uintmax_t)UINT64_MAX);
	BOTH("[%*d] [%-*d] [%.*d] [%*.*x]", 6, 42, -6, 42, 4, 42, 8, 3, 0xfu);
	BOTH("%s%s%s", "", "a", "");
	BOTH("%#.0o %.0d %#.0x %+.0d|", 0u, 0, 0u, 0);
	/* redundant flags on purpose: '-' beats '0', '+' beats ' ' */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
	BOTH("%-+08d|%0-8d|%+ d", 5, 5, 5);
#pragma GCC diagnostic pop
	BOTH("%lu %ld %lx %lo", 0xffffffffffffffffUL, (long)INT64_MIN,
	     0x123456789abcdefUL, 01777777777777777777777UL);
	/* no width, no precision: the short path of emit_number/emit_string */
	BOTH("%#x|%#X|%#o|%#o|%#lx|%#llx|%o|%x|%u|%d", 0u, 0u, 0u, 8u, 0UL, 0ULL, 0u, 0u, 0u, 0);
	BOTH("%#x|%#X|%#o|%#lx|%X|%x", 0xabcu, 0xabcu, 0777u, 0xffffffffffffffffUL, 0xabcu, 1u);
	BOTH("%+d|% d|%+d|% d|%+d|% d|%d|%lld", 0, 0, 7, 7, -7, -7, INT32_MIN, (long long)INT64_MIN);
	BOTH("%s|%s|%c%%%c", "", "plain", 'a', 'b');
	BOTH("%p %-20p|%20p", (void *)0x1234, (void *)0xffffffffffff0000ULL,
	     (void *)0x10);
#undef BOTH

	/* C leaves these to the implementation; lib/stdio.h documents ours */
#define OURS(want, ...)							\
	do {								\
		ra = vmc_snprintf(a, sizeof(a), __VA_ARGS__);		\
		g->cases++;						\
		if (ra != (int)strlen(want) || strcmp(a, want))		\
			mismatch(g, "\"%s\": got %d \"%s\", want \"%s\"", \
				 #__VA_ARGS__, ra, a, want);		\
	} while (0)
	{
		const char *volatile null = NULL;

		OURS("(null)|  (null)|(nu", "%s|%8s|%.3s", null, null, null);
	}
	OURS("0x0|0xdeadbeef", "%p|%p", (void *)0, (void *)0xdeadbeef);
	/* unknown conversions print as written (not C: the compiler would
	 * warn, hence the formats through a volatile pointer) */
	{
		const char *volatile unk = "%y%d", *volatile trail = "ab%";

		OURS("%y1", unk, 1);
		OURS("ab%", trail);
	}
	/* widths and precisions clamp at VMC_PRINTF_MAX_FIELD (4096): lib/stdio.h */
	{
		const char *volatile wide = "%1000000000d", *volatile prec = "%.1000000000d";

		ra = vmc_snprintf(a, sizeof(a), wide, 7);
		rb = vmc_snprintf(a, sizeof(a), "%*d", 1000000000, 7);
		g->cases++;
		if (ra != 4096 || rb != 4096 || a[254] != ' ' || a[255])
			mismatch(g, "width 10^9: got %d and %d, want 4096 (clamped)", ra, rb);
		ra = vmc_snprintf(a, sizeof(a), prec, 7);
		rb = vmc_snprintf(a, sizeof(a), "%-*d|", -1000000000, 7);
		g->cases++;
		if (ra != 4096 || rb != 4097 || a[0] != '7' || a[1] != ' ')
			mismatch(g, "precision / '-*' width 10^9: got %d and %d, want 4096 and 4097",
				 ra, rb);
		ra = vmc_snprintf(a, sizeof(a), "%.*s", 1000000000, "abc");
		g->cases++;
		if (ra != 3 || strcmp(a, "abc"))
			mismatch(g, "%%.*s with precision 10^9: got %d \"%s\"", ra, a);
	}
#undef OURS
}

bool test_printf(unsigned long n)
{
	struct group g = { .name = "printf" };
	struct pcase c;

	for (unsigned long i = 0; i < n; i++) {
		gen(&c);
		one_case(&g, &c);
	}
	fixed_cases(&g);
	return group_done(&g, "glibc snprintf (return value, buffer bytes, "
			  "console text)");
}
