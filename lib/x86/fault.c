/*
 * x86 half of the expected-fault API (lib/fault.h, lib/x86/fault-asm.h):
 * a per-CPU record, and the .fault_table lookup the exception handler calls.
 */
#include "vmc.h"
#include "processor.h"

extern const struct fault_entry __fault_table_start[], __fault_table_end[];

static struct fault records[MAX_CPUS];

void fault_arm(void)
{
	memset(&records[smp_id()], 0, sizeof(struct fault));
	asm volatile("" : : : "memory");
}

struct fault fault_take(void)
{
	struct fault *rec = &records[smp_id()];
	struct fault f;

	asm volatile("" : : : "memory");
	f = *rec;
	memset(rec, 0, sizeof(*rec));
	return f;
}

/*
 * Fault-class exceptions save the address of the instruction; trap-class
 * ones (#BP, #OF, INT n and external interrupts) the address after it; #DB
 * can be either (instruction breakpoint vs. single step / data breakpoint).
 * Back-to-back FAULT_INSN sites share an address (one's resume is the next
 * one's insn), so each class looks only at the address it can have, and #DB
 * prefers the instruction address.
 */
static const struct fault_entry *lookup(uintptr_t pc, bool resume)
{
	const struct fault_entry *e;

	for (e = __fault_table_start; e < __fault_table_end; e++)
		if ((resume ? e->resume : e->insn) == pc)
			return e;
	return NULL;
}

bool fault_fixup(uintptr_t *pc, unsigned int vector, uint64_t error_code,
		 uint64_t aux)
{
	bool trap = vector == BP_VECTOR || vector == OF_VECTOR || vector >= 32;
	const struct fault_entry *e = lookup(*pc, trap);
	struct fault *rec;

	if (!e && vector == DB_VECTOR)
		e = lookup(*pc, true);
	if (!e)
		return false;
	rec = &records[smp_id()];
	rec->raised = true;
	rec->vector = vector;
	rec->error_code = error_code;
	rec->addr = e->insn;
	rec->aux = aux;
	*pc = e->resume;
	return true;
}
