/*
 * x86 selftest: the framework's own guest side works, so other tests can be
 * believed.  Rules checked, and why:
 *  - boot: we run in 64-bit long mode with the state cstart64.S promises
 *    (EFER.LMA, CR0.PG/PE/WP, CR4.PAE, CS = 0x08), because every test
 *    assumes it;
 *  - printf: snprintf gives the C99 result for a table of conversions,
 *    flags, widths, precisions and length modifiers, and returns the
 *    untruncated length when the buffer is short, because every check
 *    message and many comparisons go through it;
 *  (the report API itself is checked on the host, tests/libc/report_test.c);
 *  - argv: the multiboot command line "<payload path> <args>" reaches main()
 *    as argv[0] = "selftest" and argv[1..] = the args (expected: "arg1
 *    arg2=x" besides the options mem=<MiB> and int3, as in unittests.cfg;
 *    without them that check is skipped), and parse_cmdline splits a known
 *    string as documented;
 *  - memory: mem_size() from the multiboot memory map is within 1 MiB below
 *    the RAM size given as mem=<MiB> (the firmware keeps the 640K-1M hole
 *    and a little at the top), and the allocator hands out RAM after the
 *    image;
 *  - expected faults: FAULT_INSN + fault_arm/fault_take report #DE, #BP,
 *    #UD, #GP and #PF with the architectural vector, error code, faulting
 *    address and CR2, resume after the instruction with the registers and
 *    flags intact, and report nothing when nothing faulted; an external
 *    interrupt or NMI at an armed site is never taken for its fault; msr_read /
 *    msr_write return 0 for EFER and #GP for an unimplemented MSR (skipped
 *    under QEMU TCG, which does not raise #GP for unknown MSRs).  #BP is
 *    checked under TCG, or under KVM with the argument int3 (kvm_pvm stops
 *    the VM on INT3, see check_bp).  Every other test's negative checks rely
 *    on this API;
 *  - CPL-3 calls (lib/x86/usermode.c): x86_user_call runs its function at
 *    CPL 3 (CS.RPL = 3) on the library's state and returns its result;
 *    after a snprintf that went through it, DS/ES/SS/FS/GS, the FS and GS
 *    bases (set through the MSRs before), TSS.RSP0 and RFLAGS are what they
 *    were; a nested call from CPL 3 runs there directly, and the next call
 *    is at CPL 3 again; a #GP at CPL 3 is caught by the expected-fault API;
 *    with FS not null, RFLAGS.NT set (IRETQ: #GP), or another IDTR, GDTR
 *    or CR3, the call is direct (CPL 0) and FS is untouched; an NMI
 *    handler's call leaves NMIs blocked until the handler's IRET (SDM
 *    6.7.1; needs a local APIC: harness --irqchip), because every printf
 *    and report line is formatted this way.
 */
#include "vmc.h"
#include "selftest-common.h"
#include "argv.h"
#include "processor.h"
#include "desc.h"
#include "msrfilter.h"
#include "usermode.h"
#include "smp.h"
#include "channel.h"

extern char __image_end[];

/* ---- boot state ---- */

static void check_boot_state(void)
{
	uint64_t efer = 0;
	int v = msr_read(MSR_EFER, &efer, false, NULL);
	uint64_t cr0 = read_cr0(), cr4 = read_cr4();

	report_prefix_push("boot");
	report(v == 0 && (efer & (EFER_LME | EFER_LMA)) == (EFER_LME | EFER_LMA),
	       "EFER.LME and EFER.LMA are set (rdmsr vector %d, EFER %#lx)", v, efer);
	report((cr0 & (X86_CR0_PG | X86_CR0_PE | X86_CR0_WP)) ==
	       (X86_CR0_PG | X86_CR0_PE | X86_CR0_WP),
	       "CR0.PG, CR0.PE and CR0.WP are set (CR0 %#lx)", cr0);
	report(cr4 & X86_CR4_PAE, "CR4.PAE is set (CR4 %#lx)", cr4);
	report(read_cs() == KERNEL_CS, "CS is the 64-bit code selector %#x (CS %#x)",
	       KERNEL_CS, read_cs());
	report_prefix_pop();
}

