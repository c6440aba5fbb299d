/*
 * The expected-fault API (lib/fault.h) for s390x: one record per CPU,
 * indexed by CPU address, and the lookup in .fault_table used by the
 * program-interruption handler.
 */
#include "vmc.h"
#include "s390x.h"

extern const struct fault_entry __fault_table_start[], __fault_table_end[];

static struct fault records[SMP_MAX_CPUS];

static struct fault *this_record(void)
{
	return &records[stap() % SMP_MAX_CPUS];
}

void fault_arm(void)
{
	struct fault *r = this_record();

	memset(r, 0, sizeof(*r));
	asm volatile("" : : : "memory");
}

struct fault fault_take(void)
{
	struct fault *r = this_record();
	struct fault f;

	asm volatile("" : : : "memory");
	f = *r;
	memset(r, 0, sizeof(*r));
	return f;
}

static const struct fault_entry *find(uintptr_t pc, bool by_insn)
{
	const struct fault_entry *e;

	for (e = __fault_table_start; e < __fault_table_end; e++)
		if ((by_insn ? e->insn : e->resume) == pc)
			return e;
	return NULL;
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
	const struct fault_entry *e = find(*pc, null);
	struct fault *r = this_record();

	if (!e)
		e = find(*pc, !null);
	if (!e)
		return false;
	r->raised = true;
	r->vector = vector;
	r->error_code = error_code;
	r->addr = *pc;
	r->aux = aux;
	*pc = e->resume;
	return true;
}
