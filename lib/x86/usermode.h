/*
 * x86: run pure computation at CPL 3 (usermode.c has the rules).
 */
#ifndef VMC_X86_USERMODE_H
#define VMC_X86_USERMODE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * fn(arg) at CPL 3 when the library's state allows it, else directly; the
 * result either way.  fn must not execute privileged instructions or port
 * I/O (no console output: format into a buffer instead), nor enable
 * interrupts.
 */
long x86_user_call(long (*fn)(void *), void *arg);
/* lowest address of cpu's user stack (0: none); for the dump's backtrace */
uintptr_t x86_user_stack_base(unsigned int cpu);
/* smp.c: a user stack for cpu (boot: the static one, for the boot CPU's APIC id) */
void usermode_init_cpu(unsigned int cpu, bool boot);

#endif
