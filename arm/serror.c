/*
 * serror: a virtual SError reaches the guest with the syndrome the
 * hypervisor gave it (specs/arm64.md §3, §4.2, §6 items 5 and 10; ARM ARM
 * D1.3.x "virtual SError", HCR_EL2.VSE/AMO, VSESR_EL2).  Why: kvm-4.20 added
 * RAS/SError event delivery with a guest-visible ESR; a VMM or CPU that
 * loses the syndrome, delivers while PSTATE.A is masked, or delivers with
 * routing off hands the guest OS a wrong error report.
 *
 * EL2 part (-M virt,virtualization=on, TCG): the library's EL2 stub
 * (lib/arm64/cstart.S, el2_call) programs VSESR_EL2 and HCR_EL2; the test,
 * at EL1:
 *  - with HCR_EL2.AMO|VSE and PSTATE.A masked: ISR_EL1.A = 1 and no
 *    exception is taken, also after a delay;
 *  - on unmask (DAIFClr A) the SError is taken once at VBAR_EL1 + 0x380
 *    with ESR_EL1 EC 0x2f, IL 1, ISS = VSESR_EL2[24:0]; then ISR_EL1.A = 0
 *    and HCR_EL2.VSE is clear (the CPU clears it when it takes the SError);
 *  - twice with different syndromes (0x1234, then 0x11): a stale syndrome
 *    from the first round would show in the second;
 *  - with AMO clear, VSE has no effect: ISR_EL1.A = 0 and nothing is taken
 *    on unmask.
 * KVM part (KVM_SET_VCPU_EVENTS serror_pending / serror_has_esr +
 * serror_esr with KVM_CAP_ARM_INJECT_SERROR_ESR; ext_dabt_pending): the same
 * guest contract with the host injecting.  It runs under a host side that
 * issues the ioctl on the guest's request and passes "kvm-inject" on the
 * command line (QEMU has no way to inject an SError, §4.2); otherwise it
 * SKIPs naming that.
 */
#include "vmc.h"
#include "arm64.h"

#define HCR_AMO		(1UL << 5)
#define HCR_VSE		(1UL << 8)
#define ISR_A		(1UL << 8)
#define KVM_DOORBELL	0x0b000000UL	/* host-side protocol (tests/arm64/kvm-inject.c) */
#define DOOR_SERROR	1		/* inject an SError, ESR ISS 0x1234 if it can */
#define DOOR_EXT_DABT	0x0b000008UL	/* a load here: the host sets ext_dabt_pending */
#define DOOR_CAPS	3		/* door[3]: bit 0 SERROR_ESR, bit 1 EXT_DABT */

static volatile unsigned int taken;
static volatile uint64_t taken_esr, taken_elr;

static bool serror_hook(struct ex_regs *regs, unsigned int slot)
{
	taken++;
	taken_esr = regs->esr;
	taken_elr = regs->elr;
	return true;
}

static void delay(void)
{
	unsigned long n = 100000;

	asm volatile("1: subs %0, %0, #1\n\tb.ne 1b" : "+r"(n) : : "cc");
}

static void mask_a(void)
{
	asm volatile("msr daifset, #4\n\tisb" : : : "memory");
}

static void unmask_a(void)
{
	asm volatile("msr daifclr, #4\n\tisb" : : : "memory");
}

static void check_esr(const char *what, uint64_t iss)
{
	uint64_t esr = taken_esr;

	report(taken == 1 && ESR_EC(esr) == EC_SERROR && (esr & ESR_IL) && ESR_ISS(esr) == iss,
	       "%s: taken once with ESR_EL1 EC 0x2f, IL 1, ISS %#lx (taken %u, ESR %#lx)",
	       what, iss, taken, esr);
}

static void round_vse(uint64_t hcr0, uint64_t syndrome, unsigned int round)
{
	uint64_t isr, hcr;

	mask_a();
	taken = 0;
	el2_call(EL2_WRITE_VSESR, syndrome);
	el2_call(EL2_WRITE_HCR, hcr0 | HCR_AMO | HCR_VSE);
	isb();
	isr = read_sysreg(isr_el1);
	delay();
	report((isr & ISR_A) && !taken,
	       "round %u, A masked: ISR_EL1.A is 1 and nothing is taken (ISR %#lx, taken %u)",
	       round, isr, taken);
	unmask_a();
	delay();
	mask_a();
	check_esr(round == 1 ? "round 1, A unmasked" : "round 2, A unmasked", syndrome);
	isr = read_sysreg(isr_el1);
	hcr = el2_call(EL2_READ_HCR, 0);
	report(!(isr & ISR_A) && !(hcr & HCR_VSE),
	       "round %u, after it was taken: ISR_EL1.A 0 and HCR_EL2.VSE clear (ISR %#lx, "
	       "HCR %#lx)", round, isr, hcr);
	el2_call(EL2_WRITE_HCR, hcr0);
}

