/*
 * x86_64 exception/interrupt entry stubs for all 256 vectors.
 *
 * Stub n (16 bytes each, at isr_stubs + 16*n) pushes a 0 error code for
 * vectors where the CPU pushes none, then the vector number, and jumps to
 * isr_common, which saves the GPRs so the stack holds a struct ex_regs
 * (desc.h), calls do_exception(regs), restores the (possibly changed) GPRs
 * and returns with IRETQ to regs->rip.  Vectors with a CPU error code:
 * 8, 10-14, 17, 21, 29, 30.  (A software INT n for one of those vectors
 * pushes no error code and is not supported.)
 */
#define USER_CS		((0x20 + 16 * 64) | 3)	/* processor.h */

	.text
	/* 4 KiB-aligned and 4 KiB long: stub addresses differ only in bits 4..11 */
	.balign 4096
	.globl isr_stubs
isr_stubs:
	.set vec, 0
	.rept 256
	.balign 16
	.if vec == 3
	jmp bp_entry			/* #BP: maybe the end of a user call */
	.else
	.if (vec == 8) || (vec >= 10 && vec <= 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq $0
	.endif
	pushq $vec
	jmp isr_common
	.endif
	.set vec, vec + 1
	.endr

	.balign 16
	.globl isr_stubs_end		/* x86/flat.lds checks the 4 KiB */
isr_stubs_end:

	/*
	 * #BP (USER_RET_VECTOR, processor.h): an INT3 at CPL 3 at the return
	 * site of a user call (user-entry.S) ends that call; every other #BP
	 * (a test's INT3 at any CPL, the fault API's) is an exception as usual
	 */
bp_entry:
	cmpq $x86_user_ret_site, (%rsp)
	jne 1f
	cmpq $USER_CS, 8(%rsp)
	je x86_user_return
1:	pushq $0
	pushq $3
	jmp isr_common

isr_common:
	pushq %r15
	pushq %r14
	pushq %r13
	pushq %r12
	pushq %r11
	pushq %r10
	pushq %r9
	pushq %r8
	pushq %rbp
	pushq %rdi
	pushq %rsi
	pushq %rdx
	pushq %rcx
	pushq %rbx
	pushq %rax
	cld
	movq %rsp, %rdi
	movq %rsp, %rbx
	andq $-16, %rsp
	call do_exception
	movq %rbx, %rsp
	popq %rax
	popq %rbx
	popq %rcx
	popq %rdx
	popq %rsi
	popq %rdi
	popq %rbp
	popq %r8
	popq %r9
	popq %r10
	popq %r11
	popq %r12
	popq %r13
	popq %r14
	popq %r15
	addq $16, %rsp		/* vector, error code */
	iretq

	/*
	 * The IDT, assembled: gate n -> stub n, selector 0x08, 64-bit interrupt
	 * gate, DPL 0 (#BP: 3), present; IST 1 for #DF, 2 for NMI, 3 for #MC (desc.c
	 * sets up those stacks).  __isr_stubs_lo/_hi are the stubs' address bits
	 * 0..15 and 16..31 (x86/flat.lds; the image is below 4 GiB, so bits
	 * 32..63 are 0).  Built at link time instead of by a loop at boot: on
	 * hosts that emulate guest code that loop cost ~5000 instructions.
	 */
	.data
	/* the IDTR value (setup_idt; usermode's check compares SIDT with it) */
	.balign 8
	.globl idt_desc
idt_desc:
	.word idt_end - idt - 1
	.quad idt
	.balign 16
	.globl idt, idt_end
idt:
	.set vec, 0
	.rept 256
	.word __isr_stubs_lo + 16 * vec
	.word 0x08
	.if vec == 8
	.byte 1
	.elseif vec == 2
	.byte 2
	.elseif vec == 18
	.byte 3
	.else
	.byte 0
	.endif
	.if vec == 3
	.byte 0xee			/* DPL 3: INT3 from CPL 3 ends a user call */
	.else
	.byte 0x8e
	.endif
	.word __isr_stubs_hi
	.long 0, 0
	.set vec, vec + 1
	.endr
idt_end:
