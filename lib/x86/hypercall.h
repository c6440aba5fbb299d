/*
 * vmconform x86 guest library: KVM hypercalls and the harness's hypercall
 * family (lib/hypercall-abi.h, docs/channel.md).
 *
 * Guest ABI (specs/kvm-x86.md §B.2): nr in RAX, a0..a3 in RBX, RCX, RDX,
 * RSI, the result in RAX.  VMCALL (0f 01 c1) is Intel's instruction, VMMCALL
 * (0f 01 d9) AMD's; binutils knows both mnemonics.  Never execute either on a
 * kvm_pvm host: there it does not return (specs/kvm-x86.md §E.3).
 *
 * kvm_hypercall() is the one hypercall helper: one instruction site per
 * vendor (hc_site_vmcall / hc_site_vmmcall, so a test can see KVM's
 * wrong-vendor fix-up rewrite it), from CPL 0 in 64-bit mode, from a 32-bit
 * compatibility-mode code segment, or from CPL 3.
 */
#ifndef VMC_X86_HYPERCALL_H
#define VMC_X86_HYPERCALL_H

#include <stdbool.h>
#include <stdint.h>

#include "channel.h"
#include "hypercall-abi.h"

enum hc_insn { HC_VMCALL, HC_VMMCALL };
enum hc_mode { HC_LONG, HC_COMPAT32, HC_USER };

struct hc_result {
	uint64_t ret;		/* RAX afterwards (64-bit view) */
	uint64_t at;		/* address of the hypercall instruction */
	int vector;		/* exception at the instruction, -1 for none */
};

/* the two instruction sites of HC_LONG (3 bytes each) */
extern uint8_t hc_site_vmcall[], hc_site_vmmcall[];

/*
 * nr, a0..a2 as 64-bit register values (HC_COMPAT32 loads them in 64-bit
 * mode and does not touch them in 32-bit code, so upper halves reach KVM).
 * HC_USER needs CPU 0 and borrows the GDT slot of CPU 63's TSS.
 */
struct hc_result kvm_hypercall(enum hc_insn insn, enum hc_mode mode, uint64_t nr, uint64_t a0,
			       uint64_t a1, uint64_t a2);

/* the host's own instruction from HELLO's flavor: VMCALL on kvm_intel */
static inline enum hc_insn hc_native(uint32_t flavor)
{
	return flavor == VMC_FLAVOR_KVM_INTEL ? HC_VMCALL : HC_VMMCALL;
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

/*
 * HC_MAP_READ for npages (<= 256) pages from gpa into state[]; returns
 * hdr.ret, *encrypted = encrypted pages among them.
 */
#define HC_MAP_CHUNK	256
int harness_hc_map_read(uint64_t gpa, uint32_t npages, uint8_t *state, uint32_t *encrypted);
/* HC_QUIRKS: KVM_ENABLE_CAP(DISABLE_QUIRKS2, disable); *kvm_ret, *supported */
int harness_hc_quirks(uint64_t disable, int *kvm_ret, int64_t *supported);
/* HC_PV_CPUID into *out */
int harness_hc_pv_cpuid(struct vmc_hc_pv_cpuid *out);

#endif
