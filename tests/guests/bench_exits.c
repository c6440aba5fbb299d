/*
 * Benchmark guest (make bench, scripts/bench.sh): cycles per exit round
 * trip, measured in the guest with RDTSC around N exits of one kind:
 *   pio    N OUTs to the scratch port 0xf9 (KVM_EXIT_IO to user space)
 *   rdmsr  N RDMSRs of an index KVM does not know, turned into user-space
 *          exits (KVM_EXIT_X86_RDMSR, reason UNKNOWN) and answered there
 * Under the harness the RDMSR exits are set up over the channel (MSR family:
 * exit mask UNKNOWN, fixed-value policy); with "bare" on the command line
 * the host is tests/bench/bare-kvm, which enabled the exits itself and
 * answers every RDMSR with BENCH_VALUE.  Rule: the exits must really have
 * been answered by the host - the scratch port reads back the last value
 * written and every RDMSR returns the value the host was told to give - so
 * a timing of exits that never happened cannot pass.
 * Output lines scripts/bench.sh reads:
 *   INFO: bench: pio n=N cycles=C per_exit=P
 *   INFO: bench: rdmsr n=N cycles=C per_exit=P
 * Args: n=NUM (default 100000), bare.
 */
#include "vmc.h"
#include "processor.h"
#include "msrfilter.h"
#include "channel.h"

#define SCRATCH_PORT	0xf9
#define BENCH_MSR	0x4b564dbeu	/* in KVM's paravirt range, not implemented */
#define BENCH_VALUE	0x600dbe4cull

static uint64_t parse_n(int argc, char **argv, bool *bare)
{
	uint64_t n = 100000;

	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "n=", 2))
			n = strtoull(argv[i] + 2, NULL, 0);
		else if (!strcmp(argv[i], "bare"))
			*bare = true;
	}
	return n ? n : 1;
}

static inline uint64_t rdmsr_raw(uint32_t idx)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(idx));
	return lo | (uint64_t)hi << 32;
}

static void bench_pio(uint64_t n)
{
	uint64_t t0, t1;
	uint32_t back;

	outl(0x12345678, SCRATCH_PORT);		/* warm up */
	t0 = rdtsc();
	for (uint64_t i = 0; i < n; i++)
		outl((uint32_t)i, SCRATCH_PORT);
	t1 = rdtsc();
	back = inl(SCRATCH_PORT);
	if (report(back == (uint32_t)(n - 1),
		   "pio: scratch port 0xf9 reads back the last value written (0x%x, got 0x%x)",
		   (uint32_t)(n - 1), back))
		report_info("bench: pio n=%lu cycles=%lu per_exit=%lu", n, t1 - t0,
			    (t1 - t0) / n);
}

static void bench_rdmsr(uint64_t n, bool bare)
{
	const char *why = NULL;
	uint64_t v = 0, t0, t1, bad = 0;
	int vec;

	if (!bare) {
		if (!msrf_available(&why)) {
			report_skip("rdmsr: user-space MSR exits (%s)", why);
			return;
		}
		if (msrf_exit_mask(VMC_MSR_REASON_UNKNOWN) ||
		    msrf_policy(BENCH_MSR, VMC_MSR_RD_FIXED, VMC_MSR_WR_REFUSE, BENCH_VALUE, 0)) {
			report(false, "rdmsr: harness accepts exit mask UNKNOWN and a fixed-value policy");
			return;
		}
	}
	/* first one through the fault API: a #GP here means no user-space exit */
	vec = msr_read(BENCH_MSR, &v, false, NULL);
	if (!report(vec == 0 && v == BENCH_VALUE,
		    "rdmsr: RDMSR 0x%x exits to the host and returns 0x%lx (vector %d, got 0x%lx)",
		    BENCH_MSR, (uint64_t)BENCH_VALUE, vec, v))
		return;
	t0 = rdtsc();
	for (uint64_t i = 0; i < n; i++)
		bad |= rdmsr_raw(BENCH_MSR) ^ BENCH_VALUE;
	t1 = rdtsc();
	if (report(bad == 0, "rdmsr: all %lu RDMSRs returned 0x%lx", n, (uint64_t)BENCH_VALUE))
		report_info("bench: rdmsr n=%lu cycles=%lu per_exit=%lu", n, t1 - t0,
			    (t1 - t0) / n);
}

int main(int argc, char **argv)
{
	bool bare = false;
	uint64_t n = parse_n(argc, argv, &bare);

	if (!bare && !harness_present()) {
		report_skip("bench: needs the harness (%s) or tests/bench/bare-kvm", HARNESS_SKIP_REASON);
		return report_summary();
	}
	bench_pio(n);
	bench_rdmsr(n, bare);
	return report_summary();
}
