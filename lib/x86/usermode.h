/*
 * x86: run pure computation at CPL 3 (usermode.c has the rules).
 */
#ifndef VMC_X86_USERMODE_H
#define VMC_X86_USERMODE_H

#include <stdbool.h>
#include <stdint.h>

#include "desc.h"

/*
 * fn(arg) at CPL 3 when the library's state allows it, else directly; the
 * result either way.  fn must not execute privileged instructions or port
 * I/O (no console output: format into a buffer instead), nor enable
 * interrupts.
 */
long x86_user_call(long (*fn)(void *), void *arg);
/* desc.c: an NMI handler h(r) on cpu (smp_id()), its user calls direct (usermode.c) */
void usermode_nmi_handler(exception_handler_t h, struct ex_regs *r, unsigned int cpu);
/* INT3s of the way back that were not delivered and ran again (user-entry.S) */
extern unsigned int x86_user_int3_lost;
/* lowest address of cpu's user stack (0: none); for the dump's backtrace */
uintptr_t x86_user_stack_base(unsigned int cpu);
/*
 * desc.c, when the boot CPU's TR is loaded: user calls may start (before
 * it a CPL 3 -> 0 event would take RSP0 from whatever TSS TR names: on
 * x86_64-efi the firmware's)
 */
void usermode_boot_cpu(void);
/* smp.c: a user stack for cpu (boot: the static one, for the boot CPU's APIC id) */
void usermode_init_cpu(unsigned int cpu, bool boot);

#endif
