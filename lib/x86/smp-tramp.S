/*
 * AP trampoline (lib/x86/smp.h).  Copied to SMP_TRAMP_ADDR (0x8000); a
 * SIPI with vector 0x08 starts the AP here in real mode, CS = 0x0800.
 * smp.c fills tr_gdt (limit and low 32 bits of the boot GDT's base) and
 * tr_cr3 before the SIPI.  The AP enters ap_start64 in long mode with the
 * boot CPU's GDT (0x08 64-bit code, 0x10 data, 0x18 32-bit code) and page
 * tables, then calls smp_ap_main() on the stack in smp_ap_stack.
 */
#include "long-mode.h"

#define TRAMP	0x8000

	.section .text, "ax"
	.code16
	.globl smp_tramp_start, smp_tramp_end, tr_gdt, tr_cr3
smp_tramp_start:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	lgdtl (tr_gdt - smp_tramp_start)
	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	ljmpl $0x18, $(TRAMP + tr32 - smp_tramp_start)

	.code32
tr32:
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	ENTER_LONG_MODE (TRAMP + tr_cr3 - smp_tramp_start)
	ljmp $0x08, $ap_start64

	.balign 4
tr_gdt:	.word 0
	.long 0
	.balign 4
tr_cr3:	.long 0
smp_tramp_end:

	.code64
ap_start64:
	LOAD_DATA_SEGS $0x10
	movq smp_ap_stack(%rip), %rsp
	xorl %ebp, %ebp
	call smp_ap_main
1:	cli
	hlt
	jmp 1b
