/*
 * vmc-supervise, the verdict (docs/results.md, "Status decoding"): what the line
 * state machine saw on the console and on stderr (struct scan, filled by
 * supervise.c) plus the exit status give one verdict and its reason; the
 * FAIL lines become details, or XFAIL when every one matches an --errata
 * entry.  Pure string work on bounded, already captured text.
 */
#include <fnmatch.h>
#include <stdarg.h>

#include "supervise.h"

char verdict[16];
char reason[3 * LINE_KEEP];
long c_checks = -1, c_failed, c_skipped, c_xfail;
char *details[MAX_FAILS + 2];
int ndetails;

void set(const char *v, const char *fmt, ...)
{
	va_list ap;

	snprintf(verdict, sizeof(verdict), "%s", v);
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
}

void add_detail(const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (ndetails >= (int)(sizeof(details) / sizeof(details[0])))
		return;
	va_start(ap, fmt);
	check(vasprintf(&s, fmt, ap) >= 0);
	va_end(ap);
	details[ndetails++] = s;
}

/* "SUMMARY: N test[s], F failed[, S skipped][, X expected failure[s]]" */
static bool parse_summary(const char *s, long *n, long *f, long *sk, long *x)
{
	char *e;

	s += strlen("SUMMARY: ");
	*sk = *x = 0;
	if (*s < '0' || *s > '9')
		return false;
	*n = strtol(s, &e, 10);
	if (prefix(e, " tests, "))
		e += 8;
	else if (prefix(e, " test, "))
		e += 7;
	else
		return false;
	if (*e < '0' || *e > '9')
		return false;
	*f = strtol(e, &e, 10);
	if (!prefix(e, " failed"))
		return false;
	e += 7;
	if (prefix(e, ", ") && e[2] >= '0' && e[2] <= '9') {
		char *e2;
		long v = strtol(e + 2, &e2, 10);
		if (prefix(e2, " skipped")) {
			*sk = v;
			e = e2 + 8;
		}
	}
	if (prefix(e, ", ") && e[2] >= '0' && e[2] <= '9') {
		char *e2;
		long v = strtol(e + 2, &e2, 10);
		if (prefix(e2, " expected failures"))
			e = e2 + 18;
		else if (prefix(e2, " expected failure"))
			e = e2 + 17;
		else
			return false;
		*x = v;
	}
	while (*e == ' ' || *e == '\t')
		e++;
	return *e == 0 && *n >= 0 && *f >= 0 && *sk >= 0 && *x >= 0;
}

/*
 * QEMU 7.2's arm64 refusals of a configuration this host cannot give, before
 * the guest runs (hw/arm/virt.c; specs/arm64.md §4.1): a SKIP naming what
 * would run it.  Only for QEMU's own message on stderr with QEMU's exit
 * status 1, which a guest cannot produce.  Writes the reason to out.
 */
static bool arm64_qemu_refusal(const char *q, char *out, size_t n)
{
	static const char ipa[] = "require an IPA range (";
	const char *p = strstr(q, ipa);
	unsigned long want, have;
	char *e;

	if (p) {
		want = strtoul(p + strlen(ipa), &e, 10);
		p = strstr(e, "supported by the host (");
		if (!strncmp(e, " bits) larger than the one", 26) && p) {
			have = strtoul(p + strlen("supported by the host ("), &e, 10);
			if (!strncmp(e, " bits)", 6)) {
				snprintf(out, n, "needs a %lu-bit IPA space; this KVM host's "
					 "KVM_CAP_ARM_VM_IPA_SIZE is %lu bits (an arm64 host with a "
					 "larger PARange, or --accel=tcg)", want, have);
				return true;
			}
		}
	}
	if (strstr(q, "KVM does not support providing Virtualization extensions")) {
		snprintf(out, n, "needs EL2 in the guest (-M virt,virtualization=on): QEMU 7.2 "
			 "offers it under TCG only (--accel=tcg)");
		return true;
	}
	if (strstr(q, "KVM is not supported for this guest CPU type")) {
		snprintf(out, n, "needs a named CPU model (qemu_params -cpu): KVM runs only -cpu "
			 "host (--accel=tcg)");
		return true;
	}
	return false;
}