/* ---- argv, memory ---- */

static void check_memory(long mem_mib)
{
	uint64_t size = mem_size(), want = (uint64_t)mem_mib << 20;
	uintptr_t p;

	report_prefix_push("memory");
	report_info("mem_size() = %lu bytes (%lu KiB)", size, size >> 10);
	if (mem_mib <= 0)
		report_skip("mem_size() matches the guest RAM size (no mem=<MiB> argument: "
			    "set memory = 64 in its unittests.cfg section: the runner passes -m 64 and mem=64)");
	else
		report(size <= want && size >= want - (1 << 20),
		       "mem_size() is within 1 MiB below mem=%ld MiB (%lu bytes)",
		       mem_mib, size);

	p = (uintptr_t)alloc_page();
	report(p && !(p & (PAGE_SIZE - 1)) && p >= (uintptr_t)__image_end &&
	       p + PAGE_SIZE <= 0x100000000ull,
	       "alloc_page() returns a page-aligned page after the image end %p, below 4 GiB (%#lx)",
	       __image_end, p);
	if (p) {
		uint64_t got;

		*(volatile uint64_t *)p = 0x5a5a5a5a12345678ull;
		got = *(volatile uint64_t *)p;
		report(got == 0x5a5a5a5a12345678ull,
		       "the allocated page is writable RAM (wrote 0x5a5a5a5a12345678, read %#lx)", got);
		free_page((void *)p);
	}
	report_prefix_pop();
}

/* ---- expected faults ---- */

#define NONCANONICAL	0x8000000000000000ull
#define ABOVE_4G	0x100000123ull	/* not mapped by cstart64.S */
#define UNIMPLEMENTED_MSR 0xdeadbeef	/* in no architectural or vendor range */

/* values loaded into the GPRs around a handled #UD, RAX..RDI, R8..R15 */
static const uint64_t reg_in[14] = {
	0x1111111111111111ull, 0x2222222222222222ull, 0x3333333333333333ull,
	0x4444444444444444ull, 0x5555555555555555ull, 0x6666666666666666ull,
	0x8888888888888888ull, 0x9999999999999999ull, 0xaaaaaaaaaaaaaaaaull,
	0xbbbbbbbbbbbbbbbbull, 0xccccccccccccccccull, 0xddddddddddddddddull,
	0xeeeeeeeeeeeeeeeeull, 0xf0f0f0f0f0f0f0f0ull,
};
static const char *const reg_name[14] = {
	"RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "R8", "R9", "R10", "R11",
	"R12", "R13", "R14", "R15",
};
static uint64_t reg_out[14], sp0, sp1, ud_at, ud_after;
static uint8_t ud_cf;

