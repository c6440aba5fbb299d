/*
 * arm64 secondary CPUs through PSCI CPU_ON (target = the cpu node's MPIDR
 * from the device tree, entry = secondary_entry, context id = the CPU
 * index).  secondary_entry (cstart.S) drops to EL1, installs the vectors,
 * takes its 16 KiB stack and switches the MMU on with the boot CPU's
 * registers; then fn() runs, and when it returns the CPU calls CPU_OFF.
 */
#include "vmc.h"
#include "arm64.h"

extern char secondary_entry[];
extern void halt(void) __attribute__((noreturn));
void secondary_start(unsigned long idx) __attribute__((noreturn));

uint8_t sec_stacks[MAX_CPUS + 1][16384] __attribute__((aligned(4096)));
static void (*volatile sec_fn[MAX_CPUS])(void);

unsigned int nr_cpus(void)
{
	return dt.ncpus ? dt.ncpus : 1;
}

long smp_cpu_on(unsigned int cpu, void (*fn)(void))
{
	if (cpu >= nr_cpus() || cpu >= MAX_CPUS)
		return PSCI_INVALID_PARAMS;
	sec_fn[cpu] = fn;
	/* it starts with its MMU off: make fn visible at the point of coherency */
	asm volatile("dc civac, %0\n\tdsb sy" : : "r"(&sec_fn[cpu]) : "memory");
	return psci_call(PSCI_CPU_ON, dt.cpu_mpidr[cpu], (uintptr_t)secondary_entry, cpu);
}

long smp_affinity_info(unsigned int cpu)
{
	if (cpu >= nr_cpus() || cpu >= MAX_CPUS)
		return PSCI_INVALID_PARAMS;
	return psci_call(PSCI_AFFINITY_INFO, dt.cpu_mpidr[cpu], 0, 0);
}

void secondary_start(unsigned long idx)
{
	void (*fn)(void) = idx < MAX_CPUS ? sec_fn[idx] : NULL;

	if (fn)
		fn();
	psci_call(PSCI_CPU_OFF, 0, 0, 0);
	halt();
}
