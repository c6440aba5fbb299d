/*
 * vmconform channel, memslot family (0x07): the wire format shared by the
 * guest (lib/x86/kvm420.h) and the harness (harness/ops-memslot.c).
 * Contract: docs/channel.md, "Memslots".
 *
 * The guest describes KVM_SET_USER_MEMORY_REGION calls; the harness backs
 * them with its own buffers (never guest-chosen host addresses) and passes
 * slot, flags, GPA and size to KVM unchanged, so KVM's validation is what
 * the guest sees.  Slot 0 of address space 0 of the guest's VM is its RAM
 * and cannot be changed (-VMC_EPERM).
 *
 * The scratch VM: a second VM the harness creates on first use (KVM_CREATE_VM
 * with the guest VM's type) for checks that need many slots (the slot limit)
 * but no vCPU.  It is harness-side test apparatus, not guest state: its slots
 * are not kept, a migration neither re-creates nor drops it, --save does not
 * carry it, and it is destroyed by SLOT_MANY DESTROY or at the latest when the
 * harness exits.  Every slot id, 0 included, is the guest's to use there.
 */
#ifndef VMC_MEMSLOT_ABI_H
#define VMC_MEMSLOT_ABI_H

#include <stdint.h>

#include "channel-abi.h"

#define VMC_FAM_MEMSLOT		0x07
#define VMC_OP_SLOT_SET		0x0701	/* one KVM_SET_USER_MEMORY_REGION */
#define VMC_OP_SLOT_FILL	0x0702	/* fill a backing buffer */
#define VMC_OP_SLOT_MANY	0x0703	/* create / delete a run of 1-page slots */
#define VMC_OP_SLOT_INFO	0x0704	/* caps and host MMU facts */

#define VMC_KVM_CAP_NR_MEMSLOTS		10
#define VMC_KVM_CAP_MULTI_ADDRESS_SPACE	118
#define VMC_KVM_MEM_LOG_DIRTY_PAGES	(1u << 0)
#define VMC_KVM_MEM_READONLY		(1u << 1)

/* backing buffers: 4 of 2 MiB each, zero until filled */
#define VMC_SLOT_BACKINGS	4
#define VMC_SLOT_BACKING_SIZE	(2u << 20)
/*
 * GPAs in [VMC_SLOT_WINDOW, + VMC_SLOT_WINDOW_SIZE) that no slot backs are
 * claimed by the family when the guest touches them (MMIO exit): the exit
 * is recorded, reads return all-ones, writes are dropped.
 */
#define VMC_SLOT_WINDOW		0x80000000ull
#define VMC_SLOT_WINDOW_SIZE	0x40000000ull

/*
 * SLOT_SET: slot (as_id << 16 | id, raw), flags (raw), gpa, size (0 =
 * delete) backed by backing[backing] at offset (both checked against the
 * buffer; the ioctl is made only then) in the VM vm selects (0 the guest's,
 * 1 the scratch VM, created here if there is none; other values -VMC_EINVAL).
 * ret 0 / -VMC_E*; kvm_ret = 0 or -errno of the ioctl.  A scratch VM KVM
 * refuses to create: -VMC_EOPNOTSUPP, kvm_ret = -errno of KVM_CREATE_VM.
 */
#define VMC_SLOT_VM_GUEST	0
#define VMC_SLOT_VM_SCRATCH	1
struct vmc_slot_set {
	struct vmc_req_hdr hdr;
	uint32_t slot;		/* in */
	uint32_t flags;		/* in */
	uint64_t gpa;		/* in */
	uint64_t size;		/* in */
	uint32_t backing;	/* in: 0 .. VMC_SLOT_BACKINGS-1 */
	uint32_t offset;	/* in: bytes into the backing, page aligned */
	int32_t kvm_ret;	/* out */
	uint32_t vm;		/* in: VMC_SLOT_VM_* */
};

/* SLOT_FILL: every 8 bytes of backing[backing] = pattern + index of the word */
struct vmc_slot_fill {
	struct vmc_req_hdr hdr;
	uint32_t backing;	/* in */
	uint32_t pad;
	uint64_t pattern;	/* in */
};

/*
 * SLOT_MANY: for i in [0, count): slot first + i at gpa + i * 4096, one page
 * each, all backed by the first page of backing 0 (create), or size 0
 * (delete).  Stops at the first failing ioctl: done = slots handled,
 * kvm_ret = that ioctl's -errno (0 if none failed).  count <= 65536.
 * CREATE / DELETE work on the guest's VM (first >= 1), SCRATCH_CREATE on the
 * scratch VM (first may be 0; created if there is none, see SLOT_SET).
 * SCRATCH_DESTROY closes the scratch VM (first, count, gpa must be 0):
 * done = slots it held then (0 if there was none), kvm_ret = 0.
 */
#define VMC_SLOT_MANY_CREATE		1
#define VMC_SLOT_MANY_DELETE		2
#define VMC_SLOT_MANY_SCRATCH_CREATE	3
#define VMC_SLOT_MANY_SCRATCH_DESTROY	4
struct vmc_slot_many {
	struct vmc_req_hdr hdr;
	uint32_t action;	/* in */
	uint32_t first;		/* in: first slot id (address space 0) */
	uint32_t count;		/* in */
	uint32_t done;		/* out */
	uint64_t gpa;		/* in */
	int32_t kvm_ret;	/* out */
	uint32_t pad;
};

/*
 * SLOT_INFO: caps on the VM fd and what decides the top of the GPA space
 * (x86 kvm_mmu_max_gfn(): host MAXPHYADDR with TDP, 52 bits without).
 * tdp = 1 if /sys/module/kvm_intel/parameters/ept or kvm_amd/npt is on,
 * 0 for the other modules (kvm_pvm shadows the guest's page tables).
 */
struct vmc_slot_info {
	struct vmc_req_hdr hdr;
	int32_t nr_memslots;	/* out: KVM_CHECK_EXTENSION(10) */
	int32_t multi_as;	/* out: KVM_CHECK_EXTENSION(118) */
	uint32_t tdp;		/* out */
	uint32_t slots;		/* out: slots the family holds now in the guest's VM */
};

_Static_assert(sizeof(struct vmc_slot_set) == 56, "struct vmc_slot_set size is ABI");
_Static_assert(sizeof(struct vmc_slot_fill) == 32, "struct vmc_slot_fill size is ABI");
_Static_assert(sizeof(struct vmc_slot_many) == 48, "struct vmc_slot_many size is ABI");
_Static_assert(sizeof(struct vmc_slot_info) == 32, "struct vmc_slot_info size is ABI");

#endif
