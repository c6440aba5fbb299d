/*
 * The one hypercall helper (hypercall.h) and the hypercall-family clients.
 *
 * HC_COMPAT32: the registers are loaded in 64-bit mode, then LRETQ to the
 * 32-bit code segment KERNEL_CS32, where only the hypercall runs; a 32-bit
 * LRET returns to KERNEL_CS.  Everything involved (code, stack) is below
 * 4 GiB.  HC_USER: IRETQ to the library's DPL-3 code segment USER_CS
 * (processor.h; the identity map has the U bit on every level, cstart64.S);
 * after the hypercall a HLT (#GP at CPL 3) comes back to CPL 0 through the
 * #GP handler below, which puts the saved kernel RIP/RSP into the frame.
 * TSS.RSP0 points at a stack of its own meanwhile.  Both modes restore what
 * they changed (the IRETQ to CPL 3 nulls DS and ES, and FS/GS if they hold
 * a DPL-0 selector).
 */
#include "vmc.h"
#include "processor.h"
#include "desc.h"
#include "hypercall.h"

static uint8_t user_stack[4096] __attribute__((aligned(16)));
static uint8_t rsp0_stack[4096] __attribute__((aligned(16)));
static volatile uint64_t kernel_rsp, kernel_resume;

static void user_gp(struct ex_regs *r)
{
	r->rip = kernel_resume;
	r->cs = KERNEL_CS;
	r->ss = KERNEL_DS;
	r->rsp = kernel_rsp;
}

/*
 * The call sites, one per instruction (VMCALL 0f 01 c1, VMMCALL 0f 01 d9):
 * the same code around a different hypercall instruction.  RAX = nr in,
 * result out; RBX, RCX, RDX = a0..a2.
 */
#define HC_LONG_ASM(site, insn)							\
	asm volatile(".globl " #site "\n\t" #site ":\n\t" FAULT_INSN(insn)	\
		     : "+a"(ret) : "b"(a0), "c"(a1), "d"(a2) : "memory")

/* LRETQ to KERNEL_CS32, the hypercall in 32-bit code, LRET back to KERNEL_CS */
#define HC_COMPAT32_ASM(insn)							\
	asm volatile("pushq $%c[cs32]\n\t"					\
		     "leaq 1f(%%rip), %[at]\n\t"				\
		     "pushq %[at]\n\t"					\
		     "lretq\n\t"						\
		     ".code32\n"						\
		     "1: " insn "\n\t"					\
		     "pushl $%c[cs64]\n\t"					\
		     "pushl $2f\n\t"						\
		     "lret\n\t"						\
		     ".code64\n"						\
		     "2:\n\t"							\
		     : "+a"(ret), [at] "=&r"(at)				\
		     : "b"(a0), "c"(a1), "d"(a2), [cs32] "i"(KERNEL_CS32),	\
		       [cs64] "i"(KERNEL_CS)					\
		     : "memory")

/* IRETQ to CPL 3, the hypercall, HLT (#GP at CPL 3: user_gp resumes at 3:) */
#define HC_USER_ASM(insn)							\
	asm volatile("leaq 3f(%%rip), %%r8\n\t"				\
		     "movq %%r8, kernel_resume(%%rip)\n\t"			\
		     "movq %%rsp, kernel_rsp(%%rip)\n\t"			\
		     "pushq %[uds]\n\t"					\
		     "pushq %[ustk]\n\t"					\
		     "pushq $2\n\t"						\
		     "pushq %[ucs]\n\t"					\
		     "leaq 1f(%%rip), %[at]\n\t"				\
		     "pushq %[at]\n\t"					\
		     "iretq\n"							\
		     "1: " insn "\n\t"					\
		     "hlt\n"							\
		     "3:\n\t"							\
		     : "+a"(ret), [at] "=&r"(at)				\
		     : "b"(a0), "c"(a1), "d"(a2), [uds] "i"(USER_DS),		\
		       [ucs] "i"(USER_CS),					\
		       [ustk] "r"((uintptr_t)user_stack + sizeof(user_stack))	\
		     : "r8", "memory")

