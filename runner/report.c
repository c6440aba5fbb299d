/*
 * vmc-report: everything run_tests.sh prints about results, written from
 * the result records of vmc-supervise (record.h, docs/results.md), so no
 * guest text passes through the shell.
 *
 *   vmc-report line [--tap N] REC        one run's result line (+ details)
 *   vmc-report summary [--tap] [--elapsed S] [--interrupted] [--sort] REC...
 *                                        table, notes, check totals, tally
 *   vmc-report junit --out FILE [--elapsed S] [--sort] REC...
 *   vmc-report tapall REC...             TAP lines of all, in index order
 *   vmc-report compare A B               per-check differences of two
 *                                        result directories (exit 1: some)
 *
 * All text out is valid UTF-8 (invalid bytes become U+FFFD), without
 * control characters; TAP descriptions escape '#' and '\'; YAML strings are
 * double-quoted; XML escapes & < > " ' (so "]]>" cannot occur) and keeps
 * only characters XML 1.0 allows.  --sort orders records by their index in
 * the unsharded selection (for --merge).
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

#define die_usage(...) do { fprintf(stderr, "vmc-report: " __VA_ARGS__); \
	fputc('\n', stderr); exit(EXIT_USAGE); } while (0)
#define check(cond) do { if (!(cond)) { fprintf(stderr, \
	"vmc-report: assertion failed: %s at %s:%d (errno %d: %s)\n", #cond, \
	__FILE__, __LINE__, errno, strerror(errno)); exit(EXIT_USAGE); } } while (0)

struct str { char *s; size_t n; };

struct rec {
	char verdict[16];
	struct str test, label, arch, log, reason;
	long long index;
	bool counts;
	long checks, failed, skipped, xfail;
	double secs;
	long rc;
	unsigned long long dropped;
	struct str *details;
	int ndetails;
	struct str *chk;	/* "S message" */
	int nchk;
};

static struct str dup_str(const char *s, size_t n)
{
	struct str r = { malloc(n + 1), n };

	check(r.s != NULL);
	memcpy(r.s, s, n);
	r.s[n] = 0;
	return r;
}

static bool load(const char *path, struct rec *r)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	memset(r, 0, sizeof(*r));
	r->index = -1;
	r->rc = -1;
	if (!f) {
		fprintf(stderr, "vmc-report: %s: %s\n", path, strerror(errno));
		return false;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = 0;
		char *sp = strchr(line, ' ');
		if (!sp)
			continue;
		*sp = 0;
		char *k = line, *v = sp + 1;
		size_t n = rec_unescape(v);
		if (!strcmp(k, "verdict")) snprintf(r->verdict, sizeof(r->verdict), "%s", v);
		else if (!strcmp(k, "test")) r->test = dup_str(v, n);
		else if (!strcmp(k, "label")) r->label = dup_str(v, n);
		else if (!strcmp(k, "arch")) r->arch = dup_str(v, n);
		else if (!strcmp(k, "log")) r->log = dup_str(v, n);
		else if (!strcmp(k, "reason")) r->reason = dup_str(v, n);
		else if (!strcmp(k, "index")) r->index = atoll(v);
		else if (!strcmp(k, "checks")) { r->counts = true; r->checks = atol(v); }
		else if (!strcmp(k, "failed")) r->failed = atol(v);
		else if (!strcmp(k, "skipped")) r->skipped = atol(v);
		else if (!strcmp(k, "xfail")) r->xfail = atol(v);
		else if (!strcmp(k, "secs")) r->secs = atof(v);
		else if (!strcmp(k, "rc")) r->rc = atol(v);
		else if (!strcmp(k, "dropped")) r->dropped = strtoull(v, NULL, 10);
		else if (!strcmp(k, "detail")) {
			check((r->details = realloc(r->details, (r->ndetails + 1) * sizeof(struct str))) != NULL);
			r->details[r->ndetails++] = dup_str(v, n);
		} else if (!strcmp(k, "check")) {
			if (r->nchk % 256 == 0)
				check((r->chk = realloc(r->chk, (r->nchk + 256) * sizeof(struct str))) != NULL);
			r->chk[r->nchk++] = dup_str(v, n);
		}
	}
	free(line);
	fclose(f);
	if (!r->verdict[0] || !r->test.s) {
		fprintf(stderr, "vmc-report: %s: not a result record\n", path);
		return false;
	}
	if (!r->label.s) r->label = dup_str("?", 1);
	if (!r->arch.s) r->arch = dup_str("?", 1);
	if (!r->log.s) r->log = dup_str("", 0);
	if (!r->reason.s) r->reason = dup_str("", 0);
	return true;
}

