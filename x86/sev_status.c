/*
 * sev_status: RDMSR of SEV_STATUS (0xC0010131) in a guest that is not an
 * SEV guest (specs/kvm-x86.md §C.1, §E.2; F item 24).
 *
 * Why: a guest finds out whether its memory is encrypted by reading
 * SEV_STATUS; outside SEV there is no such MSR, and KVM must treat it as
 * unknown: #GP(0) at the RDMSR, or, when user space asked for exits on
 * unknown MSRs (KVM_CAP_X86_USER_SPACE_MSR with KVM_MSR_EXIT_REASON_UNKNOWN),
 * exit 29 (X86_RDMSR) with reason 2 (UNKNOWN) and the index, the answer
 * landing in EDX:EAX.  Runs under QEMU (the #GP check; KVM or TCG), the
 * harness and vmtest (both checks).  Expected values from the spec and
 * from the value the guest asked the harness to answer.
 */
#include "vmc.h"
#include "processor.h"
#include "msrfilter.h"

#define MSR_SEV_STATUS	0xc0010131u
#define ANSWER		0x5e5e000000000007ull	/* any value: the guest chose it */


int main(void)
{
	struct vmc_msr_exit e;
	uint64_t v = 0, rip = 0;
	uint32_t total = 0;
	const char *why;
	int vec, n;

	report_prefix_push("sev_status");
	vec = msr_read(MSR_SEV_STATUS, &v, false, NULL);
	report(vec == GP_VECTOR && msr_last_error_code() == 0,
	       "RDMSR SEV_STATUS in a non-SEV guest raises #GP(0) (vector %d, error %lu)", vec,
	       msr_last_error_code());

	if (!msrf_available(&why)) {
		report_skip("user-space exit for SEV_STATUS: %s", why);
		return report_summary();
	}
	if (msrf_clear() || msrf_exit_mask(VMC_MSR_REASON_UNKNOWN) || msrf_policy_clear_all() ||
	    msrf_policy(MSR_SEV_STATUS, VMC_MSR_RD_FIXED, VMC_MSR_WR_REFUSE, ANSWER, 0) ||
	    msrf_reset())
		report_abort("could not set up the harness's MSR exits");
	v = 0;
	vec = msr_read(MSR_SEV_STATUS, &v, false, &rip);
	memset(&e, 0, sizeof(e));
	n = msrf_last(&e, 1, 0, &total);
	report(n == 1 && total == 1 && e.exit_reason == VMC_KVM_EXIT_X86_RDMSR &&
	       e.reason == VMC_MSR_REASON_UNKNOWN && e.index == MSR_SEV_STATUS && e.rip == rip,
	       "with UNKNOWN exits enabled it exits 29 (X86_RDMSR), reason 2, index %#x, at the "
	       "RDMSR (%u exits; exit %u reason %u index %#x rip %#lx, RDMSR at %#lx)",
	       MSR_SEV_STATUS, total, e.exit_reason, e.reason, e.index, e.rip, rip);
	report(vec == 0 && v == ANSWER, "the answer %#llx reaches EDX:EAX, no #GP (vector %d, "
	       "read %#lx)", ANSWER, vec, v);
	msrf_exit_mask(0);
	msrf_policy_clear_all();
	msrf_reset();
	report_prefix_pop();
	return report_summary();
}
