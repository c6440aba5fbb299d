/*
 * msr_filter: KVM_X86_SET_MSR_FILTER validation and user-space MSR exits
 * (specs/kvm-x86.md A, E.1-E.2, F items 3-11 and 15).
 *
 * Why: a VMM relies on KVM validating the filter exactly as documented
 * (a bad filter must fail and leave the old one in force), on every denied
 * or unknown access reaching user space with the right reason, index and
 * data, on error = 1 turning into #GP(0) at the instruction, and on the
 * x2APIC range never being filtered.  The harness installs the filters the
 * guest describes and answers each exit by the guest's policy
 * (lib/x86/msrfilter.h); the guest checks both its own view (values,
 * faults) and the harness's (exit fields, exact counts, EXPECT lists).
 * Under QEMU only the checks that hold on any host run; the rest SKIP.
 */
#include "vmc.h"
#include "processor.h"
#include "msrfilter.h"

#define MADE_UP		0x474f4f00u	/* an MSR nobody implements */
#define UNKNOWN_MSR	0xdeadbeefu
#define R		VMC_MSR_FILTER_READ
#define W		VMC_MSR_FILTER_WRITE
#define RW		(R | W)
#define ALL_REASONS	(VMC_MSR_REASON_INVAL | VMC_MSR_REASON_UNKNOWN | VMC_MSR_REASON_FILTER)
#define EINVAL_K	(-VMC_EINVAL)
#define EFAULT_K	(-VMC_EFAULT)

static struct vmc_msr_exit last_exit;

/* exactly n MSR exits since the last msrf_reset(), the latest with these fields */
static bool nth_exit(uint32_t n, uint32_t ex, uint32_t reason, uint32_t index, uint64_t data,
		     uint64_t rip)
{
	uint32_t total = 0;
	struct vmc_msr_exit *e = &last_exit;
	bool ok;

	memset(e, 0, sizeof(*e));
	if (msrf_last(e, 1, 0, &total) != 1 || total != n) {
		report_info("%u MSR exits recorded, want %u", total, n);
		return false;
	}
	ok = e->exit_reason == ex && e->reason == reason && e->index == index &&
	     e->data == data && e->error_in == 0 && !e->pad_nonzero &&
	     (!rip || e->rip == rip);
	if (!ok)
		report_info("got exit %u reason %u index %#x data %#lx error %u pad %s "
			    "rip %#lx (want %u %u %#x %#lx rip %#lx)", e->exit_reason,
			    e->reason, e->index, e->data, e->error_in,
			    e->pad_nonzero ? "nonzero" : "0", e->rip, ex, reason, index,
			    data, rip);
	return ok;
}

#define one_exit(...) nth_exit(1, __VA_ARGS__)
/* what the last nth_exit() read, for the "(what was seen)" part of a message */
#define SEEN_FMT	"(exit %u, reason %u, index %#x, data %#lx, RIP %#lx)"
#define SEEN_ARGS	last_exit.exit_reason, last_exit.reason, last_exit.index, last_exit.data, \
			last_exit.rip

/* one denied range over idx */
static int deny_one(uint32_t flags, uint32_t idx, uint32_t rflags)
{
	return msrf_install_one(flags, rflags, idx, 1, false);
}

static bool gp0(int vec)
{
	return vec == GP_VECTOR && msr_last_error_code() == 0;
}

/* checks that hold on any host, before the harness changes anything */
static void generic(void)
{
	uint64_t v;
	int vec;

	report_prefix_push("no filter");
	vec = msr_read(UNKNOWN_MSR, &v, false, NULL);
	report(gp0(vec), "RDMSR of unknown MSR 0x%x raises #GP(0) (vector %d, error %#lx)",
	       UNKNOWN_MSR, vec, msr_last_error_code());
	vec = msr_write(UNKNOWN_MSR, 1, false, NULL);
	report(gp0(vec), "WRMSR of unknown MSR 0x%x raises #GP(0) (vector %d, error %#lx)",
	       UNKNOWN_MSR, vec, msr_last_error_code());
	vec = msr_read(VMC_MSR_KVM_MIGRATION_CONTROL, &v, false, NULL);
	report(gp0(vec), "RDMSR MIGRATION_CONTROL 0x4b564d08 raises #GP(0) (KVM does not "
	       "implement it) (vector %d, error %#lx)", vec, msr_last_error_code());
	vec = msr_write(VMC_MSR_KVM_MIGRATION_CONTROL, 1, false, NULL);
	report(gp0(vec), "WRMSR MIGRATION_CONTROL 0x4b564d08 raises #GP(0) (vector %d, "
	       "error %#lx)", vec, msr_last_error_code());
	report_prefix_pop();
}

