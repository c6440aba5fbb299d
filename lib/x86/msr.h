/*
 * MSR access, one API.  rdmsr()/wrmsr() fault like the instruction (an
 * unexpected #GP ends the test as ERROR); msr_read()/msr_write()
 * (lib/x86/msr.c) run the instruction through the expected-fault API and
 * return the vector that was raised, or 0 when none was (RDMSR/WRMSR can
 * raise #GP (13) or #UD (6), never #DE, so 0 is unambiguous).  On a fault
 * msr_read stores 0.
 */
#ifndef VMC_X86_MSR_H
#define VMC_X86_MSR_H

#include <stdbool.h>
#include <stdint.h>
#include "fault.h"
#include "fault-asm.h"

#define MSR_IA32_TSC			0x00000010
#define MSR_IA32_PLATFORM_ID		0x00000017
#define MSR_IA32_APICBASE		0x0000001b
#define MSR_IA32_FEATURE_CONTROL	0x0000003a
#define MSR_IA32_TSC_ADJUST		0x0000003b
#define MSR_IA32_SPEC_CTRL		0x00000048
#define MSR_IA32_PRED_CMD		0x00000049
#define MSR_IA32_UCODE_REV		0x0000008b
#define MSR_IA32_MTRRCAP		0x000000fe
#define MSR_IA32_ARCH_CAPABILITIES	0x0000010a
#define MSR_IA32_SYSENTER_CS		0x00000174
#define MSR_IA32_SYSENTER_ESP		0x00000175
#define MSR_IA32_SYSENTER_EIP		0x00000176
#define MSR_IA32_MISC_ENABLE		0x000001a0
#define MSR_IA32_DEBUGCTL		0x000001d9
#define MSR_IA32_CR_PAT			0x00000277
#define MSR_MTRR_DEF_TYPE		0x000002ff
#define MSR_IA32_TSC_DEADLINE		0x000006e0
#define MSR_X2APIC_BASE			0x00000800
#define MSR_EFER			0xc0000080
#define MSR_STAR			0xc0000081
#define MSR_LSTAR			0xc0000082
#define MSR_CSTAR			0xc0000083
#define MSR_SYSCALL_MASK		0xc0000084
#define MSR_FS_BASE			0xc0000100
#define MSR_GS_BASE			0xc0000101
#define MSR_KERNEL_GS_BASE		0xc0000102
#define MSR_TSC_AUX			0xc0000103
#define MSR_AMD64_SEV_ES_GHCB		0xc0010130
#define MSR_AMD64_SEV			0xc0010131
/* KVM paravirtual MSRs (Documentation/virt/kvm/x86/msr.rst) */
#define MSR_KVM_WALL_CLOCK_NEW		0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW		0x4b564d01
#define MSR_KVM_MIGRATION_CONTROL	0x4b564d08

/* EFER bits */
#define EFER_SCE	(1ull << 0)
#define EFER_LME	(1ull << 8)
#define EFER_LMA	(1ull << 10)
#define EFER_NXE	(1ull << 11)
#define EFER_SVME	(1ull << 12)

static inline uint64_t rdmsr(uint32_t idx)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(idx) : "memory");
	return lo | (uint64_t)hi << 32;
}

static inline void wrmsr(uint32_t idx, uint64_t val)
{
	asm volatile("wrmsr"
		     : : "c"(idx), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
		     : "memory");
}

/*
 * RDMSR/WRMSR through the expected-fault API.  Return the vector (0 = none);
 * *rip (if not NULL) = address of the RDMSR/WRMSR itself (after the prefix).
 * fep: prefix ud2; .ascii "kvm" (0f 0b 6b 76 6d), so KVM's emulator runs it
 * (needs kvm.force_emulation_prefix=1 on the host, or it is a #UD).
 */
int msr_read(uint32_t idx, uint64_t *val, bool fep, uint64_t *rip);
int msr_write(uint32_t idx, uint64_t val, bool fep, uint64_t *rip);
/* error code of the last fault taken by msr_read/msr_write on this CPU */
uint64_t msr_last_error_code(void);

#endif
