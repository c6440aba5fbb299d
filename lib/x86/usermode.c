/*
 * Pure computation at CPL 3: x86_user_call(fn, arg) (usermode.h).
 *
 * Why: some hosts run guest supervisor code in KVM's instruction emulator
 * (kvm_pvm: every CPL-0 instruction ~2-3 us) but guest user code natively
 * (docs/bench.md "CPL 3 guest code is not emulated on kvm_pvm").  The
 * library's formatting (vsnprintf/vprintf, lib/printf.c; report's lines,
 * lib/report.c, through arch_user_call) and the boot command-line and
 * memory-map parsing (setup.c) are pure computation, so they run at CPL 3;
 * a round trip is ~64 emulated instructions (user-entry.S; half of them
 * the checks below).  Everywhere else it costs the same few instructions
 * and gives the same result.
 *
 * kvm_pvm, measured: an INT n from CPL 3 other than INT3 is a #UD (hence
 * #BP as the way back); MOV from CS at CPL 3 reads the host's 0x33, not
 * USER_CS (CS.RPL is still 3); its IRETQ to CPL 3 leaves DS/ES as they
 * were (the SDM nulls DPL-0 data selectors; the reload below is needed
 * elsewhere: QEMU TCG nulls them); PUSHF at CPL 3 shows IF = 1 although
 * the IRETQ image had IF = 0, yet a LAPIC timer interrupt pending before
 * the call is still held until the caller's STI (-smp 2, a 20M-iteration
 * CPL-3 loop); a migration that saves a vCPU between its INT3's retiring
 * and the #BP's delivery loses the #BP (RIP past the INT3, no event in
 * KVM_GET_VCPU_EVENTS: 2-12 in 600 migrations, tests/guests/
 * mig_usercall_smp.c), so user-entry.S runs the INT3 again when it gets
 * past it (x86_user_int3_lost counts those).
 *
 * What it needs, all set up by the library (cstart64.S, desc.c, isr.S): the
 * U bit on every level of the identity map, the DPL-3 segments USER_CS and
 * USER_DS, the #BP gate at DPL 3 (the way back, processor.h
 * USER_RET_VECTOR), FS = GS = 0 (an IRETQ to CPL 3 would null a DPL-0 FS
 * or GS, and on Intel that clears the base a test set through the MSR), and
 * a user stack per CPU: the boot CPU's is static, an AP's is allocated when
 * smp.c brings it up (usermode_init_cpu).  Both carry the stack tag, so
 * smp_id() at CPL 3 is the same memory read as at CPL 0.
 *
 * fn(arg) is called directly at CPL 0 instead (same result) when any of
 * these holds: no user stack on this CPU; this CPU is already inside a
 * user call (fn itself calls printf, or an exception handler prints while
 * CPL-3 code faulted) or an NMI handler (usermode_nmi_handler); RFLAGS.IF
 * = 1 (no interrupts at CPL 3) or NT = 1 (IRETQ: #GP); CS is not
 * KERNEL_CS; FS or GS is not null; DS, ES or SS is not KERNEL_DS (the way
 * back reloads them with it); IDTR or GDTR is not the library's; CR3
 * is not the library's identity map (a test's own tables need not have U);
 * CR4 has SMEP, SMAP or PKE (on SVM that CR4 read is an exit).
 *
 * A fault at CPL 3 goes through the IDT as any other (on the caller's
 * stack, TSS.RSP0 points there): a handler, the fault API or the dump
 * (desc.c).  The dump prints at CPL 0 (the CPU is still "inside" the call)
 * and exits; a handler or fixup that resumes the CPL-3 code is fine too.
 */
#include "vmc.h"
#include "processor.h"
#include "desc.h"
#include "usermode.h"

extern char x86_tss[];			/* desc.c (struct tss64, X86_TSS64_SIZE each) */

/* layout known to user-entry.S (UC_*) */
struct user_cpu {
	uint64_t stack_top;	/* 0: no user calls on this CPU now */
	uintptr_t rsp0;		/* &TSS.RSP0 of this CPU */
};

#define TSS_RSP0(cpu)	((uintptr_t)x86_tss + (cpu) * X86_TSS64_SIZE + 4)

static uint8_t boot_user_stack[X86_STACK_SIZE]
	__attribute__((aligned(X86_STACK_SIZE), section(".bss.noclear")));
/* the boot CPU's stack top is set once its TR is loaded (usermode_boot_cpu) */
struct user_cpu ucpu[MAX_CPUS] = { [0] = { .rsp0 = TSS_RSP0(0) } };
struct user_cpu *x86_user_cpu(void);
/* each CPU's user stack, for the dump (stack_top is 0 during a call) */
static uintptr_t ucpu_base[MAX_CPUS] = { (uintptr_t)boot_user_stack };

void usermode_init_cpu(unsigned int cpu, bool boot)
{
	uint8_t *stack = boot ? boot_user_stack : alloc_pages_uninit(2);

	_Static_assert((PAGE_SIZE << 2) == X86_STACK_SIZE, "user stack size");
	if (cpu >= MAX_CPUS)
		return;
	if (boot && cpu) {
		ucpu[0].stack_top = 0;	/* the boot CPU is ucpu[its APIC id] from now */
		ucpu_base[0] = 0;
	}
	if (!stack) {
		ucpu[cpu].stack_top = 0;	/* direct calls on this CPU */
		return;
	}
	x86_stack_tag((uintptr_t)stack, cpu);
	ucpu_base[cpu] = (uintptr_t)stack;
	ucpu[cpu].rsp0 = TSS_RSP0(cpu);
	ucpu[cpu].stack_top = (uintptr_t)stack + X86_STACK_SIZE;
}

void usermode_boot_cpu(void)
{
	ucpu[0].stack_top = (uintptr_t)(boot_user_stack + X86_STACK_SIZE);
}

uintptr_t x86_user_stack_base(unsigned int cpu)
{
	if (cpu >= MAX_CPUS || !ucpu_base[cpu])
		return 0;
	return ucpu_base[cpu];
}

struct user_cpu *x86_user_cpu(void)
{
	return &ucpu[smp_id()];
}

/*
 * An NMI handler's user calls are direct: the IRETQ into CPL 3 would end
 * the NMI blocking the handler runs under (SDM 6.7.1: until the next
 * IRET), and a second NMI would then land on the same IST stack, over the
 * first one's frame.
 */
void usermode_nmi_handler(exception_handler_t h, struct ex_regs *r, unsigned int cpu)
{
	struct user_cpu *u = &ucpu[cpu % MAX_CPUS];	/* cpu: smp_id(), as x86_user_cpu */
	uint64_t top = u->stack_top;

	u->stack_top = 0;
	h(r);
	u->stack_top = top;
}

long arch_user_call(long (*fn)(void *), void *arg)
{
	return x86_user_call(fn, arg);
}
