/*
 * migrate: the guest's state survives a live migration (docs/migration.md):
 * the harness saves the VM through KVM's state ioctls, builds a new VM in
 * the same process and restores it.  What a VMM fails to carry, or a KVM
 * fails to give back, the guest sees as changed state after MIGRATE
 * returns (the premise of the SEV live-migration series, specs/kvm-x86.md
 * §B: the page-encryption map and MIGRATION_CONTROL must move with it).
 * Every expected value is what the guest set before the migration.
 * Rules checked, after each of several migrations:
 *  - GPRs RBX RCX RSI RDI RBP R8-R15 across the OUT that migrates;
 *  - x87: control word and two stacked 80-bit values; SSE: XMM0-15 (with
 *    AVX: YMM0-15 whole); XCR0 (with XSAVE); CR0, CR4, EFER; DR0-3, DR7;
 *  - MSRs SYSENTER_CS/ESP/EIP, STAR, LSTAR, CSTAR, SFMASK, KERNEL_GS_BASE,
 *    TSC_AUX (with RDTSCP/RDPID), PAT, TSC_ADJUST (if present); the TSC
 *    never goes backwards;
 *  - with an in-kernel LAPIC: a pending one-shot timer keeps counting down
 *    from where it was (not restarted, not lost) and its interrupt arrives
 *    once (a ~34 ms countdown; should it expire during the migration, an
 *    INFO line and a retry 8x longer, up to ~2.1 s: only the last counts);
 *  - an MSR filter with user-space exits: a denied made-up MSR still exits
 *    to userspace in the new VM and reads back what the guest wrote; a
 *    filtered MIGRATION_CONTROL keeps the value the guest wrote;
 *  - (VMX/SVM) the page-encryption map the guest built with nr 12 is the
 *    same after the migration, and nr 12 still exits in the new VM;
 *  - with -smp 2: vCPU 1 running a register-holding loop while vCPU 0
 *    migrates keeps running in the new VM, with its registers and its own
 *    KERNEL_GS_BASE intact.
 * Needs the harness with VMC_FEAT_MIGRATE (SKIP otherwise, e.g. QEMU).
 */
#include "vmc.h"
#include "processor.h"
#include "channel.h"
#include "desc.h"
#include "smp.h"
#include "hypercall.h"
#include "msrfilter.h"
#include "migrate.h"

#define ROUNDS		3
#define FAKE_MSR	0x474f4f00u
#define MC		VMC_MSR_KVM_MIGRATION_CONTROL
#define MSR_TSC_ADJUST	0x3b
#define MSR_PAT		0x277
#define MSR_SYSENTER_CS	0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_STAR	0xc0000081
#define MSR_LSTAR	0xc0000082
#define MSR_CSTAR	0xc0000083
#define MSR_SFMASK	0xc0000084
#define TIMER_VEC	0x40
#define APIC_EOI	0xb0
#define APIC_SVR	0xf0
#define APIC_LVTT	0x320
#define APIC_TMICT	0x380
#define APIC_TMCCT	0x390
#define APIC_TDCR	0x3e0

static struct vmc_hello hello;
static bool amd, fpu_ok, have_avx, have_xsave, have_tsc_aux, have_tsc_adjust, have_apic, have_vmx_svm;
static struct vmc_migrate mig_block;

/* ---- GPRs: loaded, then the migrating OUT, then stored, in one asm ---- */
enum { G_RBX, G_RCX, G_RSI, G_RDI, G_RBP, G_R8, G_R9, G_R10, G_R11, G_R12, G_R13, G_R14,
       G_R15, G_GPA, G_OUT, NGPR };
static const char *const gpr_names[] = { "RBX", "RCX", "RSI", "RDI", "RBP", "R8", "R9",
					 "R10", "R11", "R12", "R13", "R14", "R15" };