void classify(long rc, bool timed_out, int interrupted, double secs, double tmo)
{
	const char *status = NULL;
	bool harness = !strcmp(o_kind, "harness");

	if (interrupted) {
		set("INTERRUPTED", "interrupted by signal %d after %.2f s", interrupted, secs);
		return;
	}
	if (*st.fatal) {
		set("ERROR", "QEMU stopped the guest: %s", st.fatal);
		return;
	}
	if (timed_out) {
		set("TIMEOUT", "no exit within %g s", tmo);
		return;
	}
	if (harness) {
		switch (rc) {
		case 124:
			/* (under vmtest the console and the harness's stderr share
			 * one file: its TIMEOUT: line may not start a line) */
			set("TIMEOUT", "harness deadline: %s",
			    *st.htmo ? st.htmo : "its -t deadline passed (exit 124)");
			return;
		case 77: set("SKIP", "%s", *st.hskip ? st.hskip : "harness: /dev/kvm not usable"); return;
		case 4: set("ERROR", "harness: %s", *st.herr ? st.herr : "run ended as ERROR (no message)"); return;
		case 2: set("ERROR", "harness refused the run: %s", st.errline); return;
		}
	}
	if (*st.crash) {
		set("ERROR", "guest crashed: %s", st.crash);
		return;
	}
	if (!strcmp(o_kind, "exit-line")) {
		static const char *const t[] = { "PASS", "FAIL", "SKIP", "ERROR" };
		if (st.exit_line >= 0)
			status = t[st.exit_line & 3];
		if (st.exit_line > 3)
			status = NULL;
	} else {
		switch (rc) {
		case 1: status = "PASS"; break;
		case 3: status = "FAIL"; break;
		case 5: status = "SKIP"; break;
		case 7: status = "ERROR"; break;
		}
	}
	if (!status) {
		char why[LINE_KEEP + 1];

		if (!strcmp(o_arch, "arm64") && rc == 1 && *st.qerr &&
		    arm64_qemu_refusal(st.qerr, why, sizeof(why)))
			set("SKIP", "%s", why);
		else if (*st.qerr)
			set("ERROR", "QEMU failed (status %ld): %s", rc, st.qerr);
		else if (!strcmp(o_kind, "exit-line"))
			set("ERROR", "no 'EXIT: STATUS=' line (QEMU status %ld%s)", rc,
			    st.sum ? ", after the SUMMARY line" : "");
		else if (!strcmp(o_kind, "debug-exit") && rc == 0)
			set("ERROR", "guest reset or shut down without an exit status (triple fault?)");
		else
			set("ERROR", "exit status %ld is not in the status table", rc);
		return;
	}
	if (!strcmp(status, "ERROR")) {
		set("ERROR", "guest reported ERROR status");
		return;
	}
	if (!st.sum) {
		if (!strcmp(o_kind, "debug-exit") && *st.qerr)
			set("ERROR", "no SUMMARY line; QEMU: %s", st.qerr);
		else
			set("ERROR", "no SUMMARY line; exit status said %s", status);
		return;
	}
	long n, f, s, x;
	if (!parse_summary(st.sumline, &n, &f, &s, &x)) {
		set("ERROR", "malformed SUMMARY line: %s", st.sumline);
		return;
	}
	const char *want = f > 0 || st.xpass > 0 ? "FAIL" : s >= n ? "SKIP" : "PASS";
	if (strcmp(want, status)) {
		set("ERROR", "exit status %s disagrees with '%s'", status, st.sumline);
		return;
	}
	c_checks = n, c_failed = f, c_skipped = s, c_xfail = x;
	if (!strcmp(status, "PASS")) {
		set("PASS", "%s", "");
	} else if (!strcmp(status, "SKIP")) {
		set("SKIP", "%s", n == 0 ? "no check ran and no SKIP reason was printed (SUMMARY: 0 tests): "
		    "a test bug, each of its paths must report() or report_skip() what it needs"
		    : *st.firstskip ? st.firstskip : "every check skipped");
	} else {
		bool all = st.nfails > 0 && st.nfails == f && st.nfails <= MAX_FAILS && !st.xpass;
		set("FAIL", "%ld failed", f);
		for (long i = 0; i < st.nfails && i < MAX_FAILS; i++) {
			int k;
			for (k = 0; k < n_errata; k++)
				if (!fnmatch(err_glob[k], st.fails[i], 0))
					break;
			if (k == n_errata)
				all = false;
		}
		if (all) {
			/* every failure is a listed host bug: count them as expected */
			c_failed = 0, c_xfail = x + f;
			set("XFAIL", "%ld known failures (errata)", f);
			for (long i = 0; i < st.nfails; i++)
				for (int k = 0; k < n_errata; k++)
					if (!fnmatch(err_glob[k], st.fails[i], 0)) {
						add_detail("XFAIL: %s  [errata: %s]", st.fails[i], err_why[k]);
						break;
					}
		} else {
			for (long i = 0; i < st.nfails && i < MAX_FAILS; i++)
				add_detail("FAIL: %s", st.fails[i]);
			if (st.nfails > MAX_FAILS)
				add_detail("(%ld more FAIL lines not listed)", st.nfails - MAX_FAILS);
			if (st.xpass)
				add_detail("(%ld unexpected XPASS)", st.xpass);
		}
	}
}
