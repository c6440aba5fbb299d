/*
 * psci: the PSCI firmware interface the VMM offers (PSCI 1.1, DEN0022D;
 * specs/arm64.md §1, §4.3, §6 items 2-3).  Why: the guest OS starts and
 * stops CPUs and powers the machine off through it; a VMM that gets the
 * state machine wrong leaves CPUs stuck or starts them twice.  Rules:
 *  - PSCI_VERSION is at least 0.2, and at least 1.0 when /psci says
 *    "arm,psci-1.0" (then PSCI_FEATURES exists);
 *  - PSCI_FEATURES of every mandatory function (VERSION, CPU_SUSPEND,
 *    CPU_OFF, CPU_ON, AFFINITY_INFO, SYSTEM_OFF, SYSTEM_RESET, FEATURES) is
 *    not NOT_SUPPORTED (DEN0022D table 6), and for the optional
 *    MIGRATE_INFO_TYPE it agrees with calling it;
 *  - an unassigned function id in the PSCI range (0x8400001f) and
 *    PSCI_FEATURES of it return NOT_SUPPORTED (-1);
 *  - CPU_ON of this (online) CPU returns ALREADY_ON (-4), of an MPIDR no CPU
 *    has INVALID_PARAMETERS (-2);
 *  - on a second CPU, twice (state left over from the first cycle would
 *    show in the second): AFFINITY_INFO is OFF, CPU_ON succeeds and the CPU
 *    runs with the context id given, AFFINITY_INFO is ON while it runs,
 *    CPU_ON again is ALREADY_ON, and after its CPU_OFF AFFINITY_INFO is OFF;
 *  - SYSTEM_OFF ends the run: exit() uses it; tests/arm64/check.sh checks
 *    QEMU ends with status 0 right after the EXIT line.
 * The second-CPU checks need smp >= 2 (cfg arm64-psci) and SKIP without.
 */
#include "vmc.h"
#include "arm64.h"

#define FN_UNASSIGNED 0x8400001fUL	/* PSCI range, no function there */
#define NO_SUCH_MPIDR 0xff00UL		/* Aff1 = 0xff: no cpu node has it */
#define SPIN_MAX 200000000UL

static const struct { uint64_t fn; const char *name; } mandatory[] = {
	{ PSCI_VERSION, "PSCI_VERSION" }, { PSCI_CPU_SUSPEND, "CPU_SUSPEND" },
	{ PSCI_CPU_OFF, "CPU_OFF" }, { PSCI_CPU_ON, "CPU_ON" },
	{ PSCI_AFFINITY_INFO, "AFFINITY_INFO" }, { PSCI_SYSTEM_OFF, "SYSTEM_OFF" },
	{ PSCI_SYSTEM_RESET, "SYSTEM_RESET" }, { PSCI_FEATURES, "PSCI_FEATURES" },
};

static volatile unsigned int running, release, ran_on;

static void second_fn(void)
{
	ran_on = smp_id() + 1;
	running = 1;
	while (!release)
		asm volatile("yield");
}

static void check_version_features(void)
{
	long v = psci_call(PSCI_VERSION, 0, 0, 0), r, c;
	unsigned int i;

	report_prefix_push("version");
	report_info("PSCI_VERSION %ld.%ld over %s; /psci compatible psci-0.2 %d psci-1.0 %d",
		    v >> 16, v & 0xffff, psci_use_smc ? "SMC" : "HVC", dt.psci_0_2, dt.psci_1_0);
	report(v >= 0x2 && v < 0x80000000L,
	       "PSCI_VERSION is at least 0.2 (%#lx)", v);
	if (dt.psci_1_0)
		report(v >= 0x10000, "/psci says arm,psci-1.0: PSCI_VERSION major >= 1 (%#lx)", v);
	else
		report_skip("PSCI_VERSION major >= 1 (needs /psci compatible \"arm,psci-1.0\", which "
			    "QEMU >= 7.0 writes: under TCG always, under KVM when the host's "
			    "KVM_REG_ARM_PSCI_VERSION is >= 1.0 (Linux >= 4.16); this DT: "
			    "psci-0.2 %d, PSCI_VERSION %ld.%ld)", dt.psci_0_2, v >> 16, v & 0xffff);
	report_prefix_pop();

	report_prefix_push("features");
	if (v < 0x10000) {
		report_skip("PSCI_FEATURES (PSCI %ld.%ld < 1.0 has no PSCI_FEATURES; needs a "
			    "PSCI 1.0 firmware/VMM)", v >> 16, v & 0xffff);
		report_prefix_pop();
		return;
	}
	for (i = 0; i < ARRAY_SIZE(mandatory); i++) {
		r = psci_call(PSCI_FEATURES, mandatory[i].fn, 0, 0);
		report(r >= 0, "PSCI_FEATURES(%s %#lx) says implemented (%ld)",
		       mandatory[i].name, mandatory[i].fn, r);
	}
	r = psci_call(PSCI_FEATURES, PSCI_MIGRATE_INFO_TYPE, 0, 0);
	c = psci_call(PSCI_MIGRATE_INFO_TYPE, 0, 0, 0);
	report(r == PSCI_NOT_SUPPORTED ? c == PSCI_NOT_SUPPORTED : c >= 0 && c <= 2,
	       "PSCI_FEATURES(MIGRATE_INFO_TYPE) agrees with calling it "
	       "(features %ld, call %ld: 0..2 or both NOT_SUPPORTED)", r, c);
	r = psci_call(PSCI_FEATURES, FN_UNASSIGNED, 0, 0);
	report(r == PSCI_NOT_SUPPORTED,
	       "PSCI_FEATURES(unassigned %#lx) is NOT_SUPPORTED -1 (%ld)", FN_UNASSIGNED, r);
	r = psci_call(FN_UNASSIGNED, 0, 0, 0);
	report(r == PSCI_NOT_SUPPORTED,
	       "calling the unassigned function %#lx returns NOT_SUPPORTED -1 (%ld)",
	       FN_UNASSIGNED, r);
	report_prefix_pop();
}

