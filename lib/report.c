/*
 * vmconform guest library: check reporting and the SUMMARY line.
 *
 * Every CPU may report, so the counters and the prefix stack sit behind one
 * spinlock.  A line is formatted into a buffer under the lock and written
 * with a single console_write(), so lines from different CPUs do not mix.
 */
#include "vmc.h"

#define PREFIX_MAX	256
#define PREFIX_DEPTH	16
#define LINE_MAX	512

static int lock;
static unsigned int n_tests, n_failed, n_skipped, n_xfail;
static char prefix[PREFIX_MAX];
static unsigned int prefix_len[PREFIX_DEPTH];	/* length before each push */
static unsigned int depth;
static size_t cur_len;				/* strlen(prefix) */

static void spin_lock(int *l)
{
	while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(l, __ATOMIC_RELAXED))
			;
}

/* for report_abort: give up after a while rather than hang the run */
static bool spin_lock_bounded(int *l)
{
	for (unsigned long i = 0; i < (1UL << 24); i++)
		if (!__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
			return true;
	return false;
}

static void spin_unlock(int *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

/* "KIND: " padded to 8 bytes: the line head is one 8-byte store */
struct kind_name {
	char s[8];
	unsigned int len;
};

/* no console buffer to format into (the arch has none, or not now) */
__attribute__((weak)) char *console_reserve(size_t need)
{
	(void)need;
	return NULL;
}

__attribute__((weak)) void console_commit(size_t n)
{
	(void)n;
}

struct line_job {
	char *line;			/* LINE_MAX bytes */
	const struct kind_name *kind;
	const char *fmt;
	va_list *ap;
};

/*
 * "KIND: prefix: message\n" into j->line; returns its length.  Pure
 * computation: print_line runs it through arch_user_call (vmc.h).
 */
static long build_line(void *p)
{
	struct line_job *j = p;
	char *line = j->line;
	size_t n;
	int r;

	/*
	 * at most LINE_MAX - 1 characters, then the newline where the NUL was.
	 * "KIND: prefix: " is copied, not formatted: it always fits
	 * (PREFIX_MAX + 10 < LINE_MAX), and every instruction counts on hosts
	 * that emulate guest code.
	 */
	_Static_assert(PREFIX_MAX + 10 < LINE_MAX, "the line head must fit");
	__builtin_memcpy(line, j->kind->s, sizeof(j->kind->s));
	n = j->kind->len;
	if (cur_len) {
		memcpy(line + n, prefix, cur_len);
		n += cur_len;
		line[n++] = ':';
		line[n++] = ' ';
	}
	r = vsnprintf(line + n, LINE_MAX - n, j->fmt, *j->ap);
	if (n + (size_t)r < LINE_MAX) {
		n += (size_t)r;
	} else {
		/* a cut line says so and still ends with a newline */
		n = LINE_MAX - 1;
		memcpy(line + n - 3, "...", 3);
	}
	line[n++] = '\n';
	return (long)n;
}

/* the line in one write; call with the lock held */
static void print_line(const struct kind_name *kind, const char *fmt, va_list ap)
{
	char buf[LINE_MAX];
	/* straight into the console's buffer when it has one: one copy less */
	char *direct = console_reserve(LINE_MAX);
	struct line_job j = { direct ? direct : buf, kind, fmt, NULL };
	va_list aq;
	size_t n;

	va_copy(aq, ap);
	j.ap = &aq;
	n = (size_t)arch_user_call(build_line, &j);
	va_end(aq);
	if (direct)
		console_commit(n);
	else
		console_write(buf, n);
}

enum kind { K_PASS, K_FAIL, K_SKIP, K_XFAIL, K_XPASS, K_INFO };

static void vreport(enum kind k, const char *fmt, va_list ap)
{
	static const struct kind_name names[] = {
		{ "PASS: ", 6 }, { "FAIL: ", 6 }, { "SKIP: ", 6 },
		{ "XFAIL: ", 7 }, { "XPASS: ", 7 }, { "INFO: ", 6 },
	};

	spin_lock(&lock);
	if (k != K_INFO)
		n_tests++;
	if (k == K_FAIL || k == K_XPASS)
		n_failed++;
	else if (k == K_SKIP)
		n_skipped++;
	else if (k == K_XFAIL)
		n_xfail++;
	print_line(&names[k], fmt, ap);
	spin_unlock(&lock);
}

bool report(bool pass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(pass ? K_PASS : K_FAIL, fmt, ap);
	va_end(ap);
	return pass;
}

void report_pass(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(K_PASS, fmt, ap);
	va_end(ap);
}

void report_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(K_FAIL, fmt, ap);
	va_end(ap);
}

void report_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(K_SKIP, fmt, ap);
	va_end(ap);
}