static void check_ud_regs(void)
{
	struct fault f;
	int i, bad = -1;

	fault_arm();
	asm volatile("mov %%rsp, %[sp0]\n\t"
		     "lea 9870f(%%rip), %%rax\n\t"
		     "mov %%rax, %[at]\n\t"
		     "mov 0*8+%[in], %%rax\n\t"
		     "mov 1*8+%[in], %%rbx\n\t"
		     "mov 2*8+%[in], %%rcx\n\t"
		     "mov 3*8+%[in], %%rdx\n\t"
		     "mov 4*8+%[in], %%rsi\n\t"
		     "mov 5*8+%[in], %%rdi\n\t"
		     "mov 6*8+%[in], %%r8\n\t"
		     "mov 7*8+%[in], %%r9\n\t"
		     "mov 8*8+%[in], %%r10\n\t"
		     "mov 9*8+%[in], %%r11\n\t"
		     "mov 10*8+%[in], %%r12\n\t"
		     "mov 11*8+%[in], %%r13\n\t"
		     "mov 12*8+%[in], %%r14\n\t"
		     "mov 13*8+%[in], %%r15\n\t"
		     "stc\n\t"
		     "9870:\n\t"
		     FAULT_INSN("ud2")
		     "setc %[cf]\n\t"
		     "movq $1, %[after]\n\t"
		     "mov %%rsp, %[sp1]\n\t"
		     "mov %%rax, 0*8+%[out]\n\t"
		     "mov %%rbx, 1*8+%[out]\n\t"
		     "mov %%rcx, 2*8+%[out]\n\t"
		     "mov %%rdx, 3*8+%[out]\n\t"
		     "mov %%rsi, 4*8+%[out]\n\t"
		     "mov %%rdi, 5*8+%[out]\n\t"
		     "mov %%r8, 6*8+%[out]\n\t"
		     "mov %%r9, 7*8+%[out]\n\t"
		     "mov %%r10, 8*8+%[out]\n\t"
		     "mov %%r11, 9*8+%[out]\n\t"
		     "mov %%r12, 10*8+%[out]\n\t"
		     "mov %%r13, 11*8+%[out]\n\t"
		     "mov %%r14, 12*8+%[out]\n\t"
		     "mov %%r15, 13*8+%[out]\n\t"
		     : [sp0] "=m"(sp0), [sp1] "=m"(sp1), [at] "=m"(ud_at),
		       [after] "+m"(ud_after), [cf] "=m"(ud_cf), [out] "=m"(reg_out)
		     : [in] "m"(reg_in)
		     : "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10",
		       "r11", "r12", "r13", "r14", "r15", "memory", "cc");
	f = fault_take();
	report(f.raised && f.vector == UD_VECTOR && f.error_code == 0,
	       "ud2 raises #UD: vector 6, no error code (raised %d vector %u error %#lx)",
	       f.raised, f.vector, f.error_code);
	report(f.addr == ud_at, "the fault address is the ud2 instruction %#lx (got %#lx)",
	       ud_at, f.addr);
	report(ud_after == 1, "execution resumes after the ud2 (marker after it: %lu)",
	       (unsigned long)ud_after);
	for (i = 0; i < 14; i++)
		if (reg_out[i] != reg_in[i] && bad < 0)
			bad = i;
	report(bad < 0, "RAX..RDI and R8..R15 keep their values across the handled #UD%s%s",
	       bad < 0 ? "" : ": first changed is ", bad < 0 ? "" : reg_name[bad]);
	report(sp0 == sp1, "RSP is the same after the handled #UD (%#lx, %#lx)", sp0, sp1);
	report(ud_cf == 1, "RFLAGS.CF set before the #UD is still set after it (CF %d)", ud_cf);
	f = fault_take();
	report(!f.raised, "fault_take() clears the record (second take: raised %d)", f.raised);
}

/*
 * INT3 / INT n: kvm_pvm hosts do not reflect software interrupts to the
 * guest but stop the VM with a KVM emulation failure (observed with QEMU and
 * the harness), and a guest cannot tell kvm_pvm from kvm_intel/kvm_amd.  So
 * the #BP check runs under QEMU TCG (CPUID signature TCGTCGTCGTCG) or when
 * the argument "int3" is given (cfg section selftest-int3, which requires a
 * VMX/SVM KVM).
 */
static void check_bp(bool want_int3, bool tcg)
{
	uint64_t at = 0, after = 0;
	struct fault f;

	if (!want_int3 && !tcg) {
		report_skip("int3 raises #BP and resumes after it (not run under KVM by "
			    "default, kvm_pvm stops the VM on INT3: pass the argument "
			    "int3 on a VMX/SVM host, or run under TCG)");
		return;
	}
	fault_arm();
	asm volatile("lea 9871f(%%rip), %[at]\n\t"
		     "9871:\n\t"
		     FAULT_INSN("int3")
		     "movq $1, %[after]\n\t"
		     : [at] "+r"(at), [after] "+m"(after) : : "memory");
	f = fault_take();
	report(f.raised && f.vector == BP_VECTOR && f.addr == at && after == 1,
	       "int3 raises #BP (vector 3) at the int3 %#lx and resumes after it "
	       "(raised %d vector %u addr %#lx)", at, f.raised, f.vector, f.addr);

}