static void gprs_across_migration(int round)
{
	uint64_t in[NGPR], out[G_GPA] = { 0 }, *p = in;
	int bad = -1;

	for (int i = 0; i < G_GPA; i++)
		in[i] = 0x0101010101010101ull * (uint64_t)(i + 1) ^ ((uint64_t)round << 56);
	memset(&mig_block, 0, sizeof(mig_block));
	mig_block.hdr.argsz = sizeof(mig_block);
	mig_block.hdr.op = VMC_OP_MIGRATE;
	mig_block.hdr.ret = VMC_RET_NOANSWER;
	in[G_GPA] = (uintptr_t)&mig_block;
	in[G_OUT] = (uintptr_t)out;
	asm volatile("push %%rbp\n\t"
		     "push 112(%%rax)\n\t"
		     "mov 0(%%rax), %%rbx\n\t"
		     "mov 8(%%rax), %%rcx\n\t"
		     "mov 16(%%rax), %%rsi\n\t"
		     "mov 24(%%rax), %%rdi\n\t"
		     "mov 32(%%rax), %%rbp\n\t"
		     "mov 40(%%rax), %%r8\n\t"
		     "mov 48(%%rax), %%r9\n\t"
		     "mov 56(%%rax), %%r10\n\t"
		     "mov 64(%%rax), %%r11\n\t"
		     "mov 72(%%rax), %%r12\n\t"
		     "mov 80(%%rax), %%r13\n\t"
		     "mov 88(%%rax), %%r14\n\t"
		     "mov 96(%%rax), %%r15\n\t"
		     "mov 104(%%rax), %%eax\n\t"
		     "mov $0xf8, %%dx\n\t"
		     "outl %%eax, %%dx\n\t"
		     "mov (%%rsp), %%rax\n\t"
		     "mov %%rbx, 0(%%rax)\n\t"
		     "mov %%rcx, 8(%%rax)\n\t"
		     "mov %%rsi, 16(%%rax)\n\t"
		     "mov %%rdi, 24(%%rax)\n\t"
		     "mov %%rbp, 32(%%rax)\n\t"
		     "mov %%r8, 40(%%rax)\n\t"
		     "mov %%r9, 48(%%rax)\n\t"
		     "mov %%r10, 56(%%rax)\n\t"
		     "mov %%r11, 64(%%rax)\n\t"
		     "mov %%r12, 72(%%rax)\n\t"
		     "mov %%r13, 80(%%rax)\n\t"
		     "mov %%r14, 88(%%rax)\n\t"
		     "mov %%r15, 96(%%rax)\n\t"
		     "add $8, %%rsp\n\t"
		     "pop %%rbp\n\t"
		     : "+a"(p) :
		     : "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13",
		       "r14", "r15", "memory");
	if (mig_block.hdr.ret != 0)
		report_abort("MIGRATE from the register block failed: %d", mig_block.hdr.ret);
	for (int i = 0; i < G_GPA && bad < 0; i++)
		if (out[i] != in[i])
			bad = i;
	report(bad < 0, "RBX RCX RSI RDI RBP R8-R15 hold what the guest loaded (first wrong: %s "
	       "0x%lx, want 0x%lx)", bad < 0 ? "none" : gpr_names[bad], bad < 0 ? 0 : out[bad],
	       bad < 0 ? 0 : in[bad]);
}

static void migrate_or_abort(void)
{
	int r = harness_migrate(NULL);

	if (r)
		report_abort("MIGRATE failed: %s", harness_strerror(r));
}

/* ---- FPU / vector registers ---- */
static uint8_t vec_in[16 * 32] __attribute__((aligned(32)));
static uint8_t vec_out[16 * 32] __attribute__((aligned(32)));

#define VLOAD(i)  "vmovdqu " #i "*32(%0), %%ymm" #i "\n\t"
#define VSTORE(i) "vmovdqu %%ymm" #i ", " #i "*32(%0)\n\t"
#define XLOAD(i)  "movdqu " #i "*16(%0), %%xmm" #i "\n\t"
#define XSTORE(i) "movdqu %%xmm" #i ", " #i "*16(%0)\n\t"
#define ALL16(m) m(0) m(1) m(2) m(3) m(4) m(5) m(6) m(7) m(8) m(9) m(10) m(11) m(12) m(13) \
	m(14) m(15)

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return lo | (uint64_t)hi << 32;
}

