/*
 * msr_filter_sequences: MSR filter access sequences with exact exit totals
 * (specs/kvm-x86.md A.2-A.4, F items 12-14), directly and through KVM's
 * instruction emulator (forced-emulation prefix).
 *
 * Why: KVM must apply a filter to every access, whether the MSR is emulated,
 * unknown, or passed through to hardware (FS_BASE, GS_BASE, KERNEL_GS_BASE,
 * SYSENTER_*, SPEC_CTRL, PRED_CMD): on every filter change it has to
 * recompute which MSRs it intercepts, or a denied access slips past user
 * space (or an allowed one keeps exiting).  Each sequence counts exactly
 * how many accesses reached user space, checked by the harness's counters
 * and EXPECT list.  The emulator variants check that the emulator's MSR
 * path (complete_emulated_msr_access) gives the same results.
 */
#include "vmc.h"
#include "processor.h"
#include "msrfilter.h"

#define MADE_UP		0x474f4f00u
#define UNKNOWN_MSR	0xdeadbeefu
#define MSR_IA32_XSS	0x00000da0u
#define MSR_FLUSH_CMD	0x0000010bu
#define MSR_POWER_CTL	0x000001fcu
#define R		VMC_MSR_FILTER_READ
#define W		VMC_MSR_FILTER_WRITE
#define RW		(R | W)
#define ALL_REASONS	(VMC_MSR_REASON_INVAL | VMC_MSR_REASON_UNKNOWN | VMC_MSR_REASON_FILTER)

static bool fep;

static int rd(uint32_t idx, uint64_t *v)
{
	return msr_read(idx, v, fep, NULL);
}

static int wr(uint32_t idx, uint64_t v)
{
	return msr_write(idx, v, fep, NULL);
}

static void counters(struct vmc_msr_counters *c)
{
	if (msrf_counters(0, VMC_MSRC_F_ALL, c) < 0)
		memset(c, 0xff, sizeof(*c));
}

static uint32_t exits(void)
{
	return msrf_total_exits();
}

static int install(msrf_filter_t *f)
{
	int kr;

	if (msrf_install(f, &kr) < 0)
		kr = MSRF_ECHANNEL;
	msrf_free(f);
	return kr;
}

/* the latest MSR exit is WRMSR, reason, index, data (and there are total) */
static bool last_wrmsr(uint32_t total, uint32_t reason, uint32_t index, uint64_t data)
{
	struct vmc_msr_exit e;
	uint32_t n = 0;

	memset(&e, 0, sizeof(e));
	if (msrf_last(&e, 1, 0, &n) != 1 || n != total) {
		report_info("%u MSR exits recorded, want %u", n, total);
		return false;
	}
	if (e.exit_reason == VMC_KVM_EXIT_X86_WRMSR && e.reason == reason && e.index == index &&
	    e.data == data && !e.error_in)
		return true;
	report_info("latest exit %u reason %u index %#x data %#lx error %u (want %u %u %#x %#lx 0)",
		    e.exit_reason, e.reason, e.index, e.data, e.error_in, VMC_KVM_EXIT_X86_WRMSR,
		    reason, index, data);
	return false;
}

