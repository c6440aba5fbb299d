/*
 * pmu: the PMUv3 the VMM offers behaves as the architecture says (ARM ARM
 * DDI0487 D11, D13; specs/arm64.md §2, §4.3, §6 item 6; model:
 * kvm-unit-tests arm/pmu.c).  Why: guests profile and watchdog with it; a
 * VMM that counts while disabled, loses increments or misreports N breaks
 * both.  Rules, with counts the guest itself caused, not absolute values:
 *  - the cycle counter PMCCNTR_EL0 counts only with PMCR_EL0.E and
 *    PMCNTENSET_EL0.C both set: it is unchanged over a loop while either is
 *    clear, and increases when both are set;
 *  - each of the PMCR_EL0.N event counters set to SW_INCR (event 0x00)
 *    counts exactly the PMSWINC_EL0 writes to its bit while enabled, and
 *    none while disabled (PMCNTENCLR) or with PMCR_EL0.E clear;
 *    PMEVTYPER<n> keeps the event number written for every n < N;
 *  - counter N (the first that does not exist) is UNDEFINED or RAZ/WI when
 *    accessed directly (PMEVCNTR<N>_EL0; constrained unpredictable, D13.2);
 *  - an event counter at 0xffffffff overflows on one more SW_INCR (PMCR.LP
 *    0: overflow of bits 31:0) and sets its PMOVSSET_EL0 bit, which
 *    PMOVSCLR_EL0 clears; it then reads 0, or 0x100000000 with PMUv3p5's
 *    64-bit counters (PMUVer >= 6, D13.3);
 *  - INST_RETIRED (0x08) over a loop of known length counts at least its
 *    instructions; CPU_CYCLES (0x11) increases over it.  Events the PMU
 *    does not list in PMCEID0_EL0 SKIP with their number (QEMU 7.2 TCG
 *    lacks 0x08, 0x13 and 0x1b; a hardware PMU under KVM has them).
 * Without a PMUv3 (PMUVer 0) the whole test SKIPs.
 */
#include "vmc.h"
#include "arm64.h"

#define PMCR_E		(1UL << 0)
#define PMCR_P		(1UL << 1)
#define PMCR_C		(1UL << 2)
#define PMCR_LC		(1UL << 6)
#define CYCLE_BIT	(1UL << 31)
#define EV_SW_INCR	0x00
#define EV_INST_RETIRED	0x08
#define EV_CPU_CYCLES	0x11
#define EV_MEM_ACCESS	0x13
#define LOOP_N		1000

static unsigned int N, ver;

static void loop(unsigned long n)
{
	asm volatile("1: subs %0, %0, #1\n\tb.ne 1b" : "+r"(n) : : "cc");
}

static void sel(unsigned int n)
{
	write_sysreg(pmselr_el0, n);
	isb();
}

static uint64_t evcnt(unsigned int n)
{
	sel(n);
	return read_sysreg(pmxevcntr_el0);
}

static void set_evcnt(unsigned int n, uint64_t v)
{
	sel(n);
	write_sysreg(pmxevcntr_el0, v);
}

static void set_evtype(unsigned int n, uint64_t ev)
{
	sel(n);
	write_sysreg(pmxevtyper_el0, ev);	/* filter bits 0: count EL0 and EL1 */
	isb();
}

static bool event_listed(unsigned int ev)
{
	uint64_t ceid = read_sysreg(pmceid0_el0);

	return ev < 32 && ((ceid >> ev) & 1);
}

static void pmu_reset(void)
{
	write_sysreg(pmcntenclr_el0, ~0UL);
	write_sysreg(pmovsclr_el0, ~0UL);
	write_sysreg(pmintenclr_el1, ~0UL);
	write_sysreg(pmcr_el0, PMCR_P | PMCR_C | PMCR_LC);
	isb();
}

