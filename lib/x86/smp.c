/*
 * x86 AP bring-up and work queue (lib/x86/smp.h).
 */
#include "vmc.h"
#include "processor.h"
#include "desc.h"
#include "smp.h"
#include "usermode.h"

#define APIC_SVR	0xf0
#define APIC_ICR_LO	0x300
#define APIC_ICR_HI	0x310
#define ICR_INIT	0x00000500u
#define ICR_SIPI	0x00000600u
#define ICR_ASSERT	0x00004000u
#define ICR_BUSY	0x00001000u
#define ICR_ALL_BUT_SELF 0x000c0000u
#define AP_STACK_ORDER	2	/* 16 KiB */
/*
 * Bound of the library's waits, in TSC ticks (no calibrated clock here):
 * 2^35 ticks is ~10 s at 3.4 GHz, far beyond any legitimate wait and
 * below every test's timeout, so a stuck wait ends as an ABORT naming it.
 */
#define WAIT_TSC	(1ull << 35)

extern char smp_tramp_start[], smp_tramp_end[], tr_gdt[], tr_cr3[];
extern char gdt_desc[];
extern char boot_stack[];		/* cstart64.S: X86_STACK_SIZE, aligned */
uint64_t smp_ap_stack;
void smp_ap_main(void);

struct mailbox {
	void (*volatile fn)(void *);
	void *volatile arg;
	volatile bool online;
};
static struct mailbox mbox[MAX_CPUS];
static unsigned int aps_online;	/* APs that set their mbox[].online */

static void icr_send(uint32_t lo)
{
	uint64_t t0;

	apic_write(APIC_ICR_HI, 0);
	apic_write(APIC_ICR_LO, lo);
	t0 = rdtsc();
	while (apic_read(APIC_ICR_LO) & ICR_BUSY) {
		if (rdtsc() - t0 > WAIT_TSC)
			report_abort("icr_send: the ICR (%#x) stayed busy for 2^35 TSC ticks", lo);
		pause();
	}
}

void x86_stack_tag(uintptr_t stack_base, unsigned int cpu)
{
	struct x86_stack_tag *t = (struct x86_stack_tag *)stack_base;

	t->cpu = cpu;
	t->pad = 0;
	__atomic_store_n(&t->check, X86_STACK_TAG_MAGIC ^ stack_base, __ATOMIC_RELEASE);
}

void smp_ap_main(void)
{
	unsigned int id = cpuid_apic_id() % MAX_CPUS;

	x86_stack_tag(smp_ap_stack - X86_STACK_SIZE, id);
	setup_idt();
	setup_tss(id);
	usermode_init_cpu(id, false);	/* its user stack (usermode.c) */
	bool was = mbox[id].online;

	/* online first: a CPU that sees the count may use the mailbox at once */
	mbox[id].online = true;
	if (id && !was)
		__atomic_add_fetch(&aps_online, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		void (*fn)(void *);

		while (!(fn = mbox[id].fn))
			pause();
		fn(mbox[id].arg);
		__atomic_store_n(&mbox[id].fn, NULL, __ATOMIC_SEQ_CST);
	}
}

/*
 * 1 + the APs online: a counter, not a scan of the MAX_CPUS mailboxes
 * (the wait loops below call it, and guest code may run in the host's
 * instruction emulator, where the 64-entry scan was ~500 instructions)
 */
static unsigned int count_online(void)
{
	return 1 + __atomic_load_n(&aps_online, __ATOMIC_SEQ_CST);
}

unsigned int smp_init(unsigned int ncpus)
{
	uint8_t *tramp = (uint8_t *)(uintptr_t)SMP_TRAMP_ADDR;
	size_t len = smp_tramp_end - smp_tramp_start;
	uint8_t *stack;
	uint64_t t0;

	if (ncpus <= 1 || count_online() >= ncpus)
		return count_online();
	mbox[0].online = true;
	/* the APs share one boot stack: one AP (-smp 2) is supported */
	if (ncpus > 2)
		report_abort("smp_init: only -smp 2 is supported (asked for %u)", ncpus);
	memcpy(tramp, smp_tramp_start, len);
	memcpy(tramp + (tr_gdt - smp_tramp_start), gdt_desc, 2);
	memcpy(tramp + (tr_gdt - smp_tramp_start) + 2, gdt_desc + 2, 4);
	*(uint32_t *)(tramp + (tr_cr3 - smp_tramp_start)) = (uint32_t)read_cr3();
	/* the boot CPU's stack tag, before smp_id() starts to look at it */
	x86_stack_tag((uintptr_t)boot_stack, cpuid_apic_id() % MAX_CPUS);
	usermode_init_cpu(cpuid_apic_id() % MAX_CPUS, true);	/* and of its user stack */
	x86_cpus_online = ncpus;	/* smp_id() now reads the stack tags */
	apic_write(APIC_SVR, 0x1ff);
	_Static_assert((PAGE_SIZE << AP_STACK_ORDER) == X86_STACK_SIZE, "AP stack size");
	stack = alloc_pages_uninit(AP_STACK_ORDER);	/* a stack: no fill */
	if (!stack)
		report_abort("smp_init: no memory for an AP stack");
	smp_ap_stack = (uintptr_t)stack + (PAGE_SIZE << AP_STACK_ORDER);
	icr_send(ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_INIT);
	icr_send(ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_SIPI | (SMP_TRAMP_ADDR >> 12));
	/* a second SIPI, as the SDM's MP protocol does; a running AP ignores it */
	t0 = rdtsc();
	while (count_online() < ncpus && rdtsc() - t0 < 200000000ull)
		pause();
	if (count_online() < ncpus)
		icr_send(ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_SIPI | (SMP_TRAMP_ADDR >> 12));
	t0 = rdtsc();
	while (count_online() < ncpus && rdtsc() - t0 < 8000000000ull)
		pause();
	x86_cpus_online = count_online();
	return x86_cpus_online;
}

void on_cpu_async(unsigned int cpu, void (*fn)(void *), void *arg)
{
	if (cpu >= MAX_CPUS || !mbox[cpu].online || cpu == smp_id())
		report_abort("on_cpu_async: CPU %u is not an online AP", cpu);
	cpu_wait(cpu);
	mbox[cpu].arg = arg;
	__atomic_store_n(&mbox[cpu].fn, fn, __ATOMIC_SEQ_CST);
}

bool cpu_idle(unsigned int cpu)
{
	return __atomic_load_n(&mbox[cpu].fn, __ATOMIC_SEQ_CST) == NULL;
}

void cpu_wait(unsigned int cpu)
{
	uint64_t t0 = rdtsc();

	while (!cpu_idle(cpu)) {
		if (rdtsc() - t0 > WAIT_TSC)
			report_abort("cpu_wait: CPU %u did not finish its work within 2^35 TSC "
				     "ticks", cpu);
		pause();
	}
}
