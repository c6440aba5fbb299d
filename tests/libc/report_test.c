/*
 * report-test: lib/report.c (with lib/printf.c and lib/string.c) built for
 * the host.  Checks the guest output contract the runner and harness parse
 * (lib/report.h, docs/results.md): the exact PASS/FAIL/SKIP/XFAIL/XPASS/INFO/ABORT lines with
 * nested prefixes, the exact SUMMARY line, the status report_summary()
 * returns (all pass, one fail, all skip, no checks, xfail, xpass, ...), that
 * report_abort/assert end the run with VMC_STATUS_ERROR, and that reports
 * from several threads at once are all counted and never mixed on a line.
 * Each scenario runs in a forked child (the report state is global); a fake
 * console_write captures the text and a fake exit() ends the child.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmc_api.h"

/* assert() expands to report_abort: point it at the renamed one */
#define report_abort vmc_report_abort
#include "../../lib/assert.h"

static char cap[1 << 20];
static size_t cap_len;
static int out_fd;

void vmc_console_write(const char *buf, size_t len)
{
	if (len > sizeof(cap) - cap_len)
		len = sizeof(cap) - cap_len;
	memcpy(cap + cap_len, buf, len);
	cap_len += len;
}

static void send_capture(void)
{
	size_t off = 0;

	while (off < cap_len) {
		ssize_t w = write(out_fd, cap + off, cap_len - off);

		if (w <= 0)
			break;
		off += w;
	}
}

/* exit() seen by the lib: the child's status is 100 + the status */
#define EXITED 100

void vmc_exit(int status)
{
	send_capture();
	_exit(EXITED + status);
}

/* ---- scenarios: each returns what main() would return ---- */

static int all_pass(void)
{
	vmc_report(true, "one %d", 1);
	vmc_report_pass("two %s", "ok");
	vmc_report_info("info lines are not checks");
	return vmc_report_summary();
}

static int one_fail(void)
{
	vmc_report_prefix_push("outer");
	vmc_report_prefix_push("inner");
	vmc_report(true, "a %d", 1);
	vmc_report(false, "b %#x", 16u);
	vmc_report_prefix_pop();
	vmc_report_skip("c (needs X)");
	vmc_report_prefix_pop();
	vmc_report_info("i");
	return vmc_report_summary();
}

static int fail_calls(void)
{
	vmc_report_fail("explicit");
	vmc_report_pass("then a pass");
	return vmc_report_summary();
}

static int all_skip(void)
{
	vmc_report_skip("no feature A (needs CPUID bit A)");
	vmc_report_skip("no feature B (needs a newer host)");
	return vmc_report_summary();
}

static int no_checks(void)
{
	vmc_report_info("nothing checked");
	return vmc_report_summary();
}

static int skip_and_pass(void)
{
	vmc_report_skip("s");
	vmc_report(true, "p");
	return vmc_report_summary();
}

static int xfail(void)
{
	vmc_report_prefix_push("known");
	vmc_report_xfail(true, false, "bug %d is expected", 7);
	vmc_report_prefix_pop();
	vmc_report_xfail(false, true, "not expected to fail, passes");
	return vmc_report_summary();
}

static int xfail_no_xfail_fails(void)
{
	vmc_report_xfail(false, false, "not expected to fail, fails");
	return vmc_report_summary();
}

static int xpass(void)
{
	vmc_report_xfail(true, true, "bug fixed?");
	vmc_report(true, "other");
	return vmc_report_summary();
}

static int aborts(void)
{
	vmc_report(true, "before");
	vmc_report_prefix_push("stage");
	vmc_report_abort("cannot go on: %s", "no memory");
	return 42;	/* not reached */
}

static int pop_empty(void)
{
	vmc_report_prefix_pop();
	return 42;
}

static int asserts(void)
{
	int two = 2;

	assert(two == 2);
	assert(two + 1 == 4);
	return 42;
}

static int long_line(void)
{
	char big[700];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	vmc_report(true, "%s", big);
	return vmc_report_summary();
}

static int prefix_reuse(void)
{
	vmc_report_prefix_push("a");
	vmc_report_prefix_pop();
	vmc_report_prefix_push("b");
	vmc_report_prefix_push("c");
	vmc_report_prefix_pop();
	vmc_report(true, "m");
	vmc_report_prefix_pop();
	vmc_report(true, "n");
	return vmc_report_summary();
}

#define THREADS 4
#define PER_THREAD 2000

static void *hammer(void *arg)
{
	long id = (long)arg;

	for (int i = 0; i < PER_THREAD; i++) {
		if (i % 3 == 0)
			vmc_report_skip("t%ld %d", id, i);
		else
			vmc_report(i % 3 == 1, "t%ld %d", id, i);
	}
	return NULL;
}

static int threads(void)
{
	pthread_t t[THREADS];

	for (long i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, hammer, (void *)i);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	return vmc_report_summary();
}

