/*
 * hypercall: KVM_HC_MAP_GPA_RANGE (nr 12) reaches userspace as
 * KVM_EXIT_HYPERCALL exactly when KVM_CAP_EXIT_HYPERCALL enables it, with the
 * guest's arguments, and the guest resumes with the value userspace answered.
 * Confidential-guest VMMs track private/shared pages from these exits
 * (specs/kvm-x86.md §B), so a KVM that drops, truncates or misroutes them
 * breaks them.  Rules checked (§B.2, §B.3):
 *  - KVM_CHECK_EXTENSION(KVM_CAP_EXIT_HYPERCALL = 201) includes 1 << 12;
 *  - with the cap off (mask 0): nr 12 returns -KVM_ENOSYS (-1000) in RAX and
 *    does not exit;
 *  - with 1 << 12 enabled: nr 12 with an aligned GPA, npages > 0 exits once
 *    with nr 12, args[0..2] = gpa, npages, attrs (a GPA above 4 GiB not
 *    truncated in long mode), the long-mode flag set, the RIP of the
 *    hypercall instruction; the guest's RAX is then the harness's answer
 *    (all 64 bits);
 *  - still enabled: an unaligned GPA or npages 0 returns -KVM_EINVAL (-22)
 *    and an unknown nr returns -KVM_ENOSYS, neither exits;
 *  - ENABLE_CAP with a mask bit KVM does not support fails with EINVAL.
 * Needs KVM on VMX or SVM: on kvm_pvm a VMCALL/VMMCALL never returns
 * (specs/kvm-x86.md §E.3), so there the test SKIPs without executing one;
 * ./run_tests.sh --runner=vmtest runs it in a nested kvm_amd.
 * Uses the host's native instruction (VMCALL on kvm_intel, VMMCALL on
 * kvm_amd), so KVM's wrong-vendor fix-up quirk plays no part.
 */
#include "vmc.h"
#include "channel.h"
#include "hypercall.h"

#define NR_MAP_GPA_RANGE	VMC_KVM_HC_MAP_GPA_RANGE
#define MASK_MAP_GPA_RANGE	(1ull << NR_MAP_GPA_RANGE)
#define RET_ENOSYS		((uint64_t)-VMC_KVM_ENOSYS)
#define RET_EINVAL		((uint64_t)-VMC_KVM_EINVAL)

static bool intel;

/* the hypercall, and in *at the address of its instruction */
static uint64_t hypercall_at(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t *at)
{
	uint64_t ret, insn;

	if (intel)
		asm volatile("lea 1f(%%rip), %[insn]\n1: vmcall"
			     : "=a"(ret), [insn] "=&r"(insn)
			     : "a"(nr), "b"(a0), "c"(a1), "d"(a2) : "memory");
	else
		asm volatile("lea 1f(%%rip), %[insn]\n1: vmmcall"
			     : "=a"(ret), [insn] "=&r"(insn)
			     : "a"(nr), "b"(a0), "c"(a1), "d"(a2) : "memory");
	if (at)
		*at = insn;
	return ret;
}

static uint32_t exits(void)
{
	uint32_t total = ~0u;
	int r = harness_hc_read(0, NULL, &total);

	if (r < 0 && r != -VMC_EINVAL)
		report_abort("HC_READ failed: %s", harness_strerror(r));
	return total;
}

/* nr 12 must exit once with these arguments and resume with answer */
static void check_exit(uint64_t gpa, uint64_t npages, uint64_t attrs, uint64_t answer)
{
	static char prefix[64];
	struct vmc_hc_rec rec;
	uint64_t ret, at = 0;
	uint32_t total;
	int r;

	snprintf(prefix, sizeof(prefix), "gpa 0x%llx npages %llu attrs 0x%llx",
		 (unsigned long long)gpa, (unsigned long long)npages, (unsigned long long)attrs);
	report_prefix_push(prefix);
	r = harness_hc_config(MASK_MAP_GPA_RANGE, answer, NULL);
	report(r == 0, "HC_CONFIG enables exits for 1 << 12 with answer 0x%llx (ret %d)",
	       (unsigned long long)answer, r);
	ret = hypercall_at(NR_MAP_GPA_RANGE, gpa, npages, attrs, &at);
	r = harness_hc_read(0, &rec, &total);
	if (!report(r == 0 && total == 1, "nr 12 exits to userspace exactly once (%u exits, ret %d)",
		    total, r)) {
		report_prefix_pop();
		return;
	}
	report(rec.nr == NR_MAP_GPA_RANGE, "exit nr is 12 (got %llu)", (unsigned long long)rec.nr);
	report(rec.args[0] == gpa && rec.args[1] == npages && rec.args[2] == attrs,
	       "exit args are gpa, npages, attrs (got 0x%llx 0x%llx 0x%llx)",
	       (unsigned long long)rec.args[0], (unsigned long long)rec.args[1],
	       (unsigned long long)rec.args[2]);
	report(rec.flags & VMC_HC_F_LONG_MODE, "exit says the hypercall came from long mode "
	       "(flags bit 0; flags 0x%x)", rec.flags);
	report(rec.rip == at, "exit RIP is the hypercall instruction 0x%llx (got 0x%llx)",
	       (unsigned long long)at, (unsigned long long)rec.rip);
	report(ret == answer, "the guest resumes after it with RAX = the answer 0x%llx (got 0x%llx)",
	       (unsigned long long)answer, (unsigned long long)ret);
	report_prefix_pop();
}