static void check_cycle_counter(void)
{
	uint64_t a, b;

	report_prefix_push("cycles");
	pmu_reset();
	write_sysreg(pmccfiltr_el0, 0);
	write_sysreg(pmcntenset_el0, CYCLE_BIT);		/* C set, E clear */
	isb();
	a = read_sysreg(pmccntr_el0);
	loop(100000);
	b = read_sysreg(pmccntr_el0);
	report(a == b, "PMCR.E clear: PMCCNTR does not count (%#lx -> %#lx)", a, b);

	write_sysreg(pmcr_el0, PMCR_E | PMCR_LC);
	isb();
	a = read_sysreg(pmccntr_el0);
	loop(100000);
	b = read_sysreg(pmccntr_el0);
	report(b > a, "PMCR.E and PMCNTENSET.C set: PMCCNTR counts (%#lx -> %#lx)", a, b);

	write_sysreg(pmcntenclr_el0, CYCLE_BIT);
	isb();
	a = read_sysreg(pmccntr_el0);
	loop(100000);
	b = read_sysreg(pmccntr_el0);
	report(a == b, "PMCNTENCLR.C: PMCCNTR stops (%#lx -> %#lx)", a, b);

	write_sysreg(pmcntenset_el0, CYCLE_BIT);
	write_sysreg(pmcr_el0, PMCR_LC);
	isb();
	a = read_sysreg(pmccntr_el0);
	loop(100000);
	b = read_sysreg(pmccntr_el0);
	report(a == b, "PMCR.E cleared again: PMCCNTR stops (%#lx -> %#lx)", a, b);
	pmu_reset();
	report_prefix_pop();
}

static void check_sw_incr(void)
{
	uint64_t mask = (1UL << N) - 1, even = 0x5555555555555555UL & mask;
	unsigned int n, i, bad = 0, badtype = 0;
	uint64_t seen = 0;

	report_prefix_push("sw_incr");
	if (!N) {
		report_skip("event counters (PMCR_EL0.N = 0: needs a PMU with event counters)");
		report_prefix_pop();
		return;
	}
	pmu_reset();
	for (n = 0; n < N; n++) {
		set_evtype(n, EV_SW_INCR);
		sel(n);
		if ((read_sysreg(pmxevtyper_el0) & 0xffff) != EV_SW_INCR)
			badtype++;
		set_evtype(n, EV_MEM_ACCESS);
		sel(n);
		if ((read_sysreg(pmxevtyper_el0) & 0xffff) != EV_MEM_ACCESS)
			badtype++;
		set_evtype(n, EV_SW_INCR);
		set_evcnt(n, 0);
	}
	report(!badtype, "PMEVTYPER<n> keeps the event numbers 0x00 and 0x13 for all %u "
	       "counters (%u mismatches)", N, badtype);
	write_sysreg(pmcntenset_el0, mask);
	write_sysreg(pmcr_el0, PMCR_E | PMCR_LC);
	isb();
	for (i = 0; i < 7; i++)
		write_sysreg(pmswinc_el0, even);
	isb();
	for (n = 0; n < N; n++) {
		seen = evcnt(n);
		if (seen != ((even >> n) & 1 ? 7 : 0))
			bad++;
	}
	report(!bad, "7 PMSWINC writes of %#lx: the even counters read 7, the odd 0 "
	       "(%u of %u wrong; counter %u: %lu)", even, bad, N, N - 1, seen);

	write_sysreg(pmcntenclr_el0, 1);
	isb();
	write_sysreg(pmswinc_el0, 1);
	isb();
	seen = evcnt(0);
	report(seen == 7, "counter 0 disabled in PMCNTENCLR: SW_INCR does not count (%lu)", seen);
	write_sysreg(pmcntenset_el0, 1);
	write_sysreg(pmcr_el0, PMCR_LC);
	isb();
	write_sysreg(pmswinc_el0, 1);
	isb();
	seen = evcnt(0);
	report(seen == 7, "PMCR.E clear: SW_INCR does not count (%lu)", seen);

	/* overflow: 32-bit event counter (PMCR.LP = 0) at 0xffffffff + 1 */
	write_sysreg(pmovsclr_el0, ~0UL);
	set_evcnt(0, 0xffffffffUL);
	write_sysreg(pmcr_el0, PMCR_E | PMCR_LC);
	isb();
	write_sysreg(pmswinc_el0, 1);
	isb();
	seen = evcnt(0);
	/* PMUv3p5 (PMUVer >= 6): 64-bit counters, LP = 0 overflows at bit 31 */
	report(seen == (ver >= 6 ? 0x100000000UL : 0) && (read_sysreg(pmovsset_el0) & 1),
	       "SW_INCR on 0xffffffff overflows bits 31:0 and sets PMOVSSET bit 0: counter "
	       "%#lx for PMUVer %u (counter %#lx, PMOVSSET %#lx)",
	       ver >= 6 ? 0x100000000UL : 0, ver, seen, read_sysreg(pmovsset_el0));
	write_sysreg(pmovsclr_el0, 1);
	isb();
	report(!(read_sysreg(pmovsset_el0) & 1), "PMOVSCLR bit 0 clears it (PMOVSSET %#lx)",
	       read_sysreg(pmovsset_el0));
	pmu_reset();
	report_prefix_pop();
}