/* F3: capabilities and ENABLE_CAP validation */
static void caps(void)
{
	int64_t v[4] = { -1, -1, -1, -1 };
	uint64_t bad_ok = 0, good_bad = 0;
	static const uint32_t vm_caps[] = { 188, 201, 164, 213 };
	int kr;

	report_prefix_push("caps");
	harness_caps(VMC_KVM_CAP_USER_SPACE_MSR, VMC_CAPS_SYSTEM, &v[0]);
	harness_caps(VMC_KVM_CAP_MSR_FILTER, VMC_CAPS_SYSTEM, &v[1]);
	harness_caps(VMC_KVM_CAP_USER_SPACE_MSR, VMC_CAPS_VM, &v[2]);
	harness_caps(VMC_KVM_CAP_MSR_FILTER, VMC_CAPS_VM, &v[3]);
	report(v[0] == 1, "CHECK_EXTENSION(USER_SPACE_MSR 188) on /dev/kvm is 1 (got %ld)", v[0]);
	report(v[1] == 1, "CHECK_EXTENSION(MSR_FILTER 189) on /dev/kvm is 1 (got %ld)", v[1]);
	report(v[2] == 1, "CHECK_EXTENSION(188) on the VM fd is 1 (got %ld)", v[2]);
	report(v[3] == 1, "CHECK_EXTENSION(189) on the VM fd is 1 (got %ld)", v[3]);
	for (int i = 0; i < 64; i++) {
		msrf_enable_cap(VMC_KVM_CAP_USER_SPACE_MSR, 0, 1ull << i, &kr);
		if (i < 3 && kr != 0)
			good_bad |= 1ull << i;
		if (i >= 3 && kr != EINVAL_K)
			bad_ok |= 1ull << i;
	}
	report(!good_bad, "ENABLE_CAP(USER_SPACE_MSR, BIT(i)) succeeds for i = 0..2 "
	       "(failed: %#lx)", good_bad);
	report(!bad_ok, "ENABLE_CAP(USER_SPACE_MSR, BIT(i)) is EINVAL for i = 3..63 "
	       "(not EINVAL: %#lx)", bad_ok);
	msrf_enable_cap(VMC_KVM_CAP_USER_SPACE_MSR, 0, ALL_REASONS, &kr);
	report(kr == 0, "ENABLE_CAP(USER_SPACE_MSR, 7) succeeds (got %d)", kr);
	msrf_enable_cap(VMC_KVM_CAP_USER_SPACE_MSR, 0, 0, &kr);
	report(kr == 0, "ENABLE_CAP(USER_SPACE_MSR, 0) succeeds (exits off, got %d)", kr);
	for (unsigned i = 0; i < ARRAY_SIZE(vm_caps); i++) {
		msrf_enable_cap(vm_caps[i], 1, vm_caps[i] == 188 ? 1 : 0, &kr);
		report(kr == EINVAL_K, "ENABLE_CAP(%u) with cap.flags = 1 is EINVAL (got %d)",
		       vm_caps[i], kr);
	}
	report_prefix_pop();
}

/* install a filter with one valid range and the given flags */
static int one_range(uint32_t fflags, uint32_t rflags)
{
	return msrf_install_one(fflags, rflags, MADE_UP, 1, true);
}