/* ------------------------------------------------------------ text out */
enum mode { M_TEXT, M_TAP, M_YAML, M_XML };

/* length of the valid UTF-8 sequence at p (of at most n bytes) and its code
 * point, or 0 when invalid (overlong, surrogate, > U+10FFFF, truncated) */
static int utf8(const unsigned char *p, size_t n, uint32_t *cp)
{
	int len;
	uint32_t c;

	if (p[0] < 0x80) { *cp = p[0]; return 1; }
	if (p[0] >= 0xc2 && p[0] <= 0xdf) { len = 2; c = p[0] & 0x1f; }
	else if (p[0] >= 0xe0 && p[0] <= 0xef) { len = 3; c = p[0] & 0x0f; }
	else if (p[0] >= 0xf0 && p[0] <= 0xf4) { len = 4; c = p[0] & 0x07; }
	else return 0;
	if ((size_t)len > n)
		return 0;
	for (int i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* write s (n bytes) for the given output: linear, always valid UTF-8 */
static void out(FILE *f, const char *s, size_t n, enum mode m)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		uint32_t c;
		int len = utf8(p + i, n - i, &c);

		if (!len) {
			fputs("\xef\xbf\xbd", f);	/* U+FFFD for a byte that is not UTF-8 */
			i++;
			continue;
		}
		if (len > 1) {
			if (m == M_XML && (c == 0xfffe || c == 0xffff))
				fputs("\xef\xbf\xbd", f);
			else
				fwrite(p + i, 1, len, f);
			i += len;
			continue;
		}
		i++;
		switch (m) {
		case M_XML:
			switch (c) {
			case '&': fputs("&amp;", f); continue;
			case '<': fputs("&lt;", f); continue;
			case '>': fputs("&gt;", f); continue;
			case '"': fputs("&quot;", f); continue;
			case '\'': fputs("&apos;", f); continue;
			case '\n': fputs("&#10;", f); continue;
			case '\t': fputs("&#9;", f); continue;
			}
			break;
		case M_TAP:
			if (c == '#' || c == '\\') {
				fputc('\\', f);
				fputc((int)c, f);
				continue;
			}
			break;
		case M_YAML:
			if (c == '"' || c == '\\') {
				fputc('\\', f);
				fputc((int)c, f);
				continue;
			}
			if (c == ':') {	/* TAP::Parser's YAMLish would see "- a: b" as a hash */
				fputs("\\x3a", f);
				continue;
			}
			if (c < 0x20 || c == 0x7f) {
				fprintf(f, "\\x%02x", c);
				continue;
			}
			break;
		case M_TEXT:
			break;
		}
		fputc(c < 0x20 || c == 0x7f ? '?' : (int)c, f);
	}
}

static void outs(FILE *f, const char *s, enum mode m) { out(f, s, strlen(s), m); }

/* "74 checks, 1 skipped" (zero counts left out) */
static void counts(char *b, size_t n, const struct rec *r)
{
	int k = snprintf(b, n, "%ld check%s", r->checks, r->checks == 1 ? "" : "s");
	if (r->failed)
		k += snprintf(b + k, n - k, ", %ld failed", r->failed);
	if (r->skipped)
		k += snprintf(b + k, n - k, ", %ld skipped", r->skipped);
	if (r->xfail)
		snprintf(b + k, n - k, ", %ld xfail", r->xfail);
}

static bool mostly_skipped(const struct rec *r)
{
	return !strcmp(r->verdict, "PASS") && r->counts && r->checks > 0 && r->skipped * 2 > r->checks;
}

