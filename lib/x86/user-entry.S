/*
 * CPL-3 calls: x86_user_call (usermode.c has the rules), the switch to
 * CPL 3 and the way back.  Every instruction here runs at CPL 0 (on
 * kvm_pvm: emulated, ~2 us each), so there are few, and the checks are
 * written out here rather than left to the compiler.
 *
 * long x86_user_call(long (*fn)(void *), void *arg)
 *  - this CPU's struct user_cpu (usermode.c): ucpu[0] with one CPU online,
 *    else x86_user_cpu();
 *  - the checks: a user stack (its top is 0 while a call is in progress,
 *    so a nested call -- fn printing, or a fault's dump -- is direct),
 *    RFLAGS.IF = NT = 0, CS = KERNEL_CS, FS = GS = 0, DS = ES = SS = KERNEL_DS
 *    (the way back reloads them), IDTR = idt_desc, GDTR =
 *    gdt_desc, CR3 = pt_pml4, CR4 without SMEP/SMAP/PKE; any miss: a plain
 *    tail call fn(arg);
 *  - saves RFLAGS, the struct's pointer and stack top, the caller's
 *    TSS.RSP0 and its address on this stack, which is then 16-byte
 *    aligned (entry RSP = 8 mod 16, SysV ABI, and six words), points
 *    TSS.RSP0 at it (an event at CPL 3 lands right below the saved words:
 *    the CPU aligns RSP0 down to 16 and pushes its frame there), and
 *    IRETQs to USER_CS:user_tramp on the user stack with the caller's
 *    RFLAGS less AC (alignment checks, with CR0.AM, apply at CPL 3 only);
 *  - at CPL 3, user_tramp calls fn(arg), then INT3 (USER_RET_VECTOR,
 *    processor.h).  The #BP stub (isr.S) sees the frame -- saved RIP
 *    x86_user_ret_site, CS USER_CS -- and jumps to x86_user_return, which
 *    drops the frame, reloads SS, DS and ES with KERNEL_DS (the event
 *    loaded a null SS; the IRETQ nulled the DPL-0 DS/ES; FS/GS are null
 *    and untouched), puts TSS.RSP0, the stack top and RFLAGS back and
 *    returns fn's RAX.
 * The callee-saved registers need no saving: fn preserves them (SysV
 * ABI), and neither INT3 nor the stub touches them.
 */
#define KERNEL_CS	0x08
#define KERNEL_DS	0x10
#define MAX_CPUS	64
#define USER_CS		((0x20 + 16 * MAX_CPUS) | 3)	/* processor.h */
#define USER_DS		((0x20 + 16 * MAX_CPUS + 8) | 3)
#define EFLAGS_IF	0x200
#define EFLAGS_NT	0x4000
#define EFLAGS_AC	0x40000
#define CR4_SMEP_SMAP_PKE	0x700000
#define UC_STACK	0	/* struct user_cpu (usermode.c) */
#define UC_RSP0		8

	.text
	.globl x86_user_call
x86_user_call:
	movl $ucpu, %ecx
	cmpl $1, x86_cpus_online(%rip)
	ja 8f
1:	movq UC_STACK(%rcx), %rdx
	testq %rdx, %rdx
	jz 9f
	pushfq
	testl $(EFLAGS_IF | EFLAGS_NT), (%rsp)	/* IRETQ with NT = 1 is #GP(0) in 64-bit mode */
	jnz 7f
	subq $16, %rsp
	movw %cs, %ax
	xorw $KERNEL_CS, %ax
	movw %fs, %r8w
	orw %r8w, %ax
	movw %gs, %r8w
	orw %r8w, %ax
	movw %ds, %r8w			/* DS = ES = SS = KERNEL_DS: the way back */
	xorw $KERNEL_DS, %r8w		/* reloads those three with it */
	orw %r8w, %ax
	movw %es, %r8w
	xorw $KERNEL_DS, %r8w
	orw %r8w, %ax
	movw %ss, %r8w
	xorw $KERNEL_DS, %r8w
	orw %r8w, %ax
	jnz 6f
	sidt (%rsp)			/* limit and base bits 0..47: one qword */
	movq (%rsp), %rax
	cmpq idt_desc(%rip), %rax
	jne 6f
	sgdt (%rsp)
	movq (%rsp), %rax
	cmpq gdt_desc(%rip), %rax
	jne 6f
	movq %cr3, %rax
	andq $-4096, %rax
	cmpq $pt_pml4, %rax
	jne 6f
	movq %cr4, %rax
	testl $CR4_SMEP_SMAP_PKE, %eax
	jnz 6f
	/* go */
	movq $0, UC_STACK(%rcx)		/* in a call: nested calls are direct */
	movq %rcx, (%rsp)
	movq %rdx, 8(%rsp)
	movq UC_RSP0(%rcx), %r8
	pushq (%r8)			/* the caller's TSS.RSP0 */
	pushq %r8			/* and where it goes */
	movq %rsp, (%r8)		/* TSS.RSP0: 16-byte aligned, so exact */
	pushq $USER_DS			/* SS */
	pushq %rdx			/* RSP: the user stack */
	pushq 48(%rsp)			/* RFLAGS: the caller's (IF = 0), */
	andl $~EFLAGS_AC, (%rsp)	/* without AC (CR0.AM would check at CPL 3 only) */
	pushq $USER_CS
	pushq $user_tramp
	movq %rdi, %rax
	movq %rsi, %rdi
	iretq

6:	addq $16, %rsp
7:	popfq
9:	movq %rdi, %rax			/* fn(arg) here, as a tail call */
	movq %rsi, %rdi
	jmp *%rax

	/* more than one CPU online: this CPU's struct (smp_id() in C) */
8:	pushq %rdi
	pushq %rsi
	subq $8, %rsp
	call x86_user_cpu
	addq $8, %rsp
	popq %rsi
	popq %rdi
	movq %rax, %rcx
	jmp 1b

	/* CPL 3 */
user_tramp:
	call *%rax
	.globl x86_user_int3, x86_user_ret_site
x86_user_int3:
	int3
x86_user_ret_site:			/* the RIP the #BP frame holds (a trap) */
	/*
	 * Reached only when the #BP was lost after the INT3 retired: kvm_pvm
	 * (measured) reports no pending or injected event and RIP past the
	 * INT3 in KVM_GET_VCPU_EVENTS/REGS when a migration saves a vCPU in
	 * that window, so the restored vCPU went on here.  Count it, INT3
	 * again (fn's RAX is kept; the flags are the caller's after the way back).
	 */
	lock incl x86_user_int3_lost(%rip)
	jmp x86_user_int3

	.data
	.balign 4
	.globl x86_user_int3_lost
x86_user_int3_lost:
	.long 0
	.text

	/* CPL 0, from the #BP stub, RSP at the hardware frame (no error code) */
	.globl x86_user_return
x86_user_return:
	movl $KERNEL_DS, %ecx
	movl %ecx, %ss
	movl %ecx, %ds
	movl %ecx, %es
	addq $40, %rsp			/* the hardware frame */
	popq %rcx			/* &TSS.RSP0 */
	popq (%rcx)			/* the caller's RSP0 */
	popq %rcx			/* the struct user_cpu */
	popq UC_STACK(%rcx)		/* its stack top: not in a call any more */
	popfq				/* the caller's RFLAGS */
	ret
