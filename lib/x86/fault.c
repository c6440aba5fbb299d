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
 * Only vectors the armed instruction itself can raise count.  Fault-class
 * exceptions save the address of the instruction; trap-class ones (#BP,
 * #OF, INT n) the address after it; #DB can be either (instruction
 * breakpoint vs. single step / data breakpoint).  Back-to-back FAULT_INSN
 * sites share an address (one's resume is the next one's insn), so each
 * class looks only at the address it can have, and #DB prefers the
 * instruction address.
 * An NMI or an external interrupt (vector >= 32) is delivered between
 * instructions, so its saved RIP can be any site's address: it never
 * satisfies an expected fault (it goes to its handler, or is an unexpected
 * exception).  A vector >= 32 counts only at an INT n (CD nn) site whose
 * immediate is that vector.
 */
static bool int_n_site(const struct fault_entry *e, unsigned int vector)
{
	const uint8_t *op = (const uint8_t *)e->insn;

	return e->resume - e->insn == 2 && op[0] == 0xcd && op[1] == vector;
}

bool fault_fixup(uintptr_t *pc, unsigned int vector, uint64_t error_code,
		 uint64_t aux)
{
	bool trap = vector == BP_VECTOR || vector == OF_VECTOR || vector >= 32;
	const struct fault_entry *e;

	if (vector == NMI_VECTOR)
		return false;
	e = fault_lookup(*pc, !trap);
	if (!e && vector == DB_VECTOR)
		e = fault_lookup(*pc, false);
	if (!e || (vector >= 32 && !int_n_site(e, vector)))
		return false;
	fault_record(vector, error_code, e->insn, aux);
	*pc = e->resume;
	return true;
}
