/*
 * arm64 guest library: system registers, exception classes, PSCI, the FDT
 * reader, the MMU and SMP (lib/arm64/).  Facts: specs/arm64.md.
 */
#ifndef VMC_ARM64_H
#define VMC_ARM64_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

/* generic names (s3_<op1>_c<n>_c<m>_<op2>) work for every register */
#define read_sysreg(r) ({ uint64_t __v;					\
	asm volatile("mrs %0, " #r : "=r"(__v)); __v; })
#define write_sysreg(r, v) do {						\
	uint64_t __v = (uint64_t)(v);					\
	asm volatile("msr " #r ", %x0" : : "rZ"(__v));			\
} while (0)
#define isb() asm volatile("isb" : : : "memory")
#define dsb(o) asm volatile("dsb " #o : : : "memory")

/* ESR_ELx */
#define ESR_EC(esr)	(((esr) >> 26) & 0x3f)
#define ESR_IL		(1UL << 25)
#define ESR_ISS(esr)	((esr) & 0x1ffffff)
#define EC_UNKNOWN	0x00
#define EC_SVC64	0x15
#define EC_HVC64	0x16
#define EC_SMC64	0x17
#define EC_SYS64	0x18
#define EC_IABT_CUR	0x21
#define EC_PC_ALIGN	0x22
#define EC_DABT_CUR	0x25
#define EC_SP_ALIGN	0x26
#define EC_SERROR	0x2f
#define EC_BRK64	0x3c
/* data abort ISS: DFSC */
#define DFSC(iss)	((iss) & 0x3f)
#define DFSC_ALIGN	0x21
#define DFSC_IS_TRANSLATION(d) (((d) & 0x3c) == 0x04)

/* vector slots of the EL1 table (offset / 0x80) */
enum { VEC_SYNC = 4, VEC_IRQ = 5, VEC_FIQ = 6, VEC_SERROR = 7, VEC_MAX = 16 };

struct ex_regs {
	uint64_t x[31];
	uint64_t sp;		/* SP at the exception */
	uint64_t elr, spsr, esr, far;
};
/*
 * A hook for a vector slot (0..15); it returns true when it handled the
 * exception (then the registers, ELR and SPSR in *regs are restored and
 * ERET resumes), false to fall through to the fault table / the dump.
 */
typedef bool (*ex_hook_t)(struct ex_regs *regs, unsigned int slot);
void set_exception_hook(unsigned int slot, ex_hook_t hook);

/* CurrentEL the CPU booted at (before the drop to EL1): 1 or 2 */
extern unsigned int boot_el;
static inline unsigned int current_el(void)
{
	return (read_sysreg(CurrentEL) >> 2) & 3;
}

/*
 * EL2 services (only when boot_el == 2): the boot code leaves a small EL2
 * vector table; HVC #0 from EL1 with x0 = op runs it at EL2.
 */
enum {
	EL2_READ_HCR = 1, EL2_WRITE_HCR = 2, EL2_WRITE_VSESR = 3, EL2_READ_VSESR = 4,
	EL2_READ_CURRENTEL = 5,
};
uint64_t el2_call(uint64_t op, uint64_t arg);

/* ---- PSCI (lib/arm64/psci.c) ---- */
#define PSCI_VERSION		0x84000000
#define PSCI_CPU_SUSPEND	0xc4000001
#define PSCI_CPU_OFF		0x84000002
#define PSCI_CPU_ON		0xc4000003
#define PSCI_AFFINITY_INFO	0xc4000004
#define PSCI_MIGRATE		0xc4000005
#define PSCI_MIGRATE_INFO_TYPE	0x84000006
#define PSCI_MIGRATE_INFO_UP_CPU 0xc4000007
#define PSCI_SYSTEM_OFF		0x84000008
#define PSCI_SYSTEM_RESET	0x84000009
#define PSCI_FEATURES		0x8400000a
#define PSCI_SUCCESS		0
#define PSCI_NOT_SUPPORTED	(-1)
#define PSCI_INVALID_PARAMS	(-2)
#define PSCI_DENIED		(-3)
#define PSCI_ALREADY_ON		(-4)
#define PSCI_ON_PENDING		(-5)
#define PSCI_INTERNAL_FAILURE	(-6)
#define PSCI_AFF_ON		0
#define PSCI_AFF_OFF		1
#define PSCI_AFF_ON_PENDING	2

/* conduit from the DT's /psci method: true = SMC, false = HVC */
extern bool psci_use_smc;
long psci_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3);

/* ---- device tree (lib/arm64/fdt.c) ---- */
#define FDT_MAX_MEM 8
#define MAX_CPUS 8
struct dt_info {
	unsigned int nmem;
	uint64_t mem_base[FDT_MAX_MEM], mem_size[FDT_MAX_MEM];
	unsigned int ncpus;			/* /cpus/cpu@* seen (capped) */
	uint64_t cpu_mpidr[MAX_CPUS];
	char psci_method[8];			/* "hvc", "smc" or "" */
	bool psci_0_2, psci_1_0;		/* /psci compatible arm,psci-0.2 / -1.0 */
	bool has_pmu;				/* a node compatible arm,armv8-pmuv3 */
	uint32_t pmu_irq[3];			/* its first interrupts specifier */
	unsigned int pmu_irq_cells;
	uint64_t max_reg_end;			/* highest end of any reg / ranges parent address */
	uint64_t pcie_ecam_base, pcie_ecam_size;	/* pci-host-ecam-generic reg */
	uint64_t pcie_top;			/* highest end of the PCIe ranges */
	const char *bootargs;			/* /chosen bootargs, or "" */
};
extern struct dt_info dt;
/* parse the blob at fdt; 0 on success, <0 when it is not a valid FDT */
int fdt_parse(const void *fdt);

/* ---- MMU (lib/arm64/mmu.c): 4 KiB granule, 48-bit identity map ---- */
enum { MAP_NORMAL, MAP_DEVICE };
/* identity-map [pa, pa + size) (rounded out to 2 MiB; 1 GiB blocks where they fit) */
int mmu_map(uint64_t pa, uint64_t size, int type);
void mmu_enable(void);
bool mmu_enabled(void);

/* ---- SMP (lib/arm64/smp.c) ---- */
/* this CPU's index into dt.cpu_mpidr (TPIDR_EL1) */
static inline unsigned int smp_id(void)
{
	return read_sysreg(tpidr_el1);
}
unsigned int nr_cpus(void);
/* PSCI CPU_ON of cpu (index) running fn(); returns the PSCI status */
long smp_cpu_on(unsigned int cpu, void (*fn)(void));
/* the secondary returns from fn -> PSCI CPU_OFF */
/* PSCI AFFINITY_INFO of cpu */
long smp_affinity_info(unsigned int cpu);

/* ---- console ---- */
#define PL011_BASE	0x09000000UL

#endif