static void fpu_setup(void)
{
	write_cr0((read_cr0() & ~X86_CR0_EM) | X86_CR0_MP | X86_CR0_NE);
	write_cr4(read_cr4() | X86_CR4_OSFXSR | (1ul << 10) /* OSXMMEXCPT */ |
		  (have_xsave ? X86_CR4_OSXSAVE : 0));
	if (have_xsave) {
		uint64_t xcr0 = 3 | (have_avx ? 4 : 0);

		asm volatile("xsetbv" : : "c"(0), "a"((uint32_t)xcr0), "d"(0u));
	}
	if (have_xsave) {
		/*
		 * QEMU 7.2 TCG as the outer emulator (vmtest) runs a nested guest's
		 * XSETBV without the SVM intercept: KVM never learns the new XCR0
		 * and reloads its own (1) at the next VM entry.  An exit (OUT to
		 * the scratch port) between XSETBV and XGETBV shows it.
		 */
		outl(0, VMC_SCRATCH_PORT);
		if (xgetbv0() != (3 | (have_avx ? 4u : 0u))) {
			report_skip("XCR0 and YMM across migration: XCR0 0x%x set by XSETBV reads "
				    "back 0x%lx after a VM exit, so KVM never saw it (QEMU TCG "
				    "nested SVM skips the XSETBV intercept); needs a hardware "
				    "VMX/SVM host", 3 | (have_avx ? 4u : 0u), xgetbv0());
			have_xsave = have_avx = false;
		}
	}
}

/* an 80-bit x87 value as stored by FSTPT: sign+exponent (bytes 8-9), mantissa (0-7) */
static uint16_t f80_se(const uint8_t *v)
{
	return (uint16_t)(v[8] | v[9] << 8);
}

static uint64_t f80_mant(const uint8_t *v)
{
	uint64_t m;

	memcpy(&m, v, 8);
	return m;
}

/*
 * what a vector check saw: "all equal" when bad is 16, else the first
 * register that differs and its first differing byte (got, want)
 */
static const char *vec_diff(unsigned bad, const uint8_t *want, const uint8_t *got,
			    unsigned len, const char *reg)
{
	static char buf[96];
	unsigned b = 0;

	if (bad >= 16)
		return "all 16 equal";
	while (b + 1 < len && got[b] == want[b])
		b++;
	snprintf(buf, sizeof(buf), "first mismatch %s%u byte %u: got %#x, want %#x",
		 reg, bad, b, got[b], want[b]);
	return buf;
}

static void fpu_across_migration(int round)
{
	static const uint8_t st_a[10] = { 0x00, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0x3f };	/* 1.5 */
	static uint8_t st_b[10] = { 0x35, 0xc2, 0x68, 0x21, 0xa2, 0xda, 0x0f, 0xc9, 0x00, 0x40 };
	uint8_t a_out[10], b_out[10];
	uint16_t cw = 0x0e7f, cw_out = 0;	/* round toward zero, extended precision */
	unsigned width = have_avx ? 32 : 16;
	bool avx_now;
	bool check_xcr0 = have_xsave;
	uint64_t xcr0 = 3 | (have_avx ? 4 : 0);

	/* (re)state XCR0 each round: the check below must see what was set now */
	if (check_xcr0)
		asm volatile("xsetbv" : : "c"(0), "a"((uint32_t)xcr0), "d"(0u));

	st_b[0] = (uint8_t)(0x35 + round);
	for (unsigned i = 0; i < sizeof(vec_in); i++)
		vec_in[i] = (uint8_t)(i * 7 + round * 13 + 1);
	memset(vec_out, 0, sizeof(vec_out));
	asm volatile("fninit\n\tfldcw %0\n\tfldt %1\n\tfldt %2" : : "m"(cw), "m"(st_a), "m"(st_b));
	if (have_avx)
		asm volatile(ALL16(VLOAD) : : "r"(vec_in) : "memory");
	else
		asm volatile(ALL16(XLOAD) : : "r"(vec_in) : "memory");
	migrate_or_abort();
	/* AVX instructions #UD once XCR0 lost bit 2: then only the XMM halves */
	avx_now = have_avx && (!check_xcr0 || (xgetbv0() & 4));
	if (avx_now)
		asm volatile(ALL16(VSTORE) : : "r"(vec_out) : "memory");
	else
		asm volatile(ALL16(XSTORE) : : "r"(vec_out) : "memory");
	asm volatile("fnstcw %0\n\tfstpt %1\n\tfstpt %2" : "=m"(cw_out), "=m"(b_out), "=m"(a_out));
	report(cw_out == cw, "x87 control word 0x%x survives (got 0x%x)", cw, cw_out);
	report(!memcmp(a_out, st_a, 10) && !memcmp(b_out, st_b, 10),
	       "x87 ST0/ST1 hold the two 80-bit values the guest pushed (ST0 %04x:%016lx, "
	       "want %04x:%016lx; ST1 %04x:%016lx, want %04x:%016lx)",
	       f80_se(b_out), f80_mant(b_out), f80_se(st_b), f80_mant(st_b),
	       f80_se(a_out), f80_mant(a_out), f80_se(st_a), f80_mant(st_a));
	if (avx_now) {
		unsigned bad = 16;
		bool ok = true;

		for (unsigned i = 0; i < 16; i++) {
			bool same = !memcmp(vec_in + i * 32, vec_out + i * 32, width);

			ok &= same;
			if (!same && bad == 16)
				bad = i;
		}
		report(ok, "YMM0-15 (all 256 bits) hold what the guest loaded (%s)",
		       vec_diff(bad, vec_in + bad * 32, vec_out + bad * 32, width, "YMM"));
	} else {
		unsigned in_step = have_avx ? 32 : 16, bad = 16;
		bool ok = true;

		for (unsigned i = 0; i < 16; i++) {
			bool same = !memcmp(vec_in + i * in_step, vec_out + i * 16, 16);

			ok &= same;
			if (!same && bad == 16)
				bad = i;
		}
		report(ok, "XMM0-15 hold what the guest loaded (no AVX: YMM not checked) (%s)",
		       vec_diff(bad, vec_in + bad * in_step, vec_out + bad * 16, 16, "XMM"));
	}
	if (check_xcr0) {
		uint64_t got = xgetbv0();

		report(got == xcr0, "XCR0 0x%lx survives (got 0x%lx)", xcr0, got);
	}
}

