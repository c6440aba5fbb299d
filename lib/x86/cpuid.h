/*
 * CPUID helpers.  cpuid(fn) is leaf fn with ECX = 0; cpuid_count(fn, idx)
 * sets ECX = idx (sub-leaf).
 */
#ifndef VMC_X86_CPUID_H
#define VMC_X86_CPUID_H

#include <stdint.h>
#include <stdbool.h>

struct cpuid { uint32_t a, b, c, d; };

static inline struct cpuid cpuid_count(uint32_t fn, uint32_t idx)
{
	struct cpuid r;

	asm volatile("cpuid"
		     : "=a"(r.a), "=b"(r.b), "=c"(r.c), "=d"(r.d)
		     : "a"(fn), "c"(idx));
	return r;
}

static inline struct cpuid cpuid(uint32_t fn)
{
	return cpuid_count(fn, 0);
}

/* highest basic / extended leaf */
static inline uint32_t cpuid_max_basic(void) { return cpuid(0).a; }
static inline uint32_t cpuid_max_ext(void) { return cpuid(0x80000000).a; }

/* feature bits: leaf 1 */
#define CPUID_1_ECX_VMX		(1u << 5)
#define CPUID_1_ECX_X2APIC	(1u << 21)
#define CPUID_1_ECX_XSAVE	(1u << 26)
#define CPUID_1_ECX_HYPERVISOR	(1u << 31)
#define CPUID_1_EDX_MSR		(1u << 5)
#define CPUID_1_EDX_APIC	(1u << 9)
/* leaf 0x80000001 */
#define CPUID_8_1_ECX_SVM	(1u << 2)
#define CPUID_8_1_EDX_NX	(1u << 20)
#define CPUID_8_1_EDX_PDPE1GB	(1u << 26)
#define CPUID_8_1_EDX_RDTSCP	(1u << 27)
#define CPUID_8_1_EDX_LM	(1u << 29)

/*
 * Hypervisor vendor signature from leaf 0x40000000 (EBX ECX EDX), e.g.
 * "KVMKVMKVM" or "TCGTCGTCGTCG" (QEMU TCG); "" when CPUID.1:ECX.hypervisor
 * is clear.  out must hold 13 bytes.
 */
static inline void cpuid_hv_signature(char *out)
{
	struct cpuid c;
	uint32_t w[3];
	int i;

	out[0] = '\0';
	if (!(cpuid(1).c & CPUID_1_ECX_HYPERVISOR))
		return;
	c = cpuid(0x40000000);
	w[0] = c.b;
	w[1] = c.c;
	w[2] = c.d;
	for (i = 0; i < 12; i++)
		out[i] = (char)(w[i / 4] >> (8 * (i % 4)));
	out[12] = '\0';
}

/* APIC id of this CPU from leaf 1 (bits 31:24 of EBX) */
static inline uint32_t cpuid_apic_id(void)
{
	return cpuid(1).b >> 24;
}

#endif
