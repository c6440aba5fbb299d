/*
 * vmconform channel family 0x08: SEV/SNP launch API (issue 13).  Shared by
 * the guest (x86/snp.c) and the harness (harness/ops-snp.c); kept out of
 * channel-abi.h so the family is one self-contained pair of files.  The
 * harness only runs the ioctls and reports their raw results (return value
 * or -errno); the guest test decides what is right from the documented
 * rules (specs/kvm-x86.md §B.5, §C.5; docs/snp.md), never from the harness.
 * An older harness answers these ops with -VMC_ENOSYS.
 */
#ifndef VMC_SNP_ABI_H
#define VMC_SNP_ABI_H

#include <stdint.h>
#include "channel-abi.h"

#define VMC_FAM_SNP		0x08	/* harness/ops-snp.c */
#define VMC_OP_SNP_PROBE	0x0801	/* launch-API negative probes, any KVM host */
#define VMC_OP_SNP_LAUNCH	0x0802	/* SNP launch positive paths (SNP hosts only) */

#define VMC_SNP_NTYPES		8	/* KVM_CREATE_VM types probed: 0..7 */
#define VMC_SNP_PARAM_ABSENT	2	/* module parameter file missing */

/* kvm_amd parameter states (/sys/module/kvm_amd/parameters/{sev,sev_es,sev_snp}) */
struct vmc_snp_probe {
	struct vmc_req_hdr hdr;
	uint32_t kernel_major;		/* out: uname release, e.g. 6 */
	uint32_t kernel_minor;		/* out: e.g. 12 */
	int64_t vm_types;		/* out: CHECK_EXTENSION(KVM_CAP_VM_TYPES) on /dev/kvm */
	int32_t create_vm[VMC_SNP_NTYPES];	/* out: KVM_CREATE_VM(t): 0 (fd made) or -errno */
	int32_t enc_op;			/* out: KVM_MEMORY_ENCRYPT_OP(SNP_LAUNCH_START) on a default VM */
	uint32_t enc_op_fw_error;	/* out: kvm_sev_cmd.error after it */
	int32_t gmem_cap_sys;		/* out: CHECK_EXTENSION(KVM_CAP_GUEST_MEMFD), /dev/kvm */
	int32_t gmem_cap_vm;		/* out: same on a default VM fd */
	int32_t gmem_create;		/* out: KVM_CREATE_GUEST_MEMFD(4 KiB) on a default VM */
	int32_t gmem_bad_flags;		/* out: same with flags = 1<<31 (never valid) */
	int32_t gmem_bind;		/* out: KVM_SET_USER_MEMORY_REGION2 with KVM_MEM_GUEST_MEMFD on it */
	int32_t mem_attr_cap_vm;	/* out: CHECK_EXTENSION(KVM_CAP_MEMORY_ATTRIBUTES), default VM */
	uint32_t param_sev, param_sev_es, param_sev_snp;	/* out: 0 N, 1 Y, 2 absent */
	uint32_t pad;
};