/* F12: default allow, deny R|W of XSS, FLUSH_CMD and a made-up MSR */
static void seq_allow(void)
{
	static const struct { uint32_t idx; int out; uint64_t data; } want[8] = {
		{ MSR_IA32_XSS, 0, 0 }, { MSR_IA32_XSS, 1, 0 }, { MSR_IA32_XSS, 1, 1 },
		{ MSR_FLUSH_CMD, 0, 0 }, { MSR_FLUSH_CMD, 1, 0 }, { MSR_FLUSH_CMD, 1, 1 },
		{ MADE_UP, 1, 2 }, { MADE_UP, 0, 0 },
	};
	struct vmc_expect_ent ent[8];
	struct vmc_expect_result res;
	struct vmc_msr_counters c;
	msrf_filter_t f;
	uint64_t v = ~0ull;
	int vec, kr;

	report_prefix_push("allow");
	msrf_fresh(VMC_MSR_REASON_FILTER);
	msrf_init(&f, VMC_MSR_FILTER_DEFAULT_ALLOW);
	msrf_add(&f, RW, MSR_IA32_XSS, 1, false);
	msrf_add(&f, RW, MSR_FLUSH_CMD, 1, false);
	msrf_add(&f, RW, MADE_UP, 1, false);
	kr = install(&f);
	report(kr == 0, "default-allow filter denying XSS, FLUSH_CMD, 0x%x is accepted (got %d)",
	       MADE_UP, kr);
	msrf_policy(MSR_IA32_XSS, VMC_MSR_RD_FIXED, VMC_MSR_WR_ACCEPT_EQ, 0, 0);
	msrf_policy(MSR_FLUSH_CMD, VMC_MSR_RD_REFUSE, VMC_MSR_WR_ACCEPT_EQ, 0, 1);
	msrf_policy(MADE_UP, VMC_MSR_RD_STORED, VMC_MSR_WR_STORE_MASK, 0, ~0ull);
	memset(ent, 0, sizeof(ent));
	for (int i = 0; i < 8; i++) {
		ent[i].reason = want[i].out ? VMC_KVM_EXIT_X86_WRMSR : VMC_KVM_EXIT_X86_RDMSR;
		ent[i].index = want[i].idx;
		ent[i].flags = VMC_EXPECT_F_DIR | VMC_EXPECT_F_DATA;
		ent[i].dir_out = want[i].out;
		ent[i].data = want[i].data;
	}
	harness_expect(ent, 8);
	vec = rd(MSR_IA32_XSS, &v);
	report(!vec && v == 0, "RDMSR XSS exits and reads the policy's 0, no #GP (vector %d, "
	       "read %#lx)", vec, v);
	vec = wr(MSR_IA32_XSS, 0);
	report(!vec, "WRMSR XSS 0 exits and is accepted (vector %d)", vec);
	vec = wr(MSR_IA32_XSS, 1);
	report(vec == GP_VECTOR, "WRMSR XSS 1 exits, is refused: #GP (vector %d)", vec);
	vec = rd(MSR_FLUSH_CMD, &v);
	report(vec == GP_VECTOR, "RDMSR FLUSH_CMD exits, is refused: #GP (vector %d)", vec);
	vec = wr(MSR_FLUSH_CMD, 0);
	report(vec == GP_VECTOR, "WRMSR FLUSH_CMD 0 exits, is refused: #GP (vector %d)", vec);
	vec = wr(MSR_FLUSH_CMD, 1);
	report(!vec, "WRMSR FLUSH_CMD 1 exits and is accepted (vector %d)", vec);
	vec = wr(MADE_UP, 2);
	report(!vec, "WRMSR 0x%x 2 exits and the policy stores it (vector %d)", MADE_UP, vec);
	vec = rd(MADE_UP, &v);
	report(!vec && v == 2, "RDMSR 0x%x exits and returns the stored 2 (got %#lx)", MADE_UP, v);
	harness_expect_result(&res);
	report(res.state == VMC_EXPECT_MATCHED, "the 8 exits came in order with the right "
	       "index, direction and data (EXPECT state %u, matched %u)", res.state, res.matched);
	harness_expect(NULL, 0);
	counters(&c);
	report(c.rd[0] == 3 && c.rd[3] == 3 && c.wr[0] == 5 && c.wr[3] == 5 &&
	       c.rd_refused == 1 && c.wr_refused == 2,
	       "totals: 3 RDMSR + 5 WRMSR exits, all FILTER, 1 + 2 refused (got %u/%u, %u/%u)",
	       c.rd[0], c.wr[0], c.rd_refused, c.wr_refused);
	report_prefix_pop();
}

