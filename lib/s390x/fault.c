/*
 * The expected-fault API (lib/fault.h) for s390x: records are indexed by
 * CPU address; which .fault_table address the program-old PSW can be
 * depends on the exception's class.
 */
#include "vmc.h"
#include "s390x.h"

unsigned int fault_cpu_index(void)
{
	return stap() % SMP_MAX_CPUS;
}

/*
 * *pc is the program-old PSW address: the instruction itself for
 * nullifying exceptions, the next instruction otherwise (error_code is
 * the instruction length, 0 when the CPU could not tell).  Try the likely
 * meaning first, then the other.
 */
bool fault_fixup(uintptr_t *pc, unsigned int vector, uint64_t error_code,
		 uint64_t aux)
{
	bool null = vector == 0x10 || vector == 0x11 ||
		    (vector >= 0x38 && vector <= 0x3b) || error_code == 0;
	const struct fault_entry *e = fault_lookup(*pc, null);

	if (!e)
		e = fault_lookup(*pc, !null);
	if (!e)
		return false;
	fault_record(vector, error_code, *pc, aux);
	*pc = e->resume;
	return true;
}
