/*
 * Shared by the host comparison tests (libc-compare): a seeded PRNG, the
 * result/mismatch bookkeeping and the check-line output.
 */
#ifndef LIBC_TEST_COMMON_H
#define LIBC_TEST_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

uint64_t rnd(void);			/* xorshift64*, seeded by main */
uint64_t rnd_below(uint64_t n);		/* 0..n-1 */
void rnd_seed(uint64_t seed);

/* one group of cases; mismatch() prints the first few with their input */
struct group {
	const char *name;
	unsigned long cases, bad;
};
void mismatch(struct group *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* prints "PASS name: N cases ..." or "FAIL name: ..."; returns bad == 0 */
bool group_done(struct group *g, const char *what);

/* print s with C escapes into out (for mismatch lines) */
const char *esc(const char *s, size_t len, char *out, size_t outsz);

/* the test groups, each returns true when everything matched */
bool test_printf(unsigned long n);
bool test_string(unsigned long n);
bool test_strtol(unsigned long n);
bool test_ctype(void);
bool test_misc(unsigned long n);

/* -b: corrupt the printf reference to prove the group can fail */
extern bool break_printf;

/* captured console output (vmc_console_write fake) */
extern char console_buf[1 << 16];
extern size_t console_len;

#endif
