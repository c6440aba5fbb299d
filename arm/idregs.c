/*
 * idregs: the ID registers agree with the machine the VMM built.  Relations,
 * not values: KVM sanitises ID registers differently from TCG
 * (specs/arm64.md §2, §6 item 4), so each check ties a field to something
 * else the guest can see.  Rules (ARM ARM DDI0487 D19.2, D17.2):
 *  - ID_AA64MMFR0_EL1.PARange is a defined encoding and every address the
 *    device tree gives (/memory, every root node's reg, the PCIe windows)
 *    lies below 2^PA bits: a VMM must not place RAM or MMIO where the CPU
 *    it advertises cannot address it; MMFR0 bits 55:48 are RES0;
 *  - ID_AA64DFR0_EL1.PMUVer: a PMUv3 (1, 4..8) comes with an arm,armv8-pmuv3
 *    node whose interrupt is a PPI and PMCR_EL0 is readable (its N against
 *    the counters that exist: arm/pmu.c);
 *    PMUVer 0 comes with no node and PMCR_EL0 UNDEFINED (EC 0x00);
 *    (cfg arm64-idregs-nopmu runs -cpu max,pmu=off);
 *  - ID_AA64PFR0_EL1.RAS: >= 1 makes ERRIDR_EL1 and DISR_EL1 accessible,
 *    0 makes them UNDEFINED (cfg arm64-idregs-a57: RAS 0 on cortex-a57);
 *  - ID_AA64PFR0_EL1.EL2: booting at EL2 (virtualization=on) needs EL2 != 0;
 *    EL1 is AArch64 (EL1 field 1 or 2) since we run there;
 *  - unallocated encodings of the ID space (op0 3, op1 0, CRn 0, CRm 4-7)
 *    read as zero without a trap;
 *  - MSR to read-only ID registers (MIDR, PFR0, DFR0, MMFR0) is UNDEFINED
 *    (EC 0x00) and leaves the value unchanged.
 */
#include "vmc.h"
#include "arm64.h"

#define FIELD(v, lo) (((v) >> (lo)) & 0xf)

#define READ_SAFE(reg, out) ({ uint64_t __v = 0; fault_arm();		\
	asm volatile(FAULT_INSN("mrs %0, " #reg) : "+r"(__v));		\
	*(out) = __v; fault_take(); })
#define WRITE_SAFE(reg, val) ({ uint64_t __v = (val); fault_arm();	\
	asm volatile(FAULT_INSN("msr " #reg ", %0") : : "r"(__v));	\
	fault_take(); })

static unsigned int pa_bits(unsigned int parange)
{
	static const unsigned int bits[] = { 32, 36, 40, 42, 44, 48, 52 };

	return parange < ARRAY_SIZE(bits) ? bits[parange] : 0;
}

static void check_parange(void)
{
	uint64_t mmfr0 = read_sysreg(id_aa64mmfr0_el1), ram_end = 0;
	unsigned int pr = FIELD(mmfr0, 0), bits = pa_bits(pr), i;

	report_prefix_push("parange");
	for (i = 0; i < dt.nmem; i++)
		if (dt.mem_base[i] + dt.mem_size[i] > ram_end)
			ram_end = dt.mem_base[i] + dt.mem_size[i];
	report_info("MMFR0 %#lx: PARange %u (%u bits); DT: RAM ends %#lx, highest region "
		    "end %#lx", mmfr0, pr, bits, ram_end, dt.max_reg_end);
	report(bits != 0, "PARange %u is a defined encoding (0..6)", pr);
	report(bits && ram_end && (ram_end - 1) >> bits == 0,
	       "the top of RAM in /memory (%#lx) is below 2^%u", ram_end, bits);
	report(bits && dt.max_reg_end && (dt.max_reg_end - 1) >> bits == 0,
	       "every DT region (reg of root nodes, PCIe ranges) ends below 2^%u "
	       "(highest end %#lx)", bits, dt.max_reg_end);
	report(((mmfr0 >> 48) & 0xff) == 0, "MMFR0 bits 55:48 are RES0 (%#lx)",
	       (mmfr0 >> 48) & 0xff);
	report_prefix_pop();
}