void report_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(K_INFO, fmt, ap);
	va_end(ap);
}

bool report_xfail(bool xfail, bool pass, const char *fmt, ...)
{
	enum kind k;
	va_list ap;

	if (xfail)
		k = pass ? K_XPASS : K_XFAIL;
	else
		k = pass ? K_PASS : K_FAIL;
	va_start(ap, fmt);
	vreport(k, fmt, ap);
	va_end(ap);
	return pass;
}

void report_prefix_push(const char *p)
{
	size_t len, need;

	spin_lock(&lock);
	len = cur_len;
	need = len + (len ? 2 : 0) + strlen(p);
	if (depth == PREFIX_DEPTH || need >= PREFIX_MAX) {
		spin_unlock(&lock);
		report_abort("report_prefix_push(\"%s\"): prefix stack full "
			     "(%d levels, %d bytes)", p, PREFIX_DEPTH, PREFIX_MAX);
	}
	prefix_len[depth++] = len;
	if (len)
		strcpy(prefix + len, ": ");
	strcpy(prefix + len + (len ? 2 : 0), p);
	cur_len = need;
	spin_unlock(&lock);
}

void report_prefix_pop(void)
{
	spin_lock(&lock);
	if (!depth) {
		spin_unlock(&lock);
		report_abort("report_prefix_pop() without a matching push");
	}
	cur_len = prefix_len[--depth];
	prefix[cur_len] = '\0';
	spin_unlock(&lock);
}

void report_abort(const char *fmt, ...)
{
	va_list ap;
	bool locked;

	va_start(ap, fmt);
	locked = spin_lock_bounded(&lock);
	print_line(&(const struct kind_name){ "ABORT: ", 7 }, fmt, ap);
	if (locked)
		spin_unlock(&lock);
	va_end(ap);
	exit(VMC_STATUS_ERROR);
}

/* v in decimal at p (printf's %u); returns the end */
static inline __attribute__((always_inline)) char *put_u(char *p, unsigned int v)
{
	char tmp[10];
	int k = 0;

	if (v < 10) {		/* the usual count of failures, skips, xfails */
		*p = (char)('0' + v);
		return p + 1;
	}
	do {
		tmp[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (k)
		*p++ = tmp[--k];
	return p;
}

/*
 * printf("SUMMARY: %u tests, %u failed, %u skipped, %u expected
 * failures\n", ...) byte for byte, without the formatter (every test
 * pays for this line on hosts that emulate guest code): the literal
 * pieces are constant-size stores.  Lock held.
 */
#define SUMMARY_MAX	(sizeof("SUMMARY:  tests,  failed,  skipped,  expected failures\n") + 4 * 10)
static void summary_line(void)
{
	char buf[SUMMARY_MAX];
	char *direct = console_reserve(SUMMARY_MAX);
	char *line = direct ? direct : buf, *p = line;

	__builtin_memcpy(p, "SUMMARY: ", 9);
	p = put_u(p + 9, n_tests);
	__builtin_memcpy(p, " tests, ", 8);
	p = put_u(p + 8, n_failed);
	__builtin_memcpy(p, " failed, ", 9);
	p = put_u(p + 9, n_skipped);
	__builtin_memcpy(p, " skipped, ", 10);
	p = put_u(p + 10, n_xfail);
	__builtin_memcpy(p, " expected failures\n", 19);
	p += 19;
	if (direct)
		console_commit((size_t)(p - line));
	else
		console_write(line, (size_t)(p - line));
}

int report_summary(void)
{
	int status;

	spin_lock(&lock);
	summary_line();
	if (n_failed)
		status = VMC_STATUS_FAIL;
	else if (n_skipped == n_tests)
		status = VMC_STATUS_SKIP;
	else
		status = VMC_STATUS_PASS;
	spin_unlock(&lock);
	return status;
}
