/*
 * Entering long mode from 32-bit protected mode with paging off, shared by
 * the boot CPU (cstart64.S) and the APs (smp-tramp.S).  The caller then
 * far-jumps to a 64-bit code segment.  Clobbers EAX, ECX, EDX.  Assembler
 * only (.S files).
 */
#ifndef VMC_X86_LONG_MODE_H
#define VMC_X86_LONG_MODE_H

#define X86_CR4_PAE_BIT		0x20
#define X86_MSR_EFER		0xc0000080
#define X86_EFER_LME_BIT	0x100
#define X86_CR0_LM_BOOT		0x80010031	/* PG | WP | NE | ET | PE */

/* cr3: an operand movl accepts (an immediate $sym or a memory reference) */
.macro ENTER_LONG_MODE cr3
	movl \cr3, %eax
	movl %eax, %cr3
	movl $X86_CR4_PAE_BIT, %eax
	movl %eax, %cr4
	movl $X86_MSR_EFER, %ecx
	rdmsr
	orl $X86_EFER_LME_BIT, %eax
	wrmsr
	movl $X86_CR0_LM_BOOT, %eax
	movl %eax, %cr0
.endm

/*
 * DS, ES, SS = sel, FS = GS = 0 (the null selector; clobbers EAX); for 32-
 * and 64-bit code.  FS and GS stay null so that an IRETQ to CPL 3
 * (lib/x86/usermode.c) has no DPL-0 selector to null in them, which on
 * Intel would also clear a base a test set through the MSRs.
 */
.macro LOAD_DATA_SEGS sel
	movl \sel, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
.endm

#endif