/* SNP launch positive paths: one step each, raw results */
#define VMC_SNP_PT_NORMAL	1
#define VMC_SNP_PT_ZERO		3
#define VMC_SNP_PT_UNMEASURED	4
#define VMC_SNP_PT_SECRETS	5
#define VMC_SNP_PT_CPUID	6
#define VMC_SNP_NPT		5	/* the page types above, in that order */
struct vmc_snp_launch {
	struct vmc_req_hdr hdr;
	int32_t create_vm;		/* out: KVM_CREATE_VM(KVM_X86_SNP_VM) */
	int32_t init2;			/* out: KVM_SEV_INIT2 */
	int32_t gmem;			/* out: KVM_CREATE_GUEST_MEMFD */
	int32_t memslot;		/* out: KVM_SET_USER_MEMORY_REGION2 */
	int32_t attrs;			/* out: KVM_SET_MEMORY_ATTRIBUTES(PRIVATE) */
	int32_t start;			/* out: KVM_SEV_SNP_LAUNCH_START */
	int32_t update[VMC_SNP_NPT];	/* out: LAUNCH_UPDATE of one page per type */
	uint32_t update_fw[VMC_SNP_NPT];	/* out: firmware error of each */
	uint64_t update_left[VMC_SNP_NPT];	/* out: len left after each (until 0) */
	/* partial-progress contract over a 64-page NORMAL range */
	int32_t big_ret;		/* out: last LAUNCH_UPDATE return */
	uint32_t big_calls;		/* out: calls needed */
	uint32_t big_consistent;	/* out: 1 if every call kept gfn/uaddr/len in step */
	uint32_t pad0;
	/* CPUID page with a bad entry */
	int32_t bad_cpuid_ret;		/* out: LAUNCH_UPDATE return */
	uint32_t bad_cpuid_fw;		/* out: firmware error (SEV_RET_INVALID_PARAM 0x16) */
	uint32_t bad_cpuid_changed;	/* out: 1 if the buffer at uaddr was rewritten */
	uint32_t bad_cpuid_fixed;	/* out: 1 if the bad entry now holds another value */
	int32_t vcpu;			/* out: KVM_CREATE_VCPU */
	int32_t finish;			/* out: KVM_SEV_SNP_LAUNCH_FINISH */
	uint32_t finish_fw;		/* out */
	uint32_t pad1;
};

/*
 * vmc-harness --vm-type=snp (harness/snp-vm.c): the harness itself is the
 * SNP guest's VMM.  HELLO sets VMC_FEAT_SNP_VM; these two ops answer
 * -VMC_EOPNOTSUPP in any other VM.
 *
 * SNP_PSC_LOG: the KVM_EXIT_HYPERCALL(KVM_HC_MAP_GPA_RANGE) exits the
 * harness served (specs/kvm-x86.md §C.4), numbered from 0; returns entry
 * `index` with all three arguments as KVM gave them and the ret the harness
 * answered (the exit log holds the same exits: reason 3, index 12, data =
 * args[0]).  -VMC_EINVAL when index >= total or it fell out of the ring.
 */
#define VMC_OP_SNP_PSC_LOG	0x0803
#define VMC_OP_SNP_SHARED_READ	0x0804
#define VMC_FEAT_SNP_VM		(1ull << 32)	/* the guest runs as an SNP guest of this harness */
#define VMC_SNP_PSC_RING	64
struct vmc_snp_psc_rec {
	uint64_t gpa;			/* args[0] */
	uint64_t npages;		/* args[1] */
	uint64_t attrs;			/* args[2]: MAP_GPA_RANGE_ENCRYPTED (0x10) | PAGE_SZ_2M (1) */
	uint64_t ret;			/* what the harness answered (0: attributes flipped) */
	uint32_t vcpu_exits;		/* that vCPU's exit count at this exit (low 32 bits) */
	uint32_t vcpu;
};
struct vmc_snp_psc_log {
	struct vmc_req_hdr hdr;
	uint32_t index;			/* in */
	uint32_t total;			/* out: exits served so far */
	struct vmc_snp_psc_rec rec;	/* out */
};
/*
 * SNP_SHARED_READ: len (1..VMC_SNP_READ_MAX) bytes of the host's (shared)
 * view of guest memory at gpa, into data.  Only where every page of the
 * range is shared, i.e. KVM_MEMORY_ATTRIBUTE_PRIVATE clear (-VMC_EPERM
 * otherwise: the host cannot see private memory); -VMC_EFAULT outside RAM.
 */
#define VMC_SNP_READ_MAX	256
struct vmc_snp_shared_read {
	struct vmc_req_hdr hdr;
	uint64_t gpa;			/* in */
	uint32_t len;			/* in */
	uint32_t pad;			/* in: 0 */
	uint8_t data[VMC_SNP_READ_MAX];	/* out */
};

VMC_ABI_ASSERT(struct vmc_snp_probe, 112);
VMC_ABI_ASSERT(struct vmc_snp_launch, 168);
VMC_ABI_ASSERT(struct vmc_snp_psc_log, 64);
VMC_ABI_ASSERT(struct vmc_snp_shared_read, 288);

#endif