/* F4-F6: KVM_X86_SET_MSR_FILTER validation */
static void validation(void)
{
	uint32_t bad = 0;
	msrf_filter_t f;
	uint64_t v;
	int kr, r, vec;

	report_prefix_push("validation");
	msrf_fresh(VMC_MSR_REASON_FILTER);
	kr = one_range(VMC_MSR_FILTER_DEFAULT_DENY, RW);
	report(kr == 0, "filter.flags DEFAULT_DENY (bit 0) with one range is accepted (got %d)",
	       kr);
	for (int i = 1; i < 32; i++)
		if (one_range(1u << i, RW) != EINVAL_K)
			bad |= 1u << i;
	report(!bad, "filter.flags bits 1..31 are EINVAL (not: %#x)", bad);
	kr = one_range(0, R);
	report(kr == 0, "range.flags READ is accepted (got %d)", kr);
	kr = one_range(0, W);
	report(kr == 0, "range.flags WRITE is accepted (got %d)", kr);
	kr = one_range(0, RW);
	report(kr == 0, "range.flags READ|WRITE is accepted (got %d)", kr);
	bad = 0;
	for (int i = 2; i < 32; i++)
		if (one_range(0, 1u << i) != EINVAL_K)
			bad |= 1u << i;
	report(!bad, "range.flags bits 2..31 are EINVAL (not: %#x)", bad);
	kr = one_range(0, 0);
	report(kr == EINVAL_K, "range.flags 0 is EINVAL (got %d)", kr);

	msrf_init(&f, VMC_MSR_FILTER_DEFAULT_DENY);
	msrf_install(&f, &kr);
	report(kr == EINVAL_K, "no ranges with DEFAULT_DENY is EINVAL (got %d)", kr);
	msrf_init(&f, VMC_MSR_FILTER_DEFAULT_ALLOW);
	msrf_install(&f, &kr);
	report(kr == 0, "no ranges with DEFAULT_ALLOW is accepted (got %d)", kr);

	/* nmsrs 0: skipped whatever its flags and bitmap */
	msrf_init(&f, VMC_MSR_FILTER_DEFAULT_ALLOW);
	f.req.ranges[0].flags = 0xff;
	f.req.null_bitmap_mask = 1;
	msrf_add(&f, RW, MADE_UP, 1, true);
	msrf_install(&f, &kr);
	report(kr == 0, "a range with nmsrs 0, flags 0xff and a NULL bitmap is ignored "
	       "next to a valid one (got %d)", kr);
	msrf_free(&f);
	msrf_init(&f, VMC_MSR_FILTER_DEFAULT_ALLOW);
	f.req.ranges[3].flags = 0xff;
	f.req.ranges[3].base = 0xffffffff;
	f.req.null_bitmap_mask = 1u << 3;
	f.req.harness_flags = VMC_MSRF_H_BAD_BITMAP;
	msrf_install(&f, &kr);
	report(kr == 0, "only nmsrs-0 ranges (flags 0xff, unmapped bitmap) with "
	       "DEFAULT_ALLOW: accepted (got %d)", kr);
	f.req.filter_flags = VMC_MSR_FILTER_DEFAULT_DENY;
	msrf_install(&f, &kr);
	report(kr == EINVAL_K, "... and with DEFAULT_DENY: EINVAL like no ranges (got %d)", kr);

	msrf_init(&f, VMC_MSR_FILTER_DEFAULT_ALLOW);
	msrf_add(&f, RW, 0, 0x3000, true);
	msrf_install(&f, &kr);
	report(kr == 0, "nmsrs 0x3000 (bitmap 0x600 bytes) is accepted (got %d)", kr);
	f.req.ranges[0].nmsrs = 0x3001;
	msrf_install(&f, &kr);
	report(kr == EINVAL_K, "nmsrs 0x3001 is EINVAL (got %d)", kr);
	msrf_free(&f);

	/* a filter that governs, then failing sets: the old one stays */
	r = deny_one(VMC_MSR_FILTER_DEFAULT_ALLOW, MADE_UP, R);
	msrf_policy(MADE_UP, VMC_MSR_RD_FIXED, VMC_MSR_WR_REFUSE, 0x600d, 0);
	msrf_init(&f, VMC_MSR_FILTER_DEFAULT_DENY);
	msrf_add(&f, R, MADE_UP, 1, true);
	f.req.null_bitmap_mask = 1;
	f.req.ranges[0].bitmap = 0;
	msrf_install(&f, &kr);
	report(kr == EFAULT_K, "a NULL bitmap with nmsrs 1 is EFAULT (got %d)", kr);
	f.req.harness_flags = VMC_MSRF_H_BAD_BITMAP;
	msrf_install(&f, &kr);
	report(kr == EFAULT_K, "an unmapped bitmap with nmsrs 1 is EFAULT (got %d)", kr);
	msrf_free(&f);
	msrf_init(&f, VMC_MSR_FILTER_DEFAULT_DENY);
	msrf_add(&f, R, MADE_UP, 1, true);
	f.req.harness_flags = VMC_MSRF_H_BAD_STRUCT;
	msrf_install(&f, &kr);
	report(kr == EFAULT_K, "an unreadable struct kvm_msr_filter is EFAULT (got %d)", kr);
	msrf_free(&f);
	msrf_init(&f, VMC_MSR_FILTER_DEFAULT_DENY);
	msrf_add(&f, 0x4, MADE_UP, 1, true);
	msrf_install(&f, &kr);
	msrf_free(&f);
	msrf_reset();
	v = 0;
	vec = msr_read(MADE_UP, &v, false, NULL);
	report(r == 0 && vec == 0 && v == 0x600d &&
	       one_exit(VMC_KVM_EXIT_X86_RDMSR, VMC_MSR_REASON_FILTER, MADE_UP, 0, 0),
	       "after failed sets the previous filter still denies RDMSR 0x%x: FILTER exit, "
	       "the harness's 0x600d (install %d, vector %d, got %#lx)", MADE_UP, r, vec, v);

	kr = deny_one(VMC_MSR_FILTER_DEFAULT_DENY, 0x800, RW);
	report(kr == 0, "a DEFAULT_DENY filter with a range at 0x800 is accepted (got %d)", kr);
	msrf_init(&f, VMC_MSR_FILTER_DEFAULT_DENY);
	msrf_add(&f, RW, 0x800, 0x100, false);
	msrf_install(&f, &kr);
	msrf_free(&f);
	report(kr == 0, "a range over the whole x2APIC range 0x800-0x8ff is accepted (got %d)", kr);
	report_prefix_pop();
}

