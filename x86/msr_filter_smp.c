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
 * are handled by KVM even under a filter that denies them.
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

/* KVM's LAPIC timer counts at 1 GHz with divide-by-1: a nanosecond clock */
static void clock_start(void)
{
	apic_write(APIC_LVTT, 1u << 16);	/* masked */
	apic_write(APIC_TDCR, 0xb);		/* divide by 1 */
	apic_write(APIC_TMICT, 0xffffffffu);
}

/*
 * The 32-bit count runs out after 4.29 s (a run under --migrate-every can
 * take longer): past half of it the elapsed part moves into clock_base and
 * the count restarts.  vCPU 0 only.
 */
static uint64_t clock_base;

static uint64_t clock_ns(void)
{
	uint32_t cur = 0xffffffffu - apic_read(APIC_TMCCT);

	if (cur >= 0x80000000u) {
		clock_base += cur;
		apic_write(APIC_TMICT, 0xffffffffu);
		cur = 0;
	}
	return clock_base + cur;
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
	msrf_filter_t f;
	int kr;

	msrf_init(&f, VMC_MSR_FILTER_DEFAULT_ALLOW);
	msrf_add(&f, VMC_MSR_FILTER_READ, (g & 1) ? MADE_UP : M, 1, false);
	if (msrf_install(&f, &kr) < 0)
		kr = -1000;
	msrf_free(&f);
	return kr;
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

	report_prefix_push("swap");
	if (msrf_clear() || msrf_exit_mask(VMC_MSR_REASON_FILTER) ||
	    msrf_policy_clear_all() || msrf_reset())
		report_abort("could not reset the harness's MSR state");
	msrf_policy(M, VMC_MSR_RD_FIXED, VMC_MSR_WR_REFUSE, VAL_EXIT, 0);
	clock_start();
	gen = 0;
	bad_kr += install_gen(0) != 0;
	on_cpu_async(1, reader, NULL);
	report(wait_acked(0, 2000000000ull, &lat),
	       "vCPU 1 runs the RDMSR loop and its reads exit under the deny filter");
	for (uint32_t g = 1; g <= SWAPS; g++) {
		gen = g;
		bad_kr += install_gen(g) != 0;
		done_gen = g;
		if (!wait_acked(g, 2000000000ull, &lat)) {
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
	cpu_wait(1);
	report(!bad_kr, "all %u filter swaps were accepted by KVM", SWAPS + 1);
	report(!missed, "vCPU 1 switched to the new filter after each of %u swaps while "
	       "running (missed %u)", SWAPS, missed);
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

/* A.3 with an in-kernel LAPIC in x2APIC mode: handled by KVM, never filtered */
static void x2apic_in_kernel(void)
{
	msrf_filter_t f;
	uint64_t v = 0, id = 0;
	int kr, vec;

	report_prefix_push("x2apic in-kernel");
	if (!(cpuid(1).c & CPUID_1_ECX_X2APIC)) {
		report_skip("needs CPUID.1:ECX.x2APIC in the guest");
		report_prefix_pop();
		return;
	}
	wrmsr(MSR_IA32_APICBASE, rdmsr(MSR_IA32_APICBASE) | (1u << 10) | (1u << 11));
	msrf_clear();
	msrf_exit_mask(VMC_MSR_REASON_INVAL | VMC_MSR_REASON_UNKNOWN | VMC_MSR_REASON_FILTER);
	msrf_policy_default(VMC_MSR_RD_FIXED, VMC_MSR_WR_ACCEPT_MASK, 0x42, ~0ull);
	msrf_reset();
	msrf_init(&f, VMC_MSR_FILTER_DEFAULT_DENY);
	msrf_add(&f, VMC_MSR_FILTER_READ | VMC_MSR_FILTER_WRITE, 0x800, 0x100, false);
	msrf_install(&f, &kr);
	msrf_free(&f);
	report(kr == 0, "default deny + deny 0x800-0x8ff is accepted (got %d)", kr);
	vec = msr_read(0x802, &id, false, NULL);
	report(!vec && id == cpuid_apic_id() && msrf_exits(0x802) == 0,
	       "RDMSR 0x802 (x2APIC ID) is handled by KVM: %lu, no exit", id);
	vec = msr_write(0x808, 0x20, false, NULL);
	vec |= msr_read(0x808, &v, false, NULL);
	report(!vec && v == 0x20 && msrf_exits(0x808) == 0,
	       "WRMSR/RDMSR 0x808 (TPR) are handled by KVM: reads back %#lx, no exit", v);
	msr_write(0x808, 0, false, NULL);
	vec = msr_read(0x900, &v, false, NULL);
	report(!vec && v == 0x42 && msrf_exits(0x900) == 1,
	       "RDMSR 0x900 under the same filter exits FILTER (the filter is active)");
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
	report_prefix_push("msr_filter");
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
	n = smp_init(2);
	report(n == 2, "vCPU 1 came online through INIT/SIPI (%u CPUs online)", n);
	if (n == 2)
		swap_while_running();
	x2apic_in_kernel();
	msrf_exit_mask(0);
	report_prefix_pop();
	return report_summary();
}
