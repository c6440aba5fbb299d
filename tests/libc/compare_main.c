/*
 * libc-compare: the guest library's libc parts (lib/printf.c, string.c,
 * stdlib.c, ctype.c, argv.c, alloc.c) built for the host under vmc_ names
 * and compared with glibc over generated cases.  Checks that the small libc
 * the payloads print and parse with behaves like C99 says (glibc as the
 * reference), so a wrong digit in a test's output is not the library's.
 * Usage: libc-compare [-n CASES] [-s SEED] [-b]; the seed is fixed by
 * default so a failure reproduces.  Prints PASS/FAIL lines per group; exit 1
 * on FAIL.  -b ("broken") corrupts one byte of glibc's printf output in
 * every case, so check.sh can see the printf group fail when it should.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "vmc_api.h"

static uint64_t rng_state;
bool break_printf;

void rnd_seed(uint64_t seed)
{
	rng_state = seed ? seed : 0x9e3779b97f4a7c15ULL;
}

uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

#define SHOW_MAX 10

void mismatch(struct group *g, const char *fmt, ...)
{
	va_list ap;

	if (++g->bad > SHOW_MAX)
		return;
	printf("  %s mismatch: ", g->name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

bool group_done(struct group *g, const char *what)
{
	if (g->bad)
		printf("FAIL %s: %lu of %lu cases differ from %s%s\n", g->name,
		       g->bad, g->cases, what,
		       g->bad > SHOW_MAX ? " (first ones shown above)" : "");
	else
		printf("PASS %s: %lu cases match %s\n", g->name, g->cases, what);
	return !g->bad;
}

const char *esc(const char *s, size_t len, char *out, size_t outsz)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 5 < outsz; i++) {
		unsigned char c = s[i];

		if (c == '\\' || c == '"')
			o += snprintf(out + o, outsz - o, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			out[o++] = c;
		else
			o += snprintf(out + o, outsz - o, "\\x%02x", c);
	}
	out[o] = '\0';
	return out;
}

/* the arch hooks the lib code calls */
char console_buf[1 << 16];
size_t console_len;

void vmc_console_write(const char *buf, size_t len)
{
	if (len > sizeof(console_buf) - console_len)
		len = sizeof(console_buf) - console_len;
	memcpy(console_buf + console_len, buf, len);
	console_len += len;
}

void vmc_exit(int status)
{
	fwrite(console_buf, 1, console_len, stdout);
	printf("FAIL libc-compare: the library called exit(%d) "
	       "(console output above)\n", status);
	fflush(stdout);
	_exit(1);
}

int main(int argc, char **argv)
{
	unsigned long n = 20000;
	uint64_t seed = 20241121;
	bool ok = true;
	int opt;

	while ((opt = getopt(argc, argv, "n:s:b")) != -1) {
		switch (opt) {
		case 'b': break_printf = true; break;
		case 'n': n = strtoul(optarg, NULL, 0); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: %s [-n CASES] [-s SEED] [-b]\n",
				argv[0]);
			return 2;
		}
	}
	printf("libc-compare: seed %llu, %lu cases per random group\n",
	       (unsigned long long)seed, n);
	rnd_seed(seed);
	ok &= test_printf(n);
	ok &= test_string(n);
	ok &= test_strtol(n);
	ok &= test_ctype();
	ok &= test_misc(n);
	return ok ? 0 : 1;
}
