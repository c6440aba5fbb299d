/*
 * vmc-supervise: runs one test command for run_tests.sh (DESIGN §6,
 * docs/results.md) so that no guest byte ever goes through the shell.
 *
 *   vmc-supervise [options] -- CMD ARGS...   run CMD and supervise it
 *   vmc-supervise [options] --from FILE --rc N
 *                          classify a finished run's console (vmtest)
 *   vmc-supervise [options] --verdict V --reason TEXT
 *                          a run that did not happen (SKIP, not built, ...)
 *
 * Options: --record FILE (required) --log FILE --cap BYTES --timeout S
 *   --kind debug-exit|exit-line|harness --test NAME --label L --arch A
 *   --index N --secs S --errata GLOB WHY (repeatable: a failing check whose
 *   message matches GLOB is a known failure; the runner passes only the
 *   entries whose test and host condition hold) --note TEXT (appended to
 *   the result's reason: how the run differs from its label)
 * arm64: QEMU's own refusal of the configuration (stderr, exit status 1:
 * IPA size above the host's, EL2 or a named CPU under KVM) is a SKIP that
 * names what would run it.
 *
 * CMD runs in a process group of its own, stdin /dev/null; stdout (the
 * guest's console) and stderr (QEMU's / the harness's own messages) come
 * through two pipes.  Both are copied to the log in arrival order, in linear
 * time, up to --cap bytes; after that one note says how much was dropped,
 * and the output is still read and watched to the end.  Lines are seen by
 * a byte-stream state machine that keeps at most LINE_KEEP bytes of each
 * line; QEMU failure markers count only on stderr, so a guest cannot forge
 * them.  At the deadline, on a QEMU failure marker (QEMU pauses the guest
 * on "KVM internal error" / "emulation failure": the run ends 0.3 s later,
 * the register dump in the log), and on SIGINT / SIGTERM / SIGHUP the whole
 * group gets SIGTERM, then SIGKILL 1 s later; when CMD exits, whatever is
 * left of its group is killed.  Every wait is bounded, clocks monotonic.
 * Exit: 0 (the verdict is in the record), 130 when interrupted, 2 usage.
 * The verdict itself is worked out in verdict.c (classify).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "supervise.h"

/* ------------------------------------------------------------ options */
static const char *o_record, *o_log, *o_test = "?", *o_label = "?";
const char *o_kind = "debug-exit", *o_arch = "?";
static const char *o_from, *o_verdict, *o_reason = "", *o_note = "";
static long long o_cap = 1 << 20, o_index = -1, o_rc = -1;
static double o_timeout, o_secs = -1;
const char *err_glob[MAX_ERRATA], *err_why[MAX_ERRATA];
int n_errata;

/* ------------------------------------------------------------ state */
struct line {
	char buf[LINE_KEEP + 1];
	size_t len;		/* bytes kept (<= LINE_KEEP) */
};

struct scan st = { .exit_line = -1 };

static FILE *logf;
static unsigned long long logged, dropped;

bool prefix(const char *s, const char *p) { return !strncmp(s, p, strlen(p)); }
static void keep(char *dst, const char *src) { if (!*dst) snprintf(dst, LINE_KEEP + 1, "%s", src); }

static void add_check(char status, const char *msg)
{
	size_t n = strlen(msg) + 3;

	if (st.nchecks >= MAX_CHECKS || st.checks_len + n > CHECK_BYTES) {
		st.checks_dropped++;
		return;
	}
	if (!st.checks)
		check((st.checks = malloc(CHECK_BYTES)) != NULL);
	st.checks[st.checks_len] = status;
	st.checks[st.checks_len + 1] = ' ';
	memcpy(st.checks + st.checks_len + 2, msg, n - 2);
	st.checks_len += n;
	st.nchecks++;
}

/* "qemu-system-<arch>: " */
static bool qemu_msg(const char *s)
{
	if (!prefix(s, "qemu-system-"))
		return false;
	s += strlen("qemu-system-");
	const char *b = s;
	while ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')
		s++;
	return s > b && s[0] == ':' && s[1] == ' ';
}

