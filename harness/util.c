/* vmc-harness: assert, die, allocation and clock helpers (util.h). */
#include <stdarg.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

int verbose;

void (*test_assert_hook)(const char *line);

void test_assert_fail(const char *expr, const char *file, int line, int err,
		      const char *fmt, ...)
{
	char msg[512], all[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(all, sizeof(all), "harness assertion failed: %s at %s:%d: errno %d (%s): %s",
		 expr, file, line, err, strerror(err), msg);
	if (test_assert_hook)
		test_assert_hook(all);
	fflush(stdout);
	fprintf(stderr, "\nERROR: %s\n", all);
	exit(HX_ERROR);
}

void die(int code, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("vmc-harness: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

void warnx_h(const char *fmt, ...)
{
	va_list ap;

	fputs("vmc-harness: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	TEST_ASSERT(p, "out of memory (%zu x %zu bytes)", n, size);
	return p;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void cond_wait_ns(pthread_cond_t *c, pthread_mutex_t *m, uint64_t ns)
{
	uint64_t at = now_ns() + ns;
	struct timespec ts = { .tv_sec = (time_t)(at / 1000000000ull),
			       .tv_nsec = (long)(at % 1000000000ull) };

	pthread_cond_clockwait(c, m, CLOCK_MONOTONIC, &ts);
}