/* the "(...)" of a result line */
static void info(FILE *f, const struct rec *r, enum mode m)
{
	char c[160];

	if (r->counts && strcmp(r->verdict, "SKIP")) {
		counts(c, sizeof(c), r);
		outs(f, c, m);
		if (strcmp(r->verdict, "PASS") && strcmp(r->verdict, "FAIL") && r->reason.n) {
			outs(f, "; ", m);
			out(f, r->reason.s, r->reason.n, m);
		}
		if (mostly_skipped(r))
			outs(f, "; most checks skipped", m);
	} else {
		out(f, r->reason.s, r->reason.n, m);
	}
}

static bool passed(const struct rec *r) { return !strcmp(r->verdict, "PASS") || !strcmp(r->verdict, "XFAIL"); }

static void print_line(const struct rec *r, long tap)
{
	if (tap < 0) {
		outs(stdout, r->verdict, M_TEXT);
		putchar(' ');
		out(stdout, r->test.s, r->test.n, M_TEXT);
		fputs(" [", stdout);
		out(stdout, r->label.s, r->label.n, M_TEXT);
		fputs("] (", stdout);
		info(stdout, r, M_TEXT);
		fputs(")\n", stdout);
		for (int i = 0; i < r->ndetails; i++) {
			fputs("    ", stdout);
			out(stdout, r->details[i].s, r->details[i].n, M_TEXT);
			putchar('\n');
		}
		return;
	}
	bool skip = !strcmp(r->verdict, "SKIP"), xfail = !strcmp(r->verdict, "XFAIL");
	printf("%sok %ld - ", passed(r) && !xfail ? "" : skip ? "" : "not ", tap);
	out(stdout, r->test.s, r->test.n, M_TAP);
	fputs(" [", stdout);
	out(stdout, r->label.s, r->label.n, M_TAP);
	fputs("]", stdout);
	if (skip) {
		fputs(" # SKIP ", stdout);
		info(stdout, r, M_TAP);
	} else {
		fputs(" (", stdout);
		info(stdout, r, M_TAP);
		fputs(")", stdout);
		if (xfail)
			fputs(" # TODO known failures (errata)", stdout);
	}
	putchar('\n');
	if (!strcmp(r->verdict, "PASS") || skip)
		return;
	printf("  ---\n  result: %s\n  message: \"", r->verdict);
	info(stdout, r, M_YAML);
	fputs("\"\n  log: \"", stdout);
	out(stdout, r->log.s, r->log.n, M_YAML);
	fputs("\"\n", stdout);
	if (r->ndetails) {
		fputs("  checks:\n", stdout);
		for (int i = 0; i < r->ndetails; i++) {
			fputs("    - \"", stdout);
			out(stdout, r->details[i].s, r->details[i].n, M_YAML);
			fputs("\"\n", stdout);
		}
	}
	fputs("  ...\n", stdout);
}

static int by_index(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	return (x->index > y->index) - (x->index < y->index);
}

static struct rec *load_all(char **paths, int n, bool sort)
{
	struct rec *r = calloc(n ? n : 1, sizeof(*r));

	check(r != NULL);
	for (int i = 0; i < n; i++)
		if (!load(paths[i], &r[i]))
			exit(EXIT_USAGE);
	if (sort)
		qsort(r, n, sizeof(*r), by_index);
	return r;
}