static void check_pmuver(void)
{
	uint64_t dfr0 = read_sysreg(id_aa64dfr0_el1), pmcr = 0;
	unsigned int ver = FIELD(dfr0, 8);
	bool v3 = ver == 1 || (ver >= 4 && ver <= 8);
	struct fault f;

	report_prefix_push("pmuver");
	report_info("DFR0 %#lx: PMUVer %u; DT PMU node %d, interrupt cells %u: %u %u %#x",
		    dfr0, ver, dt.has_pmu, dt.pmu_irq_cells, dt.pmu_irq[0], dt.pmu_irq[1],
		    dt.pmu_irq[2]);
	report(ver == 0 || v3 || ver == 0xf, "PMUVer %u is 0, a PMUv3 version or IMPDEF 0xf", ver);
	f = READ_SAFE(pmcr_el0, &pmcr);
	if (v3) {
		report(dt.has_pmu, "a PMUv3 (PMUVer %u) comes with an arm,armv8-pmuv3 DT node", ver);
		report(dt.pmu_irq_cells == 3 && dt.pmu_irq[0] == 1,
		       "the PMU node's interrupt is a PPI (GIC type cell 1: %u, %u cells)",
		       dt.pmu_irq[0], dt.pmu_irq_cells);
		report(!f.raised,
		       "PMCR_EL0 reads without a trap, N = %lu counters (raised %d, EC %#x)",
		       (pmcr >> 11) & 0x1f, f.raised, f.vector);
	} else if (ver == 0) {
		report(!dt.has_pmu, "no PMU (PMUVer 0): no arm,armv8-pmuv3 DT node (node %d)",
		       dt.has_pmu);
		report(f.raised && f.vector == EC_UNKNOWN,
		       "no PMU: PMCR_EL0 is UNDEFINED, EC 0 (raised %d, EC %#x)",
		       f.raised, f.vector);
	} else {
		report_skip("PMU relations (IMPDEF PMU 0xf: needs a PMUv3 or no PMU)");
	}
	report_prefix_pop();
}

static void check_ras(void)
{
	uint64_t pfr0 = read_sysreg(id_aa64pfr0_el1), pfr1 = read_sysreg(id_aa64pfr1_el1);
	uint64_t erridr = 0, disr = 0;
	unsigned int ras = FIELD(pfr0, 28);
	struct fault f, g;

	report_prefix_push("ras");
	f = READ_SAFE(s3_0_c5_c3_0, &erridr);	/* ERRIDR_EL1 */
	g = READ_SAFE(s3_0_c12_c1_1, &disr);	/* DISR_EL1 */
	report_info("PFR0 %#lx: RAS %u, PFR1.RAS_frac %lu; ERRIDR_EL1 %#lx (NUM %lu)",
		    pfr0, ras, FIELD(pfr1, 12), erridr, erridr & 0xffff);
	if (ras) {
		report(!f.raised, "RAS %u: ERRIDR_EL1 reads without a trap (raised %d, EC %#x)",
		       ras, f.raised, f.vector);
		report(!g.raised, "RAS %u: DISR_EL1 reads without a trap (raised %d, EC %#x)",
		       ras, g.raised, g.vector);
	} else {
		report(f.raised && f.vector == EC_UNKNOWN,
		       "no RAS: ERRIDR_EL1 is UNDEFINED, EC 0 (raised %d, EC %#x)",
		       f.raised, f.vector);
		report(g.raised && g.vector == EC_UNKNOWN,
		       "no RAS: DISR_EL1 is UNDEFINED, EC 0 (raised %d, EC %#x)",
		       g.raised, g.vector);
	}
	report_prefix_pop();
}

static void check_el(void)
{
	uint64_t pfr0 = read_sysreg(id_aa64pfr0_el1);

	report_prefix_push("el");
	report(FIELD(pfr0, 4) == 1 || FIELD(pfr0, 4) == 2,
	       "we run at AArch64 EL1: PFR0.EL1 is 1 or 2 (%lu)", FIELD(pfr0, 4));
	report(boot_el != 2 || FIELD(pfr0, 8) != 0,
	       "booted at EL%u: PFR0.EL2 %lu is non-zero when the CPU booted at EL2",
	       boot_el, FIELD(pfr0, 8));
	report_prefix_pop();
}

#define RAZ(crm, op2) do {						\
	uint64_t v = 0xdead;						\
	struct fault f = READ_SAFE(s3_0_c0_c##crm##_##op2, &v);		\
	report(!f.raised && v == 0,					\
	       "unallocated ID register s3_0_c0_c" #crm "_" #op2 " reads as zero "	\
	       "without a trap (%#lx, raised %d, EC %#x)", v, f.raised, f.vector); \
} while (0)

#define RO(name, reg) do {						\
	uint64_t before = read_sysreg(reg), after;			\
	struct fault f = WRITE_SAFE(reg, ~before);			\
	after = read_sysreg(reg);					\
	report(f.raised && f.vector == EC_UNKNOWN && after == before,	\
	       "MSR " name " is UNDEFINED (EC 0) and leaves it %#lx "	\
	       "(raised %d, EC %#x, now %#lx)", before, f.raised, f.vector, after); \
} while (0)

int main(int argc, char **argv)
{
	report_prefix_push("idregs");
	check_parange();
	check_pmuver();
	check_ras();
	check_el();
	report_prefix_push("reserved");
	RAZ(4, 3); RAZ(4, 6); RAZ(5, 3); RAZ(5, 6); RAZ(5, 7);
	RAZ(6, 4); RAZ(6, 5); RAZ(6, 6); RAZ(6, 7); RAZ(7, 5); RAZ(7, 6); RAZ(7, 7);
	report_prefix_pop();
	report_prefix_push("write");
	RO("MIDR_EL1", s3_0_c0_c0_0);
	RO("ID_AA64PFR0_EL1", s3_0_c0_c4_0);
	RO("ID_AA64DFR0_EL1", s3_0_c0_c5_0);
	RO("ID_AA64MMFR0_EL1", s3_0_c0_c7_0);
	report_prefix_pop();
	report_prefix_pop();
	return report_summary();
}
