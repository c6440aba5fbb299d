/*
 * s390x SIGP: starting, stopping and sensing another CPU (run with -smp 2).
 *
 * Rules checked, and why (Principles of Operation, "Signal Processor"):
 *  - SIGP SENSE on a stopped CPU stores status with the "stopped" bit
 *    (cc 1, 0x40); on an operating CPU it gives cc 0;
 *  - SIGP SENSE RUNNING STATUS (facility 9) on a stopped CPU stores status
 *    "not running" (cc 1, 0x400); on a CPU that is executing gives cc 0.
 *    Running status is a hint (a hypervisor may deschedule a vCPU), so the
 *    running case is sampled several times and must be seen at least once;
 *    the stopped case must hold on every sample;
 *  - SIGP RESTART starts a stopped CPU at its restart-new PSW, SIGP STOP stops
 *    it, SIGP START resumes it where it stopped: the other CPU's progress
 *    counter moves only while it is operating;
 *  - SIGP to a CPU address that does not exist gives cc 3.
 * Operating systems rely on exactly these answers to bring CPUs up and down
 * (Linux smp_start_secondary, pcpu_running) and to decide whether to yield
 * to a vCPU holding a lock; a wrong cc or status word breaks them.
 */
#include "vmc.h"
#include "s390x.h"

static volatile uint64_t counter;

static void spin(void)
{
	for (;;)
		counter++;
}

/*
 * wait (bounded) until the counter moves; returns whether it did, with the
 * value it started from and the last value it read
 */
static bool counter_moves(uint64_t *before, uint64_t *after)
{
	uint64_t c = counter, now = c;
	long i;

	for (i = 0; i < 50000000; i++) {
		now = counter;
		if (now != c)
			break;
	}
	*before = c;
	*after = now;
	return now != c;
}

/* spin a while; returns whether the counter stayed, with both readings */
static bool counter_still(uint64_t *before, uint64_t *after)
{
	uint64_t c = counter;
	volatile long i;

	for (i = 0; i < 2000000; i++)
		;
	*before = c;
	*after = counter;
	return *after == c;
}

/* SIGP STOP, then SENSE until stopped (bounded); the check shows what was seen */
static void check_stop(uint16_t addr)
{
	int stop_cc, sense_cc;
	uint32_t status;
	bool ok = smp_cpu_stop_seen(addr, &stop_cc, &sense_cc, &status);

	report(ok, "SIGP STOP accepted and SENSE then shows stopped (STOP cc %d; last SENSE "
	       "cc %d, status %#x)", stop_cc, sense_cc, status);
}

static void check_sense(uint16_t addr, bool stopped, const char *when)
{
	uint32_t status = 0;
	int cc = sigp_retry(addr, SIGP_SENSE, 0, &status);

	if (stopped)
		report(cc == SIGP_CC_STATUS_STORED && (status & SIGP_STATUS_STOPPED),
		       "SIGP SENSE %s: cc 1, status has stopped (0x40) (cc %d, status %#x)",
		       when, cc, status);
	else
		report(cc == SIGP_CC_ACCEPTED,
		       "SIGP SENSE %s: cc 0, operating (cc %d, status %#x)", when, cc, status);
}

static void check_running(uint16_t addr, bool running, const char *when)
{
	uint32_t status = 0;
	int i, cc = -1, seen_running = 0, seen_not = 0, other = 0;

	if (!test_facility(9)) {
		report_skip("SIGP SENSE RUNNING STATUS %s (facility 9, sense-running-status, "
			    "not installed: use a CPU model that has it)", when);
		return;
	}
	for (i = 0; i < 20; i++) {
		status = 0;
		cc = sigp_retry(addr, SIGP_SENSE_RUNNING_STATUS, 0, &status);
		if (cc == SIGP_CC_ACCEPTED)
			seen_running++;
		else if (cc == SIGP_CC_STATUS_STORED && status == SIGP_STATUS_NOT_RUNNING)
			seen_not++;
		else
			other++;
	}
	if (running)
		report(seen_running > 0 && !other,
		       "SIGP SENSE RUNNING STATUS %s: cc 0 (running) seen, nothing but "
		       "cc 0 / cc 1 not-running (running %d, not running %d, other %d, "
		       "last cc %d status %#x)", when, seen_running, seen_not, other, cc, status);
	else
		report(seen_not == 20,
		       "SIGP SENSE RUNNING STATUS %s: always cc 1 with status not-running "
		       "0x400 (not running %d of 20, running %d, other %d, last cc %d status %#x)",
		       when, seen_not, seen_running, other, cc, status);
}

int main(void)
{
	uint16_t self = stap(), other = 0xffff, nobody;
	uint32_t status = 0;
	uint64_t c0, c1;
	unsigned int i;
	bool ok;
	int cc;

	report_info("SCLP lists %u CPU(s); this is CPU %u", sclp_cpu_count(), self);
	for (i = 0; i < sclp_cpu_count(); i++)
		if (sclp_cpu_addr(i) != self) {
			other = sclp_cpu_addr(i);
			break;
		}

	/* a CPU address nobody has */
	for (nobody = 1; nobody < 0xffff; nobody++) {
		for (i = 0; i < sclp_cpu_count() && sclp_cpu_addr(i) != nobody; i++)
			;
		if (i == sclp_cpu_count() && nobody != self)
			break;
	}
	cc = sigp(nobody, SIGP_SENSE, 0, &status);
	report(cc == SIGP_CC_NOT_OPERATIONAL,
	       "SIGP SENSE to absent CPU address %u: cc 3 (cc %d)", nobody, cc);
	check_running(self, true, "on this CPU");

	if (other == 0xffff) {
		report_skip("SIGP on a second CPU (only one CPU: run with -smp 2)");
		return report_summary();
	}
	report_prefix_push("stopped");
	check_sense(other, true, "on the never-started CPU");
	check_running(other, false, "on the never-started CPU");
	report_prefix_pop();

	report_prefix_push("restart");
	cc = smp_cpu_run(other, spin);
	report(cc == 0, "SIGP SET PREFIX and SIGP RESTART accepted (%d)", cc);
	ok = counter_moves(&c0, &c1);
	report(ok, "the restarted CPU runs (its counter moves) (counter %lu, then %lu)",
	       (unsigned long)c0, (unsigned long)c1);
	check_sense(other, false, "on the running CPU");
	check_running(other, true, "on the spinning CPU");
	report_prefix_pop();

	report_prefix_push("stop");
	check_stop(other);
	ok = counter_still(&c0, &c1);
	report(ok, "the stopped CPU does not run (counter stays: %lu, then %lu)",
	       (unsigned long)c0, (unsigned long)c1);
	check_running(other, false, "on the stopped CPU");
	report_prefix_pop();

	report_prefix_push("start");
	cc = sigp_retry(other, SIGP_START, 0, &status);
	report(cc == SIGP_CC_ACCEPTED, "SIGP START accepted (cc %d, status %#x)", cc, status);
	ok = counter_moves(&c0, &c1);
	report(ok, "the CPU resumes where it stopped (its counter moves) (counter %lu, then %lu)",
	       (unsigned long)c0, (unsigned long)c1);
	check_sense(other, false, "after START");
	check_running(other, true, "after START");
	report_prefix_pop();

	report_prefix_push("stop again");
	check_stop(other);
	ok = counter_still(&c0, &c1);
	report(ok, "the stopped CPU does not run (counter stays: %lu, then %lu)",
	       (unsigned long)c0, (unsigned long)c1);
	check_sense(other, true, "after the second STOP");
	check_running(other, false, "after the second STOP");
	report_prefix_pop();
	return report_summary();
}