static void summary(struct rec *r, int n, bool tap, const char *elapsed, bool interrupted)
{
	const char *p = tap ? "# " : "";
	long np = 0, nf = 0, ns = 0, ni = 0, tc = 0, tf = 0, tsk = 0, tx = 0;

	if (tap && interrupted)
		printf("Bail out! interrupted after %d finished runs\n", n);
	if (n) {
		printf("%s\n%sSummary (%s s; XFAIL counts as passed, ERROR and TIMEOUT as failed):\n",
		       p, p, elapsed);
		printf("%s%-24s %-22s %-8s %8s  %s\n", p, "test", "runner", "result", "time", "log");
	}
	for (int i = 0; i < n; i++) {
		char t[64], l[64];
		fputs(p, stdout);
		snprintf(t, sizeof(t), "%s", r[i].test.s);
		snprintf(l, sizeof(l), "%s", r[i].label.s);
		out(stdout, t, strlen(t), M_TEXT);
		printf("%*s ", (int)(strlen(t) < 24 ? 24 - strlen(t) : 0), "");
		out(stdout, l, strlen(l), M_TEXT);
		printf("%*s %-8s %7.2fs  ", (int)(strlen(l) < 22 ? 22 - strlen(l) : 0), "",
		       r[i].verdict, r[i].secs);
		out(stdout, r[i].log.s, r[i].log.n, M_TEXT);
		putchar('\n');
		if (!strcmp(r[i].verdict, "INTERRUPTED"))
			ni++;
		else if (passed(&r[i]))
			np++;
		else if (!strcmp(r[i].verdict, "SKIP"))
			ns++;
		else
			nf++;
		if (r[i].counts) {
			tc += r[i].checks, tf += r[i].failed, tsk += r[i].skipped, tx += r[i].xfail;
		}
	}
	for (int i = 0; i < n; i++)
		if (mostly_skipped(&r[i])) {
			printf("%snote: PASS ", p);
			out(stdout, r[i].test.s, r[i].test.n, M_TEXT);
			fputs(" [", stdout);
			out(stdout, r[i].label.s, r[i].label.n, M_TEXT);
			printf("] skipped %ld of its %ld checks\n", r[i].skipped, r[i].checks);
		}
	if (n)
		printf("%schecks: %ld run, %ld failed, %ld skipped, %ld xfail\n", p, tc, tf, tsk, tx);
	if (interrupted)
		printf("%sinterrupted: %ld run%s cut short; the tally counts the %ld finished\n",
		       p, ni, ni == 1 ? "" : "s", np + nf + ns);
	printf("%s%ld passed, %ld failed, %ld skipped\n", p, np, nf, ns);
}

static void junit(struct rec *r, int n, const char *file, const char *elapsed)
{
	long nf = 0, ne = 0, ns = 0;
	FILE *f = fopen(file, "w");

	if (!f) {
		fprintf(stderr, "vmc-report: cannot write %s: %s\n", file, strerror(errno));
		exit(1);
	}
	for (int i = 0; i < n; i++) {
		if (!strcmp(r[i].verdict, "FAIL"))
			nf++;
		else if (!strcmp(r[i].verdict, "SKIP"))
			ns++;
		else if (!passed(&r[i]))
			ne++;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
	fprintf(f, "  <testsuite name=\"vmconform\" tests=\"%d\" failures=\"%ld\" errors=\"%ld\" "
		"skipped=\"%ld\" time=\"", n, nf, ne, ns);
	outs(f, elapsed, M_XML);
	fputs("\">\n", f);
	for (int i = 0; i < n; i++) {
		fputs("    <testcase classname=\"vmconform.", f);
		out(f, r[i].arch.s, r[i].arch.n, M_XML);
		fputs("\" name=\"", f);
		out(f, r[i].test.s, r[i].test.n, M_XML);
		fputs(" [", f);
		out(f, r[i].label.s, r[i].label.n, M_XML);
		fprintf(f, "]\" time=\"%.2f\">\n", r[i].secs);
		if (r[i].counts)
			fprintf(f, "      <properties><property name=\"checks\" value=\"%ld\"/>"
				"<property name=\"failed\" value=\"%ld\"/><property name=\"skipped\" "
				"value=\"%ld\"/><property name=\"xfail\" value=\"%ld\"/></properties>\n",
				r[i].checks, r[i].failed, r[i].skipped, r[i].xfail);
		const char *v = r[i].verdict, *tag = NULL;
		if (!strcmp(v, "SKIP")) {
			fputs("      <skipped message=\"", f);
			info(f, &r[i], M_XML);
			fputs("\"/>\n", f);
		} else if (!strcmp(v, "FAIL")) {
			tag = "failure";
		} else if (!passed(&r[i])) {
			tag = "error";
		}
		if (tag) {
			fprintf(f, "      <%s type=\"%s\" message=\"", tag, v);
			info(f, &r[i], M_XML);
			fputs("\">", f);
			for (int k = 0; k < r[i].ndetails; k++) {
				out(f, r[i].details[k].s, r[i].details[k].n, M_XML);
				fputs("\n", f);
			}
			fprintf(f, "</%s>\n", tag);
		}
		fprintf(f, "      <system-out>%s (", v);
		info(f, &r[i], M_XML);
		fputs(")\n", f);
		if (!strcmp(v, "XFAIL"))
			for (int k = 0; k < r[i].ndetails; k++) {
				out(f, r[i].details[k].s, r[i].details[k].n, M_XML);
				fputs("\n", f);
			}
		fputs("log: ", f);
		out(f, r[i].log.s, r[i].log.n, M_XML);
		fputs("</system-out>\n    </testcase>\n", f);
	}
	fputs("  </testsuite>\n</testsuites>\n", f);
	if (fclose(f)) {
		fprintf(stderr, "vmc-report: cannot write %s: %s\n", file, strerror(errno));
		exit(1);
	}
}

/* ------------------------------------------------------------ compare */
static int list_dir(const char *dir, char ***paths)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		die_usage("cannot read results directory %s: %s", dir, strerror(errno));
	*paths = NULL;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 5 || strcmp(e->d_name + l - 4, ".rec"))
			continue;
		check((*paths = realloc(*paths, (n + 1) * sizeof(char *))) != NULL);
		check(asprintf(&(*paths)[n], "%s/%s", dir, e->d_name) > 0);
		n++;
	}
	closedir(d);
	return n;
}

