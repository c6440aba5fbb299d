/*
 * msr_filter_smp: MSR filter changes while another vCPU runs, and the
 * x2APIC range with an in-kernel LAPIC (specs/kvm-x86.md A.2 item 6, A.3,
 * A.4 "Filter change is not an exit", F items 10 and 14).
 *
 * Why: KVM swaps the filter under SRCU and then asks every vCPU to
 * recompute its MSR intercepts (KVM_REQ_MSR_FILTER_CHANGED).  A vCPU that
 * is running a tight RDMSR loop must switch to the new filter without user
 * space stopping it (at most a few reads that began after the ioctl
 * returned may still see the old one: the kick is asynchronous), and each access must see either the old
 * or the new filter, never a mix (a denied read that neither exits nor
 * returns the in-kernel value, or a fall back to the old filter after the
 * new one was seen).  With an in-kernel LAPIC in x2APIC mode, 0x800-0x8ff
 * are handled by KVM even under a filter that denies them: vCPU 1 reads its
 * own x2APIC ID (1, the vCPU index the harness gives it) through a filter
 * that denies 0x800-0x8ff, so a zeroed default cannot pass for it.
 * Every wait is bounded by a clock that cannot saturate: the TSC,
 * calibrated once against the LAPIC timer (1 GHz in KVM), so a run slowed
 * by a loaded host ends with a FAIL naming what did not happen, never a
 * TIMEOUT.  scripts/soak-msr-swap.sh runs it repeatedly under CPU load.
 * Needs the harness with -smp 2 (in-kernel irqchip); SKIPs elsewhere.
 */
#include "vmc.h"
#include "processor.h"
#include "msrfilter.h"
#include "smp.h"

#define MADE_UP		0x474f4f00u
#define M		MSR_KERNEL_GS_BASE
#define VAL_EXIT	0xa5a5a5a5000ull	/* what the harness answers (old/new: denied) */
#define VAL_KVM		0x1234567000ull		/* what KVM holds (allowed) */
#define SWAPS		20
#define MAX_LATE	4	/* old-filter reads begun after the ioctl returned */
#define APIC_TDCR	0x3e0
#define APIC_TMICT	0x380
#define APIC_TMCCT	0x390
#define APIC_LVTT	0x320

static volatile uint32_t gen, done_gen = ~0u, stop_loop;
static volatile uint32_t late[SWAPS + 1];
static volatile uint32_t acked = ~0u;
static volatile uint64_t n_exit, n_kvm, n_bad, n_regress, bad_val;

#define WAIT_NS		2000000000ull	/* bound of each wait for vCPU 1: 2 s */
#define CAL_NS		10000000u	/* calibration: 10 ms of LAPIC timer */

static uint64_t tsc0, tsc_per_ms;

/*
 * KVM's LAPIC timer counts at 1 GHz with divide-by-1 (APIC bus cycle 1 ns):
 * measure the TSC against CAL_NS of it once.  The one-shot count runs out
 * after 2^32 ns (~4.3 s); if the vCPU is held off that long the calibration
 * fails (false) rather than measure a saturated count.  Afterwards the
 * clock is the 64-bit TSC, which does not saturate.
 */
static bool clock_start(void)
{
	uint32_t c0, c1;
	uint64_t t0, t1;

	apic_write(APIC_LVTT, 1u << 16);	/* masked */
	apic_write(APIC_TDCR, 0xb);		/* divide by 1 */
	apic_write(APIC_TMICT, 0xffffffffu);
	c0 = apic_read(APIC_TMCCT);
	t0 = rdtsc();
	do {
		c1 = apic_read(APIC_TMCCT);
		t1 = rdtsc();
	} while (c1 && c0 - c1 < CAL_NS);
	apic_write(APIC_TMICT, 0);		/* stop the timer */
	if (!c1 || c0 == c1 || t1 <= t0)
		return false;
	tsc_per_ms = (t1 - t0) * 1000000ull / (c0 - c1);
	tsc0 = rdtsc();
	report_info("TSC: %lu ticks per ms against the LAPIC timer", tsc_per_ms);
	return tsc_per_ms != 0;
}

static uint64_t clock_ns(void)
{
	uint64_t d = rdtsc() - tsc0;

	return d / tsc_per_ms * 1000000ull + d % tsc_per_ms * 1000000ull / tsc_per_ms;
}

/* cpu_wait() with this test's bound; false if vCPU 1 is still busy */
static bool wait_idle(unsigned int cpu, uint64_t limit_ns)
{
	uint64_t t0 = clock_ns();

	while (!cpu_idle(cpu)) {
		if (clock_ns() - t0 > limit_ns)
			return false;
		pause();
	}
	return true;
}

