/*
 * vmconform x86 guest library: KVM hypercalls and the harness's hypercall
 * family (lib/hypercall-abi.h, docs/channel.md).
 *
 * Guest ABI (specs/kvm-x86.md §B.2): nr in RAX, a0..a3 in RBX, RCX, RDX,
 * RSI, the result in RAX.  VMCALL (0f 01 c1) is Intel's instruction, VMMCALL
 * (0f 01 d9) AMD's; binutils knows both mnemonics.  Never execute either on a
 * kvm_pvm host: there it does not return (specs/kvm-x86.md §E.3).
 */
#ifndef VMC_X86_HYPERCALL_H
#define VMC_X86_HYPERCALL_H

#include <stdint.h>

#include "channel.h"
#include "hypercall-abi.h"

static inline uint64_t kvm_vmmcall3(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	uint64_t ret;

	asm volatile("vmmcall" : "=a"(ret) : "a"(nr), "b"(a0), "c"(a1), "d"(a2) : "memory");
	return ret;
}

static inline uint64_t kvm_vmcall3(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	uint64_t ret;

	asm volatile("vmcall" : "=a"(ret) : "a"(nr), "b"(a0), "c"(a1), "d"(a2) : "memory");
	return ret;
}

/*
 * The host's own hypercall instruction: VMCALL on kvm_intel, VMMCALL
 * otherwise (so that KVM's fix-up quirk is not what the check relies on).
 */
static inline uint64_t kvm_hypercall3(bool intel, uint64_t nr, uint64_t a0, uint64_t a1,
				      uint64_t a2)
{
	return intel ? kvm_vmcall3(nr, a0, a1, a2) : kvm_vmmcall3(nr, a0, a1, a2);
}

/* HC_CONFIG: exits for the hypercalls in mask, answered with answer */
static inline int harness_hc_config(uint64_t mask, uint64_t answer, int64_t *supported)
{
	struct vmc_hc_config c = {
		.hdr = { .argsz = sizeof(c), .op = VMC_OP_HC_CONFIG },
		.mask = mask,
		.answer = answer,
		.supported = -1,
	};
	int r = harness_call(&c);

	if (supported)
		*supported = c.supported;
	return r;
}

/* HC_READ: exit number index since HC_CONFIG into *rec; *total = how many */
static inline int harness_hc_read(uint32_t index, struct vmc_hc_rec *rec, uint32_t *total)
{
	struct vmc_hc_read r = {
		.hdr = { .argsz = sizeof(r), .op = VMC_OP_HC_READ },
		.index = index,
		.total = ~0u,
	};
	int ret = harness_call(&r);

	if (rec)
		*rec = r.rec;
	if (total)
		*total = r.total;
	return ret;
}

#endif
