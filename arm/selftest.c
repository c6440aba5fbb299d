/*
 * arm64 selftest: the framework's own guest side works on arm64, so other
 * arm64 tests can be believed.  Rules checked, and why:
 *  - boot: we run at EL1h (CurrentEL 1, SPSel 1) with the MMU on (SCTLR_EL1.M,
 *    TTBR0 = the library's tables), VBAR_EL1 = the library's vectors and
 *    CPACR_EL1.FPEN = 0b11 with an FP instruction that does not trap; when
 *    booted at EL2, HVC #0 traps to the library's EL2 stub (el2_call),
 *    because lib/arm64/cstart.S promises that state and the other tests
 *    assume it (specs/arm64.md §1: EL1, or EL2 with virtualization=on, which
 *    the start code leaves for EL1);
 *  - device tree: this CPU's MPIDR (affinity) is the first /cpus node, PSCI
 *    answers PSCI_VERSION over the conduit /psci "method" names, and
 *    mem_size() from /memory is the RAM size given as mem=<MiB>;
 *  - printf, report, argv: the shared checks of lib/selftest-common.c
 *    (-append reaches main() through /chosen/bootargs);
 *  - memory: the allocator hands out writable RAM after the image;
 *  - SMP (-smp >= 2): every other CPU in the DT starts through PSCI CPU_ON,
 *    runs at EL1 with the MMU on, and reports its MPIDR = its cpu node;
 *  - expected faults: FAULT_INSN + fault_arm/fault_take report UDF
 *    (EC 0x00), an EL2 register read from EL1 (EC 0x00), a load and a store
 *    to an unmapped address (EC 0x25, translation fault, WnR, FAR), LDXR on
 *    an odd address (EC 0x25, alignment fault DFSC 0x21), SVC #imm (EC
 *    0x15, ISS = imm, ELR after it) and BRK #imm (EC 0x3c, ISS = imm) with
 *    the architectural ESR (ARM ARM D17.2.37), resume after the instruction
 *    with the registers intact, and report nothing when nothing faulted.
 *    Every other arm64 test's negative checks rely on this API.
 */
#include "vmc.h"
#include "selftest-common.h"
#include "arm64.h"

extern char __image_end[], vectors[];

#define MPIDR_AFF_MASK 0xff00ffffffUL

/* ---- boot state ---- */

static void check_boot_state(void)
{
	uint64_t sctlr = read_sysreg(sctlr_el1), cpacr = read_sysreg(cpacr_el1);
	uint64_t vbar = read_sysreg(vbar_el1), spsel = read_sysreg(spsel);
	uint64_t in = 0x4142434445464748UL, out = 0;
	struct fault f;

	report_prefix_push("boot");
	report_info("booted at EL%u, PSCI conduit %s (DT method \"%s\")", boot_el,
		    psci_use_smc ? "SMC" : "HVC", dt.psci_method);
	report(current_el() == 1 && spsel == 1,
	       "running at EL1h (CurrentEL %u, SPSel %lu)", current_el(), spsel);
	report(boot_el == 1 || boot_el == 2, "booted at EL1 or EL2 (EL%u)", boot_el);
	report((sctlr & 1) && (read_sysreg(ttbr0_el1) & ~0xfffUL) != 0,
	       "the MMU is on with the library's tables (SCTLR_EL1 %#lx, TTBR0 %#lx)",
	       sctlr, read_sysreg(ttbr0_el1));
	report(vbar == (uintptr_t)vectors, "VBAR_EL1 is the library's vectors %p (%#lx)",
	       vectors, vbar);
	report(((cpacr >> 20) & 3) == 3, "CPACR_EL1.FPEN is 0b11 (CPACR %#lx)", cpacr);
	if (boot_el == 2) {
		uint64_t el = el2_call(EL2_READ_CURRENTEL, 0);

		report(((el >> 2) & 3) == 2 && current_el() == 1,
		       "HVC #0 from EL1 traps to the EL2 stub, which runs at EL2 and returns "
		       "to EL1 (CurrentEL there %lu, here %u)", (el >> 2) & 3, current_el());
	}
	/* d0 is never used by C code here (-mgeneral-regs-only) */
	fault_arm();
	asm volatile(FAULT_INSN("fmov d0, %0") : : "r"(in));
	f = fault_take();
	if (!f.raised)
		asm volatile("fmov %0, d0" : "=r"(out));
	report(!f.raised && out == in,
	       "an FP/SIMD register move does not trap and keeps the value (%#lx; raised %d, "
	       "EC %#x)", out, f.raised, f.vector);
	report_prefix_pop();
}