/* F5: an empty default-allow filter turns filtering off; F11 at the same time */
static void filter_off(void)
{
	uint64_t v = 0;
	uint32_t n;
	int vec, kr;
	bool ok;

	report_prefix_push("filter off");
	msrf_fresh(VMC_MSR_REASON_FILTER);
	wrmsr(MSR_KERNEL_GS_BASE, 0x5000);
	msrf_policy(MSR_KERNEL_GS_BASE, VMC_MSR_RD_FIXED, VMC_MSR_WR_ACCEPT_MASK, 0x77, ~0ull);
	deny_one(VMC_MSR_FILTER_DEFAULT_ALLOW, MSR_KERNEL_GS_BASE, RW);
	msrf_reset();
	vec = msr_read(MSR_KERNEL_GS_BASE, &v, false, NULL);
	ok = one_exit(VMC_KVM_EXIT_X86_RDMSR, VMC_MSR_REASON_FILTER, MSR_KERNEL_GS_BASE, 0, 0);
	report(!vec && v == 0x77 && ok,
	       "denied RDMSR KERNEL_GS_BASE exits FILTER and returns the policy's 0x77 (vector "
	       "%d, read %#lx, exit reason %u)", vec, v, last_exit.reason);
	msrf_reset();
	vec = msr_write(MSR_KERNEL_GS_BASE, 0x6000, false, NULL);
	ok = one_exit(VMC_KVM_EXIT_X86_WRMSR, VMC_MSR_REASON_FILTER, MSR_KERNEL_GS_BASE, 0x6000, 0);
	report(!vec && ok, "denied WRMSR KERNEL_GS_BASE 0x6000 exits FILTER with data 0x6000 "
	       "(vector %d, exit reason %u, data %#lx)", vec, last_exit.reason, last_exit.data);
	kr = msrf_clear();
	report(kr == 0, "an empty DEFAULT_ALLOW filter replaces it (got %d)", kr);
	msrf_reset();
	vec = msr_read(MSR_KERNEL_GS_BASE, &v, false, NULL);
	report(!vec && v == 0x5000 && msrf_total_exits() == 0,
	       "next RDMSR KERNEL_GS_BASE runs in KVM: 0x5000, no exit (got %#lx)", v);
	vec = msr_write(MSR_KERNEL_GS_BASE, 0x7000, false, NULL);
	v = rdmsr(MSR_KERNEL_GS_BASE);
	n = msrf_total_exits();
	report(!vec && v == 0x7000 && n == 0, "next WRMSR KERNEL_GS_BASE runs in KVM: reads back "
	       "0x7000, no exit (vector %d, read %#lx, %u exits)", vec, v, n);
	report_prefix_pop();
}

