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
#define VMC_OP_HC_MAP_READ	0x0303	/* the harness's page-encryption map */
#define VMC_OP_HC_QUIRKS	0x0304	/* KVM_ENABLE_CAP(KVM_CAP_DISABLE_QUIRKS2) */
#define VMC_OP_HC_PV_CPUID	0x0305	/* KVM_GET_SUPPORTED_CPUID 0x40000001 */

#define VMC_KVM_CAP_EXIT_HYPERCALL	201
#define VMC_KVM_HC_MAP_GPA_RANGE	12
/* KVM_MAP_GPA_RANGE attributes (a2) */
#define VMC_MAP_GPA_RANGE_PAGE_SZ_4K	0
#define VMC_MAP_GPA_RANGE_PAGE_SZ_2M	(1 << 0)
#define VMC_MAP_GPA_RANGE_PAGE_SZ_1G	(1 << 1)
#define VMC_MAP_GPA_RANGE_ENCRYPTED	(1 << 4)
#define VMC_MAP_GPA_RANGE_PAGE_SZ_MASK	0xf	/* bits 3:0; values 0, 1, 2 */
#define VMC_MAP_GPA_RANGE_VALID		0x1f	/* bits 63:5 reserved (HC) */
/* hypercall return values as the guest sees them (negated KVM_E*) */
#define VMC_KVM_ENOSYS	1000
#define VMC_KVM_EINVAL	22
#define VMC_KVM_EFAULT	14
#define VMC_KVM_EPERM	1

/* KVM_CAP_DISABLE_QUIRKS2 and the quirk a wrong-vendor VMCALL/VMMCALL needs */
#define VMC_KVM_CAP_DISABLE_QUIRKS2		213
#define VMC_KVM_X86_QUIRK_FIX_HYPERCALL_INSN	(1u << 5)
/* KVM PV feature leaf and the bits of the page-encryption series (§B.1) */
#define VMC_CPUID_KVM_FEATURES			0x40000001u
#define VMC_KVM_FEATURE_HC_MAP_GPA_RANGE	16
#define VMC_KVM_FEATURE_MIGRATION_CONTROL	17

/*
 * The harness's answer to a KVM_EXIT_HYPERCALL nr 12 (docs/channel.md
 * "Page-encryption map"), checked in this order:
 *   attrs with a bit of 63:5 set, or page size (bits 3:0) not 0/1/2
 *                              -> hypercall.ret = -VMC_KVM_EINVAL (-22)
 *   [gpa, gpa + npages * 4 KiB) not inside guest RAM (or wrapping)
 *                              -> hypercall.ret = -VMC_KVM_EFAULT (-14)
 *   otherwise                  -> hypercall.ret = the HC_CONFIG answer;
 *                                 when that is 0 every 4 KiB page of the
 *                                 range becomes encrypted (attrs bit 4) or
 *                                 decrypted.  npages always counts 4 KiB
 *                                 pages; the page-size bits do not scale it.
 * A refused call leaves the map unchanged.  Hypercall exits with another nr
 * end the run as ERROR.  Every page starts decrypted.
 */
#define VMC_HC_RET_BAD_ATTRS	((uint64_t)-VMC_KVM_EINVAL)
#define VMC_HC_RET_OUTSIDE_RAM	((uint64_t)-VMC_KVM_EFAULT)

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

/*
 * HC_MAP_READ: the map for npages 4 KiB pages from gpa: state[i] = 1 if page
 * i is encrypted, 0 if not; encrypted = how many of them are; updates = map
 * updates (accepted nr 12 exits) since the start of the run.
 * ret: 0; -VMC_EINVAL: gpa not page aligned, or argsz < 40 + npages;
 * -VMC_E2BIG: npages > VMC_HC_MAP_READ_MAX; -VMC_EFAULT: range outside RAM.
 */
#define VMC_HC_MAP_READ_MAX	4096
struct vmc_hc_map_read {
	struct vmc_req_hdr hdr;
	uint64_t gpa;		/* in */
	uint32_t npages;	/* in */
	uint32_t encrypted;	/* out */
	uint64_t updates;	/* out */
	uint8_t state[];	/* out: npages bytes */
};

/*
 * HC_QUIRKS: KVM_ENABLE_CAP(KVM_CAP_DISABLE_QUIRKS2, disable) on the VM
 * (kept and re-applied after a migration).  supported =
 * KVM_CHECK_EXTENSION(213) on the VM fd; kvm_ret = the ioctl's result.
 * ret: 0 when the ioctl was made, -VMC_EOPNOTSUPP when cap 213 is unknown.
 */
struct vmc_hc_quirks {
	struct vmc_req_hdr hdr;
	uint64_t disable;	/* in: quirk bits to disable */
	int64_t supported;	/* out */
	int32_t kvm_ret;	/* out: 0 or -errno */
	uint32_t pad;
};

/*
 * HC_PV_CPUID: leaf 0x40000001 as KVM_GET_SUPPORTED_CPUID reports it
 * (found = 0 if absent) and as this VM's vCPUs were given it (the harness
 * ORs in --kvm-pv-features).
 */
struct vmc_hc_pv_cpuid {
	struct vmc_req_hdr hdr;
	uint32_t found;		/* out */
	uint32_t supported_eax;	/* out: KVM_GET_SUPPORTED_CPUID */
	uint32_t vcpu_eax;	/* out: what the vCPUs got */
	uint32_t pad;
};

_Static_assert(sizeof(struct vmc_hc_map_read) == 40, "struct vmc_hc_map_read size is ABI");
_Static_assert(sizeof(struct vmc_hc_quirks) == 40, "struct vmc_hc_quirks size is ABI");
_Static_assert(sizeof(struct vmc_hc_pv_cpuid) == 32, "struct vmc_hc_pv_cpuid size is ABI");
_Static_assert(sizeof(struct vmc_hc_config) == 40, "struct vmc_hc_config size is ABI");
_Static_assert(sizeof(struct vmc_hc_rec) == 88, "struct vmc_hc_rec size is ABI");
_Static_assert(sizeof(struct vmc_hc_read) == 112, "struct vmc_hc_read size is ABI");

#endif