/* ---- control, debug registers, MSRs, TSC ---- */
struct msr_case {
	uint32_t idx;
	const char *name;
	uint64_t val;
	bool *cond;
};

static struct msr_case msrs[] = {
	{ MSR_SYSENTER_CS, "SYSENTER_CS", 0x0000000000001008ull, NULL },
	{ MSR_SYSENTER_ESP, "SYSENTER_ESP", 0xffff888000a0b000ull, NULL },
	{ MSR_SYSENTER_EIP, "SYSENTER_EIP", 0xffffffff81a0c0d0ull, NULL },
	{ MSR_STAR, "STAR", 0x0023001000000000ull, NULL },
	{ MSR_LSTAR, "LSTAR", 0xffffffff81234560ull, NULL },
	{ MSR_CSTAR, "CSTAR", 0xffffffff81234600ull, NULL },
	{ MSR_SFMASK, "SFMASK", 0x0000000000047700ull, NULL },
	{ MSR_KERNEL_GS_BASE, "KERNEL_GS_BASE", 0xffff888012345000ull, NULL },
	{ MSR_TSC_AUX, "TSC_AUX", 0x0000000000012345ull, &have_tsc_aux },
	{ MSR_PAT, "PAT", 0x0007010600070106ull, NULL },
};

static void regs_across_migration(int round)
{
	uint64_t cr0, cr4, efer, tsc0, tsc1, adj = 0;
	uint64_t dr[4], dr7 = 0x400 | 0x55550000ull, got[4], got7, set[ARRAY_SIZE(msrs)];

	efer = rdmsr(MSR_EFER) | EFER_SCE |
	       ((cpuid(0x80000001).d & (1u << 20)) ? EFER_NXE : 0);
	wrmsr(MSR_EFER, efer);
	write_cr0(read_cr0() | X86_CR0_AM);
	cr0 = read_cr0();
	cr4 = read_cr4();
	for (int i = 0; i < 4; i++)
		dr[i] = 0x500000 + 0x1000 * i + round * 8;
	asm volatile("mov %0, %%dr0\n\tmov %1, %%dr1\n\tmov %2, %%dr2\n\tmov %3, %%dr3\n\t"
		     "mov %4, %%dr7" : : "r"(dr[0]), "r"(dr[1]), "r"(dr[2]), "r"(dr[3]), "r"(dr7));
	/*
	 * Expected: what reads back before the migration.  SYSENTER_ESP/EIP
	 * are 32 bits on AMD (APM; KVM's svm.c keeps the low half unless the
	 * guest's vendor is Intel), so there they get 32-bit values: QEMU TCG
	 * as the outer emulator reads back all 64 bits it was given.
	 */
	for (unsigned i = 0; i < ARRAY_SIZE(msrs); i++)
		if (!msrs[i].cond || *msrs[i].cond) {
			uint64_t v = msrs[i].val + (msrs[i].idx == MSR_PAT ? 0 : round * 0x10);

			if (amd && (msrs[i].idx == MSR_SYSENTER_ESP || msrs[i].idx == MSR_SYSENTER_EIP))
				v = (uint32_t)v;
			wrmsr(msrs[i].idx, v);
			set[i] = rdmsr(msrs[i].idx);
		}
	if (have_tsc_adjust) {
		adj = rdmsr(MSR_TSC_ADJUST) + 0x100000;
		wrmsr(MSR_TSC_ADJUST, adj);
		adj = rdmsr(MSR_TSC_ADJUST);
	}
	tsc0 = rdtsc();
	migrate_or_abort();
	tsc1 = rdtsc();
	report(read_cr0() == cr0 && read_cr4() == cr4 && rdmsr(MSR_EFER) == efer,
	       "CR0 0x%lx, CR4 0x%lx, EFER 0x%lx survive (got 0x%lx 0x%lx 0x%lx)", cr0, cr4, efer,
	       read_cr0(), read_cr4(), rdmsr(MSR_EFER));
	asm volatile("mov %%dr0, %0\n\tmov %%dr1, %1\n\tmov %%dr2, %2\n\tmov %%dr3, %3\n\t"
		     "mov %%dr7, %4" : "=r"(got[0]), "=r"(got[1]), "=r"(got[2]), "=r"(got[3]),
		     "=r"(got7));
	report(!memcmp(got, dr, sizeof(dr)) && got7 == dr7,
	       "DR0-3 and DR7 0x%lx survive (DR0 0x%lx, DR7 0x%lx)", dr7, got[0], got7);
	for (unsigned i = 0; i < ARRAY_SIZE(msrs); i++) {
		uint64_t want = set[i], v;

		if (msrs[i].cond && !*msrs[i].cond) {
			if (round == 0)
				report_skip("MSR %s: needs RDTSCP (CPUID 0x80000001:EDX[27]) or "
					    "RDPID (CPUID 7.0:ECX[22]) in the guest, i.e. a host "
					    "CPU and KVM whose KVM_GET_SUPPORTED_CPUID offers one",
					    msrs[i].name);
			continue;
		}
		v = rdmsr(msrs[i].idx);
		report(v == want, "MSR %s 0x%x = 0x%lx survives (got 0x%lx)", msrs[i].name,
		       msrs[i].idx, want, v);
	}
	if (have_tsc_adjust)
		report(rdmsr(MSR_TSC_ADJUST) == adj, "IA32_TSC_ADJUST 0x%lx survives (got 0x%lx)",
		       adj, rdmsr(MSR_TSC_ADJUST));
	report(tsc1 > tsc0, "the TSC does not go backwards across the migration (0x%lx -> 0x%lx)",
	       tsc0, tsc1);
	write_cr0(read_cr0() & ~X86_CR0_AM);
}