/* F13: default deny with allow ranges; then an empty filter */
static void seq_deny(void)
{
	struct vmc_msr_counters c;
	msrf_filter_t f;
	uint64_t v = 0, gs = rdmsr(MSR_GS_BASE), mask = rdmsr(MSR_SYSCALL_MASK), pc0 = ~0ull;
	uint32_t n;
	int s, vec, pc_vec, kr;

	report_prefix_push("deny");
	/* POWER_CTL before any filter: what "stays in KVM" must read */
	pc_vec = rd(MSR_POWER_CTL, &pc0);
	if (pc_vec) {
		report_skip("F13 sequence: RDMSR POWER_CTL 0x%x faults here (vector %d): needs a "
			    "KVM that emulates it (kvm_intel/kvm_amd/kvm_pvm)", MSR_POWER_CTL, pc_vec);
		report_prefix_pop();
		return;
	}
	msrf_fresh(ALL_REASONS);
	msrf_init(&f, VMC_MSR_FILTER_DEFAULT_DENY);
	msrf_add(&f, R, 0, 0x3000, true);
	s = msrf_add(&f, W, 0, 0x3000, true);
	msrf_set_bit(&f, s, MSR_POWER_CTL, false);
	msrf_add(&f, RW, 0x40000000, 0x3000, true);
	s = msrf_add(&f, R, 0xc0000000, 0x3000, true);
	msrf_set_bit(&f, s, MSR_SYSCALL_MASK, false);
	msrf_set_bit(&f, s, MSR_GS_BASE, false);
	msrf_add(&f, W, 0xc0000000, 0x3000, true);
	msrf_add(&f, RW, UNKNOWN_MSR, 1, true);
	kr = install(&f);
	report(kr == 0, "default-deny filter with 6 allow ranges is accepted (got %d)", kr);
	msrf_policy_default(VMC_MSR_RD_INDEX, VMC_MSR_WR_ACCEPT_MASK, 0, ~0ull);

	/* round 1 */
	vec = wr(MSR_SYSCALL_MASK, mask);
	n = exits();
	report(!vec && n == 0, "WRMSR SYSCALL_MASK is allowed: handled in KVM, no exit (vector "
	       "%d, %u exits)", vec, n);
	vec = rd(MSR_SYSCALL_MASK, &v);
	report(!vec && v == MSR_SYSCALL_MASK && exits() == 1,
	       "RDMSR SYSCALL_MASK exits FILTER; the harness answers the index (%#lx)", v);
	vec = rd(MSR_GS_BASE, &v);
	report(!vec && v == MSR_GS_BASE && exits() == 2,
	       "RDMSR GS_BASE exits FILTER; the harness answers the index (%#lx)", v);
	vec = wr(MSR_POWER_CTL, 0x1234);
	n = msrf_exits(MSR_POWER_CTL);
	report(!vec && n == 1 && exits() == 3 &&
	       last_wrmsr(3, VMC_MSR_REASON_FILTER, MSR_POWER_CTL, 0x1234),
	       "WRMSR POWER_CTL 0x1234 exits WRMSR, reason FILTER, data 0x1234 (vector %d, %u "
	       "exits of it)", vec, n);
	vec = rd(MSR_POWER_CTL, &v);
	report(!vec && v == pc0 && exits() == 3,
	       "RDMSR POWER_CTL is allowed: handled in KVM, still the value read before the "
	       "filter (%#lx, got %#lx)", pc0, v);
	vec = rd(UNKNOWN_MSR, &v);
	msrf_counters(UNKNOWN_MSR, 0, &c);
	report(!vec && c.rd[2] == 1, "RDMSR 0x%x passes the filter and exits UNKNOWN (vector %d, "
	       "%u UNKNOWN exits)", UNKNOWN_MSR, vec, c.rd[2]);
	vec = wr(UNKNOWN_MSR, 7);
	msrf_counters(UNKNOWN_MSR, 0, &c);
	report(!vec && c.wr[2] == 1, "WRMSR 0x%x passes the filter and exits UNKNOWN (vector %d, "
	       "%u UNKNOWN exits)", UNKNOWN_MSR, vec, c.wr[2]);

	/* round 2: filtering off */
	kr = msrf_clear();
	report(kr == 0, "the host installs an empty default-allow filter (got %d)", kr);
	vec = wr(MSR_SYSCALL_MASK, 0x4700);
	vec |= rd(MSR_SYSCALL_MASK, &v);
	report(!vec && v == 0x4700 && exits() == 5,
	       "SYSCALL_MASK write and read stay in KVM (%#lx, not the index)", v);
	wr(MSR_SYSCALL_MASK, mask);
	vec = rd(MSR_GS_BASE, &v);
	report(!vec && v == gs && v != MSR_GS_BASE && exits() == 5,
	       "RDMSR GS_BASE stays in KVM (%#lx)", v);
	vec = wr(MSR_POWER_CTL, 0x1234);
	vec |= rd(MSR_POWER_CTL, &v);
	report(!vec && v == 0x1234 && exits() == 5,
	       "WRMSR POWER_CTL 0x1234 stays in KVM and reads back (got %#lx)", v);
	vec = wr(MSR_POWER_CTL, pc0);
	vec |= rd(MSR_POWER_CTL, &v);
	report(!vec && v == pc0 && exits() == 5,
	       "POWER_CTL restored to %#lx, the value before the filter (got %#lx)", pc0, v);
	vec = rd(UNKNOWN_MSR, &v) | wr(UNKNOWN_MSR, 8);
	msrf_counters(UNKNOWN_MSR, 0, &c);
	report(!vec && c.rd[2] == 2 && c.wr[2] == 2, "0x%x still exits UNKNOWN both ways (vector "
	       "%d, UNKNOWN exits: %u reads, %u writes)", UNKNOWN_MSR, vec, c.rd[2], c.wr[2]);
	counters(&c);
	report(c.rd[0] == 4 && c.wr[0] == 3 && c.rd[3] == 2 && c.wr[3] == 1 &&
	       c.rd[2] == 2 && c.wr[2] == 2,
	       "totals: 4 reads (2 FILTER, 2 UNKNOWN) and 3 writes (1 FILTER, 2 UNKNOWN) "
	       "reached user space (got %u, %u)", c.rd[0], c.wr[0]);
	report_prefix_pop();
}