static void check_dt(long mem_mib)
{
	uint64_t mpidr = read_sysreg(mpidr_el1) & MPIDR_AFF_MASK;
	long v = psci_call(PSCI_VERSION, 0, 0, 0);

	report_prefix_push("dt");
	report(dt.ncpus >= 1 && dt.cpu_mpidr[0] == mpidr,
	       "the first /cpus node is this CPU (reg %#lx, MPIDR %#lx, %u nodes)",
	       dt.ncpus ? dt.cpu_mpidr[0] : 0, mpidr, dt.ncpus);
	report(!strcmp(dt.psci_method, "hvc") || !strcmp(dt.psci_method, "smc"),
	       "/psci method is hvc or smc (\"%s\")", dt.psci_method);
	report(v >= 0x2 && v < 0x1000000,
	       "PSCI_VERSION over the DT's conduit gives a version >= 0.2 (%#lx)", v);
	if (mem_mib <= 0)
		report_skip("mem_size() matches the guest RAM size (no mem=<MiB> argument: "
			    "set memory = 128 in its unittests.cfg section: the runner passes -m 128 and mem=128)");
	else
		report(mem_size() == (uint64_t)mem_mib << 20,
		       "mem_size() from /memory is mem=%ld MiB (%lu bytes in %u range(s))",
		       mem_mib, (unsigned long)mem_size(), dt.nmem);
	report_prefix_pop();
}

static void check_memory(void)
{
	uintptr_t img = ALIGN_UP((uintptr_t)__image_end, PAGE_SIZE);
	volatile uint64_t *p = alloc_page(), *q = alloc_page();
	uint64_t ram_end = dt.nmem ? dt.mem_base[0] + dt.mem_size[0] : 0;

	report_prefix_push("memory");
	report(p && q && p != q && !((uintptr_t)p & (PAGE_SIZE - 1)) &&
	       (uintptr_t)p >= img && (uintptr_t)p + PAGE_SIZE <= ram_end,
	       "alloc_page() gives distinct page-aligned pages between the image end %#lx "
	       "and the RAM end %#lx (%p, %p)", img, ram_end, p, q);
	if (p) {
		uint64_t first, last;

		p[0] = 0x0123456789abcdefULL;
		p[511] = ~p[0];
		first = p[0];
		last = p[511];
		report(first == 0x0123456789abcdefULL && last == ~0x0123456789abcdefULL,
		       "an allocated page is writable (first word %#lx, last %#lx)",
		       (unsigned long)first, (unsigned long)last);
		free_page((void *)p);
	}
	if (q)
		free_page((void *)q);
	report_prefix_pop();
}

/* ---- SMP ---- */

static volatile uint64_t seen_mpidr[MAX_CPUS];
static volatile uint64_t seen_state[MAX_CPUS];

static void secondary_fn(void)
{
	unsigned int me = smp_id();

	seen_state[me] = (uint64_t)current_el() << 8 | (read_sysreg(sctlr_el1) & 1);
	seen_mpidr[me] = (read_sysreg(mpidr_el1) & MPIDR_AFF_MASK) | 1UL << 63;
}

static void check_smp(void)
{
	unsigned int cpu;
	unsigned long spin;
	long r;

	report_prefix_push("smp");
	if (nr_cpus() < 2) {
		report_skip("secondary CPUs start through PSCI CPU_ON (one CPU in the DT: "
			    "run with smp = 2 or more)");
		report_prefix_pop();
		return;
	}
	for (cpu = 1; cpu < nr_cpus(); cpu++) {
		r = smp_cpu_on(cpu, secondary_fn);
		for (spin = 0; !seen_mpidr[cpu] && spin < 200000000UL; spin++)
			asm volatile("yield");
		report(r == PSCI_SUCCESS && seen_mpidr[cpu] == (dt.cpu_mpidr[cpu] | 1UL << 63) &&
		       seen_state[cpu] == (1 << 8 | 1),
		       "CPU %u starts with CPU_ON, runs at EL1 with the MMU on and has the "
		       "DT's MPIDR %#lx (CPU_ON %ld, MPIDR %#lx, EL/MMU %#lx)", cpu,
		       dt.cpu_mpidr[cpu], r, seen_mpidr[cpu] & ~(1UL << 63), seen_state[cpu]);
	}
	report_prefix_pop();
}

/* ---- expected faults ---- */

struct where { uintptr_t insn, next; };