static long wait_affinity(unsigned int cpu, long want)
{
	unsigned long spin;
	long r = smp_affinity_info(cpu);

	for (spin = 0; r != want && spin < SPIN_MAX / 100; spin++)
		r = smp_affinity_info(cpu);
	return r;
}

static void cycle(unsigned int cpu, unsigned int round)
{
	unsigned long spin;
	long r;

	running = release = ran_on = 0;
	r = smp_affinity_info(cpu);
	report(r == PSCI_AFF_OFF, "round %u: AFFINITY_INFO(CPU %u) before CPU_ON is OFF 1 (%ld)",
	       round, cpu, r);
	r = smp_cpu_on(cpu, second_fn);
	for (spin = 0; !running && spin < SPIN_MAX; spin++)
		asm volatile("yield");
	report(r == PSCI_SUCCESS && running && ran_on == cpu + 1,
	       "round %u: CPU_ON(CPU %u) succeeds and it runs with context id %u "
	       "(CPU_ON %ld, running %u, context id + 1 = %u)",
	       round, cpu, cpu, r, running, ran_on);
	r = smp_affinity_info(cpu);
	report(r == PSCI_AFF_ON, "round %u: AFFINITY_INFO while it runs is ON 0 (%ld)", round, r);
	r = smp_cpu_on(cpu, second_fn);
	report(r == PSCI_ALREADY_ON, "round %u: CPU_ON of the running CPU is ALREADY_ON -4 (%ld)",
	       round, r);
	release = 1;
	r = wait_affinity(cpu, PSCI_AFF_OFF);
	report(r == PSCI_AFF_OFF, "round %u: after its CPU_OFF AFFINITY_INFO is OFF 1 (%ld)",
	       round, r);
}

static void check_cpu_on(void)
{
	uint64_t me = read_sysreg(mpidr_el1) & 0xff00ffffffUL;
	long r;

	report_prefix_push("cpu_on");
	r = psci_call(PSCI_CPU_ON, me, 0x40080000UL, 0);
	report(r == PSCI_ALREADY_ON, "CPU_ON of this CPU (MPIDR %#lx) is ALREADY_ON -4 (%ld)",
	       me, r);
	r = psci_call(PSCI_CPU_ON, NO_SUCH_MPIDR, 0x40080000UL, 0);
	report(r == PSCI_INVALID_PARAMS,
	       "CPU_ON of MPIDR %#lx (no such CPU) is INVALID_PARAMETERS -2 (%ld)",
	       NO_SUCH_MPIDR, r);
	r = psci_call(PSCI_AFFINITY_INFO, me, 0, 0);
	report(r == PSCI_AFF_ON, "AFFINITY_INFO of this CPU is ON 0 (%ld)", r);
	if (nr_cpus() < 2) {
		report_skip("CPU_ON / AFFINITY_INFO / CPU_OFF cycle on a second CPU (one CPU in "
			    "the DT: run with smp = 2, as cfg arm64-psci does)");
	} else {
		cycle(1, 1);
		cycle(1, 2);
	}
	report_prefix_pop();
}

int main(int argc, char **argv)
{
	report_prefix_push("psci");
	check_version_features();
	check_cpu_on();
	report_prefix_pop();
	return report_summary();
}
