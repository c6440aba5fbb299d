/*
 * Guest client of the harness's coalesced I/O (0x05), exception injection
 * (0x06) and memslot (0x07) families (lib/{coalesced,exception,memslot}-abi.h,
 * docs/channel.md).  Every call returns the channel's hdr.ret (>= 0,
 * -VMC_E* from the harness, -VMC_ENODEV without a harness); calls that make
 * an ioctl store its 0 / -errno in *kvm_ret (or in the struct they fill).
 */
#ifndef VMC_X86_KVM420_H
#define VMC_X86_KVM420_H

#include <stdbool.h>
#include <stdint.h>
#include "channel.h"
#include "coalesced-abi.h"
#include "exception-abi.h"
#include "memslot-abi.h"

/* harness present and HELLO has feature bit feat; *why = SKIP reason if not */
bool k420_available(uint64_t feat, const char **why);

/* KVM_(UN)REGISTER_COALESCED_MMIO */
int coal_zone(uint32_t action, bool pio, uint64_t addr, uint32_t size, int *kvm_ret);
int coal_info(struct vmc_coal_info *out);

/* KVM_ENABLE_CAP(EXCEPTION_PAYLOAD, enable) */
int exc_cap(bool enable, int *kvm_ret);
/* SET_VCPU_EVENTS with *set (then GET into req->got); the whole request in *req */
int exc_inject(const struct vmc_exc_state *set, uint32_t inject_flags,
	       struct vmc_exc_inject *req);
int exc_get(struct vmc_exc_state *out, int *get_ret);

int slot_set(uint32_t slot, uint32_t flags, uint64_t gpa, uint64_t size, uint32_t backing,
	     uint32_t offset, int *kvm_ret);
/* the same in the VM vm names (VMC_SLOT_VM_GUEST / _SCRATCH; raw, unchecked) */
int slot_set_in(uint32_t vm, uint32_t slot, uint32_t flags, uint64_t gpa, uint64_t size,
		uint32_t backing, uint32_t offset, int *kvm_ret);
int slot_fill(uint32_t backing, uint64_t pattern);
int slot_many(uint32_t action, uint32_t first, uint32_t count, uint64_t gpa,
	      uint32_t *done, int *kvm_ret);
int slot_info(struct vmc_slot_info *out);

#endif
