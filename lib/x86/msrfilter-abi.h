/*
 * vmconform channel v1, family 0x02: MSR filter and user-space MSR exits.
 * Wire format shared by the guest client (lib/x86/msrfilter.c) and the
 * harness (harness/ops-msrfilter.c, harness/ops-msrexit.c); the contract is
 * the "MSR filter and user-space MSR exits" section of docs/channel.md.
 *
 * Same rules as channel-abi.h: fixed-size types, natural alignment,
 * explicit padding, sizes pinned by static asserts.
 *
 * Convention for ops that make a KVM ioctl: hdr.ret says whether the
 * harness accepted the request (0, or -VMC_E* when it refused it as data:
 * bad guest address, bad field); kvm_ret carries the ioctl's own result
 * (0 or -errno).  A refused request makes no ioctl.
 */
#ifndef VMC_MSRFILTER_ABI_H
#define VMC_MSRFILTER_ABI_H

#include <stdint.h>
#include "channel-abi.h"

#define VMC_FAM_MSR		0x02

/* HELLO bit (channel-abi.h): kvm.force_emulation_prefix is on */
#ifndef VMC_FEAT_HOST_FEP
#define VMC_FEAT_HOST_FEP	(1ull << 4)
#endif

#define VMC_OP_MSR_ENABLE_CAP	0x0201	/* KVM_ENABLE_CAP on the VM fd */
#define VMC_OP_MSR_SET_FILTER	0x0202	/* KVM_X86_SET_MSR_FILTER */
#define VMC_OP_MSR_FILTER_INFO	0x0203	/* the filter the harness keeps */
#define VMC_OP_MSR_POLICY	0x0210	/* how the harness answers an MSR exit */
#define VMC_OP_MSR_COUNTERS	0x0211	/* user-space RDMSR/WRMSR exit counters */
#define VMC_OP_MSR_LAST		0x0212	/* the most recent MSR exits, in detail */

/* KVM values (api.rst; the same numbers as <linux/kvm.h>) */
#define VMC_KVM_CAP_USER_SPACE_MSR	188
#define VMC_KVM_CAP_MSR_FILTER		189
#define VMC_KVM_EXIT_X86_RDMSR		29
#define VMC_KVM_EXIT_X86_WRMSR		30
#define VMC_MSR_REASON_INVAL		(1u << 0)
#define VMC_MSR_REASON_UNKNOWN		(1u << 1)
#define VMC_MSR_REASON_FILTER		(1u << 2)
#define VMC_MSR_FILTER_READ		(1u << 0)
#define VMC_MSR_FILTER_WRITE		(1u << 1)
#define VMC_MSR_FILTER_DEFAULT_ALLOW	0u
#define VMC_MSR_FILTER_DEFAULT_DENY	(1u << 0)
#define VMC_MSR_FILTER_MAX_RANGES	16
#define VMC_MSR_FILTER_MAX_BITMAP	0x600

/*
 * ENABLE_CAP: cap 188 (USER_SPACE_MSR) with any cap_flags/args0; the caps
 * 164, 188, 201 and 213 with cap_flags != 0 (KVM must refuse those, so
 * the VM does not change).  Anything else: -VMC_EPERM, no ioctl.
 */
struct vmc_msr_enable_cap {
	struct vmc_req_hdr hdr;
	uint32_t cap;		/* in */
	uint32_t cap_flags;	/* in: kvm_enable_cap.flags */
	uint64_t args0;		/* in: kvm_enable_cap.args[0] (the reason mask) */
	int32_t kvm_ret;	/* out: 0 or -errno */
	uint32_t pad;
};

/* one range as the guest describes it; bitmap is a guest-physical address */
struct vmc_msr_range {
	uint32_t flags;		/* VMC_MSR_FILTER_READ | _WRITE (passed unchecked) */
	uint32_t nmsrs;
	uint32_t base;
	uint32_t pad;
	uint64_t bitmap;	/* GPA of ceil(nmsrs / 64) * 8 bytes; ignored if nmsrs 0 */
};

