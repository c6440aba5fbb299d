/*
 * The expected-fault API (lib/fault.h) for arm64: records are indexed by
 * CPU index (TPIDR_EL1); ELR_EL1 is the faulting instruction except for the
 * exception-generating SVC/HVC/SMC, where it is the next one.
 */
#include "vmc.h"
#include "arm64.h"

unsigned int fault_cpu_index(void)
{
	return smp_id();
}

bool fault_fixup(uintptr_t *pc, unsigned int vector, uint64_t error_code,
		 uint64_t aux)
{
	bool after = vector == EC_SVC64 || vector == EC_HVC64 || vector == EC_SMC64;
	const struct fault_entry *e = fault_lookup(*pc, !after);

	if (!e)
		return false;
	fault_record(vector, error_code, *pc, aux);
	*pc = e->resume;
	return true;
}