#define EVCNTR_CASE(n)	case n: asm volatile(FAULT_INSN("mrs %0, pmevcntr" #n "_el0") \
				: "+r"(v)); break;
#define EVCNTW_CASE(n)	case n: asm volatile(FAULT_INSN("msr pmevcntr" #n "_el0, %0") \
				: : "r"(v)); break;
#define ALL_CASES(m) m(0) m(1) m(2) m(3) m(4) m(5) m(6) m(7) m(8) m(9) m(10)	\
	m(11) m(12) m(13) m(14) m(15) m(16) m(17) m(18) m(19) m(20) m(21)	\
	m(22) m(23) m(24) m(25) m(26) m(27) m(28) m(29) m(30)

static struct fault evcntr_direct(unsigned int n, bool write, uint64_t *val)
{
	uint64_t v = write ? *val : 0;

	fault_arm();
	if (write) {
		switch (n) {
		ALL_CASES(EVCNTW_CASE)
		}
	} else {
		switch (n) {
		ALL_CASES(EVCNTR_CASE)
		}
		*val = v;
	}
	return fault_take();
}

static void check_counter_n(void)
{
	struct fault r, w;
	uint64_t v = 0, wv = 0x1234;

	report_prefix_push("counter N");
	if (N >= 31) {
		report_skip("the counter after the last (PMCR_EL0.N = 31: all exist)");
		report_prefix_pop();
		return;
	}
	if (N) {
		wv = 0x55;
		w = evcntr_direct(N - 1, true, &wv);
		r = evcntr_direct(N - 1, false, &v);
		report(!w.raised && !r.raised && v == 0x55,
		       "PMEVCNTR%u_EL0 (the last counter) is writable directly (read %#lx, "
		       "raised %d/%d)", N - 1, v, w.raised, r.raised);
		wv = 0x1234;
	}
	w = evcntr_direct(N, true, &wv);
	r = evcntr_direct(N, false, &v);
	report(r.raised ? r.vector == EC_UNKNOWN && w.raised && w.vector == EC_UNKNOWN :
	       !w.raised && v == 0,
	       "PMEVCNTR%u_EL0 (N = %u, no such counter) is UNDEFINED (EC 0) or RAZ/WI "
	       "(read: raised %d EC %#x value %#lx; write: raised %d EC %#x)",
	       N, N, r.raised, r.vector, v, w.raised, w.vector);
	report_prefix_pop();
}