/* the check's key: its message without a trailing " (...)" (what was seen) */
static size_t key_len(const struct str *c)
{
	size_t n = c->n;

	if (n > 2 && c->s[n - 1] == ')') {
		int depth = 0;
		for (size_t i = n; i-- > 2;) {
			if (c->s[i] == ')')
				depth++;
			else if (c->s[i] == '(' && --depth == 0) {
				if (c->s[i - 1] == ' ')
					return i - 1;
				break;
			}
		}
	}
	return n;
}

static const char *status_name(char s)
{
	switch (s) {
	case 'P': return "PASS";
	case 'F': return "FAIL";
	case 'S': return "SKIP";
	case 'X': return "XFAIL";
	case 'U': return "XPASS";
	}
	return "-";
}

static const struct rec *find(const struct rec *r, int n, const struct rec *want)
{
	for (int i = 0; i < n; i++)
		if (r[i].test.n == want->test.n && !memcmp(r[i].test.s, want->test.s, want->test.n) &&
		    !strcmp(r[i].arch.s, want->arch.s))
			return &r[i];
	return NULL;
}

/* the check's loose key: digits and the insides of (...) dropped, for a
 * message whose seen values are not only in a trailing " (...)" */
static bool loose_eq(const struct str *x, const struct str *y)
{
	const char *p = x->s + 2, *q = y->s + 2, *pe = x->s + x->n, *qe = y->s + y->n;

	for (;;) {
		int dp = 0, dq = 0;
		while (p < pe && (dp || *p == '(' || (*p >= '0' && *p <= '9'))) {
			dp += *p == '(' ? 1 : *p == ')' && dp ? -1 : 0;
			p++;
		}
		while (q < qe && (dq || *q == '(' || (*q >= '0' && *q <= '9'))) {
			dq += *q == '(' ? 1 : *q == ')' && dq ? -1 : 0;
			q++;
		}
		if (p == pe || q == qe)
			return p == pe && q == qe;
		if (*p++ != *q++)
			return false;
	}
}

static bool key_eq(const struct str *x, const struct str *y)
{
	size_t kx = key_len(x);

	return kx == key_len(y) && !memcmp(x->s + 2, y->s + 2, kx - 2);
}

static void row(const struct rec *t, const char *check_s, size_t n, const char *a, const char *b)
{
	out(stdout, t->test.s, t->test.n, M_TEXT);
	fputs("  ", stdout);
	out(stdout, check_s, n, M_TEXT);
	printf("  %s -> %s\n", a, b);
}

/* pair the check lines of a and b (either may be NULL): first by key, in
 * order, then the rest by loose key; print the differences */
static long compared;	/* check lines paired across the two runs */