/* a hypercall that KVM must answer itself with ret_want, without an exit */
static void check_no_exit(const char *what, uint64_t nr, uint64_t gpa, uint64_t npages,
			  uint64_t ret_want, const char *want)
{
	uint32_t before = exits(), after;
	uint64_t ret = hypercall_at(nr, gpa, npages, 0, NULL);

	after = exits();
	report(ret == ret_want && after == before,
	       "%s: nr %llu returns %s (0x%llx) without an exit (got 0x%llx, %u exits)", what,
	       (unsigned long long)nr, want, (unsigned long long)ret_want,
	       (unsigned long long)ret, after - before);
}

int main(int argc, char **argv)
{
	struct vmc_hello hello;
	int64_t cap = -1, supported = -1;
	int r;

	(void)argc;
	(void)argv;
	report_prefix_push("hypercall");
	if (!harness_present()) {
		report_skip("KVM_HC_MAP_GPA_RANGE exits: %s (runner = harness or vmtest)",
			    HARNESS_SKIP_REASON);
		return report_summary();
	}
	r = harness_hello(&hello);
	if (r < 0)
		report_abort("HELLO failed: %s", harness_strerror(r));
	if (!(hello.features & VMC_FEAT_HOST_VMX_SVM)) {
		report_skip("KVM_HC_MAP_GPA_RANGE exits: needs a VMX/SVM host (kvm_intel/kvm_amd); "
			    "this host is %s, where VMCALL/VMMCALL never returns "
			    "(./run_tests.sh --runner=vmtest runs it in a nested kvm_amd)",
			    hello.flavor == VMC_FLAVOR_KVM_PVM ? "kvm_pvm" : "neither");
		return report_summary();
	}
	intel = hello.flavor == VMC_FLAVOR_KVM_INTEL;
	report_info("host flavor %u, using %s", hello.flavor, intel ? "VMCALL" : "VMMCALL");

	r = harness_caps(VMC_KVM_CAP_EXIT_HYPERCALL, VMC_CAPS_VM, &cap);
	if (r < 0 || cap <= 0) {
		report_skip("KVM_HC_MAP_GPA_RANGE exits: needs KVM_CAP_EXIT_HYPERCALL (Linux 5.14+; "
			    "CHECK_EXTENSION gave %lld, ret %d)", (long long)cap, r);
		return report_summary();
	}
	report(cap & MASK_MAP_GPA_RANGE,
	       "KVM_CHECK_EXTENSION(KVM_CAP_EXIT_HYPERCALL) includes 1 << 12 (got 0x%llx)",
	       (unsigned long long)cap);

	/* the harness now answers every hypercall exit: unexpected ones are counted */
	r = harness_hc_config(0, 0x5a5a, &supported);
	report(r == 0 && supported == cap, "HC_CONFIG with mask 0 succeeds (ret %d, supported 0x%llx)",
	       r, (unsigned long long)supported);
	check_no_exit("cap off", NR_MAP_GPA_RANGE, 0x200000, 1, RET_ENOSYS, "-KVM_ENOSYS");

	check_exit(0x200000, 4, VMC_MAP_GPA_RANGE_ENCRYPTED | VMC_MAP_GPA_RANGE_PAGE_SZ_4K,
		   0x0123456789abcdefull);
	check_exit(0x100200000ull, 8, VMC_MAP_GPA_RANGE_PAGE_SZ_4K, 0);

	check_no_exit("unaligned gpa", NR_MAP_GPA_RANGE, 0x200010, 1, RET_EINVAL, "-KVM_EINVAL");
	check_no_exit("npages 0", NR_MAP_GPA_RANGE, 0x200000, 0, RET_EINVAL, "-KVM_EINVAL");
	check_no_exit("unknown nr", 99, 0x200000, 1, RET_ENOSYS, "-KVM_ENOSYS");

	r = harness_hc_config(MASK_MAP_GPA_RANGE << 1, 0, NULL);
	report(r == -VMC_EINVAL, "ENABLE_CAP with unsupported bit 13 fails with EINVAL (ret %d)", r);

	r = harness_hc_config(0, 0, NULL);
	report(r == 0, "HC_CONFIG with mask 0 disables the exits again (ret %d)", r);
	check_no_exit("cap disabled", NR_MAP_GPA_RANGE, 0x200000, 1, RET_ENOSYS, "-KVM_ENOSYS");
	report_prefix_pop();
	return report_summary();
}
