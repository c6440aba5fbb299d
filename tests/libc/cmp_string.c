/*
 * libc-compare, string group: lib/string.c against glibc on random buffers
 * over a small alphabet (so matches and equal prefixes are common), with
 * NULs placed at random.  Comparisons are compared by sign, searches by
 * offset, and the copying functions by the whole arena including guard
 * bytes around the destination; memmove gets overlapping ranges both ways.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "vmc_api.h"

#define LEN 96
#define ARENA 320

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

static void fill(char *b, size_t n)
{
	static const char alpha[] = "aab\0\xff\x80z";

	for (size_t i = 0; i < n; i++)
		b[i] = alpha[rnd_below(sizeof(alpha) - 1)];
	/* mostly terminated strings, sometimes only at the very end */
	if (n)
		b[n - 1] = '\0';
}

static long off(const void *p, const void *base)
{
	return p ? (const char *)p - (const char *)base : -1;
}

static char x[LEN + 1], y[LEN + 1];

#define SAME(g, what, a, b)						\
	do {								\
		long va_ = (a), vb_ = (b);				\
		(g)->cases++;						\
		if (va_ != vb_) {					\
			char ex_[4 * LEN + 8], ey_[4 * LEN + 8];	\
			mismatch(g, "%s: ours %ld, glibc %ld; x \"%s\" y \"%s\"", \
				 what, va_, vb_, esc(x, LEN, ex_, sizeof(ex_)), \
				 esc(y, LEN, ey_, sizeof(ey_)));	\
		}							\
	} while (0)

static void lookups(struct group *g)
{
	size_t n = rnd_below(LEN + 1);
	int c = rnd_below(2) ? "ab\0z"[rnd_below(4)] : (int)rnd_below(0x300) - 0x80;
	char buf[64];

	fill(x, LEN);
	if (rnd_below(3)) {
		memcpy(y, x, LEN);
		y[rnd_below(LEN)] ^= (char)rnd_below(3);	/* near-equal */
	} else {
		fill(y, LEN);
	}
	SAME(g, "memcmp", sign(vmc_memcmp(x, y, n)), sign(memcmp(x, y, n)));
	snprintf(buf, sizeof(buf), "memchr c=%d n=%zu", c, n);
	SAME(g, buf, off(vmc_memchr(x, c, n), x), off(memchr(x, c, n), x));
	SAME(g, "strlen", (long)vmc_strlen(x), (long)strlen(x));
	snprintf(buf, sizeof(buf), "strnlen %zu", n);
	SAME(g, buf, (long)vmc_strnlen(x, n), (long)strnlen(x, n));
	SAME(g, "strcmp", sign(vmc_strcmp(x, y)), sign(strcmp(x, y)));
	snprintf(buf, sizeof(buf), "strncmp %zu", n);
	SAME(g, buf, sign(vmc_strncmp(x, y, n)), sign(strncmp(x, y, n)));
	snprintf(buf, sizeof(buf), "strchr c=%d", c);
	SAME(g, buf, off(vmc_strchr(x, c), x), off(strchr(x, c), x));
	snprintf(buf, sizeof(buf), "strrchr c=%d", c);
	SAME(g, buf, off(vmc_strrchr(x, c), x), off(strrchr(x, c), x));
	/* a needle that is often a substring: a piece of x itself */
	{
		size_t len = strlen(x), at = rnd_below(len + 1);
		size_t nl = rnd_below(6);

		if (rnd_below(2)) {
			memcpy(y, x + at, nl);
			y[nl] = '\0';
		}
		SAME(g, "strstr", off(vmc_strstr(x, y), x), off(strstr(x, y), x));
	}
}

static unsigned char arena_a[ARENA], arena_b[ARENA];

/* hide where a pointer points (the ranges used never overlap, but the
 * compiler cannot see that and warns about restrict) */
static char *hide(void *p)
{
	char *volatile q = p;

	return q;
}

static void copies(struct group *g)
{
	size_t n = rnd_below(LEN), d = rnd_below(ARENA - LEN), s = rnd_below(ARENA - LEN);
	int op = rnd_below(6), c = (int)rnd_below(0x300) - 0x80;
	static const char *const names[] = { "memcpy", "memmove", "memset",
		"strcpy", "strncpy", "strcat" };
	void *ra = NULL, *rb = NULL;

	for (size_t i = 0; i < ARENA; i++)
		arena_a[i] = arena_b[i] = "xy\0z\xff"[rnd_below(5)];
	/* string ops: make sure the source and (for strcat) the destination
	 * strings end inside the arena and do not overlap (C says undefined) */
	if (op >= 3) {
		/* source string in [0, LEN), destination from LEN on */
		s = rnd_below(LEN / 2);
		n = rnd_below(LEN / 2);
		d = LEN + rnd_below(16);
		arena_a[s + n] = arena_b[s + n] = '\0';
		arena_a[d + n / 2] = arena_b[d + n / 2] = '\0';
	} else if (op == 0 && (d < s + n && s < d + n)) {
		op = 1;		/* memcpy of overlapping ranges: use memmove */
	}
	switch (op) {
	case 0: ra = vmc_memcpy(arena_a + d, arena_a + s, n);
		rb = memcpy(arena_b + d, arena_b + s, n); break;
	case 1: ra = vmc_memmove(arena_a + d, arena_a + s, n);
		rb = memmove(arena_b + d, arena_b + s, n); break;
	case 2: ra = vmc_memset(arena_a + d, c, n);
		rb = memset(arena_b + d, c, n); break;
	case 3: ra = vmc_strcpy((char *)arena_a + d, (char *)arena_a + s);
		rb = strcpy(hide(arena_b + d), hide(arena_b + s)); break;
	case 4: ra = vmc_strncpy((char *)arena_a + d, (char *)arena_a + s, n);
		rb = strncpy(hide(arena_b + d), hide(arena_b + s), n); break;
	case 5: ra = vmc_strcat((char *)arena_a + d, (char *)arena_a + s);
		rb = strcat(hide(arena_b + d), hide(arena_b + s)); break;
	}
	g->cases++;
	if (off(ra, arena_a) != off(rb, arena_b) || memcmp(arena_a, arena_b, ARENA)) {
		size_t i = 0;

		while (i < ARENA && arena_a[i] == arena_b[i])
			i++;
		mismatch(g, "%s dst %zu src %zu n %zu c %d: returned %ld vs %ld, "
			 "arenas first differ at %zu", names[op], d, s, n, c,
			 off(ra, arena_a), off(rb, arena_b), i);
	}
}

bool test_string(unsigned long n)
{
	struct group g = { .name = "string" };

	for (unsigned long i = 0; i < n; i++) {
		lookups(&g);
		copies(&g);
	}
	return group_done(&g, "glibc (results, signs, offsets, memory)");
}