/* ---- pending LAPIC timer ---- */
static volatile unsigned timer_irqs;

static void timer_isr(struct ex_regs *r)
{
	(void)r;
	timer_irqs++;
	apic_write(APIC_EOI, 0);
}

/*
 * With interrupts enabled, wait until the one-shot timer has counted down
 * (each TMCCT read is an exit), then for its interrupt (~1e9 TSC cycles at
 * most: KVM's hrtimer callback may run a little after TMCCT reads 0), then
 * a little longer for a second one.  Returns how many interrupts arrived
 * while TMCCT still read non-zero afterwards, i.e. before the expiry.  The
 * bounds are reached only when the count or the interrupt is lost.
 */
static unsigned timer_drain(void)
{
	uint64_t spins = 0, t0;
	unsigned early = 0;

	sti();
	for (;;) {
		unsigned seen = timer_irqs;

		if (!apic_read(APIC_TMCCT) || ++spins >= 2000000)
			break;
		early = seen;
	}
	t0 = rdtsc();
	while (!timer_irqs && rdtsc() - t0 < 1000000000ull)
		pause();
	for (spins = 0; spins < 1000; spins++)
		pause();
	cli();
	return early;
}

/*
 * One migration with a pending one-shot countdown of tmict ticks.  If it
 * expired during the migration (TMCCT 0 after) and this is not the last
 * attempt, note it and return false: the caller retries with a longer
 * countdown.  Otherwise report every check and return true.
 */
