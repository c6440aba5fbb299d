/*
 * arm64 C start-up, exceptions and the arch hooks of lib/vmc.h.
 *
 * arm64_start(dtb): read the device tree (lib/arm64/fdt.c), pick the PSCI
 * conduit it names, identity-map the first GiB (devices) as Device-nGnRnE
 * and every /memory range as Normal memory, switch the MMU on, hand the RAM
 * after the image to the page allocator, split /chosen/bootargs (-append)
 * into argv[1..] (argv[0] is the test name, linked in by arm/Makefile.inc)
 * and run main().
 *
 * Exit: print "EXIT: STATUS=v" (lib/status.h) and call PSCI SYSTEM_OFF,
 * which ends QEMU with status 0; the runner takes the status from the EXIT
 * line (docs/results.md).  Semihosting SYS_EXIT_EXTENDED would carry it in
 * QEMU's exit status, but it needs -semihosting (which also opens host
 * files to the guest) and does not exist under KVM.
 */
#include "vmc.h"
#include "arm64.h"
#include "argv.h"

extern const char vmc_test_name[];	/* made at link time (arm/Makefile.inc) */
extern char __image_start[], __image_end[];
extern void halt(void) __attribute__((noreturn));

int main(int argc, char **argv);
void arm64_start(const void *dtb) __attribute__((noreturn));
void handle_exception(struct ex_regs *regs, unsigned int slot);

#define MAX_ARGS 32
#define UART_DR	0x00
#define UART_FR	0x18
#define UART_FR_TXFF (1u << 5)

unsigned int boot_el;
static char *argv_buf[MAX_ARGS + 1];
static ex_hook_t hooks[VEC_MAX];
static bool in_handler[MAX_CPUS];

void console_write(const char *buf, size_t len)
{
	volatile uint32_t *uart = (volatile uint32_t *)PL011_BASE;
	size_t i;
	unsigned long spin;

	for (i = 0; i < len; i++) {
		/* bounded: a stuck FIFO drops output instead of hanging the run */
		for (spin = 0; (uart[UART_FR / 4] & UART_FR_TXFF) && spin < 1000000; spin++)
			;
		uart[UART_DR / 4] = (unsigned char)buf[i];
	}
}

uint64_t mem_size(void)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i < dt.nmem; i++)
		sum += dt.mem_size[i];
	return sum;
}

const char *boot_cmdline(void)
{
	return dt.bootargs ? dt.bootargs : "";
}

void exit(int status)
{
	printf("EXIT: STATUS=%d\n", status);
	psci_call(PSCI_SYSTEM_OFF, 0, 0, 0);
	halt();
}

void set_exception_hook(unsigned int slot, ex_hook_t hook)
{
	if (slot < VEC_MAX)
		hooks[slot] = hook;
}

static const char *const slot_names[VEC_MAX] = {
	"sync (EL1t)", "IRQ (EL1t)", "FIQ (EL1t)", "SError (EL1t)",
	"sync", "IRQ", "FIQ", "SError",
	"sync (EL0)", "IRQ (EL0)", "FIQ (EL0)", "SError (EL0)",
	"sync (EL0 AArch32)", "IRQ (EL0 AArch32)", "FIQ (EL0 AArch32)",
	"SError (EL0 AArch32)",
};

void handle_exception(struct ex_regs *regs, unsigned int slot)
{
	unsigned int cpu = smp_id() % MAX_CPUS, ec = ESR_EC(regs->esr), i;
	uintptr_t pc = regs->elr;
	bool abort = ec >= EC_IABT_CUR - 1 && ec <= EC_DABT_CUR;

	if (slot < VEC_MAX && hooks[slot] && hooks[slot](regs, slot))
		return;
	if (in_handler[cpu]) {
		/* a fault while handling one: no printing, just stop */
		psci_call(PSCI_SYSTEM_OFF, 0, 0, 0);
		halt();
	}
	in_handler[cpu] = true;
	if (slot == VEC_SYNC &&
	    fault_fixup(&pc, ec, ESR_ISS(regs->esr), abort ? regs->far : 0)) {
		regs->elr = pc;
		in_handler[cpu] = false;
		return;
	}
	printf("UNEXPECTED EXCEPTION %s on CPU %u: ESR %#lx (EC %#x ISS %#lx)\n",
	       slot < VEC_MAX ? slot_names[slot] : "?", smp_id(), regs->esr, ec,
	       ESR_ISS(regs->esr));
	printf("  ELR %016lx SPSR %016lx FAR %016lx SP %016lx\n",
	       regs->elr, regs->spsr, regs->far, regs->sp);
	for (i = 0; i < 30; i += 3)
		printf("  x%-2u %016lx x%-2u %016lx x%-2u %016lx\n", i, regs->x[i],
		       i + 1, regs->x[i + 1], i + 2, regs->x[i + 2]);
	printf("  x30 %016lx\n", regs->x[30]);
	exit(VMC_STATUS_ERROR);
}

static void map_boot(void)
{
	unsigned int i;

	mmu_map(0, 1UL << 30, MAP_DEVICE);
	for (i = 0; i < dt.nmem; i++)
		mmu_map(dt.mem_base[i], dt.mem_size[i], MAP_NORMAL);
	if (!dt.nmem)	/* no /memory: at least the image and 64 MiB after it */
		mmu_map((uintptr_t)__image_start, 64UL << 20, MAP_NORMAL);
	mmu_enable();
}

void arm64_start(const void *dtb)
{
	uintptr_t heap = ALIGN_UP((uintptr_t)__image_end, PAGE_SIZE);
	uintptr_t top = heap + (32UL << 20);
	int r = fdt_parse(dtb), argc;
	unsigned int i;

	psci_use_smc = !strcmp(dt.psci_method, "smc");
	if (r || !dt.psci_method[0])	/* no DT: QEMU's default conduit for the EL */
		psci_use_smc = boot_el == 2;
	map_boot();
	for (i = 0; i < dt.nmem; i++)
		if (heap >= dt.mem_base[i] && heap < dt.mem_base[i] + dt.mem_size[i])
			top = dt.mem_base[i] + dt.mem_size[i];
	alloc_init(heap, top);
	if (r)
		report_abort("the boot loader's x0 %p is not a valid device tree (error %d)",
			     dtb, r);
	argv_buf[0] = (char *)vmc_test_name;
	argc = 1 + parse_cmdline(boot_cmdline(), argv_buf + 1, MAX_ARGS);
	exit(main(argc, argv_buf));
}
