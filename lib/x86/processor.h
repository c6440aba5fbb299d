/*
 * x86_64 processor helpers: control registers, port I/O, TSC, interrupt
 * flag, TLB, flags.  Also pulls in cpuid.h, msr.h and the FAULT_INSN macro
 * so a test needs only vmc.h and processor.h.
 */
#ifndef VMC_X86_PROCESSOR_H
#define VMC_X86_PROCESSOR_H

#include <stdint.h>
#include <stdbool.h>
#include "fault.h"
#include "fault-asm.h"
#include "cpuid.h"
#include "msr.h"

/* GDT selectors set up by cstart64.S */
#define KERNEL_CS	0x08	/* 64-bit code */
#define KERNEL_DS	0x10	/* flat data   */
#define KERNEL_CS32	0x18	/* 32-bit code */
#define TSS_SEL(cpu)	(0x20 + 16 * (cpu))
#define MAX_CPUS	64
/* after the TSS slots: DPL-3 64-bit code and data (lib/x86/usermode.c) */
#define USER_CS		((0x20 + 16 * MAX_CPUS) | 3)
#define USER_DS		((0x20 + 16 * MAX_CPUS + 8) | 3)
/*
 * The vector CPL-3 library code returns to CPL 0 through: #BP (INT3).  Its
 * IDT gate has DPL 3 (isr.S), and an INT3 at the one return site of
 * usermode.c with CS = USER_CS ends a user_call(); every other #BP goes to
 * the handler, the fault API or the dump as before.  Not a free vector:
 * on kvm_pvm an INT n from CPL 3 with n other than 3 is a #UD (measured),
 * INT3 is delivered through the guest's IDT.
 */
#define USER_RET_VECTOR	3

#define X86_CR0_PE	(1ul << 0)
#define X86_CR0_MP	(1ul << 1)
#define X86_CR0_EM	(1ul << 2)
#define X86_CR0_TS	(1ul << 3)
#define X86_CR0_ET	(1ul << 4)
#define X86_CR0_NE	(1ul << 5)
#define X86_CR0_WP	(1ul << 16)
#define X86_CR0_AM	(1ul << 18)
#define X86_CR0_NW	(1ul << 29)
#define X86_CR0_CD	(1ul << 30)
#define X86_CR0_PG	(1ul << 31)

#define X86_CR4_PSE	(1ul << 4)
#define X86_CR4_PAE	(1ul << 5)
#define X86_CR4_PGE	(1ul << 7)
#define X86_CR4_OSFXSR	(1ul << 9)
#define X86_CR4_VMXE	(1ul << 13)
#define X86_CR4_OSXSAVE	(1ul << 18)
#define X86_CR4_SMEP	(1ul << 20)
#define X86_CR4_SMAP	(1ul << 21)
#define X86_CR4_PKE	(1ul << 22)

#define X86_EFLAGS_CF	(1ul << 0)
#define X86_EFLAGS_FIXED (1ul << 1)
#define X86_EFLAGS_ZF	(1ul << 6)
#define X86_EFLAGS_TF	(1ul << 8)
#define X86_EFLAGS_IF	(1ul << 9)
#define X86_EFLAGS_DF	(1ul << 10)
#define X86_EFLAGS_OF	(1ul << 11)
#define X86_EFLAGS_NT	(1ul << 14)
#define X86_EFLAGS_AC	(1ul << 18)

/* #PF error code bits */
#define PFERR_PRESENT	(1u << 0)
#define PFERR_WRITE	(1u << 1)
#define PFERR_USER	(1u << 2)
#define PFERR_RSVD	(1u << 3)
#define PFERR_FETCH	(1u << 4)

/* exception vectors */
enum {
	DE_VECTOR = 0, DB_VECTOR = 1, NMI_VECTOR = 2, BP_VECTOR = 3,
	OF_VECTOR = 4, BR_VECTOR = 5, UD_VECTOR = 6, NM_VECTOR = 7,
	DF_VECTOR = 8, TS_VECTOR = 10, NP_VECTOR = 11, SS_VECTOR = 12,
	GP_VECTOR = 13, PF_VECTOR = 14, MF_VECTOR = 16, AC_VECTOR = 17,
	MC_VECTOR = 18, XM_VECTOR = 19, VE_VECTOR = 20, CP_VECTOR = 21,
	HV_VECTOR = 28, VC_VECTOR = 29, SX_VECTOR = 30,
};