static void check_events(void)
{
	uint64_t ceid0 = read_sysreg(pmceid0_el0), c0, c1;
	unsigned int missing[] = { EV_INST_RETIRED, EV_MEM_ACCESS, 0x1b }, i;

	report_prefix_push("events");
	report_info("PMCEID0_EL0 %#lx, PMCEID1_EL0 %#lx", ceid0, read_sysreg(pmceid1_el0));
	for (i = 0; i < ARRAY_SIZE(missing); i++)
		if (!event_listed(missing[i]))
			report_info("event %#x is not in PMCEID0_EL0", missing[i]);
	report(event_listed(EV_SW_INCR), "SW_INCR (0x00) is listed in PMCEID0 (architecturally "
	       "required; %#lx)", ceid0);
	if (N < 2) {
		report_skip("event counting (needs PMCR_EL0.N >= 2, N = %u)", N);
		report_prefix_pop();
		return;
	}
	pmu_reset();
	set_evtype(0, EV_INST_RETIRED);
	set_evtype(1, EV_CPU_CYCLES);
	set_evcnt(0, 0);
	set_evcnt(1, 0);
	write_sysreg(pmcntenset_el0, 3);
	write_sysreg(pmcr_el0, PMCR_E | PMCR_LC);
	isb();
	loop(LOOP_N);
	write_sysreg(pmcr_el0, PMCR_LC);
	isb();
	c0 = evcnt(0);
	c1 = evcnt(1);
	if (event_listed(EV_INST_RETIRED))
		report(c0 >= 2 * LOOP_N && c0 < 2 * LOOP_N + 1000,
		       "INST_RETIRED (0x08) over a %u-iteration 2-instruction loop counts "
		       ">= %u and < %u (%lu)", LOOP_N, 2 * LOOP_N, 2 * LOOP_N + 1000, c0);
	else
		report_skip("INST_RETIRED event 0x08 is not implemented (not in PMCEID0; QEMU 7.2 "
			    "TCG lacks it): needs an arm64 KVM host with a hardware PMU");
	if (event_listed(EV_CPU_CYCLES))
		report(c1 > 0, "CPU_CYCLES (0x11) increases over the loop (%lu)", c1);
	else
		report_skip("CPU_CYCLES event 0x11 is not implemented (not in PMCEID0): needs "
			    "an arm64 KVM host with a hardware PMU");
	if (!event_listed(EV_MEM_ACCESS))
		report_skip("MEM_ACCESS event 0x13 is not implemented (not in PMCEID0; QEMU 7.2 "
			    "TCG lacks it): needs an arm64 KVM host with a hardware PMU");
	else {
		volatile uint64_t *sink = alloc_page();

		pmu_reset();
		set_evtype(0, EV_MEM_ACCESS);
		set_evcnt(0, 0);
		write_sysreg(pmcntenset_el0, 1);
		write_sysreg(pmcr_el0, PMCR_E | PMCR_LC);
		isb();
		for (i = 0; sink && i < 64; i++)
			sink[i] = i;
		write_sysreg(pmcr_el0, PMCR_LC);
		isb();
		c0 = evcnt(0);
		if (sink)
			free_page((void *)sink);
		report(sink && c0 >= 64, "MEM_ACCESS (0x13) counts at least the 64 stores made (%lu)", c0);
	}
	pmu_reset();
	report_prefix_pop();
}

int main(int argc, char **argv)
{
	report_prefix_push("pmu");
	ver = (read_sysreg(id_aa64dfr0_el1) >> 8) & 0xf;
	if (!(ver == 1 || (ver >= 4 && ver <= 8))) {
		report_skip("PMUv3 checks (ID_AA64DFR0_EL1.PMUVer %u: needs a PMUv3, e.g. "
			    "QEMU -cpu max with pmu=on or an arm64 KVM host with a PMU)", ver);
		return report_summary();
	}
	N = (read_sysreg(pmcr_el0) >> 11) & 0x1f;
	report_info("PMUVer %u, PMCR_EL0 %#lx, N = %u", ver, read_sysreg(pmcr_el0), N);
	check_cycle_counter();
	check_sw_incr();
	check_counter_n();
	check_events();
	report_prefix_pop();
	return report_summary();
}
