/*
 * x86 application-processor bring-up and a minimal work queue
 * (lib/x86/smp.c, lib/x86/smp-tramp.S).
 *
 * smp_init() starts every AP the VMM created (QEMU -smp N, harness -smp N
 * with its in-kernel LAPIC) with INIT + SIPI through the boot CPU's xAPIC
 * (MMIO at 0xfee00000).  Each AP runs a 16-bit trampoline copied to
 * SMP_TRAMP_ADDR, switches to long mode with the boot CPU's GDT and page
 * tables, loads the IDT and its own TSS, and waits for work.  CPU numbers
 * are APIC ids (the VMMs give vCPU n APIC id n).
 */
#ifndef VMC_X86_SMP_H
#define VMC_X86_SMP_H

#include <stdbool.h>
#include <stdint.h>

#define SMP_TRAMP_ADDR	0x8000u	/* below 1 MiB, free under QEMU and the harness */
#define APIC_MMIO_BASE	0xfee00000ul

/* start APs until ncpus CPUs are online (or ~2 s pass); returns CPUs online */
unsigned int smp_init(unsigned int ncpus);
/* run fn(arg) on cpu (an AP that is online and idle); does not wait */
void on_cpu_async(unsigned int cpu, void (*fn)(void *), void *arg);
/* true once cpu finished the work it was given */
bool cpu_idle(unsigned int cpu);
/* wait until cpu is idle; ABORT (naming cpu) after 2^35 TSC ticks */
void cpu_wait(unsigned int cpu);

/* xAPIC register access (offsets per the SDM: 0x20 ID, 0x300 ICR ...) */
static inline uint32_t apic_read(unsigned int reg)
{
	return *(volatile uint32_t *)(APIC_MMIO_BASE + reg);
}
static inline void apic_write(unsigned int reg, uint32_t v)
{
	*(volatile uint32_t *)(APIC_MMIO_BASE + reg) = v;
}

#endif