/*
 * An external interrupt or NMI taken at an armed site is not that site's
 * fault: the exception path's hook (fault_fixup) is called as the IDT stub
 * would call it, with the saved RIP at the site's resume / insn address.
 */
static void check_irq_not_fault(void)
{
	uintptr_t insn, resume, pc;
	struct fault f;
	bool hit;

	asm volatile("lea 9880f(%%rip), %0\n\tlea 9881f(%%rip), %1\n\t" FAULT_INSN("nop")
		     : "=&r"(insn), "=&r"(resume) : : "memory");
	fault_arm();
	pc = resume;
	hit = fault_fixup(&pc, 0x40, 0, 0);
	f = fault_take();
	report(!hit && !f.raised && pc == resume, "an interrupt (vector 0x40) whose saved RIP is "
	       "an armed site's resume address is not recorded as a fault (hit %d raised %d)",
	       hit, f.raised);
	fault_arm();
	pc = insn;
	hit = fault_fixup(&pc, NMI_VECTOR, 0, 0);
	f = fault_take();
	report(!hit && !f.raised && pc == insn, "an NMI whose saved RIP is an armed instruction "
	       "is not recorded as its fault (hit %d raised %d)", hit, f.raised);
	fault_arm();
	pc = insn;
	hit = fault_fixup(&pc, GP_VECTOR, 0, 0);
	f = fault_take();
	report(hit && f.raised && f.vector == GP_VECTOR && pc == resume, "a #GP at the same "
	       "instruction is recorded and resumes after it (hit %d raised %d vector %u)",
	       hit, f.raised, f.vector);
}

/*
 * lib/x86/msrfilter.c: msrf_free() frees the bitmap pages msrf_add()
 * allocated, not an address a test wrote into the range by hand (the page
 * allocator is LIFO, so the next alloc_page() shows which page was freed).
 */
static void check_msrf_free(void)
{
	uint8_t *mine = alloc_page(), *lib, *next;
	msrf_filter_t f;
	int slot;

	report_prefix_push("msrfilter");
	msrf_init(&f, VMC_MSR_FILTER_DEFAULT_ALLOW);
	slot = msrf_add(&f, VMC_MSR_FILTER_READ, 0, 1, true);
	lib = msrf_bitmap(&f, slot);
	memset(mine, 0xa5, PAGE_SIZE);
	f.req.ranges[slot].bitmap = harness_gpa(mine);
	msrf_free(&f);
	next = alloc_page();
	report(mine && lib && next == lib && mine[0] == 0xa5,
	       "msrf_free frees the page msrf_add allocated (%p), not the bitmap set by hand "
	       "(%p); next page %p", lib, mine, next);
	free_page(next);
	free_page(mine);
	report_prefix_pop();
}

