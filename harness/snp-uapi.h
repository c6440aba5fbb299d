/*
 * SEV/SNP and guest_memfd UAPI newer than Debian 12's 6.1 headers (upstream
 * 6.12 values: include/uapi/linux/kvm.h, arch/x86/include/uapi/asm/kvm.h),
 * for ops-snp.c (the launch-API probes) and snp-vm.c (the SNP VMM).
 */
#ifndef HARNESS_SNP_UAPI_H
#define HARNESS_SNP_UAPI_H

#include "kvm-compat.h"

#ifndef KVM_CREATE_GUEST_MEMFD
struct kvm_create_guest_memfd {
	__u64 size;
	__u64 flags;
	__u64 reserved[6];
};
#define KVM_CREATE_GUEST_MEMFD	_IOWR(KVMIO, 0xd4, struct kvm_create_guest_memfd)
#endif
#ifndef KVM_SET_USER_MEMORY_REGION2
struct kvm_userspace_memory_region2 {
	__u32 slot;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size;
	__u64 userspace_addr;
	__u64 guest_memfd_offset;
	__u32 guest_memfd;
	__u32 pad1;
	__u64 pad2[14];
};
#define KVM_SET_USER_MEMORY_REGION2 _IOW(KVMIO, 0x49, struct kvm_userspace_memory_region2)
#endif
#ifndef KVM_MEM_GUEST_MEMFD
#define KVM_MEM_GUEST_MEMFD	(1UL << 2)
#endif
#ifndef KVM_MEMORY_EXIT_FLAG_PRIVATE
#define KVM_MEMORY_EXIT_FLAG_PRIVATE	(1ULL << 3)
#endif
#define SNP_HC_MAP_GPA_RANGE	12	/* KVM_HC_MAP_GPA_RANGE */
#define SNP_MAP_GPA_ENCRYPTED	(1ull << 4)
#define SNP_MAP_GPA_PAGE_SZ_2M	(1ull << 0)

/* SEV commands (enum sev_cmd_id) and their structs */
#define SNP_CMD_INIT2		22
#define SNP_CMD_LAUNCH_START	100
#define SNP_CMD_LAUNCH_UPDATE	101
#define SNP_CMD_LAUNCH_FINISH	102
struct snp_sev_cmd { __u32 id, pad0; __u64 data; __u32 error, sev_fd; };
struct snp_sev_init { __u64 vmsa_features; __u32 flags; __u16 ghcb_version, pad1; __u32 pad2[8]; };
struct snp_launch_start { __u64 policy; __u8 gosvw[16]; __u16 flags; __u8 pad0[6]; __u64 pad1[4]; };
struct snp_launch_update {
	__u64 gfn_start, uaddr, len;
	__u8 type, pad0;
	__u16 flags;
	__u32 pad1;
	__u64 pad2[4];
};
struct snp_launch_finish {
	__u64 id_block_uaddr, id_auth_uaddr;
	__u8 id_block_en, auth_key_en, vcek_disabled, host_data[32], pad0[3];
	__u16 flags;
	__u64 pad1[4];
};
_Static_assert(sizeof(struct snp_sev_cmd) == 24, "kvm_sev_cmd");
_Static_assert(sizeof(struct snp_sev_init) == 48, "kvm_sev_init");
_Static_assert(sizeof(struct snp_launch_start) == 64, "kvm_sev_snp_launch_start");
_Static_assert(sizeof(struct snp_launch_update) == 64, "kvm_sev_snp_launch_update");
_Static_assert(sizeof(struct snp_launch_finish) == 88, "kvm_sev_snp_launch_finish");

#define SNP_POLICY_DEFAULT	0x30000ull	/* bit 17 must be one, bit 16 SMT allowed */
#define SEV_RET_INVALID_PARAM	0x16

#endif
