/*
 * FAULT_INSN for arm64 (the contract is in lib/fault.h).
 *
 * Emits the instruction between local labels 9880 and 9881 and records the
 * pair in .fault_table.  The synchronous-exception handler
 * (lib/arm64/setup.c) finds the entry from ELR_EL1: the instruction itself
 * for aborts and undefined instructions, the next instruction for SVC, HVC
 * and SMC (ARM ARM D1.10.1, "preferred return address"); either way
 * execution resumes at 9881 with every register as it was.
 * The fault record: vector = ESR_EL1.EC, error_code = ESR_EL1.ISS (bits
 * 24:0), addr = ELR_EL1, aux = FAR_EL1 for aborts (0 otherwise).
 */
#ifndef VMC_ARM64_FAULT_ASM_H
#define VMC_ARM64_FAULT_ASM_H

#define FAULT_INSN(insn)					\
	"9880:\n\t" insn "\n9881:\n\t"				\
	".pushsection .fault_table,\"a\"\n\t"			\
	".balign 8\n\t.quad 9880b, 9881b\n\t.popsection\n\t"

#endif