static void check_faults(bool want_int3)
{
	char sig[13];
	bool tcg;
	volatile uint64_t *p;
	uint64_t v = 0;
	uint32_t a = 1, d = 0;
	struct fault f;
	int r;

	report_prefix_push("fault");
	cpuid_hv_signature(sig);
	tcg = !strcmp(sig, "TCGTCGTCGTCG");

	fault_arm();
	asm volatile(FAULT_INSN("nop") : : : "memory");
	f = fault_take();
	report(!f.raised, "nop raises nothing (raised %d)", f.raised);

	check_irq_not_fault();
	check_ud_regs();

	fault_arm();
	asm volatile(FAULT_INSN("divl %2") : "+a"(a), "+d"(d) : "r"(0) : "memory");
	f = fault_take();
	report(f.raised && f.vector == DE_VECTOR && f.error_code == 0,
	       "divide by zero raises #DE: raised, vector 0 (raised %d vector %u)",
	       f.raised, f.vector);

	p = (volatile uint64_t *)NONCANONICAL;
	fault_arm();
	asm volatile(FAULT_INSN("movq (%1), %0") : "=r"(v) : "r"(p) : "memory");
	f = fault_take();
	report(f.raised && f.vector == GP_VECTOR && f.error_code == 0,
	       "a read of non-canonical %#lx raises #GP(0) (raised %d vector %u error %#lx)",
	       (uint64_t)NONCANONICAL, f.raised, f.vector, f.error_code);

	check_bp(want_int3, tcg);

	p = (volatile uint64_t *)ABOVE_4G;
	fault_arm();
	asm volatile(FAULT_INSN("movq (%1), %0") : "=r"(v) : "r"(p) : "memory");
	f = fault_take();
	report(f.raised && f.vector == PF_VECTOR && f.error_code == 0 &&
	       f.aux == ABOVE_4G,
	       "a read of unmapped %#lx raises #PF, error code 0 (not present, read), "
	       "CR2 = the address (raised %d vector %u error %#lx CR2 %#lx)",
	       (uint64_t)ABOVE_4G, f.raised, f.vector, f.error_code, f.aux);

	fault_arm();
	asm volatile(FAULT_INSN("movq %0, (%1)") : : "r"(v), "r"(p) : "memory");
	f = fault_take();
	report(f.raised && f.vector == PF_VECTOR && f.error_code == PFERR_WRITE &&
	       f.aux == ABOVE_4G,
	       "a write to unmapped %#lx raises #PF, error code 2 (not present, write) "
	       "(raised %d vector %u error %#lx CR2 %#lx)",
	       (uint64_t)ABOVE_4G, f.raised, f.vector, f.error_code, f.aux);

	r = msr_read(MSR_EFER, &v, false, NULL);
	report(r == 0 && (v & EFER_LMA), "msr_read(EFER) returns 0 and the value (%d, %#lx)",
	       r, v);
	r = msr_write(MSR_EFER, v, false, NULL);
	report(r == 0, "msr_write(EFER, its own value) returns 0 (got %d)", r);
	if (tcg) {
		report_skip("msr_read/msr_write of unimplemented MSR 0x%x return #GP 13 "
			    "(QEMU TCG ignores unknown MSRs instead of raising #GP: run "
			    "under KVM or the harness)", UNIMPLEMENTED_MSR);
	} else {
		r = msr_read(UNIMPLEMENTED_MSR, &v, false, NULL);
		report(r == GP_VECTOR && v == 0,
		       "msr_read of unimplemented MSR 0x%x returns #GP 13 and value 0 "
		       "(got %d, %#lx; a KVM with ignore_msrs=Y does not fault)",
		       UNIMPLEMENTED_MSR, r, v);
		r = msr_write(UNIMPLEMENTED_MSR, 0x1122334455667788ull, false, NULL);
		report(r == GP_VECTOR,
		       "msr_write of unimplemented MSR 0x%x returns #GP 13 (got %d)",
		       UNIMPLEMENTED_MSR, r);
	}
	report_prefix_pop();
}

/* ---- CPL-3 calls (usermode.c) ---- */

static long user_cs(void *arg)
{
	(void)arg;
	return read_cs();
}

static long user_mul(void *arg)
{
	return *(long *)arg * 3 + 1;
}

/* the CS of a user call made from inside one */
static long user_nested(void *arg)
{
	(void)arg;
	return x86_user_call(user_cs, NULL);
}

/* snprintf (itself a user call: nested, direct) with RFLAGS.AC cleared at CPL 3 */
static long user_format_ac(void *arg)
{
	write_rflags(read_rflags() & ~X86_EFLAGS_AC);
	return snprintf(arg, 32, "%s %d %#lx", "cpl3", -7, 0xabcul);
}

static long user_rflags(void *arg)
{
	(void)arg;
	return read_rflags();
}

/* HLT at CPL 3: #GP(0), through the expected-fault API */
static long user_hlt(void *arg)
{
	struct fault *f = arg;

	fault_arm();
	asm volatile(FAULT_INSN("hlt") : : : "memory");
	*f = fault_take();
	return read_cs();
}

