/*
 * vmconform channel, exception injection family (0x06): the wire format
 * shared by the guest (lib/x86/kvm420.h) and the harness
 * (harness/ops-exception.c).  Contract: docs/channel.md, "Exception
 * injection".
 *
 * KVM side (specs/kvm-x86.md §D.2): KVM_CAP_EXCEPTION_PAYLOAD (164) makes
 * KVM_GET/SET_VCPU_EVENTS report pending and injected exceptions apart and
 * carry a payload (#PF: CR2, #DB: DR6 bits) that is applied only when the
 * exception is delivered.
 */
#ifndef VMC_EXCEPTION_ABI_H
#define VMC_EXCEPTION_ABI_H

#include <stdint.h>

#include "channel-abi.h"

#define VMC_FAM_EXCEPTION	0x06
#define VMC_OP_EXC_CAP		0x0601	/* KVM_ENABLE_CAP(EXCEPTION_PAYLOAD) */
#define VMC_OP_EXC_INJECT	0x0602	/* KVM_SET_VCPU_EVENTS, then GET */
#define VMC_OP_EXC_GET		0x0603	/* KVM_GET_VCPU_EVENTS */

#define VMC_KVM_CAP_EXCEPTION_PAYLOAD	164
/* kvm_vcpu_events.flags */
#define VMC_VCPUEVENT_VALID_NMI_PENDING	0x01
#define VMC_VCPUEVENT_VALID_SIPI_VECTOR	0x02
#define VMC_VCPUEVENT_VALID_SHADOW	0x04
#define VMC_VCPUEVENT_VALID_SMM		0x08
#define VMC_VCPUEVENT_VALID_PAYLOAD	0x10
#define VMC_VCPUEVENT_VALID_TRIPLE_FAULT 0x20

/* the exception part of struct kvm_vcpu_events, field for field */
struct vmc_exc_state {
	uint32_t flags;		/* kvm_vcpu_events.flags */
	uint8_t injected, nr, has_error_code, pending;
	uint32_t error_code;
	uint8_t has_payload;	/* exception_has_payload */
	uint8_t pad[3];
	uint64_t payload;	/* exception_payload */
};

/*
 * EXC_CAP: KVM_ENABLE_CAP(164, args[0] = enable) on the VM; kept for a
 * migration.  ret 0; kvm_ret = 0 or -errno.
 */
struct vmc_exc_cap {
	struct vmc_req_hdr hdr;
	uint32_t enable;	/* in */
	int32_t kvm_ret;	/* out */
};

/*
 * EXC_INJECT: GET_VCPU_EVENTS of the calling vCPU, replace flags and every
 * exception field with `set` (raw: invalid combinations reach KVM), SET;
 * KVM delivers what it accepted when the vCPU next enters, i.e. right after
 * this request.  Then GET again into `got`.  F_MIGRATE: after the SET,
 * migrate the VM (VMC_OP_MIGRATE machinery) before the vCPU re-enters;
 * -VMC_EOPNOTSUPP when the harness has no migration.
 * ret 0 (-VMC_EINVAL for unknown inject_flags or pad); set_ret = SET's
 * 0 / -errno; get_ret = the second GET's.
 */
#define VMC_EXC_F_MIGRATE	(1u << 0)
struct vmc_exc_inject {
	struct vmc_req_hdr hdr;
	uint32_t inject_flags;	/* in: VMC_EXC_F_* */
	int32_t set_ret;	/* out */
	struct vmc_exc_state set;	/* in */
	int32_t get_ret;	/* out */
	uint32_t pad;
	struct vmc_exc_state got;	/* out */
};

/* EXC_GET: KVM_GET_VCPU_EVENTS of the calling vCPU; ret 0, get_ret 0 / -errno */
struct vmc_exc_get {
	struct vmc_req_hdr hdr;
	int32_t get_ret;	/* out */
	uint32_t pad;
	struct vmc_exc_state got;	/* out */
};

_Static_assert(sizeof(struct vmc_exc_state) == 24, "struct vmc_exc_state size is ABI");
_Static_assert(sizeof(struct vmc_exc_cap) == 24, "struct vmc_exc_cap size is ABI");
_Static_assert(sizeof(struct vmc_exc_inject) == 80, "struct vmc_exc_inject size is ABI");
_Static_assert(sizeof(struct vmc_exc_get) == 48, "struct vmc_exc_get size is ABI");

#endif