static bool fatal_marker(const char *s)
{
	return prefix(s, "KVM internal error. Suberror:") || !strcmp(s, "emulation failure") ||
	       prefix(s, "KVM: entry failed") || prefix(s, "error: kvm run failed") ||
	       prefix(s, "qemu: fatal:");
}

/* one whole line (at most LINE_KEEP bytes of it, no LF, no trailing CR).
 * guest: from the console; host: from the runner's own stderr. */
static void see_line(char *s, bool guest, bool host)
{
	if (guest) {
		if (prefix(s, "SUMMARY: ")) {
			st.sum = true;
			snprintf(st.sumline, sizeof(st.sumline), "%s", s);
		} else if (prefix(s, "FAIL: ")) {
			if (st.nfails < MAX_FAILS)
				check((st.fails[st.nfails] = strdup(s + 6)) != NULL);
			st.nfails++;
			add_check('F', s + 6);
		} else if (prefix(s, "PASS: ")) {
			add_check('P', s + 6);
		} else if (prefix(s, "XFAIL: ")) {
			add_check('X', s + 7);
		} else if (prefix(s, "XPASS: ")) {
			st.xpass++;
			add_check('U', s + 7);
		} else if (prefix(s, "SKIP: ")) {
			keep(st.firstskip, s + 6);
			add_check('S', s + 6);
		} else if (prefix(s, "UNEXPECTED EXCEPTION")) {
			keep(st.crash, s);
		} else if (prefix(s, "EXIT: STATUS=")) {
			const char *v = s + strlen("EXIT: STATUS=");
			if (v[0] >= '0' && v[0] <= '9' && (v[1] < '0' || v[1] > '9'))
				st.exit_line = v[0] - '0';
		}
		/* the harness prints its own "SKIP: /dev/kvm ..." / "SKIP: vmc-harness
		 * ..." (--vm-type=snp on a host without SNP) with exit 77, on stdout */
		if (prefix(s, "SKIP: /dev/kvm") || prefix(s, "SKIP: vmc-harness "))
			snprintf(st.hskip, sizeof(st.hskip), "%s", s + 6);
	}
	if (host) {
		if (prefix(s, "ERROR: "))
			keep(st.herr, s + 7);
		else if (prefix(s, "TIMEOUT: "))
			keep(st.htmo, s + 9);
		else if (prefix(s, "SKIP: /dev/kvm") || prefix(s, "SKIP: vmc-harness "))
			snprintf(st.hskip, sizeof(st.hskip), "%s", s + 6);
		if (qemu_msg(s))
			keep(st.qerr, s);
		if (*s && s[0] != '#')
			keep(st.errline, s);
	}
}

static bool *fatal_flag;	/* set when a fatal marker shows up (run mode) */

/* markers: this stream is the runner's stderr, where QEMU's failure
 * messages count (never the guest's console) */
static void line_end(struct line *l, bool guest, bool host, bool markers)
{
	l->buf[l->len] = 0;
	if (l->len && l->buf[l->len - 1] == '\r')
		l->buf[--l->len] = 0;
	/* a NUL inside the kept part ends what the matchers see: fine */
	if (markers && !*st.fatal && fatal_marker(l->buf)) {
		snprintf(st.fatal, sizeof(st.fatal), "%s", l->buf);
		if (fatal_flag)
			*fatal_flag = true;
	}
	see_line(l->buf, guest, host);
	l->len = 0;
}

/* linear: each byte is copied at most once into the line buffer */
static void feed(struct line *l, const char *p, size_t n, bool guest, bool host, bool markers)
{
	size_t i = 0;

	while (i < n) {
		const char *nl = memchr(p + i, '\n', n - i);
		size_t seg = nl ? (size_t)(nl - (p + i)) : n - i;
		size_t room = LINE_KEEP - l->len;

		memcpy(l->buf + l->len, p + i, seg < room ? seg : room);
		l->len += seg < room ? seg : room;
		i += seg;
		if (!nl)
			break;
		i++;	/* the LF */
		line_end(l, guest, host, markers);
	}
}

static void log_bytes(const char *p, size_t n)
{
	if (!logf)
		return;
	if (logged + n > (unsigned long long)o_cap) {
		size_t k = logged < (unsigned long long)o_cap ? (size_t)(o_cap - logged) : 0;
		fwrite(p, 1, k, logf);
		logged += k;
		dropped += n - k;
		return;
	}
	fwrite(p, 1, n, logf);
	logged += n;
}