/* F7-F8: UNKNOWN exits, the reply, error = 1 */
static void unknown(void)
{
	static const struct vmc_expect_ent ent[2] = {
		{ .reason = VMC_KVM_EXIT_X86_RDMSR, .index = UNKNOWN_MSR,
		  .flags = VMC_EXPECT_F_DIR, .dir_out = 0 },
		{ .reason = VMC_KVM_EXIT_X86_WRMSR, .index = UNKNOWN_MSR,
		  .flags = VMC_EXPECT_F_DIR | VMC_EXPECT_F_DATA, .dir_out = 1,
		  .data = 0xaabbccdd11223344ull },
	};
	struct vmc_expect_result res;
	struct vmc_msr_counters c;
	uint64_t v = 0, rip = 0;
	uint32_t lo, hi;
	int vec;
	bool ok;

	report_prefix_push("unknown");
	msrf_fresh(ALL_REASONS);
	msrf_policy(UNKNOWN_MSR, VMC_MSR_RD_FIXED, VMC_MSR_WR_ACCEPT_MASK,
		    0x1122334455667788ull, ~0ull);
	harness_expect(ent, 2);
	vec = msr_read(UNKNOWN_MSR, &v, false, &rip);
	ok = one_exit(VMC_KVM_EXIT_X86_RDMSR, VMC_MSR_REASON_UNKNOWN, UNKNOWN_MSR, 0, rip);
	report(ok, "RDMSR 0x%x exits RDMSR (29), reason UNKNOWN, index, data 0, error 0, pad 0, "
	       "RIP at the instruction %#lx " SEEN_FMT, UNKNOWN_MSR, rip, SEEN_ARGS);
	lo = (uint32_t)v;
	hi = (uint32_t)(v >> 32);
	report(!vec && lo == 0x55667788 && hi == 0x11223344,
	       "the reply lands in EDX:EAX (EAX %#x EDX %#x) and RIP moves on", lo, hi);
	msrf_reset();
	vec = msr_write(UNKNOWN_MSR, 0xaabbccdd11223344ull, false, &rip);
	ok = one_exit(VMC_KVM_EXIT_X86_WRMSR, VMC_MSR_REASON_UNKNOWN, UNKNOWN_MSR,
		      0xaabbccdd11223344ull, rip);
	report(ok, "WRMSR 0x%x exits WRMSR (30), reason UNKNOWN, data = EDX:EAX " SEEN_FMT,
	       UNKNOWN_MSR, SEEN_ARGS);
	report(!vec, "an accepted WRMSR resumes after the instruction, no fault (vector %d)", vec);
	harness_expect_result(&res);
	report(res.state == VMC_EXPECT_MATCHED, "the harness's EXPECT list (RDMSR, WRMSR "
	       "0x%x) matched (state %u, matched %u)", UNKNOWN_MSR, res.state, res.matched);
	harness_expect(NULL, 0);

	msrf_policy(UNKNOWN_MSR, VMC_MSR_RD_REFUSE, VMC_MSR_WR_REFUSE, 0, 0);
	msrf_reset();
	vec = msr_read(UNKNOWN_MSR, &v, false, &rip);
	report(gp0(vec) && one_exit(VMC_KVM_EXIT_X86_RDMSR, VMC_MSR_REASON_UNKNOWN,
				   UNKNOWN_MSR, 0, rip),
	       "RDMSR answered with error = 1 raises #GP(0) at the RDMSR (vector %d)", vec);
	vec = msr_write(UNKNOWN_MSR, 5, false, &rip);
	report(gp0(vec) && nth_exit(2, VMC_KVM_EXIT_X86_WRMSR, VMC_MSR_REASON_UNKNOWN,
				   UNKNOWN_MSR, 5, rip),
	       "WRMSR answered with error = 1 raises #GP(0) at the WRMSR (vector %d)", vec);
	msrf_counters(UNKNOWN_MSR, 0, &c);
	report(c.rd[0] == 1 && c.rd[2] == 1 && c.wr[0] == 1 && c.wr[2] == 1,
	       "counters: exactly 1 RDMSR + 1 WRMSR exit of 0x%x, both UNKNOWN (got rd %u/%u "
	       "wr %u/%u)", UNKNOWN_MSR, c.rd[0], c.rd[2], c.wr[0], c.wr[2]);
	report_prefix_pop();
}

