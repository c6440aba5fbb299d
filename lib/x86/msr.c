/*
 * MSR access through the expected-fault API (lib/x86/msr.h): the one
 * implementation behind every test's faulting RDMSR/WRMSR, direct or
 * through KVM's forced-emulation prefix.
 */
#include "vmc.h"
#include "processor.h"

static uint64_t last_ec[MAX_CPUS];

/*
 * KVM's forced-emulation prefix.  KVM moves RIP past it before emulating,
 * so a fault is reported at the instruction after the prefix: the
 * FAULT_INSN label goes there.
 */
#define FEP ".byte 0x0f, 0x0b, 0x6b, 0x76, 0x6d\n\t"

int msr_read(uint32_t idx, uint64_t *val, bool fep, uint64_t *rip)
{
	uint32_t lo = 0, hi = 0;
	uint64_t at;
	struct fault f;

	fault_arm();
	if (fep)
		asm volatile("lea 9880f(%%rip), %2\n\t" FEP FAULT_INSN("rdmsr")
			     : "+a"(lo), "+d"(hi), "=&r"(at) : "c"(idx) : "memory");
	else
		asm volatile("lea 9880f(%%rip), %2\n\t" FAULT_INSN("rdmsr")
			     : "+a"(lo), "+d"(hi), "=&r"(at) : "c"(idx) : "memory");
	f = fault_take();
	if (rip)
		*rip = at;
	*val = f.raised ? 0 : (lo | (uint64_t)hi << 32);
	last_ec[smp_id()] = f.error_code;
	return f.raised ? (int)f.vector : 0;
}

int msr_write(uint32_t idx, uint64_t val, bool fep, uint64_t *rip)
{
	uint64_t at;
	struct fault f;

	fault_arm();
	if (fep)
		asm volatile("lea 9880f(%%rip), %0\n\t" FEP FAULT_INSN("wrmsr")
			     : "=&r"(at) : "c"(idx), "a"((uint32_t)val),
			       "d"((uint32_t)(val >> 32)) : "memory");
	else
		asm volatile("lea 9880f(%%rip), %0\n\t" FAULT_INSN("wrmsr")
			     : "=&r"(at) : "c"(idx), "a"((uint32_t)val),
			       "d"((uint32_t)(val >> 32)) : "memory");
	f = fault_take();
	if (rip)
		*rip = at;
	last_ec[smp_id()] = f.error_code;
	return f.raised ? (int)f.vector : 0;
}

uint64_t msr_last_error_code(void)
{
	return last_ec[smp_id()];
}