/* ------------------------------------------------------------ time */
static int64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static volatile sig_atomic_t got_signal, got_child;
static void on_signal(int s) { got_signal = s; }
static void on_child(int s) { (void)s; got_child = 1; }

/* ------------------------------------------------------------ output */
static void write_record(long rc, bool have_rc, double secs)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", o_record);
	check((f = fopen(tmp, "w")) != NULL);
	fprintf(f, "verdict %s\n%s\n", verdict, REC_MAGIC);
	rec_put(f, "test", o_test, strlen(o_test));
	rec_put(f, "label", o_label, strlen(o_label));
	rec_put(f, "arch", o_arch, strlen(o_arch));
	fprintf(f, "index %lld\n", o_index);
	if (c_checks >= 0)
		fprintf(f, "checks %ld\nfailed %ld\nskipped %ld\nxfail %ld\n",
			c_checks, c_failed, c_skipped, c_xfail);
	fprintf(f, "secs %.2f\n", secs);
	if (have_rc)
		fprintf(f, "rc %ld\n", rc);
	fprintf(f, "dropped %llu\n", dropped);
	if (o_log)
		rec_put(f, "log", o_log, strlen(o_log));
	rec_put(f, "reason", reason, strlen(reason));
	for (int i = 0; i < ndetails; i++)
		rec_put(f, "detail", details[i], strlen(details[i]));
	for (size_t off = 0; off < st.checks_len;) {
		size_t n = strlen(st.checks + off);
		rec_put(f, "check", st.checks + off, n);
		off += n + 1;
	}
	if (st.checks_dropped)
		fprintf(f, "checks_dropped %ld\n", st.checks_dropped);
	check(fclose(f) == 0);
	/*
	 * Renamed onto no file: a rename that replaces an existing file makes
	 * ext4 (auto_da_alloc) allocate and start writing the new file's
	 * blocks at once, ~0.2 ms CPU and ~0.6 ms wall of every run here.  The
	 * record still appears complete or not at all.  Whatever keeps the
	 * unlink from working makes the rename fail, and that is reported.
	 */
	(void)unlink(o_record);
	check(rename(tmp, o_record) == 0);
}