static uint16_t read_sel(int which)
{
	uint16_t v = 0;

	switch (which) {
	case 0: asm volatile("mov %%ds, %0" : "=r"(v)); break;
	case 1: asm volatile("mov %%es, %0" : "=r"(v)); break;
	case 2: asm volatile("mov %%ss, %0" : "=r"(v)); break;
	case 3: asm volatile("mov %%fs, %0" : "=r"(v)); break;
	case 4: asm volatile("mov %%gs, %0" : "=r"(v)); break;
	}
	return v;
}

struct dtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/*
 * A test's own IDT, GDT or page tables make the call direct: the library's
 * descriptors reloaded with a limit one lower (nothing above it is used
 * here, interrupts are off), and CR3 pointing at a copy of the PML4
 */
static void check_user_guards(void)
{
	struct dtr idtr, gdtr, d;
	uint64_t cr3 = read_cr3(), *pml4 = alloc_page();
	long cs[3];

	asm volatile("sidt %0\n\tsgdt %1" : "=m"(idtr), "=m"(gdtr));
	d = idtr;
	d.limit--;
	asm volatile("lidt %0" : : "m"(d));
	cs[0] = x86_user_call(user_cs, NULL);
	asm volatile("lidt %0" : : "m"(idtr));
	d = gdtr;
	d.limit--;
	asm volatile("lgdt %0" : : "m"(d));
	cs[1] = x86_user_call(user_cs, NULL);
	asm volatile("lgdt %0" : : "m"(gdtr));
	cs[2] = -1;
	if (pml4) {
		memcpy(pml4, (void *)(cr3 & ~0xfffull), PAGE_SIZE);
		write_cr3((uintptr_t)pml4);
		cs[2] = x86_user_call(user_cs, NULL);
		write_cr3(cr3);
		free_page(pml4);
	}
	report(cs[0] == KERNEL_CS && cs[1] == KERNEL_CS && cs[2] == KERNEL_CS,
	       "with another IDTR, GDTR or CR3 the call is direct (CS %#lx %#lx %#lx)",
	       cs[0], cs[1], cs[2]);
	cs[0] = x86_user_call(user_cs, NULL);
	report((cs[0] & 3) == 3, "with the library's back, it is at CPL 3 again (CS %#lx)", cs[0]);
}

/*
 * An NMI handler that prints: NMIs stay blocked until its own IRET (SDM
 * 6.7.1), so a second self-NMI sent from the handler waits although the
 * handler made a user call (an IRETQ to CPL 3 would end the blocking, and
 * the second NMI would land on the first one's IST stack).  Self-NMI: ICR
 * fixed destination = our APIC id, delivery mode NMI (SDM 10.6.1).
 */
#define APIC_ID			0x20
#define APIC_SVR		0xf0
#define APIC_SVR_ENABLE		0x100
#define APIC_ICR_LO		0x300
#define APIC_ICR_HI		0x310
#define APIC_ICR_NMI		0x400
#define APIC_ICR_LEVEL_ASSERT	0x4000

static volatile unsigned int nmi_seen, nmi_inside;
static volatile long nmi_cs;

static void self_nmi(void)
{
	apic_write(APIC_ICR_HI, apic_read(APIC_ID) & 0xff000000u);
	apic_write(APIC_ICR_LO, APIC_ICR_NMI | APIC_ICR_LEVEL_ASSERT);
}

static void on_nmi(struct ex_regs *r)
{
	char buf[16];

	(void)r;
	if (++nmi_seen != 1)
		return;
	self_nmi();
	nmi_cs = x86_user_call(user_cs, NULL);
	snprintf(buf, sizeof(buf), "%u", nmi_seen);
	nmi_inside = nmi_seen;
}