static bool timer_attempt(uint32_t tmict, bool last)
{
	uint32_t before, after, lvtt;
	uint64_t spins;
	unsigned early;

	timer_irqs = 0;
	apic_write(APIC_TDCR, 0x0);			/* divide by 2 */
	apic_write(APIC_LVTT, TIMER_VEC);		/* one-shot, unmasked */
	lvtt = apic_read(APIC_LVTT);
	apic_write(APIC_TMICT, tmict);
	/*
	 * Migrate only once a quarter of the count has passed: a timer the
	 * restore restarts from TMICT then reads back above 'before' (unless
	 * the new VM's first TMCCT read comes a quarter countdown late).
	 */
	for (spins = 0; (before = apic_read(APIC_TMCCT)) > tmict - tmict / 4 &&
	     spins < 2000000; spins++)
		;
	migrate_or_abort();
	after = apic_read(APIC_TMCCT);
	if (after == 0 && !last) {
		timer_drain();
		report_info("LAPIC timer: the countdown of 0x%x expired during the migration "
			    "(0x%x before, %u interrupt(s)); retrying with 0x%x", tmict, before,
			    timer_irqs, tmict * 8);
		return false;
	}
	report(apic_read(APIC_TMICT) == tmict && apic_read(APIC_LVTT) == lvtt &&
	       apic_read(APIC_TDCR) == 0,
	       "LAPIC timer TMICT 0x%x, LVTT 0x%x, TDCR 0 survive (0x%x 0x%x 0x%x)", tmict,
	       lvtt, apic_read(APIC_TMICT), apic_read(APIC_LVTT), apic_read(APIC_TDCR));
	report(after > 0 && after < before, "the pending timer keeps counting down from where it "
	       "was (0x%x before, 0x%x after)", before, after);
	early = timer_drain();
	report(timer_irqs == 1 && !early, "its interrupt arrives once, after it expires (%u, %u "
	       "before)", timer_irqs, early);
	return true;
}

/*
 * KVM's APIC bus runs at 1 GHz, so divide by 2 is 500 ticks per us: the
 * first countdown (0x01000000) is ~34 ms, of which the last 3/4 (~25 ms)
 * are far above the ~1-2 ms an in-process migration takes here; each retry
 * is 8x longer, up to 0x40000000 (~2.1 s), the last attempt, whose result
 * is reported whatever it is.
 */
static void timer_across_migration(void)
{
	uint32_t tmict = 0x01000000u;

	handle_exception(TIMER_VEC, timer_isr);
	apic_write(APIC_SVR, apic_read(APIC_SVR) | 0x1ff);	/* software-enabled */
	while (!timer_attempt(tmict, tmict >= 0x40000000u))
		tmict *= 8;
	apic_write(APIC_LVTT, 1u << 16);
	handle_exception(TIMER_VEC, NULL);
}

/* ---- MSR filter with user-space exits, MIGRATION_CONTROL ---- */
static bool filter_setup(void)
{
	msrf_filter_t f;
	int slot, kr = 1;

	msrf_init(&f, VMC_MSR_FILTER_DEFAULT_ALLOW);
	slot = msrf_add(&f, VMC_MSR_FILTER_READ | VMC_MSR_FILTER_WRITE, FAKE_MSR, 1, false);
	msrf_add(&f, VMC_MSR_FILTER_READ | VMC_MSR_FILTER_WRITE, MC, 1, false);
	(void)slot;
	if (msrf_install(&f, &kr) || kr ||
	    msrf_exit_mask(VMC_MSR_REASON_FILTER | VMC_MSR_REASON_UNKNOWN) ||
	    msrf_policy(FAKE_MSR, VMC_MSR_RD_STORED, VMC_MSR_WR_STORE_MASK, 0, ~0ull))
		report_abort("setting up the MSR filter failed");
	msrf_free(&f);
	return true;
}

