/*
 * x86 half of the expected-fault API (lib/fault.h, lib/x86/fault-asm.h):
 * which .fault_table address a saved RIP can be, by exception class.
 */
#include "vmc.h"
#include "processor.h"

unsigned int fault_cpu_index(void)
{
	return smp_id();
}

/*
 * Fault-class exceptions save the address of the instruction; trap-class
 * ones (#BP, #OF, INT n and external interrupts) the address after it; #DB
 * can be either (instruction breakpoint vs. single step / data breakpoint).
 * Back-to-back FAULT_INSN sites share an address (one's resume is the next
 * one's insn), so each class looks only at the address it can have, and #DB
 * prefers the instruction address.
 */
bool fault_fixup(uintptr_t *pc, unsigned int vector, uint64_t error_code,
		 uint64_t aux)
{
	bool trap = vector == BP_VECTOR || vector == OF_VECTOR || vector >= 32;
	const struct fault_entry *e = fault_lookup(*pc, !trap);

	if (!e && vector == DB_VECTOR)
		e = fault_lookup(*pc, false);
	if (!e)
		return false;
	fault_record(vector, error_code, e->insn, aux);
	*pc = e->resume;
	return true;
}