static int compare_checks(const struct rec *a, const struct rec *b)
{
	int na = a ? a->nchk : 0, nb = b ? b->nchk : 0, diffs = 0;
	int *ma = calloc(na + 1, sizeof(int)), *mb = calloc(nb + 1, sizeof(int));

	check(ma && mb);
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < na; i++) {
			if (ma[i])
				continue;
			for (int k = 0; k < nb; k++) {
				if (mb[k])
					continue;
				if (pass ? loose_eq(&a->chk[i], &b->chk[k]) : key_eq(&a->chk[i], &b->chk[k])) {
					ma[i] = k + 1;
					mb[k] = i + 1;
					break;
				}
			}
		}
	for (int i = 0; i < na; i++) {
		const struct str *c = &a->chk[i];
		char sb = ma[i] ? b->chk[ma[i] - 1].s[0] : 0;
		compared += ma[i] != 0;
		if (sb != c->s[0]) {
			row(a, c->s + 2, key_len(c) - 2, status_name(c->s[0]), sb ? status_name(sb) : "absent");
			diffs++;
		}
	}
	for (int k = 0; k < nb; k++)
		if (!mb[k]) {
			row(b, b->chk[k].s + 2, key_len(&b->chk[k]) - 2, "absent", status_name(b->chk[k].s[0]));
			diffs++;
		}
	free(ma);
	free(mb);
	return diffs;
}

static int compare(const char *da, const char *db)
{
	char **pa, **pb;
	int na = list_dir(da, &pa), nb = list_dir(db, &pb), diffs = 0;
	struct rec *a = load_all(pa, na, true), *b = load_all(pb, nb, true);

	printf("compare: A = %s (%d runs), B = %s (%d runs)\n", da, na, db, nb);
	printf("test  check  A -> B\n");
	for (int i = 0; i < na; i++) {
		const struct rec *o = find(b, nb, &a[i]);
		if (!o || strcmp(o->verdict, a[i].verdict)) {
			row(&a[i], "(verdict)", 9, a[i].verdict, o ? o->verdict : "absent");
			diffs++;
		}
		diffs += compare_checks(&a[i], o);
	}
	for (int i = 0; i < nb; i++)
		if (!find(a, na, &b[i])) {
			row(&b[i], "(verdict)", 9, "absent", b[i].verdict);
			diffs += 1 + compare_checks(NULL, &b[i]);
		}
	printf("%ld checks in both, %d difference%s\n", compared, diffs, diffs == 1 ? "" : "s");
	return diffs ? 1 : 0;
}

/* ------------------------------------------------------------ main */
int main(int argc, char **argv)
{
	const char *elapsed = "0.00", *outfile = NULL;
	bool tap = false, interrupted = false, sort = false;
	long tapn = -1;
	int i;

	if (argc < 2)
		die_usage("usage: vmc-report line|summary|junit|compare ...");
	const char *cmd = argv[1];
	for (i = 2; i < argc && !strncmp(argv[i], "--", 2); i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) { i++; break; }
		if (!strcmp(a, "--tap") && !strcmp(cmd, "summary")) tap = true;
		else if (!strcmp(a, "--interrupted")) interrupted = true;
		else if (!strcmp(a, "--sort")) sort = true;
		else if (i + 1 >= argc) die_usage("option %s needs a value", a);
		else if (!strcmp(a, "--tap")) tapn = atol(argv[++i]);
		else if (!strcmp(a, "--elapsed")) elapsed = argv[++i];
		else if (!strcmp(a, "--out")) outfile = argv[++i];
		else die_usage("unknown option '%s'", a);
	}
	int n = argc - i;
	if (!strcmp(cmd, "line")) {
		if (n != 1)
			die_usage("line takes one record");
		struct rec *r = load_all(argv + i, 1, false);
		print_line(r, tapn);
		return 0;
	}
	if (!strcmp(cmd, "tapall")) {	/* every record as a TAP line, 1..n */
		struct rec *r = load_all(argv + i, n, true);
		for (int k = 0; k < n; k++)
			print_line(&r[k], k + 1);
		return 0;
	}
	if (!strcmp(cmd, "summary")) {
		struct rec *r = load_all(argv + i, n, sort);
		summary(r, n, tap, elapsed, interrupted);
		return 0;
	}
	if (!strcmp(cmd, "junit")) {
		if (!outfile)
			die_usage("junit needs --out FILE");
		struct rec *r = load_all(argv + i, n, sort);
		junit(r, n, outfile, elapsed);
		return 0;
	}
	if (!strcmp(cmd, "compare")) {
		if (n != 2)
			die_usage("compare takes two results directories");
		return compare(argv[i], argv[i + 1]);
	}
	die_usage("unknown command '%s' (line, summary, junit, compare)", cmd);
}