static void filter_across_migration(int round)
{
	uint64_t want = 0xabcdef0000ull + round, v = 0, mc = 1;
	int vec;

	wrmsr(FAKE_MSR, want);
	wrmsr(MC, round & 1);
	msrf_reset();
	migrate_or_abort();
	vec = msr_read(FAKE_MSR, &v, false, NULL);
	report(!vec && v == want && msrf_exits(FAKE_MSR) == 1,
	       "filtered MSR 0x%x still exits to userspace and reads back 0x%lx (vector %d, "
	       "0x%lx, %u exits)", FAKE_MSR, want, vec, v, msrf_exits(FAKE_MSR));
	vec = msr_read(MC, &mc, false, NULL);
	report(!vec && mc == (uint64_t)(round & 1) && msrf_exits(MC) == 1,
	       "filtered MIGRATION_CONTROL keeps the %d the guest wrote (vector %d, got %lu, "
	       "%u exits)", round & 1, vec, mc, msrf_exits(MC));
}

/* ---- page-encryption map (VMX/SVM) ---- */
static void map_across_migration(void)
{
	enum hc_insn insn = hc_native(hello.flavor);
	uint8_t st[16];
	uint32_t enc = ~0u, total = 0;
	struct hc_result res;
	bool ok = true;

	if (harness_hc_config(1ull << VMC_KVM_HC_MAP_GPA_RANGE, 0, NULL))
		report_abort("HC_CONFIG failed");
	kvm_hypercall(insn, HC_LONG, VMC_KVM_HC_MAP_GPA_RANGE, 0x1000000, 4,
		      VMC_MAP_GPA_RANGE_ENCRYPTED);
	kvm_hypercall(insn, HC_LONG, VMC_KVM_HC_MAP_GPA_RANGE, 0x1002000, 1, 0);
	migrate_or_abort();
	harness_hc_map_read(0x1000000, 16, st, &enc);
	for (int i = 0; i < 16; i++)
		ok &= st[i] == (i == 0 || i == 1 || i == 3);
	report(ok && enc == 3, "the page-encryption map the guest reported survives (%u encrypted "
	       "of 16, want pages 0, 1, 3)", enc);
	res = kvm_hypercall(insn, HC_LONG, VMC_KVM_HC_MAP_GPA_RANGE, 0x1004000, 2,
			    VMC_MAP_GPA_RANGE_ENCRYPTED);
	harness_hc_read(0, NULL, &total);
	harness_hc_map_read(0x1000000, 16, st, &enc);
	report(res.ret == 0 && total == 3 && enc == 5 && st[4] && st[5],
	       "nr 12 still exits in the new VM and updates the map (RAX 0x%lx, %u exits, %u "
	       "encrypted)", res.ret, total, enc);
	harness_hc_config(0, 0, NULL);
}

/* ---- -smp 2: vCPU 1 keeps running ---- */
static volatile uint64_t ap_count, ap_stop, ap_gs;
static uint64_t ap_in[8], ap_out[8];

static void ap_loop(void *arg)
{
	(void)arg;
	wrmsr(MSR_KERNEL_GS_BASE, 0xffff8880aaaa0000ull);
	asm volatile("mov 0(%0), %%r8\n\tmov 8(%0), %%r9\n\tmov 16(%0), %%r10\n\t"
		     "mov 24(%0), %%r11\n\tmov 32(%0), %%r12\n\tmov 40(%0), %%r13\n\t"
		     "mov 48(%0), %%r14\n\tmov 56(%0), %%r15\n"
		     "1:\tlock incq %2\n\t"
		     "cmpq $0, %3\n\t"
		     "je 1b\n\t"
		     "mov %%r8, 0(%1)\n\tmov %%r9, 8(%1)\n\tmov %%r10, 16(%1)\n\t"
		     "mov %%r11, 24(%1)\n\tmov %%r12, 32(%1)\n\tmov %%r13, 40(%1)\n\t"
		     "mov %%r14, 48(%1)\n\tmov %%r15, 56(%1)"
		     : : "r"(ap_in), "r"(ap_out), "m"(ap_count), "m"(ap_stop)
		     : "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "memory");
	ap_gs = rdmsr(MSR_KERNEL_GS_BASE);
}

static bool wait_count_above(uint64_t c)
{
	/*
	 * 3e9 TSC cycles (~1-3 s): under the harness's 10 s no-progress
	 * watchdog.  100 more iterations than c (read in the new VM) prove
	 * vCPU 1 runs there; each is an emulated instruction on kvm_pvm.
	 */
	uint64_t t0 = rdtsc();

	while (rdtsc() - t0 < 3000000000ull) {
		if (ap_count > c + 100)
			return true;
		pause();
	}
	return false;
}

static void smp_across_migration(void)
{
	bool running = true;

	for (int i = 0; i < 8; i++)
		ap_in[i] = 0xa5a5000000000000ull | (uint64_t)i << 32 | 0x1234;
	on_cpu_async(1, ap_loop, NULL);
	if (!wait_count_above(0))
		report_abort("vCPU 1 never started its loop");
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t c;

		migrate_or_abort();
		c = ap_count;
		running &= wait_count_above(c);
	}
	if (!report(running, "vCPU 1 keeps running its loop in each new VM (%d migrations)",
		    ROUNDS)) {
		report_skip("vCPU 1's registers: it does not run (cpu_wait() would not return)");
		return;
	}
	ap_stop = 1;
	cpu_wait(1);
	report(!memcmp(ap_in, ap_out, sizeof(ap_in)), "vCPU 1's R8-R15 survive the migrations "
	       "it was running through (R8 0x%lx, want 0x%lx)", ap_out[0], ap_in[0]);
	report(ap_gs == 0xffff8880aaaa0000ull, "vCPU 1's own KERNEL_GS_BASE survives (0x%lx)",
	       ap_gs);
}