static void check_el2(void)
{
	uint64_t hcr0, isr, v;

	report_prefix_push("el2");
	if (boot_el != 2) {
		report_skip("virtual SError through HCR_EL2.VSE (the guest has no EL2: run with "
			    "qemu_params -M virtualization=on under TCG, cfg arm64-serror)");
		report_prefix_pop();
		return;
	}
	hcr0 = el2_call(EL2_READ_HCR, 0);
	el2_call(EL2_WRITE_VSESR, 0x1234);
	v = el2_call(EL2_READ_VSESR, 0);
	report_info("HCR_EL2 %#lx; VSESR_EL2 reads back %#lx", hcr0, v);
	round_vse(hcr0, 0x1234, 1);
	round_vse(hcr0, 0x11, 2);

	/* AMO clear: VSE is not delivered */
	mask_a();
	taken = 0;
	el2_call(EL2_WRITE_VSESR, 0x4321);
	el2_call(EL2_WRITE_HCR, (hcr0 & ~HCR_AMO) | HCR_VSE);
	isb();
	isr = read_sysreg(isr_el1);
	unmask_a();
	delay();
	mask_a();
	report(!(isr & ISR_A) && !taken,
	       "HCR_EL2.AMO clear: VSE pends nothing (ISR_EL1 %#lx) and nothing is taken on "
	       "unmask (taken %u)", isr, taken);
	el2_call(EL2_WRITE_HCR, hcr0);
	report_prefix_pop();
}

static bool has_arg(int argc, char **argv, const char *a)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], a))
			return true;
	return false;
}

static void check_kvm_inject(int argc, char **argv)
{
	volatile uint32_t *door = (volatile uint32_t *)KVM_DOORBELL;
	struct fault f;
	uint64_t isr, val = 0;

	report_prefix_push("kvm");
	if (!has_arg(argc, argv, "kvm-inject")) {
		report_skip("SError and external-abort injection with KVM_SET_VCPU_EVENTS "
			    "(serror_pending, serror_esr with KVM_CAP_ARM_INJECT_SERROR_ESR, "
			    "ext_dabt_pending): needs an arm64 KVM host running this payload "
			    "under build/host/vmc-arm64-inject (QEMU cannot inject an SError)");
		report_prefix_pop();
		return;
	}
	mask_a();
	taken = 0;
	*door = DOOR_SERROR;		/* the host injects before it resumes us */
	dsb(sy);
	isb();
	isr = read_sysreg(isr_el1);
	report((isr & ISR_A) && !taken,
	       "host-injected SError, A masked: ISR_EL1.A 1 and nothing taken (ISR %#lx, "
	       "taken %u)", isr, taken);
	unmask_a();
	delay();
	mask_a();
	/* the host answers the doorbell read-back with whether it set an ESR */
	report_info("host: ESR set %u, capabilities %#x", door[1], door[DOOR_CAPS]);
	if (door[1] == 1)
		check_esr("host-injected SError with serror_esr 0x1234", 0x1234);
	else
		report(taken == 1 && ESR_EC(taken_esr) == EC_SERROR,
		       "host-injected SError (no KVM_CAP_ARM_INJECT_SERROR_ESR: IMPDEF ISS): "
		       "taken once with EC 0x2f (taken %u, ESR %#lx)", taken, taken_esr);

	if (!(door[DOOR_CAPS] & 2)) {
		report_skip("external abort injection (the host lacks KVM_CAP_ARM_INJECT_EXT_DABT: "
			    "needs Linux 5.8+ on the arm64 host)");
		report_prefix_pop();
		return;
	}
	fault_arm();
	asm volatile(FAULT_INSN("ldr %w0, [%1]") : "=r"(val) : "r"(DOOR_EXT_DABT));
	f = fault_take();
	report(f.raised && f.vector == EC_DABT_CUR && DFSC(f.error_code) == 0x10,
	       "a load the host answers with ext_dabt_pending is a synchronous external "
	       "abort: EC 0x25, DFSC 0x10 (raised %d, EC %#x, ISS %#lx)",
	       f.raised, f.vector, (unsigned long)f.error_code);
	report_prefix_pop();
}

int main(int argc, char **argv)
{
	report_prefix_push("serror");
	set_exception_hook(VEC_SERROR, serror_hook);
	check_el2();
	check_kvm_inject(argc, argv);
	report_prefix_pop();
	return report_summary();
}
