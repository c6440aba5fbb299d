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
	.text
	.balign 16
	.globl isr_stubs
isr_stubs:
	.set vec, 0
	.rept 256
	.balign 16
	.if (vec == 8) || (vec >= 10 && vec <= 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq $0
	.endif
	pushq $vec
	jmp isr_common
	.set vec, vec + 1
	.endr

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