/* vCPU 1: read M as fast as possible, classify each value */
static void reader(void *arg)
{
	uint64_t v;
	uint32_t g1, g2, d;
	int vec;

	(void)arg;
	wrmsr(M, VAL_KVM);
	while (!stop_loop) {
		d = done_gen;
		g1 = gen;
		vec = msr_read(M, &v, false, NULL);
		g2 = gen;
		if (vec || (v != VAL_EXIT && v != VAL_KVM)) {
			n_bad++;
			bad_val = vec ? 0xfa000000ull | vec : v;
			continue;
		}
		if (v == VAL_EXIT)
			n_exit++;
		else
			n_kvm++;
		if (g1 != g2)
			continue;
		if (v == ((g1 & 1) ? VAL_KVM : VAL_EXIT))
			acked = g1;
		else if (acked == g1)
			n_regress++;
		else if (d == g1)
			late[g1]++;	/* the ioctl had returned before this read began */
	}
}

/* even generations deny READ of M, odd ones deny an unrelated MSR */
static int install_gen(uint32_t g)
{
	return msrf_install_one(VMC_MSR_FILTER_DEFAULT_ALLOW, VMC_MSR_FILTER_READ,
				(g & 1) ? MADE_UP : M, 1, false);
}

static bool wait_acked(uint32_t g, uint64_t limit_ns, uint64_t *lat)
{
	uint64_t t0 = clock_ns();

	while (acked != g) {
		if (clock_ns() - t0 > limit_ns)
			return false;
		pause();
	}
	*lat = clock_ns() - t0;
	return true;
}

static void swap_while_running(void)
{
	struct vmc_msr_counters c;
	uint64_t lat = 0, max_lat = 0, t;
	uint32_t missed = 0, bad_kr = 0, max_late = 0;
	int kr, first_kr = 0;
	bool ok;

	report_prefix_push("swap while running");
	msrf_fresh(VMC_MSR_REASON_FILTER);
	msrf_policy(M, VMC_MSR_RD_FIXED, VMC_MSR_WR_REFUSE, VAL_EXIT, 0);
	gen = 0;
	kr = install_gen(0);
	if (kr && !bad_kr++)
		first_kr = kr;
	on_cpu_async(1, reader, NULL);
	ok = wait_acked(0, WAIT_NS, &lat);
	report(ok, "vCPU 1 runs the RDMSR loop and its reads exit under the deny filter "
	       "within 2 s (%s %lu us)", ok ? "seen after" : "not seen in",
	       (unsigned long)(ok ? lat : WAIT_NS) / 1000);
	for (uint32_t g = 1; g <= SWAPS; g++) {
		gen = g;
		kr = install_gen(g);
		if (kr && !bad_kr++)
			first_kr = kr;
		done_gen = g;
		if (!wait_acked(g, WAIT_NS, &lat)) {
			missed++;
			continue;
		}
		if (lat > max_lat)
			max_lat = lat;
		/* let the reader run on under the new filter for ~1 ms */
		t = clock_ns();
		while (clock_ns() - t < 1000000)
			pause();
	}
	stop_loop = 1;
	if (!wait_idle(1, WAIT_NS))
		report_abort("vCPU 1 did not leave the RDMSR loop within 2 s of stop_loop");
	report(!bad_kr, "all %u filter swaps were accepted by KVM (%u refused, the first with %d)",
	       SWAPS + 1, bad_kr, first_kr);
	report(!missed, "vCPU 1 switched to the new filter within 2 s after each of %u swaps "
	       "while running (missed %u)", SWAPS, missed);
	for (uint32_t g = 1; g <= SWAPS; g++)
		if (late[g] > max_late)
			max_late = late[g];
	report(max_late <= MAX_LATE, "after each swap ioctl returned, vCPU 1 saw the old "
	       "filter in at most %u reads without being stopped (max %u)", MAX_LATE, max_late);
	report_info("switch latency after the ioctl returned: max %lu us (host scheduling "
		    "included, not checked)", max_lat / 1000);
	report(!n_bad, "every read returned the old or the new filter's value "
	       "(%lu other, last %#lx)", n_bad, bad_val);
	report(!n_regress, "no read went back to the old filter once the new one was seen "
	       "(%lu did)", n_regress);
	msrf_counters(M, 0, &c);
	report(c.rd[0] == n_exit && c.rd[3] == n_exit && c.rd[0] > 0,
	       "user-space exits (%u) equal the reads that returned the harness's value (%lu); "
	       "%lu reads stayed in KVM", c.rd[0], n_exit, n_kvm);
	msrf_clear();
	report_prefix_pop();
}

static volatile uint64_t ap_id = ~0ull;
static volatile int ap_vec = -1;

static void x2apic_enable(void)
{
	wrmsr(MSR_IA32_APICBASE, rdmsr(MSR_IA32_APICBASE) | (1u << 10) | (1u << 11));
}

/* vCPU 1, before the filter (which denies APIC_BASE by default): x2APIC on */
static void ap_x2apic_enable(void *arg)
{
	(void)arg;
	x2apic_enable();
}

/* vCPU 1, under the filter: read its own x2APIC ID */
static void read_own_x2apic_id(void *arg)
{
	uint64_t id = ~0ull;

	(void)arg;
	ap_vec = msr_read(0x802, &id, false, NULL);
	ap_id = id;
}

static void run_on_ap(void (*fn)(void *), const char *what)
{
	on_cpu_async(1, fn, NULL);
	if (!wait_idle(1, WAIT_NS))
		report_abort("vCPU 1 did not finish %s within 2 s", what);
}

/* A.3 with an in-kernel LAPIC in x2APIC mode: handled by KVM, never filtered */
static void x2apic_in_kernel(bool ap_online)
{
	uint64_t v = 0;
	uint32_t n;
	int kr, vec;

	report_prefix_push("x2apic in-kernel");
	if (!(cpuid(1).c & CPUID_1_ECX_X2APIC)) {
		report_skip("needs CPUID.1:ECX.x2APIC in the guest");
		report_prefix_pop();
		return;
	}
	x2apic_enable();
	if (ap_online)
		run_on_ap(ap_x2apic_enable, "switching to x2APIC mode");
	msrf_fresh(VMC_MSR_REASON_INVAL | VMC_MSR_REASON_UNKNOWN | VMC_MSR_REASON_FILTER);
	msrf_policy_default(VMC_MSR_RD_FIXED, VMC_MSR_WR_ACCEPT_MASK, 0x42, ~0ull);
	kr = msrf_install_one(VMC_MSR_FILTER_DEFAULT_DENY,
			      VMC_MSR_FILTER_READ | VMC_MSR_FILTER_WRITE, 0x800, 0x100, false);
	report(kr == 0, "default deny + deny 0x800-0x8ff is accepted (got %d)", kr);
	if (ap_online) {
		run_on_ap(read_own_x2apic_id, "reading its x2APIC ID");
		report(!ap_vec && ap_id == 1 && msrf_exits(0x802) == 0,
		       "RDMSR 0x802 (x2APIC ID) on vCPU 1 is handled by KVM: 1, no exit "
		       "(vector %d, got %#lx, %u exits)", ap_vec, ap_id, msrf_exits(0x802));
	} else {
		report_skip("RDMSR 0x802 on vCPU 1 (runs once vCPU 1 comes online: the check "
			    "'vCPU 1 came online through INIT/SIPI' FAILed above)");
	}
	vec = msr_write(0x808, 0x20, false, NULL);
	vec |= msr_read(0x808, &v, false, NULL);
	report(!vec && v == 0x20 && msrf_exits(0x808) == 0,
	       "WRMSR/RDMSR 0x808 (TPR) are handled by KVM: reads back %#lx, no exit", v);
	msr_write(0x808, 0, false, NULL);
	vec = msr_read(0x900, &v, false, NULL);
	n = msrf_exits(0x900);
	report(!vec && v == 0x42 && n == 1, "RDMSR 0x900 under the same filter exits FILTER (the "
	       "filter is active) (vector %d, read %#lx, %u exits)", vec, v, n);
	msrf_clear();
	report_prefix_pop();
}

int main(int argc, char **argv)
{
	struct vmc_hello h;
	const char *why;
	unsigned int n;

	(void)argc;
	(void)argv;
	report_prefix_push("msr_filter_smp");
	if (!msrf_available(&why)) {
		report_skip("swap while running, x2apic in-kernel (%s)", why);
		return report_summary();
	}
	harness_hello(&h);
	if (h.nr_vcpus < 2 || !(h.features & VMC_FEAT_IRQCHIP)) {
		report_skip("swap while running, x2apic in-kernel (needs harness -smp 2 with "
			    "the in-kernel irqchip; this VM has %u vCPU(s))", h.nr_vcpus);
		return report_summary();
	}
	if (!clock_start())
		report_abort("could not calibrate the TSC against the LAPIC timer (count ran out)");
	n = smp_init(2);
	report(n == 2, "vCPU 1 came online through INIT/SIPI (%u CPUs online)", n);
	if (n == 2)
		swap_while_running();
	x2apic_in_kernel(n == 2);
	msrf_exit_mask(0);
	report_prefix_pop();
	return report_summary();
}