/* a default-allow filter denying `flags` of idx (none if idx == MADE_UP) */
static int deny(uint32_t idx, uint32_t flags)
{
	return msrf_install_one(VMC_MSR_FILTER_DEFAULT_ALLOW, flags, idx, 1, false);
}

/* F14: which pass-through MSR exits follows each filter change */
static void seq_bitmap(void)
{
	uint64_t v, fs = rdmsr(MSR_FS_BASE), gs = rdmsr(MSR_GS_BASE);
	uint32_t e, e2;

	report_prefix_push("permission bitmap");
	msrf_fresh(VMC_MSR_REASON_FILTER);
	msrf_policy_default(VMC_MSR_RD_INDEX, VMC_MSR_WR_REFUSE, 0, 0);
	deny(MSR_FS_BASE, R);
	rd(MSR_FS_BASE, &v);
	e = exits();
	rd(MSR_GS_BASE, &v);
	e2 = exits();
	report(e == 1 && e2 == 1 && v == gs, "deny READ FS_BASE: RDMSR FS_BASE exits, RDMSR "
	       "GS_BASE does not (exits %u then %u, GS_BASE %#lx, before %#lx)", e, e2, v, gs);
	deny(MSR_GS_BASE, R);
	rd(MSR_FS_BASE, &v);
	e = exits();
	report(e == 1 && v == fs, "swap to deny GS_BASE: RDMSR FS_BASE no longer exits (exits %u, "
	       "FS_BASE %#lx, before %#lx)", e, v, fs);
	rd(MSR_GS_BASE, &v);
	e = exits();
	report(e == 2 && v == MSR_GS_BASE, "... and RDMSR GS_BASE exits (exits %u, read %#lx, "
	       "the policy answers the index %#x)", e, v, MSR_GS_BASE);
	deny(MADE_UP, R);
	rd(MSR_FS_BASE, &v);
	rd(MSR_GS_BASE, &v);
	e = exits();
	report(e == 2, "swap to a filter covering neither: no exits (total still 2: %u)", e);
	report_prefix_pop();
}

struct passthru {
	uint32_t idx;
	const char *name;
	bool readable;
	uint64_t w1, w2;
};

/* every filter change recomputes the intercept of a pass-through MSR */
static void one_passthru(const struct passthru *p)
{
	uint64_t v = 0, orig = 0;
	uint32_t n;
	int vec;

	if (p->readable)
		rd(p->idx, &orig);
	msrf_reset();
	if (p->readable) {
		deny(p->idx, R);
		vec = rd(p->idx, &v);
		n = msrf_exits(p->idx);
		vec |= wr(p->idx, p->w1);
		report(!vec && v == p->idx && n == 1 && msrf_exits(p->idx) == 1,
		       "%s: deny READ: RDMSR exits with the index, WRMSR stays in KVM", p->name);
	} else {
		report(!wr(p->idx, p->w1) && msrf_exits(p->idx) == 0,
		       "%s: no filter: WRMSR stays in KVM", p->name);
	}
	deny(p->idx, W);
	vec = wr(p->idx, p->w2);
	n = msrf_exits(p->idx);
	if (p->readable)
		vec |= rd(p->idx, &v);
	report(vec == GP_VECTOR && n == (p->readable ? 2 : 1) && msrf_exits(p->idx) == n &&
	       (!p->readable || v == p->w1),
	       "%s: swap to deny WRITE: WRMSR exits (refused), RDMSR stays in KVM", p->name);
	deny(MADE_UP, RW);
	vec = wr(p->idx, p->w2);
	if (p->readable)
		vec |= rd(p->idx, &v);
	report(!vec && msrf_exits(p->idx) == n && (!p->readable || v == p->w2),
	       "%s: swap to a filter without it: no exits", p->name);
	if (p->readable)
		wr(p->idx, orig);
}

