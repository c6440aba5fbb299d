/*
 * FAULT_INSN for s390x (the contract is in lib/fault.h).
 *
 * Emits the instruction between local labels 661 and 662 and records the
 * pair in .fault_table.  The program-interruption handler finds the entry
 * from the program-old PSW: for nullifying exceptions the old PSW addresses
 * the instruction (661), for suppressing / terminating / completing ones the
 * next instruction (662); either way execution resumes at 662 with the
 * rest of the old PSW (problem state, condition code) unchanged.
 * The fault record: vector = program-interruption code (PER bit 0x80
 * removed), error_code = instruction length in bytes from the ILC field
 * (2, 4 or 6; the spec's "ILC 4"), addr = the program-old PSW address as
 * the CPU stored it, aux = translation-exception identification.
 */
#ifndef VMC_S390X_FAULT_ASM_H
#define VMC_S390X_FAULT_ASM_H

#define FAULT_INSN(insn)					\
	"661:\n\t" insn "\n662:\n\t"				\
	".pushsection .fault_table,\"a\"\n\t"			\
	".balign 8\n\t.quad 661b, 662b\n\t.popsection\n\t"

#endif