/* the SUMMARY counts at 9, 10 and 100 (one digit, two, three) */
static int counts(void)
{
	for (int i = 0; i < 10; i++)
		vmc_report_fail("f");
	for (int i = 0; i < 9; i++)
		vmc_report_skip("s");
	for (int i = 0; i < 100; i++)
		vmc_report_xfail(true, false, "x");
	return vmc_report_summary();
}

/* ---- driver ---- */
/* what report() and report_xfail() return (the guest selftests no longer check it) */
static int returns(void)
{
	bool r1 = vmc_report(true, "t");
	bool r2 = vmc_report(false, "f");
	bool r3 = vmc_report_xfail(true, false, "xf");
	bool r4 = vmc_report_xfail(true, true, "xp");
	bool r5 = vmc_report_xfail(false, true, "np");
	bool r6 = vmc_report_xfail(false, false, "nf");

	vmc_report_info("returns %d%d%d%d%d%d", r1, r2, r3, r4, r5, r6);
	return vmc_report_summary();
}

struct scenario {
	const char *name;
	int (*fn)(void);
	int want_exit;		/* child status: status, or EXITED + status */
	const char *want;	/* exact output; NULL: checked by a function */
};

#define ST_PASS 0
#define ST_FAIL 1
#define ST_SKIP 2
#define ST_ERROR 3

static char long_want[600];
static char counts_want[1200];

static const struct scenario scenarios[] = {
	{ "all pass", all_pass, ST_PASS,
	  "PASS: one 1\nPASS: two ok\nINFO: info lines are not checks\n"
	  "SUMMARY: 2 tests, 0 failed, 0 skipped, 0 expected failures\n" },
	{ "one fail, prefixes", one_fail, ST_FAIL,
	  "PASS: outer: inner: a 1\nFAIL: outer: inner: b 0x10\n"
	  "SKIP: outer: c (needs X)\nINFO: i\n"
	  "SUMMARY: 3 tests, 1 failed, 1 skipped, 0 expected failures\n" },
	{ "report_fail", fail_calls, ST_FAIL,
	  "FAIL: explicit\nPASS: then a pass\n"
	  "SUMMARY: 2 tests, 1 failed, 0 skipped, 0 expected failures\n" },
	{ "all skip", all_skip, ST_SKIP,
	  "SKIP: no feature A (needs CPUID bit A)\n"
	  "SKIP: no feature B (needs a newer host)\n"
	  "SUMMARY: 2 tests, 0 failed, 2 skipped, 0 expected failures\n" },
	{ "no checks", no_checks, ST_SKIP,
	  "INFO: nothing checked\n"
	  "SUMMARY: 0 tests, 0 failed, 0 skipped, 0 expected failures\n" },
	{ "skip and pass", skip_and_pass, ST_PASS,
	  "SKIP: s\nPASS: p\n"
	  "SUMMARY: 2 tests, 0 failed, 1 skipped, 0 expected failures\n" },
	{ "xfail", xfail, ST_PASS,
	  "XFAIL: known: bug 7 is expected\nPASS: not expected to fail, passes\n"
	  "SUMMARY: 2 tests, 0 failed, 0 skipped, 1 expected failures\n" },
	{ "report_xfail without xfail", xfail_no_xfail_fails, ST_FAIL,
	  "FAIL: not expected to fail, fails\n"
	  "SUMMARY: 1 tests, 1 failed, 0 skipped, 0 expected failures\n" },
	{ "xpass", xpass, ST_FAIL,
	  "XPASS: bug fixed?\nPASS: other\n"
	  "SUMMARY: 2 tests, 1 failed, 0 skipped, 0 expected failures\n" },
	{ "return values", returns, ST_FAIL,
	  "PASS: t\nFAIL: f\nXFAIL: xf\nXPASS: xp\nPASS: np\nFAIL: nf\nINFO: returns 100110\n"
	  "SUMMARY: 6 tests, 3 failed, 0 skipped, 1 expected failures\n" },
	{ "report_abort", aborts, EXITED + ST_ERROR,
	  "PASS: before\nABORT: stage: cannot go on: no memory\n" },
	{ "pop without push", pop_empty, EXITED + ST_ERROR,
	  "ABORT: report_prefix_pop() without a matching push\n" },
	{ "assert", asserts, EXITED + ST_ERROR, NULL },
	{ "line cut to 512 bytes", long_line, ST_PASS, long_want },
	{ "summary counts 9, 10, 100", counts, ST_FAIL, counts_want },
	{ "prefix push/pop", prefix_reuse, ST_PASS,
	  "PASS: b: m\nPASS: n\n"
	  "SUMMARY: 2 tests, 0 failed, 0 skipped, 0 expected failures\n" },
	{ "4 threads report at once", threads, ST_FAIL, NULL },
};

