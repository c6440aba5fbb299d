/*
 * Arch-neutral half of the expected-fault API (lib/fault.h): one record per
 * CPU and the search of .fault_table.  The arch's exception handler decides
 * which address of an entry the saved PC can be (that depends on the
 * exception class) and calls fault_lookup() / fault_record() from its
 * fault_fixup().
 */
#include "vmc.h"

extern const struct fault_entry __fault_table_start[], __fault_table_end[];

static struct fault records[FAULT_MAX_CPUS];

static struct fault *this_record(void)
{
	return &records[fault_cpu_index() % FAULT_MAX_CPUS];
}

/*
 * The record is cleared by assignment (a few stores) rather than memset (a
 * call and a rep stos): every expected-fault site runs these two, and guest
 * code may run in the host's instruction emulator.
 */
void fault_arm(void)
{
	*this_record() = (struct fault){ 0 };
	asm volatile("" : : : "memory");
}

struct fault fault_take(void)
{
	struct fault *rec = this_record();
	struct fault f;

	asm volatile("" : : : "memory");
	f = *rec;
	*rec = (struct fault){ 0 };
	return f;
}

const struct fault_entry *fault_lookup(uintptr_t pc, bool by_insn)
{
	const struct fault_entry *e;

	for (e = __fault_table_start; e < __fault_table_end; e++)
		if ((by_insn ? e->insn : e->resume) == pc)
			return e;
	return NULL;
}

void fault_record(unsigned int vector, uint64_t error_code, uint64_t addr,
		  uint64_t aux)
{
	struct fault *rec = this_record();

	rec->raised = true;
	rec->vector = vector;
	rec->error_code = error_code;
	rec->addr = addr;
	rec->aux = aux;
}
