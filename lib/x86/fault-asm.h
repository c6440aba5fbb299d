/*
 * x86 FAULT_INSN(insn): the arch half of the expected-fault API (lib/fault.h).
 *
 * Emits the instruction between two local labels and records the pair
 * (address of insn, address after it) in section .fault_table, which
 * x86/flat.lds gathers between __fault_table_start and __fault_table_end.
 * The exception handler (lib/x86/desc.c) looks the saved RIP up in that
 * table: a fault-class exception saves the address of the instruction, a
 * trap-class one (#BP, #OF, INT n, a #DB trap) the address after it, so both
 * are matched (the latter only for trap-class vectors).  On a hit the vector
 * and error code go to this CPU's record and execution resumes after the
 * instruction with every register as it was, except those the instruction
 * itself changed before faulting (none, for a fault-class exception).
 *
 * Use it inside extended asm, one instruction per FAULT_INSN:
 *	fault_arm();
 *	asm volatile(FAULT_INSN("wrmsr") : : "c"(idx), "a"(lo), "d"(hi) : "memory");
 *	struct fault f = fault_take();
 * The labels are numeric (9880/9881) so the macro can be used any number of
 * times, also in inlined or unrolled code; avoid those two numbers in your
 * own asm around it.
 */
#ifndef VMC_X86_FAULT_ASM_H
#define VMC_X86_FAULT_ASM_H

#define FAULT_INSN(insn)						\
	"9880: " insn "\n\t"						\
	"9881:\n\t"							\
	".pushsection .fault_table, \"a\"\n\t"				\
	".balign 8\n\t"							\
	".quad 9880b, 9881b\n\t"					\
	".popsection\n\t"

#endif