/* lines are whole and each thread's lines are all there, in order */
static const char *check_threads(const char *out)
{
	static char why[200];
	int next[THREADS] = { 0 };
	const char *p = out;
	char want[128];
	long id;
	int i, n;

	while (*p && strncmp(p, "SUMMARY:", 8)) {
		char kind[8];

		if (sscanf(p, "%7[A-Z]: t%ld %d\n%n", kind, &id, &i, &n) != 3 ||
		    id < 0 || id >= THREADS || i != next[id]) {
			snprintf(why, sizeof(why), "bad or out-of-order line at "
				 "byte %td: %.40s", p - out, p);
			return why;
		}
		if (strcmp(kind, i % 3 == 0 ? "SKIP" : i % 3 == 1 ? "PASS" : "FAIL")) {
			snprintf(why, sizeof(why), "wrong kind on %.40s", p);
			return why;
		}
		next[id]++;
		p = strchr(p, '\n') + 1;
	}
	for (id = 0; id < THREADS; id++)
		if (next[id] != PER_THREAD) {
			snprintf(why, sizeof(why), "thread %ld: %d lines", id, next[id]);
			return why;
		}
	snprintf(want, sizeof(want), "SUMMARY: %d tests, %d failed, %d skipped, "
		 "0 expected failures\n", THREADS * PER_THREAD,
		 THREADS * (PER_THREAD / 3), THREADS * ((PER_THREAD + 2) / 3));
	if (strcmp(p, want)) {
		snprintf(why, sizeof(why), "summary \"%.70s\", want \"%.70s\"", p, want);
		return why;
	}
	return NULL;
}

static const char *check_assert(const char *out)
{
	static const char head[] = "ABORT: assertion failed: two + 1 == 4 (";
	static char why[200];

	if (strncmp(out, head, sizeof(head) - 1) || !strstr(out, "report_test.c:") ||
	    strcmp(out + strlen(out) - 2, ")\n") || strchr(out, '\n') != out + strlen(out) - 1) {
		snprintf(why, sizeof(why), "got \"%.150s\"", out);
		return why;
	}
	return NULL;
}

/* indented, so no dumped line looks like a check line */
static void show(const char *what, const char *text)
{
	printf("  %s:\n", what);
	for (const char *p = text; *p; ) {
		int len = strcspn(p, "\n");

		printf("    | %.*s\n", len > 200 ? 200 : len, p);
		p += len + (p[len] == '\n');
	}
}

static bool run(const struct scenario *s)
{
	static char out[1 << 20];
	size_t len = 0;
	int fds[2], st;
	ssize_t r;
	pid_t pid;
	const char *why = NULL;

	if (pipe(fds) || (pid = fork()) < 0) {
		printf("FAIL report %s: pipe/fork failed\n", s->name);
		return false;
	}
	if (!pid) {
		close(fds[0]);
		out_fd = fds[1];
		st = s->fn();
		send_capture();
		_exit(st);
	}
	close(fds[1]);
	while ((r = read(fds[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += r;
	close(fds[0]);
	out[len] = '\0';
	waitpid(pid, &st, 0);

	if (!WIFEXITED(st))
		why = "the scenario crashed";
	else if (WEXITSTATUS(st) != s->want_exit) {
		static char b[100];

		snprintf(b, sizeof(b), "ended with %d, want %d (%s)", WEXITSTATUS(st),
			 s->want_exit, s->want_exit >= EXITED ?
			 "exit(status) + 100" : "the summary status");
		why = b;
	} else if (s->want && strcmp(out, s->want)) {
		why = "output differs";
	} else if (!s->want) {
		why = s->fn == threads ? check_threads(out) : check_assert(out);
	}
	if (why) {
		printf("FAIL report %s: %s\n", s->name, why);
		if (s->want && strcmp(out, s->want)) {
			show("got", out);
			show("want", s->want);
		}
		return false;
	}
	printf("PASS report %s\n", s->name);
	return true;
}

int main(void)
{
	bool ok = true;

	/* the 512-byte line: "PASS: " + 502 x's + "..." + newline */
	strcpy(long_want, "PASS: ");
	memset(long_want + 6, 'x', 502);
	strcpy(long_want + 508, "...\n"
	       "SUMMARY: 1 tests, 0 failed, 0 skipped, 0 expected failures\n");
	for (int i = 0; i < 10; i++)
		strcat(counts_want, "FAIL: f\n");
	for (int i = 0; i < 9; i++)
		strcat(counts_want, "SKIP: s\n");
	for (int i = 0; i < 100; i++)
		strcat(counts_want, "XFAIL: x\n");
	strcat(counts_want, "SUMMARY: 119 tests, 10 failed, 9 skipped, 100 expected failures\n");
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		ok &= run(&scenarios[i]);
	return ok ? 0 : 1;
}