static void seq_passthru(void)
{
	struct cpuid l7 = cpuid_max_basic() >= 7 ? cpuid_count(7, 0) : (struct cpuid){ 0 };
	struct cpuid e8 = cpuid_max_ext() >= 0x80000008 ? cpuid(0x80000008) :
			  (struct cpuid){ 0 };
	bool spec_ctrl = (l7.d & (1u << 26)) || (e8.b & ((1u << 14) | (1u << 24)));
	bool pred_cmd = (l7.d & (1u << 26)) || (e8.b & (1u << 12));
	const struct passthru list[] = {
		{ MSR_FS_BASE, "FS_BASE", true, 0x10000, 0x20000 },
		{ MSR_GS_BASE, "GS_BASE", true, 0x30000, 0x40000 },
		{ MSR_KERNEL_GS_BASE, "KERNEL_GS_BASE", true, 0x50000, 0x60000 },
		{ MSR_IA32_SYSENTER_CS, "SYSENTER_CS", true, 0x10, 0x18 },
		{ MSR_IA32_SYSENTER_ESP, "SYSENTER_ESP", true, 0x7000, 0x8000 },
		{ MSR_IA32_SYSENTER_EIP, "SYSENTER_EIP", true, 0x9000, 0xa000 },
	};
	const struct passthru sc = { MSR_IA32_SPEC_CTRL, "SPEC_CTRL", true, 0, 0 };
	const struct passthru pc = { MSR_IA32_PRED_CMD, "PRED_CMD", false, 0, 0 };

	report_prefix_push("passthrough");
	msrf_fresh(VMC_MSR_REASON_FILTER);
	msrf_policy_default(VMC_MSR_RD_INDEX, VMC_MSR_WR_REFUSE, 0, 0);
	for (unsigned i = 0; i < ARRAY_SIZE(list); i++)
		one_passthru(&list[i]);
	if (spec_ctrl)
		one_passthru(&sc);
	else
		report_skip("SPEC_CTRL: needs CPUID.7.0:EDX[26] or AMD IBRS/SSBD in the guest");
	if (pred_cmd)
		one_passthru(&pc);
	else
		report_skip("PRED_CMD: needs CPUID.7.0:EDX[26] or AMD IBPB in the guest");
	report_prefix_pop();
}

static void run_pass(void)
{
	seq_allow();
	seq_deny();
	seq_bitmap();
	seq_passthru();
	msrf_fresh(0);
}

/*
 * Argument "fep": only the pass through KVM's emulator (unittests.cfg
 * [msr_filter_sequences-fep], which loads kvm with force_emulation_prefix=1);
 * otherwise only the direct pass.  One pass per run, so that neither can
 * see state the other left behind.
 */
int main(int argc, char **argv)
{
	const char *why;
	bool want_fep = false;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "fep"))
			want_fep = true;
	report_prefix_push("msr_filter_sequences");
	report_prefix_push(want_fep ? "fep" : "direct");
	if (!msrf_available(&why)) {
		report_skip("allow, deny, permission bitmap, passthrough sequences (%s)", why);
	} else if (!want_fep) {
		run_pass();
	} else if (msrf_fep_available()) {
		fep = true;
		run_pass();
		fep = false;
	} else {
		report_skip("allow, deny, permission bitmap, passthrough sequences through the "
			    "emulator (%s)", MSRF_FEP_SKIP_REASON);
	}
	report_prefix_pop();
	report_prefix_pop();
	return report_summary();
}