#define X86_CR_ACCESSORS(n)						\
static inline uint64_t read_cr##n(void)					\
{									\
	uint64_t v;							\
	asm volatile("mov %%cr" #n ", %0" : "=r"(v) : : "memory");	\
	return v;							\
}									\
static inline void write_cr##n(uint64_t v)				\
{									\
	asm volatile("mov %0, %%cr" #n : : "r"(v) : "memory");		\
}
X86_CR_ACCESSORS(0)
X86_CR_ACCESSORS(2)
X86_CR_ACCESSORS(3)
X86_CR_ACCESSORS(4)
X86_CR_ACCESSORS(8)
#undef X86_CR_ACCESSORS

static inline void outb(uint8_t v, uint16_t port)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outw(uint16_t v, uint16_t port)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outl(uint32_t v, uint16_t port)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint16_t inw(uint16_t port)
{
	uint16_t v;
	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo | (uint64_t)hi << 32;
}

static inline void cli(void) { asm volatile("cli" : : : "memory"); }
static inline void sti(void) { asm volatile("sti" : : : "memory"); }
/* one HLT; returns after the next interrupt (or never with IF=0) */
static inline void halt(void) { asm volatile("hlt" : : : "memory"); }
static inline void invlpg(const volatile void *va)
{
	asm volatile("invlpg (%0)" : : "r"(va) : "memory");
}
static inline void pause(void) { asm volatile("pause"); }

static inline uint64_t read_rflags(void)
{
	uint64_t f;
	asm volatile("pushfq; popq %0" : "=r"(f) : : "memory");
	return f;
}
static inline void write_rflags(uint64_t f)
{
	asm volatile("pushq %0; popfq" : : "r"(f) : "memory", "cc");
}

static inline uint16_t read_cs(void)
{
	uint16_t v;
	asm volatile("mov %%cs, %0" : "=rm"(v));
	return v;
}
static inline uint16_t read_ss(void)
{
	uint16_t v;
	asm volatile("mov %%ss, %0" : "=rm"(v));
	return v;
}

/* 1 when vmc-harness started the boot CPU at the direct 64-bit entry
 * (cstart64.S start64_direct), 0 after the multiboot 32-bit path */
extern uint8_t x86_boot_direct64;
/* hand console text still buffered (io.c) to the harness now */
void console_sync(void);

/*
 * Every CPU stack the library sets up (the boot stack, the AP stacks of
 * smp.c) is X86_STACK_SIZE bytes aligned to its size, with a tag at its
 * lowest address: the CPU's index and a check word that depends on the
 * address.  smp.c writes the tags (x86_stack_tag) when a second CPU comes
 * online.
 */
#define X86_STACK_SIZE		16384
#define X86_STACK_TAG_MAGIC	0x56434d5354414731ull
struct x86_stack_tag {
	uint64_t check;		/* X86_STACK_TAG_MAGIC ^ address of the tag */
	uint32_t cpu;
	uint32_t pad;
};
void x86_stack_tag(uintptr_t stack_base, unsigned int cpu);

/*
 * Index of this CPU into per-CPU arrays (0 .. MAX_CPUS-1).  With one CPU
 * online this is 0 without executing anything; with more it is the APIC id
 * (CPUID), read once per CPU into the tag of its stack: on a library stack
 * smp_id() is a memory read, elsewhere (IST stacks, a test's own stack) it
 * asks CPUID.  CPUID is an exit on VMX/SVM and was the one in the fault
 * API's and msr_read()'s path (a test that makes CPUID fault must do so
 * on a library stack or with one CPU).
 */
extern unsigned int x86_cpus_online;
static inline unsigned int smp_id(void)
{
	const struct x86_stack_tag *t;
	uintptr_t sp;

	if (x86_cpus_online <= 1)
		return 0;
	asm volatile("mov %%rsp, %0" : "=r"(sp));
	t = (const struct x86_stack_tag *)(sp & ~(uintptr_t)(X86_STACK_SIZE - 1));
	if (t->check == (X86_STACK_TAG_MAGIC ^ (uintptr_t)t) && t->cpu < MAX_CPUS)
		return t->cpu;
	return cpuid_apic_id() % MAX_CPUS;
}

#endif