struct hc_result kvm_hypercall(enum hc_insn insn, enum hc_mode mode, uint64_t nr, uint64_t a0,
			       uint64_t a1, uint64_t a2)
{
	struct hc_result res = { .vector = -1 };
	struct fault f;
	uint64_t ret = nr, at = 0;

	if (mode == HC_LONG) {
		fault_arm();
		if (insn == HC_VMCALL)
			HC_LONG_ASM(hc_site_vmcall, "vmcall");
		else
			HC_LONG_ASM(hc_site_vmmcall, "vmmcall");
		f = fault_take();
		res.vector = f.raised ? (int)f.vector : -1;
		res.at = (uintptr_t)(insn == HC_VMCALL ? hc_site_vmcall : hc_site_vmmcall);
		res.ret = ret;
		return res;
	}
	if (mode == HC_COMPAT32) {
		/* 32-bit code: 0f 01 c1 / 0f 01 d9 decode the same there */
		if (insn == HC_VMCALL)
			HC_COMPAT32_ASM("vmcall");
		else
			HC_COMPAT32_ASM("vmmcall");
		res.ret = ret;
		res.at = at;
		return res;
	}
	/* HC_USER */
	{
		exception_handler_t old = handle_exception(GP_VECTOR, user_gp);
		uint64_t rsp0 = tss_get_rsp0(0);
		uint16_t fs, gs;

		asm volatile("mov %%fs, %0\n\tmov %%gs, %1" : "=r"(fs), "=r"(gs));
		tss_set_rsp0(0, (uintptr_t)rsp0_stack + sizeof(rsp0_stack));
		if (insn == HC_VMCALL)
			HC_USER_ASM("vmcall");
		else
			HC_USER_ASM("vmmcall");
		asm volatile("mov %0, %%ds\n\tmov %0, %%es" : : "r"(KERNEL_DS));
		/* a DPL-0 FS/GS was nulled; a null one (the library's) is left alone */
		if (fs)
			asm volatile("mov %0, %%fs" : : "r"(fs));
		if (gs)
			asm volatile("mov %0, %%gs" : : "r"(gs));
		tss_set_rsp0(0, rsp0);
		handle_exception(GP_VECTOR, old);
	}
	res.ret = ret;
	res.at = at;
	return res;
}

int harness_hc_map_read(uint64_t gpa, uint32_t npages, uint8_t *state, uint32_t *encrypted)
{
	struct {
		struct vmc_hc_map_read m;
		uint8_t state[HC_MAP_CHUNK];
	} b;
	int r;

	if (npages > HC_MAP_CHUNK)
		return -VMC_E2BIG;
	memset(&b, 0, sizeof(b));
	b.m.hdr.argsz = sizeof(b.m) + npages;
	b.m.hdr.op = VMC_OP_HC_MAP_READ;
	b.m.gpa = gpa;
	b.m.npages = npages;
	r = harness_call(&b);
	if (state)
		memcpy(state, b.state, npages);
	if (encrypted)
		*encrypted = b.m.encrypted;
	return r;
}

int harness_hc_quirks(uint64_t disable, int *kvm_ret, int64_t *supported)
{
	struct vmc_hc_quirks q = {
		.hdr = { .argsz = sizeof(q), .op = VMC_OP_HC_QUIRKS },
		.disable = disable,
		.supported = -1,
		.kvm_ret = 1,
	};
	int r = harness_call(&q);

	if (kvm_ret)
		*kvm_ret = q.kvm_ret;
	if (supported)
		*supported = q.supported;
	return r;
}

int harness_hc_pv_cpuid(struct vmc_hc_pv_cpuid *out)
{
	struct vmc_hc_pv_cpuid c = { .hdr = { .argsz = sizeof(c), .op = VMC_OP_HC_PV_CPUID } };
	int r = harness_call(&c);

	*out = c;
	return r;
}