/* F9: a reason missing from the mask gives #GP and no exit */
static void not_in_mask(void)
{
	uint64_t v;
	uint32_t n;
	int vec;

	report_prefix_push("mask");
	msrf_fresh(VMC_MSR_REASON_FILTER);
	msrf_policy_default(VMC_MSR_RD_FIXED, VMC_MSR_WR_ACCEPT_MASK, 1, ~0ull);
	vec = msr_read(UNKNOWN_MSR, &v, false, NULL);
	n = msrf_total_exits();
	report(gp0(vec) && n == 0, "mask FILTER: RDMSR of unknown 0x%x raises #GP(0), no exit "
	       "(vector %d, error %#lx, %u exits)", UNKNOWN_MSR, vec, msr_last_error_code(), n);
	vec = msr_write(UNKNOWN_MSR, 1, false, NULL);
	n = msrf_total_exits();
	report(gp0(vec) && n == 0, "mask FILTER: WRMSR of unknown 0x%x raises #GP(0), no exit "
	       "(vector %d, error %#lx, %u exits)", UNKNOWN_MSR, vec, msr_last_error_code(), n);
	deny_one(VMC_MSR_FILTER_DEFAULT_ALLOW, MSR_KERNEL_GS_BASE, RW);
	msrf_exit_mask(0);
	vec = msr_read(MSR_KERNEL_GS_BASE, &v, false, NULL);
	n = msrf_total_exits();
	report(gp0(vec) && n == 0, "mask 0: denied RDMSR KERNEL_GS_BASE raises #GP(0), no exit "
	       "(vector %d, error %#lx, %u exits)", vec, msr_last_error_code(), n);
	vec = msr_write(MSR_KERNEL_GS_BASE, 0, false, NULL);
	n = msrf_total_exits();
	report(gp0(vec) && n == 0, "mask 0: denied WRMSR KERNEL_GS_BASE raises #GP(0), no exit "
	       "(vector %d, error %#lx, %u exits)", vec, msr_last_error_code(), n);
	msrf_exit_mask(VMC_MSR_REASON_UNKNOWN | VMC_MSR_REASON_INVAL);
	vec = msr_read(MSR_KERNEL_GS_BASE, &v, false, NULL);
	n = msrf_total_exits();
	report(gp0(vec) && n == 0, "mask INVAL|UNKNOWN: denied RDMSR raises #GP(0), no exit "
	       "(vector %d, error %#lx, %u exits)", vec, msr_last_error_code(), n);
	msrf_clear();
	msrf_exit_mask(VMC_MSR_REASON_INVAL);
	vec = msr_read(UNKNOWN_MSR, &v, false, NULL);
	n = msrf_total_exits();
	report(gp0(vec) && n == 0, "mask INVAL: RDMSR of unknown 0x%x raises #GP(0), no exit "
	       "(vector %d, error %#lx, %u exits)", UNKNOWN_MSR, vec, msr_last_error_code(), n);
	report_prefix_pop();
}

/* F10: x2APIC MSRs are never filtered (this VM has no in-kernel LAPIC) */
static void x2apic(bool irqchip)
{
	msrf_filter_t f;
	uint64_t v;
	int kr, vec;
	bool ok;

	report_prefix_push("x2apic");
	if (irqchip) {
		report_skip("INVAL exits for 0x800-0x8ff need a VM without an in-kernel "
			    "LAPIC (run without -smp/--irqchip)");
		report_prefix_pop();
		return;
	}
	msrf_fresh(ALL_REASONS);
	msrf_policy_default(VMC_MSR_RD_FIXED, VMC_MSR_WR_ACCEPT_MASK, 0x42, ~0ull);
	msrf_init(&f, VMC_MSR_FILTER_DEFAULT_DENY);
	msrf_add(&f, RW, 0x800, 0x100, false);
	msrf_install(&f, &kr);
	msrf_free(&f);
	msrf_reset();
	vec = msr_read(0x802, &v, false, NULL);
	ok = one_exit(VMC_KVM_EXIT_X86_RDMSR, VMC_MSR_REASON_INVAL, 0x802, 0, 0);
	report(kr == 0 && !vec && v == 0x42 && ok,
	       "default deny + deny 0x800-0x8ff: RDMSR 0x802 exits INVAL, not FILTER (install %d, "
	       "vector %d, read %#lx, exit reason %u)", kr, vec, v, last_exit.reason);
	msrf_reset();
	vec = msr_write(0x808, 0x10, false, NULL);
	ok = one_exit(VMC_KVM_EXIT_X86_WRMSR, VMC_MSR_REASON_INVAL, 0x808, 0x10, 0);
	report(!vec && ok, "WRMSR 0x808 (TPR) exits INVAL, not FILTER (vector %d, exit reason %u)", vec,
	       last_exit.reason);
	msrf_reset();
	vec = msr_read(0x900, &v, false, NULL);
	ok = one_exit(VMC_KVM_EXIT_X86_RDMSR, VMC_MSR_REASON_FILTER, 0x900, 0, 0);
	report(!vec && ok, "RDMSR 0x900 (outside the x2APIC range) exits FILTER (vector %d, exit reason %u)",
	       vec, last_exit.reason);
	msrf_init(&f, VMC_MSR_FILTER_DEFAULT_ALLOW);
	msrf_add(&f, RW, 0x800, 0x100, false);
	msrf_install(&f, &kr);
	msrf_free(&f);
	msrf_reset();
	vec = msr_read(0x830, &v, false, NULL);
	ok = one_exit(VMC_KVM_EXIT_X86_RDMSR, VMC_MSR_REASON_INVAL, 0x830, 0, 0);
	report(kr == 0 && !vec && ok,
	       "default allow + deny 0x800-0x8ff: RDMSR 0x830 exits INVAL, not FILTER (install "
	       "%d, vector %d, exit reason %u)", kr, vec, last_exit.reason);
	report_prefix_pop();
}