/* the log's closing lines (text without control bytes) */
static void log_close(long rc, bool have_rc, double secs)
{
	if (!logf)
		return;
	if (dropped)
		fprintf(logf, "\n# console: %llu bytes past the log cap of %lld bytes dropped "
			"(still read and watched to the end)\n", dropped, o_cap);
	if (have_rc)
		fprintf(logf, "# exit status: %ld  time: %.2f s\n", rc, secs);
	else
		fprintf(logf, "# exit status: none  time: %.2f s\n", secs);
	fprintf(logf, "# result: %s%s", verdict, *reason ? " (" : "");
	for (const char *p = reason; *p; p++)
		fputc((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p, logf);
	fprintf(logf, "%s\n", *reason ? ")" : "");
	fclose(logf);
	logf = NULL;
}

/* ------------------------------------------------------------ running */
static double run(char **argv, long *rc_out, bool *timed_out, int *interrupted)
{
	int out[2], err[2];
	sigset_t block, empty;
	struct sigaction sa = { 0 };
	bool fatal = false;
	int64_t t0 = now_ns(), deadline = o_timeout > 0 ? t0 + (int64_t)(o_timeout * 1e9) : INT64_MAX;
	int64_t term_at = INT64_MAX, kill_at = INT64_MAX, drain_until = INT64_MAX;
	bool reaped = false, exited = false;
	int status = 0;
	pid_t pid;

	fatal_flag = &fatal;
	check(pipe2(out, O_CLOEXEC) == 0 && pipe2(err, O_CLOEXEC) == 0);
	sigemptyset(&empty);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	check(sigprocmask(SIG_BLOCK, &block, NULL) == 0);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_child;
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/*
	 * vfork: the child borrows the parent's memory until its exec, so the
	 * parent's page tables are not copied as fork() would (the wrapper's
	 * cost is part of every boot -> verdict, docs/bench.md).  The child
	 * only makes system calls and writes nothing but its own frame (and
	 * errno); the signals the parent handles are blocked until the child
	 * has set them back to SIG_DFL, so no parent handler runs in it.  The
	 * parent resumes after the exec (or _exit), so the group exists then.
	 */
	check((pid = vfork()) >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		setpgid(0, 0);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		sigprocmask(SIG_SETMASK, &empty, NULL);
		if (null < 0 || dup2(null, 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0)
			_exit(127);
		execvp(argv[0], argv);
		dprintf(2, "vmc-supervise: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(out[1]);
	close(err[1]);

	struct pollfd pf[2] = { { .fd = out[0], .events = POLLIN }, { .fd = err[0], .events = POLLIN } };
	struct line lo = { .len = 0 }, le = { .len = 0 };
	static char buf[1 << 16];

	while (!reaped || pf[0].fd >= 0 || pf[1].fd >= 0) {
		int64_t t = now_ns(), next = deadline;

		if (got_signal && !*interrupted) {
			*interrupted = got_signal;
			kill(-pid, SIGTERM);
			kill_at = t + 1000000000LL;
			drain_until = t + 1500000000LL;
		}
		if (t >= deadline && !*timed_out && !exited) {
			*timed_out = true;
			kill(-pid, SIGTERM);
			kill_at = t + 1000000000LL;
			deadline = INT64_MAX;
		}
		if (fatal && term_at == INT64_MAX && !exited)
			term_at = t + 300000000LL;	/* let the register dump reach the log */
		if (t >= term_at) {
			kill(-pid, SIGTERM);
			kill_at = t + 1000000000LL;
			term_at = INT64_MAX - 1;
		}
		if (t >= kill_at) {
			kill(-pid, SIGKILL);
			kill_at = INT64_MAX;
		}
		if (got_child || !reaped) {
			siginfo_t si = { 0 };

			got_child = 0;
			/* see the exit without reaping: the group id stays ours until
			 * the rest of the group is killed */
			if (!reaped && waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
			    si.si_pid == pid) {
				kill(-pid, SIGKILL);
				check(waitpid(pid, &status, 0) == pid);
				reaped = exited = true;
				if (drain_until == INT64_MAX)
					drain_until = now_ns() + 1000000000LL;
				kill_at = term_at = INT64_MAX;
			}
		}
		if (t >= drain_until)
			break;
		if (reaped && pf[0].fd < 0 && pf[1].fd < 0)
			break;
		if (term_at < next)
			next = term_at;
		if (kill_at < next)
			next = kill_at;
		if (drain_until < next)
			next = drain_until;
		struct timespec ts = { 0, 0 }, *tp = NULL;
		if (next != INT64_MAX) {
			int64_t d = next - t;
			if (d < 0)
				d = 0;
			ts.tv_sec = d / 1000000000;
			ts.tv_nsec = d % 1000000000;
			tp = &ts;
		}
		int r = ppoll(pf, 2, tp, &empty);
		if (r < 0 && errno != EINTR)
			check(r >= 0);
		for (int i = 0; r > 0 && i < 2; i++) {
			if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t n = read(pf[i].fd, buf, sizeof(buf));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0) {
				/* the partial last line, then the stream is done */
				struct line *l = i ? &le : &lo;
				if (l->len)
					line_end(l, i == 0, i == 1, i == 1);
				close(pf[i].fd);
				pf[i].fd = -1;
				continue;
			}
			log_bytes(buf, (size_t)n);
			feed(i ? &le : &lo, buf, (size_t)n, i == 0, i == 1, i == 1);
		}
	}
	if (!reaped) {
		/* drain deadline hit with the child still there: it had SIGKILL */
		kill(-pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	for (int i = 0; i < 2; i++)
		if (pf[i].fd >= 0) {
			struct line *l = i ? &le : &lo;
			if (l->len)
				line_end(l, i == 0, i == 1, i == 1);
			close(pf[i].fd);
		}
	*rc_out = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return (now_ns() - t0) / 1e9;
}

static void classify_file(const char *path)
{
	static char buf[1 << 16];
	struct line l = { .len = 0 };
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		log_bytes(buf, n);
		/* one stream: guest and harness lines together, no QEMU markers */
		feed(&l, buf, n, true, true, false);
	}
	if (l.len)
		line_end(&l, true, true, false);
	fclose(f);
}

static double num(const char *opt, const char *v, double max)
{
	char *e;
	double d = strtod(v, &e);

	if (!*v || *e || !(d >= 0) || d > max)
		die_usage("bad %s '%s'", opt, v);
	return d;
}

int main(int argc, char **argv)
{
	int i;
	long rc = 0;
	bool timed_out = false, have_rc = false;
	int interrupted = 0;
	double secs = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--"))
			break;
		if (!v)
			die_usage("option %s needs a value", a);
		if (!strcmp(a, "--record")) o_record = v;
		else if (!strcmp(a, "--log")) o_log = v;
		else if (!strcmp(a, "--kind")) o_kind = v;
		else if (!strcmp(a, "--test")) o_test = v;
		else if (!strcmp(a, "--label")) o_label = v;
		else if (!strcmp(a, "--arch")) o_arch = v;
		else if (!strcmp(a, "--from")) o_from = v;
		else if (!strcmp(a, "--verdict")) o_verdict = v;
		else if (!strcmp(a, "--reason")) o_reason = v;
		else if (!strcmp(a, "--note")) o_note = v;
		else if (!strcmp(a, "--cap")) o_cap = (long long)num(a, v, 1e12);
		else if (!strcmp(a, "--index")) o_index = (long long)num(a, v, 1e9);
		else if (!strcmp(a, "--rc")) o_rc = (long long)num(a, v, 255);
		else if (!strcmp(a, "--timeout")) o_timeout = num(a, v, 1e6);
		else if (!strcmp(a, "--secs")) o_secs = num(a, v, 1e9);
		else if (!strcmp(a, "--errata")) {
			if (i + 2 >= argc)
				die_usage("--errata needs GLOB and WHY");
			if (n_errata >= MAX_ERRATA)
				die_usage("more than %d --errata entries", MAX_ERRATA);
			err_glob[n_errata] = v;
			err_why[n_errata++] = argv[i + 2];
			i++;
		} else
			die_usage("unknown option '%s'", a);
		i++;
	}
	if (!o_record)
		die_usage("--record FILE is required");
	if (strcmp(o_kind, "debug-exit") && strcmp(o_kind, "exit-line") && strcmp(o_kind, "harness"))
		die_usage("bad --kind '%s' (debug-exit, exit-line or harness)", o_kind);
	if (o_log)
		check((logf = fopen(o_log, "a")) != NULL);

	if (o_verdict) {
		char w[sizeof(VERDICTS) + 2];
		snprintf(w, sizeof(w), " %s ", VERDICTS);
		char v[32];
		snprintf(v, sizeof(v), " %s ", o_verdict);
		if (!strstr(w, v) || strchr(o_verdict, ' ') || !*o_verdict)
			die_usage("bad --verdict '%s' (%s)", o_verdict, VERDICTS);
		set(o_verdict, "%s", o_reason);
		secs = o_secs > 0 ? o_secs : 0;
	} else if (o_from) {
		if (o_rc < 0)
			die_usage("--from needs --rc N");
		classify_file(o_from);
		rc = o_rc;
		have_rc = true;
		secs = o_secs > 0 ? o_secs : 0;
		classify(rc, false, 0, secs, o_timeout);
	} else {
		if (i + 1 >= argc)
			die_usage("no command (want -- CMD ARGS...)");
		if (logf)
			fflush(logf);
		secs = run(argv + i + 1, &rc, &timed_out, &interrupted);
		have_rc = !interrupted;
		classify(rc, timed_out, interrupted, secs, o_timeout);
	}
	/* how the run differs from its label (e.g. EFI under TCG on kvm_pvm) */
	if (*o_note) {
		size_t l = strlen(reason);
		snprintf(reason + l, sizeof(reason) - l, "%s%s", l ? "; " : "", o_note);
	}
	write_record(rc, have_rc, secs);
	log_close(rc, have_rc, secs);
	return interrupted ? 130 : 0;
}