int main(int argc, char **argv)
{
	const char *why = NULL;
	bool filters;

	(void)argc;
	(void)argv;
	report_prefix_push("migrate");
	if (!harness_present() || harness_hello(&hello) ||
	    !(hello.features & VMC_FEAT_MIGRATE)) {
		report_skip("live migration: %s with migration (VMC_FEAT_MIGRATE)",
			    HARNESS_SKIP_REASON);
		return report_summary();
	}
	amd = cpuid(0).b == 0x68747541;	/* "Auth"enticAMD */
	have_xsave = cpuid(1).c & CPUID_1_ECX_XSAVE;
	have_avx = have_xsave && (cpuid(1).c & (1u << 28)) && (cpuid_count(0xd, 0).a & 4);
	have_tsc_aux = (cpuid(0x80000001).d & (1u << 27)) || (cpuid_count(7, 0).c & (1u << 22));
	have_tsc_adjust = cpuid_count(7, 0).b & (1u << 1);
	have_apic = hello.features & VMC_FEAT_IRQCHIP;
	have_vmx_svm = hello.features & VMC_FEAT_HOST_VMX_SVM;
	report_info("XSAVE %d AVX %d TSC_AUX %d TSC_ADJUST %d in-kernel LAPIC %d VMX/SVM %d",
		    have_xsave, have_avx, have_tsc_aux, have_tsc_adjust, have_apic, have_vmx_svm);
	/*
	 * kvm_pvm (observed): FLDCW, FLDT, MOVDQU and VMOVDQU, even 200000
	 * instructions after the last exit, end the run as an emulation failure.
	 */
	fpu_ok = hello.flavor != VMC_FLAVOR_KVM_PVM;
	if (fpu_ok)
		fpu_setup();
	else
		report_skip("x87/SSE/AVX registers and XCR0 across migration: x87/SSE/AVX "
			    "instructions are emulation failures on kvm_pvm; needs a VMX/SVM host "
			    "(--runner=vmtest)");
	filters = msrf_available(&why);
	if (filters)
		filter_setup();
	for (int round = 0; round < ROUNDS; round++) {
		char p[16];

		snprintf(p, sizeof(p), "round %d", round);
		report_prefix_push(p);
		gprs_across_migration(round);
		if (fpu_ok)
			fpu_across_migration(round);
		regs_across_migration(round);
		if (filters)
			filter_across_migration(round);
		report_prefix_pop();
	}
	if (!filters)
		report_skip("MSR filter and MIGRATION_CONTROL across migration: %s", why);
	if (have_apic)
		timer_across_migration();
	else
		report_skip("pending LAPIC timer: needs the in-kernel LAPIC (-smp 2 or --irqchip)");
	if (have_vmx_svm)
		map_across_migration();
	else
		report_skip("page-encryption map across migration: VMCALL is not a VM exit on "
			    "kvm_pvm; needs a VMX/SVM host (--runner=vmtest)");
	if (hello.nr_vcpus >= 2 && smp_init(2) == 2)
		smp_across_migration();
	else
		report_skip("vCPU 1 running through migrations: needs -smp 2");
	if (filters) {
		msrf_clear();
		msrf_exit_mask(0);
	}
	report_prefix_pop();
	return report_summary();
}
