/*
 * vmconform channel, coalesced I/O family (0x05): the wire format shared by
 * the guest (lib/x86/kvm420.h) and the harness (harness/ops-coalesced.c).
 * Contract: docs/channel.md, "Coalesced PIO/MMIO".
 *
 * KVM side (specs/kvm-x86.md §D.1): KVM_REGISTER_COALESCED_MMIO with
 * {addr, size, pio}; writes inside a zone are appended to the one ring of
 * the VM (vCPU fd page KVM_CAP_COALESCED_MMIO) instead of exiting.  The
 * harness drains the ring before it handles any other exit and records each
 * entry in the exit log as a VMC_EXIT_COALESCED record (channel-abi.h), so
 * EXIT_READ with F_REASON VMC_EXIT_COALESCED reads them back in KVM's order.
 */
#ifndef VMC_COALESCED_ABI_H
#define VMC_COALESCED_ABI_H

#include <stdint.h>

#include "channel-abi.h"

#define VMC_FAM_COALESCED	0x05
#define VMC_OP_COAL_ZONE	0x0501	/* register / unregister a zone */
#define VMC_OP_COAL_INFO	0x0502	/* ring facts and harness counters */

#define VMC_KVM_CAP_COALESCED_MMIO	15
#define VMC_KVM_CAP_COALESCED_PIO	162
#define VMC_KVM_EXIT_IO			2
#define VMC_KVM_EXIT_MMIO		6
/* ring slots: (4096 - 8) / 24; one is always left free (coalesced_mmio.c) */
#define VMC_COALESCED_RING_SLOTS	170

/*
 * COAL_ZONE: KVM_(UN)REGISTER_COALESCED_MMIO(addr, size, pio) on the VM.
 * The fields go to KVM unchanged (its validation is under test), except
 * that a PIO zone over the harness's own ports (0xf4, 0xf8, 0xf9, COM1) is
 * refused with -VMC_EPERM and at most 16 zones are kept (-VMC_ENOSPC).
 * Ordinary exits that touch any zone registered so far are claimed by the
 * family: OUT / MMIO writes are recorded and dropped, IN / MMIO reads
 * return VMC_COALESCED_READ_VALUE (all bytes 0xa5).
 * ret: 0 when the harness made the ioctl; kvm_ret = 0 or -errno.
 */
#define VMC_COAL_REGISTER	1
#define VMC_COAL_UNREGISTER	2
#define VMC_COALESCED_READ_VALUE	0xa5a5a5a5a5a5a5a5ull
struct vmc_coal_zone {
	struct vmc_req_hdr hdr;
	uint32_t action;	/* in: VMC_COAL_REGISTER / _UNREGISTER */
	uint32_t pio;		/* in: 1 = port zone, 0 = MMIO */
	uint64_t addr;		/* in: first port / GPA */
	uint32_t size;		/* in: bytes / ports */
	int32_t kvm_ret;	/* out */
};

/*
 * COAL_INFO: page offset KVM reported (cap 15 on the VM fd), whether the
 * ring is mapped, entries drained so far, zones registered now.
 */
struct vmc_coal_info {
	struct vmc_req_hdr hdr;
	int32_t page_offset;	/* out: KVM_CHECK_EXTENSION(15) */
	uint32_t mapped;	/* out: 1 = the ring is mapped */
	uint64_t drained;	/* out: ring entries recorded since the start */
	uint32_t zones;		/* out: registered now */
	uint32_t pad;
};

_Static_assert(sizeof(struct vmc_coal_zone) == 40, "struct vmc_coal_zone size is ABI");
_Static_assert(sizeof(struct vmc_coal_info) == 40, "struct vmc_coal_info size is ABI");

#endif