static void check_user_nmi(void)
{
	struct vmc_hello h;
	uint64_t t0;
	uint32_t svr;

	if (harness_present() && (harness_hello(&h) || !(h.features & VMC_FEAT_IRQCHIP))) {
		report_skip("an NMI handler's user call leaves NMIs blocked: needs a local APIC "
			    "(QEMU, or the harness with --irqchip or -smp 2)");
		return;
	}
	handle_exception(NMI_VECTOR, on_nmi);
	/* software-enabled (as smp_init does): KVM's disabled LAPIC sends no IPI */
	svr = apic_read(APIC_SVR);
	apic_write(APIC_SVR, svr | APIC_SVR_ENABLE);
	self_nmi();
	t0 = rdtsc();
	while (nmi_seen < 2 && rdtsc() - t0 < 4000000000ull)
		pause();
	apic_write(APIC_SVR, svr);
	handle_exception(NMI_VECTOR, NULL);
	report(nmi_seen == 2 && nmi_inside == 1,
	       "an NMI handler's user call leaves NMIs blocked: the second self-NMI comes after "
	       "the handler's IRET (NMIs seen inside the handler %u, in all %u; its call's CS %#lx)",
	       nmi_inside, nmi_seen, nmi_cs);
}

static void check_usermode(void)
{
	static const char *const sel_name[5] = { "DS", "ES", "SS", "FS", "GS" };
	const uint64_t fsb = 0x12345000, gsb = 0x6789a000, sys = ~0x8d5ull;
	uint64_t fsb0 = rdmsr(MSR_FS_BASE), gsb0 = rdmsr(MSR_GS_BASE), rsp0, fl0, fl1;
	uint16_t sel0[5], sel1[5];
	long x = 14, cs, r;
	char buf[32];
	struct fault f;
	int n;

	report_prefix_push("usermode");
	/*
	 * CPL = CS.RPL.  Not CS == USER_CS: kvm_pvm runs guest CPL-3 code on
	 * the host's own user CS (MOV from CS there reads 0x33, measured)
	 */
	cs = x86_user_call(user_cs, NULL);
	report((cs & 3) == 3, "x86_user_call runs its function at CPL 3 (CS %#lx, RPL 3; "
	       "USER_CS is %#x)", cs, USER_CS);
	r = x86_user_call(user_mul, &x);
	report(r == 43, "the function's result comes back (14 * 3 + 1 = %ld)", r);

	wrmsr(MSR_FS_BASE, fsb);
	wrmsr(MSR_GS_BASE, gsb);
	/* the boot values (cstart64.S), loaded again: an earlier call cannot have left others */
	asm volatile("mov %0, %%ds\n\tmov %0, %%es\n\tmov %0, %%ss" : : "r"((uint16_t)KERNEL_DS));
	for (int i = 0; i < 5; i++)
		sel0[i] = read_sel(i);
	/* values the call's own would not be: a sentinel RSP0, AC set (no effect: CR0.AM = 0) */
	rsp0 = tss_get_rsp0(smp_id());
	tss_set_rsp0(smp_id(), 0x5a5a5a5a000ull);
	write_rflags(read_rflags() | X86_EFLAGS_AC);
	fl0 = read_rflags();
	n = (int)x86_user_call(user_format_ac, buf);
	fl1 = read_rflags();
	write_rflags(read_rflags() & ~X86_EFLAGS_AC);
	for (int i = 0; i < 5; i++)
		sel1[i] = read_sel(i);
	for (int i = 0; i < 5; i++)
		report(sel1[i] == sel0[i], "after a CPL-3 snprintf %s is %#x as before (%#x)",
		       sel_name[i], sel0[i], sel1[i]);
	report(rdmsr(MSR_FS_BASE) == fsb && rdmsr(MSR_GS_BASE) == gsb,
	       "the FS and GS bases set through the MSRs survive it (%#lx %#lx, set %#lx %#lx)",
	       rdmsr(MSR_FS_BASE), rdmsr(MSR_GS_BASE), fsb, gsb);
	wrmsr(MSR_FS_BASE, fsb0);
	wrmsr(MSR_GS_BASE, gsb0);
	report(tss_get_rsp0(smp_id()) == 0x5a5a5a5a000ull, "TSS.RSP0 is put back (%#lx, was %#lx)",
	       tss_get_rsp0(smp_id()), 0x5a5a5a5a000ul);
	tss_set_rsp0(smp_id(), rsp0);
	report((fl1 & sys) == (fl0 & sys),
	       "RFLAGS (but the arithmetic flags) is put back though CPL 3 cleared AC (%#lx, was %#lx)",
	       fl1, fl0);
	report(n == 13 && !strcmp(buf, "cpl3 -7 0xabc"), "its text is right (%d \"%s\")", n, buf);
	/* AC would make CPL-3 accesses alignment-checked under CR0.AM: the call runs without it */
	write_rflags(read_rflags() | X86_EFLAGS_AC);
	r = x86_user_call(user_rflags, NULL);
	fl1 = read_rflags();
	write_rflags(read_rflags() & ~X86_EFLAGS_AC);
	report(!(r & X86_EFLAGS_AC) && (fl1 & X86_EFLAGS_AC),
	       "the function runs with AC clear, the caller's AC comes back (CPL 3 %#lx, after %#lx)",
	       r, fl1);

	cs = x86_user_call(user_nested, NULL);
	r = x86_user_call(user_cs, NULL);
	report((cs & 3) == 3 && (r & 3) == 3,
	       "a call from CPL 3 runs there directly, the next one is at CPL 3 again (CS %#lx, %#lx)",
	       cs, r);

	cs = x86_user_call(user_hlt, &f);
	report((cs & 3) == 3 && f.raised && f.vector == GP_VECTOR && f.error_code == 0,
	       "HLT at CPL 3 is #GP(0) through the expected-fault API (CS %#lx, raised %d vector %u "
	       "error %#lx)", cs, f.raised, f.vector, f.error_code);

	asm volatile("mov %0, %%fs" : : "r"((uint16_t)KERNEL_DS));
	cs = x86_user_call(user_cs, NULL);
	r = read_sel(3);
	asm volatile("mov %0, %%fs" : : "r"((uint16_t)0));
	wrmsr(MSR_FS_BASE, fsb0);
	report(cs == KERNEL_CS && r == KERNEL_DS,
	       "with FS = %#x the call is direct and FS is untouched (CS %#lx, FS %#lx)",
	       KERNEL_DS, cs, r);
	/* DS = 0 (legal in 64-bit mode): the way back would load KERNEL_DS, so direct */
	asm volatile("mov %0, %%ds" : : "r"((uint16_t)0));
	cs = x86_user_call(user_cs, NULL);
	r = read_sel(0);
	asm volatile("mov %0, %%ds" : : "r"((uint16_t)KERNEL_DS));
	report(cs == KERNEL_CS && r == 0,
	       "with DS = 0 the call is direct and DS is untouched (CS %#lx, DS %#lx)", cs, r);
	/* NT = 1 (a test may set it through POPF): IRETQ in 64-bit mode is #GP(0) then */
	write_rflags(read_rflags() | X86_EFLAGS_NT);
	cs = x86_user_call(user_cs, NULL);
	fl1 = read_rflags();
	write_rflags(read_rflags() & ~X86_EFLAGS_NT);
	report(cs == KERNEL_CS && (fl1 & X86_EFLAGS_NT),
	       "with RFLAGS.NT set the call is direct and NT stays set (CS %#lx, RFLAGS %#lx)",
	       cs, fl1);
	check_user_guards();
	check_user_nmi();
	report_prefix_pop();
}

int main(int argc, char **argv)
{
	long mem_mib = 0;
	bool want_int3 = false;
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "int3"))
			want_int3 = true;

	check_boot_state();
	selftest_printf();
	selftest_args(argc, argv, (const char *const[]){ "int3", NULL }, &mem_mib,
		      "args = arg1 arg2=x");
	check_memory(mem_mib);
	check_faults(want_int3);
	check_msrf_free();
	check_usermode();
	return report_summary();
}