/* harness_flags: deliberate host-side faults the guest cannot express */
#define VMC_MSRF_H_BAD_STRUCT	(1u << 0)	/* pass an unmapped pointer as the filter */
#define VMC_MSRF_H_BAD_BITMAP	(1u << 1)	/* ranges in null_bitmap_mask get an
						   unmapped non-NULL pointer, not NULL */
#define VMC_MSRF_H_VALID	(VMC_MSRF_H_BAD_STRUCT | VMC_MSRF_H_BAD_BITMAP)
/* bigger bitmaps are refused by the harness (-VMC_E2BIG) without an ioctl */
#define VMC_MSRF_H_MAX_BITMAP	(1u << 20)

/*
 * SET_FILTER: the harness copies every bitmap out of guest RAM (each
 * checked), builds struct kvm_msr_filter with host pointers and makes the
 * ioctl.  Ranges with nmsrs 0 get a NULL bitmap.  On kvm_ret 0 the harness
 * keeps a copy (it is what it re-applies after a migration).
 */
struct vmc_msr_set_filter {
	struct vmc_req_hdr hdr;
	uint32_t filter_flags;		/* in: kvm_msr_filter.flags (unchecked) */
	uint32_t harness_flags;		/* in: VMC_MSRF_H_* */
	uint32_t null_bitmap_mask;	/* in: bit i: range i gets a NULL bitmap */
	int32_t kvm_ret;		/* out: 0 or -errno */
	struct vmc_msr_range ranges[VMC_MSR_FILTER_MAX_RANGES];
};

struct vmc_msr_filter_info {
	struct vmc_req_hdr hdr;
	uint32_t installed;	/* out: 1 if the last successful set had ranges */
	uint32_t filter_flags;	/* out: of the kept filter */
	uint32_t nranges;	/* out: ranges with nmsrs != 0 in the kept filter */
	uint32_t sets_ok;	/* out: SET_FILTER ioctls that returned 0 */
	uint32_t sets_failed;	/* out: ... that failed */
	uint32_t pad;
};

/* POLICY: how the harness answers RDMSR/WRMSR exits of one index */
#define VMC_MSRP_F_DEFAULT	(1u << 0)	/* the policy for indices without one */
#define VMC_MSRP_F_CLEAR	(1u << 1)	/* remove the policy of index (or the default) */
#define VMC_MSRP_F_CLEAR_ALL	(1u << 2)	/* remove every policy, restore built-ins */
#define VMC_MSRP_F_VALID	7u
enum {
	VMC_MSR_RD_REFUSE = 0,	/* error = 1: #GP */
	VMC_MSR_RD_FIXED,	/* data = value */
	VMC_MSR_RD_INDEX,	/* data = the MSR index */
	VMC_MSR_RD_STORED,	/* data = stored value (starts as value) */
	VMC_MSR_RD_MAX
};
enum {
	VMC_MSR_WR_REFUSE = 0,	/* error = 1: #GP */
	VMC_MSR_WR_ACCEPT_MASK,	/* accept (and drop) iff (data & ~wr_arg) == 0 */
	VMC_MSR_WR_ACCEPT_EQ,	/* accept (and drop) iff data == wr_arg */
	VMC_MSR_WR_STORE_MASK,	/* store iff (data & ~wr_arg) == 0, else #GP */
	VMC_MSR_WR_MAX
};
struct vmc_msr_policy {
	struct vmc_req_hdr hdr;
	uint32_t index;		/* in: MSR index (ignored with F_DEFAULT / F_CLEAR_ALL) */
	uint32_t flags;		/* in: VMC_MSRP_F_* */
	uint32_t rd;		/* in: VMC_MSR_RD_* */
	uint32_t wr;		/* in: VMC_MSR_WR_* */
	uint64_t value;		/* in */
	uint64_t wr_arg;	/* in */
};
/*
 * Built-in policy (present at start and after F_CLEAR_ALL):
 * MSR_KVM_MIGRATION_CONTROL 0x4b564d08: RD_STORED with reset value 1 (a guest
 * without encrypted memory), WR_STORE_MASK with mask 1 (bit 0
 * KVM_MIGRATION_READY; other bits #GP).  An index with no policy and no
 * default is refused (#GP).
 */
