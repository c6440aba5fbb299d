/*
 * vmconform channel, hypercall family (0x03): the wire format shared by the
 * guest (lib/x86/hypercall.h) and the harness (harness/ops-hypercall.c).
 * Contract: docs/channel.md, section "Hypercall family".  Kept apart from
 * channel-abi.h so that a family adds a header instead of editing the core.
 *
 * KVM side (specs/kvm-x86.md §B): KVM_CAP_EXIT_HYPERCALL (201) enabled with
 * a mask of hypercall numbers (only 1 << KVM_HC_MAP_GPA_RANGE exists) makes
 * those hypercalls exit to userspace as KVM_EXIT_HYPERCALL; the guest's RAX
 * after re-entry is the hypercall.ret userspace stored.
 */
#ifndef VMC_HYPERCALL_ABI_H
#define VMC_HYPERCALL_ABI_H

#include <stdint.h>

#include "channel-abi.h"

#define VMC_FAM_HYPERCALL	0x03
#define VMC_OP_HC_CONFIG	0x0301	/* enable/disable exits, set the answer */
#define VMC_OP_HC_READ		0x0302	/* one recorded hypercall exit */

#define VMC_KVM_CAP_EXIT_HYPERCALL	201
#define VMC_KVM_HC_MAP_GPA_RANGE	12
/* KVM_MAP_GPA_RANGE attributes (a2) */
#define VMC_MAP_GPA_RANGE_PAGE_SZ_4K	0
#define VMC_MAP_GPA_RANGE_PAGE_SZ_2M	(1 << 0)
#define VMC_MAP_GPA_RANGE_PAGE_SZ_1G	(1 << 1)
#define VMC_MAP_GPA_RANGE_ENCRYPTED	(1 << 4)
/* hypercall return values as the guest sees them (negated KVM_E*) */
#define VMC_KVM_ENOSYS	1000
#define VMC_KVM_EINVAL	22

/*
 * HC_CONFIG: KVM_ENABLE_CAP(KVM_CAP_EXIT_HYPERCALL, mask) on the VM, set the
 * value the harness stores in hypercall.ret for every hypercall exit from
 * now on, and clear the record of exits.  mask 0 disables the exits.
 * ret: 0, -VMC_EOPNOTSUPP (cap 201 unknown to this KVM), or -errno of the
 * ioctl (-VMC_EINVAL: mask not a subset of what KVM supports).
 */
struct vmc_hc_config {
	struct vmc_req_hdr hdr;
	uint64_t mask;		/* in: hypercall numbers that exit (bit n = nr n) */
	uint64_t answer;	/* in: hypercall.ret for the exits */
	int64_t supported;	/* out: KVM_CHECK_EXTENSION(201) on the VM fd */
};

#define VMC_HC_F_LONG_MODE	(1u << 0)	/* kvm_run hypercall flags bit 0 / longmode */
struct vmc_hc_rec {
	uint64_t nr;
	uint64_t args[6];
	uint64_t ret_in;	/* hypercall.ret as KVM handed it over (KVM sets 0) */
	uint64_t answered;	/* what the harness stored in hypercall.ret */
	uint64_t rip;		/* guest RIP at the exit (on the hypercall insn) */
	uint32_t flags;		/* VMC_HC_F_* */
	uint32_t vcpu;
};

#define VMC_HC_RING	64	/* the harness keeps the last this many exits */
/*
 * HC_READ: exit number index (0 = the first since HC_CONFIG) into rec;
 * total = exits recorded since HC_CONFIG (always filled in).
 * ret: 0, or -VMC_EINVAL when index >= total or fell out of the ring.
 */
struct vmc_hc_read {
	struct vmc_req_hdr hdr;
	uint32_t index;		/* in */
	uint32_t total;		/* out */
	struct vmc_hc_rec rec;	/* out */
};

_Static_assert(sizeof(struct vmc_hc_config) == 40, "struct vmc_hc_config size is ABI");
_Static_assert(sizeof(struct vmc_hc_rec) == 88, "struct vmc_hc_rec size is ABI");
_Static_assert(sizeof(struct vmc_hc_read) == 112, "struct vmc_hc_read size is ABI");

#endif
