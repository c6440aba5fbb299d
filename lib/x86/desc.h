/*
 * x86_64 descriptor tables and exception entry (desc.c, isr.S).
 *
 * Every one of the 256 IDT vectors has a stub (isr.S) that builds a
 * struct ex_regs on the stack and calls the common handler.  The handler
 * (1) runs a handler installed with handle_exception(), if any;
 * (2) else asks fault_fixup() whether the RIP is a FAULT_INSN site and, if
 *     so, resumes after it;
 * (3) else prints "UNEXPECTED EXCEPTION vector N (name)" with the error
 *     code, RIP, CR2, all GPRs, RFLAGS, CS/SS and an RBP-chain backtrace,
 *     and exits VMC_STATUS_ERROR.
 * #DF, NMI and #MC run on their own IST stacks.
 */
#ifndef VMC_X86_DESC_H
#define VMC_X86_DESC_H

#include <stdint.h>

/* layout fixed by isr.S: lowest address first */
struct ex_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;	/* hardware frame */
};

typedef void (*exception_handler_t)(struct ex_regs *regs);

/* install a handler for vector (NULL restores the default); returns the old one */
exception_handler_t handle_exception(unsigned int vector, exception_handler_t h);
/* name of an exception vector ("#GP"), or "interrupt" for 32..255 */
const char *exception_name(unsigned int vector);

/* IDT + TSS for the calling CPU (called by setup code) */
void setup_idt(void);
void setup_tss(unsigned int cpu);
/* the stack a CPL 3 -> 0 transition of cpu switches to (hypercall.c's CPL 3 caller) */
void tss_set_rsp0(unsigned int cpu, uint64_t rsp);
uint64_t tss_get_rsp0(unsigned int cpu);
/* the TSSs (desc.c: struct tss64 x86_tss[MAX_CPUS]) are X86_TSS64_SIZE bytes each,
 * RSP0 at byte 4 (usermode.c's static initialiser needs the address) */
#define X86_TSS64_SIZE	104

#endif