static void check_fault(const char *what, struct fault f, unsigned int ec,
			uint64_t iss, uint64_t iss_mask, uintptr_t want_elr)
{
	report(f.raised && f.vector == ec && (f.error_code & iss_mask) == iss &&
	       f.addr == want_elr,
	       "%s: EC %#x, ISS %#lx (mask %#lx), ELR %#lx "
	       "(raised %d, EC %#x, ISS %#lx, ELR %#lx)",
	       what, ec, iss, iss_mask, want_elr, f.raised, f.vector,
	       (unsigned long)f.error_code, (unsigned long)f.addr);
}

#define WHERE "adr %[i], 9880b\n\tadr %[n], 9881b\n\t"

static void check_faults(void)
{
	uint64_t bad = 0x7f0000000000UL;	/* L0 entry 254: never mapped */
	uint64_t x19 = 0x5a5a5a5a12345678UL, val = 0;
	struct fault f;
	struct where w;
	uint8_t *buf = alloc_page();

	report_prefix_push("fault");
	fault_arm();
	asm volatile(FAULT_INSN("mov %[v], #7") : [v] "=r"(val));
	f = fault_take();
	report(!f.raised && val == 7,
	       "an instruction that does not fault gives raised = 0 (raised %d)", f.raised);

	fault_arm();
	asm volatile(FAULT_INSN("udf #0x1234") WHERE
		     : [i] "=r"(w.insn), [n] "=r"(w.next), "+r"(x19));
	f = fault_take();
	check_fault("UDF", f, EC_UNKNOWN, 0, 0x1ffffff, w.insn);
	report(x19 == 0x5a5a5a5a12345678UL,
	       "registers survive the handled exception (%#lx)", x19);

	fault_arm();
	asm volatile(FAULT_INSN("mrs %[v], hcr_el2") WHERE
		     : [i] "=r"(w.insn), [n] "=r"(w.next), [v] "=r"(val));
	f = fault_take();
	check_fault("MRS HCR_EL2 at EL1", f, EC_UNKNOWN, 0, 0x1ffffff, w.insn);

	/* ISS: ISV may or may not be set; WnR (bit 6); DFSC translation fault, level 0 */
	fault_arm();
	asm volatile(FAULT_INSN("ldr %[v], [%[a]]") WHERE
		     : [i] "=r"(w.insn), [n] "=r"(w.next), [v] "=r"(val) : [a] "r"(bad));
	f = fault_take();
	check_fault("load from an unmapped address", f, EC_DABT_CUR, 0x04, 0x7f, w.insn);
	report(f.aux == bad, "FAR_EL1 of the load is the address %#lx (%#lx)",
	       bad, (unsigned long)f.aux);

	fault_arm();
	asm volatile(FAULT_INSN("str %[v], [%[a]]") WHERE
		     : [i] "=r"(w.insn), [n] "=r"(w.next) : [a] "r"(bad + 8), [v] "r"(val));
	f = fault_take();
	check_fault("store to an unmapped address (WnR)", f, EC_DABT_CUR, 0x44, 0x7f, w.insn);
	report(f.aux == bad + 8, "FAR_EL1 of the store is the address %#lx (%#lx)",
	       bad + 8, (unsigned long)f.aux);

	if (buf) {
		fault_arm();
		asm volatile(FAULT_INSN("ldxr %[v], [%[a]]") WHERE
			     : [i] "=r"(w.insn), [n] "=r"(w.next), [v] "=r"(val)
			     : [a] "r"(buf + 1));
		f = fault_take();
		check_fault("LDXR from an odd address", f, EC_DABT_CUR, DFSC_ALIGN, 0x3f, w.insn);
		asm volatile("clrex");
		free_page(buf);
	}

	fault_arm();
	asm volatile(FAULT_INSN("svc #0x42") WHERE : [i] "=r"(w.insn), [n] "=r"(w.next));
	f = fault_take();
	check_fault("SVC #0x42", f, EC_SVC64, 0x42, 0x1ffffff, w.next);

	fault_arm();
	asm volatile(FAULT_INSN("brk #0x7") WHERE : [i] "=r"(w.insn), [n] "=r"(w.next));
	f = fault_take();
	check_fault("BRK #7", f, EC_BRK64, 0x7, 0x1ffffff, w.insn);

	f = fault_take();
	report(!f.raised && !f.vector, "fault_take() cleared the record (raised %d, EC %#x)",
	       f.raised, f.vector);
	report_prefix_pop();
}

int main(int argc, char **argv)
{
	long mem_mib = 0;

	check_boot_state();
	selftest_printf();
	selftest_args(argc, argv, NULL, &mem_mib, "args = arg1 arg2=x");
	check_dt(mem_mib);
	check_memory();
	check_smp();
	check_faults();
	return report_summary();
}