/*
 * F15, KVM's part: MSR_KVM_MIGRATION_CONTROL is not implemented by KVM (#GP
 * without a filter, generic()); denied by a filter it reaches user space
 * only if FILTER is in the mask, with the right exit reason, index and
 * data.  What user space then answers is the harness's business (its
 * emulation is checked by x86/channel.c, the harness self-test).
 */
static void migration_control(void)
{
	const uint32_t mc = VMC_MSR_KVM_MIGRATION_CONTROL;
	uint64_t v = ~0ull, rip = 0;
	uint32_t n;
	int vec;
	bool ok;

	report_prefix_push("migration_control");
	msrf_fresh(VMC_MSR_REASON_FILTER);
	deny_one(VMC_MSR_FILTER_DEFAULT_ALLOW, mc, RW);
	msrf_exit_mask(VMC_MSR_REASON_UNKNOWN);
	vec = msr_read(mc, &v, false, NULL);
	n = msrf_total_exits();
	report(gp0(vec) && n == 0, "filtered but FILTER not in the mask: RDMSR 0x%x raises "
	       "#GP(0), no exit (vector %d, error %#lx, %u exits)", mc, vec, msr_last_error_code(),
	       n);
	vec = msr_write(mc, 1, false, NULL);
	n = msrf_total_exits();
	report(gp0(vec) && n == 0, "filtered but FILTER not in the mask: WRMSR 0x%x raises "
	       "#GP(0), no exit (vector %d, error %#lx, %u exits)", mc, vec, msr_last_error_code(),
	       n);
	msrf_exit_mask(VMC_MSR_REASON_FILTER);
	msrf_reset();
	msr_read(mc, &v, false, &rip);
	ok = one_exit(VMC_KVM_EXIT_X86_RDMSR, VMC_MSR_REASON_FILTER, mc, 0, rip);
	report(ok, "filtered: RDMSR 0x%x exits RDMSR, reason FILTER, index, data 0, RIP at it "
	       "%#lx " SEEN_FMT, mc, rip, SEEN_ARGS);
	msr_write(mc, 1, false, &rip);
	ok = nth_exit(2, VMC_KVM_EXIT_X86_WRMSR, VMC_MSR_REASON_FILTER, mc, 1, rip);
	report(ok, "filtered: WRMSR 0x%x 1 exits WRMSR, reason FILTER, index, data 1, RIP at it "
	       "%#lx " SEEN_FMT, mc, rip, SEEN_ARGS);
	report_prefix_pop();
}

int main(int argc, char **argv)
{
	struct vmc_hello h;
	const char *why;

	(void)argc;
	(void)argv;
	report_prefix_push("msr_filter");
	generic();
	if (!msrf_available(&why)) {
		report_skip("caps, validation, filter off, unknown, mask, x2apic, migration_control (%s)",
			    why);
		report_prefix_pop();
		return report_summary();
	}
	harness_hello(&h);
	caps();
	validation();
	filter_off();
	unknown();
	not_in_mask();
	x2apic(h.features & VMC_FEAT_IRQCHIP);
	migration_control();
	msrf_fresh(0);
	report_prefix_pop();
	return report_summary();
}