#define VMC_MSR_KVM_MIGRATION_CONTROL	0x4b564d08u

/*
 * COUNTERS: user-space MSR exits answered since the last reset.
 * rd[] / wr[]: [0] all, [1] reason INVAL, [2] UNKNOWN, [3] FILTER.
 */
#define VMC_MSRC_F_ALL		(1u << 0)	/* totals over every index */
#define VMC_MSRC_F_RESET	(1u << 1)	/* zero after reading (all of them with F_ALL) */
#define VMC_MSRC_F_VALID	3u
struct vmc_msr_counters {
	struct vmc_req_hdr hdr;
	uint32_t index;		/* in (ignored with F_ALL) */
	uint32_t flags;		/* in: VMC_MSRC_F_* */
	uint32_t rd[4];		/* out */
	uint32_t wr[4];		/* out */
	uint32_t rd_refused;	/* out: RDMSR exits answered with error = 1 */
	uint32_t wr_refused;	/* out */
	uint32_t odd_reason;	/* out: exits whose reason was not exactly one of 1/2/4 */
	uint32_t pad;
};

/* one MSR exit as the harness saw and answered it */
struct vmc_msr_exit {
	uint32_t exit_reason;	/* VMC_KVM_EXIT_X86_RDMSR / _WRMSR */
	uint32_t reason;	/* kvm_run.msr.reason */
	uint32_t index;		/* kvm_run.msr.index */
	uint8_t error_in;	/* kvm_run.msr.error at the exit (KVM writes 0) */
	uint8_t pad_nonzero;	/* 1 if kvm_run.msr.pad[] was not all zero */
	uint16_t vcpu;
	uint64_t data;		/* kvm_run.msr.data at the exit */
	uint64_t answer;	/* data handed back (RDMSR, error 0) */
	uint64_t rip;		/* guest RIP at the exit */
	uint32_t seq;		/* exit-log sequence number */
	uint8_t error_out;	/* error handed back (1 = #GP) */
	uint8_t pad2[3];
};

#define VMC_MSRL_F_RESET	(1u << 0)	/* forget the exits after reading them */
#define VMC_MSRL_RING		256		/* exits the harness remembers */
struct vmc_msr_last {
	struct vmc_req_hdr hdr;
	uint64_t buf;		/* in: GPA of max_entries struct vmc_msr_exit */
	uint32_t max_entries;	/* in */
	uint32_t flags;		/* in: VMC_MSRL_F_* */
	uint32_t count;		/* out: entries written, the latest ones, oldest first */
	uint32_t total;		/* out: MSR exits since the last reset */
};

#define VMC_MSR_ABI_ASSERT(t, n) _Static_assert(sizeof(t) == (n), #t " size is ABI")
VMC_MSR_ABI_ASSERT(struct vmc_msr_enable_cap, 40);
VMC_MSR_ABI_ASSERT(struct vmc_msr_range, 24);
VMC_MSR_ABI_ASSERT(struct vmc_msr_set_filter, 32 + 16 * 24);
VMC_MSR_ABI_ASSERT(struct vmc_msr_filter_info, 40);
VMC_MSR_ABI_ASSERT(struct vmc_msr_policy, 48);
VMC_MSR_ABI_ASSERT(struct vmc_msr_counters, 72);
VMC_MSR_ABI_ASSERT(struct vmc_msr_exit, 48);
VMC_MSR_ABI_ASSERT(struct vmc_msr_last, 40);

#endif
