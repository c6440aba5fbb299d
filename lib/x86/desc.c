/*
 * x86_64 IDT, TSS and the common exception handler (see desc.h).
 */
#include "vmc.h"
#include "processor.h"
#include "desc.h"
#include "usermode.h"

struct tss64 {
	uint32_t res0;
	uint64_t rsp[3];
	uint64_t res1;
	uint64_t ist[7];
	uint64_t res2;
	uint16_t res3, iomap_base;
} __attribute__((packed));

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

#define IST_STACK_SIZE 4096
enum { IST_DF = 1, IST_NMI = 2, IST_MC = 3, NR_IST = 3 };

extern uint64_t gdt[];			/* cstart64.S */
extern char boot_stack[], boot_stack_top[];

/* IST stacks: static for the boot CPU, from the page allocator for others */
static uint8_t boot_ist[NR_IST * IST_STACK_SIZE]
	__attribute__((aligned(4096), section(".bss.noclear")));
#define BOOT_IST_TOP(i)	((uintptr_t)(boot_ist + (i) * IST_STACK_SIZE))
/*
 * The boot CPU's TSS is complete at link time (its IST stacks are static):
 * and so is its GDT descriptor (cstart64.S), so the first setup_tss(0) is
 * one LTR -- boot code may run in the host's instruction emulator, where
 * the fill and the descriptor were ~130 instructions.
 */
_Static_assert(sizeof(struct tss64) == X86_TSS64_SIZE, "struct tss64 is 104 bytes");
struct tss64 x86_tss[MAX_CPUS] __attribute__((aligned(16))) = {
	[0] = {
		.ist = { BOOT_IST_TOP(1), BOOT_IST_TOP(2), BOOT_IST_TOP(3) },
		.iomap_base = sizeof(struct tss64),	/* no I/O bitmap */
	},
};
#define tss x86_tss
static uint8_t *ist_base[MAX_CPUS] = { boot_ist };
_Static_assert(NR_IST == 3, "tss[0]'s initialiser names three IST stacks");
static exception_handler_t handlers[256];
static volatile int in_dump[MAX_CPUS];

static const char *const names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
	"#OF overflow", "#BR bound range", "#UD invalid opcode",
	"#NM device not available", "#DF double fault", "coprocessor overrun",
	"#TS invalid TSS", "#NP segment not present", "#SS stack fault",
	"#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 error", "#AC alignment check", "#MC machine check",
	"#XM SIMD error", "#VE virtualization", "#CP control protection",
	"reserved 22", "reserved 23", "reserved 24", "reserved 25",
	"reserved 26", "reserved 27", "#HV hypervisor injection",
	"#VC VMM communication", "#SX security", "reserved 31",
};

const char *exception_name(unsigned int vector)
{
	return vector < 32 ? names[vector] : "interrupt";
}

exception_handler_t handle_exception(unsigned int vector, exception_handler_t h)
{
	exception_handler_t old;

	if (vector >= 256)
		return NULL;
	old = handlers[vector];
	handlers[vector] = h;
	return old;
}

void setup_idt(void)
{
	extern const struct desc_ptr idt_desc;	/* isr.S: the limit and base of idt */

	asm volatile("lidt %0" : : "m"(idt_desc));
}

static void __attribute__((noinline)) setup_tss_slow(unsigned int cpu)
{
	struct tss64 *t = &tss[cpu];
	uint64_t base = (uintptr_t)t, limit = sizeof(*t) - 1;
	unsigned int slot = TSS_SEL(cpu) / 8, i;

	if (cpu) {
		if (!ist_base[cpu])
			ist_base[cpu] = alloc_pages_uninit(2);	/* stacks: no fill */
		if (!ist_base[cpu])
			report_abort("no memory for the IST stacks of CPU %u", cpu);
		memset(t, 0, sizeof(*t));
		for (i = 0; i < NR_IST; i++)
			t->ist[i] = (uintptr_t)ist_base[cpu] + (i + 1) * IST_STACK_SIZE;
		t->iomap_base = sizeof(*t);	/* no I/O bitmap */
	}
	/* 16-byte available 64-bit TSS descriptor (type 9, present) */
	gdt[slot] = (limit & 0xffff) | (base & 0xffffff) << 16 |
		    0x89ull << 40 | ((limit >> 16) & 0xf) << 48 |
		    ((base >> 24) & 0xff) << 56;
	gdt[slot + 1] = base >> 32;
	asm volatile("ltr %w0" : : "r"(TSS_SEL(cpu)) : "memory");
}

void setup_tss(unsigned int cpu)
{
	static bool boot_tr;

	if (!cpu && !boot_tr) {
		/* first time: the descriptor is assembled (cstart64.S), not busy yet */
		boot_tr = true;
		asm volatile("ltr %w0" : : "r"(TSS_SEL(0)) : "memory");
		usermode_boot_cpu();
		return;
	}
	setup_tss_slow(cpu);
}

void tss_set_rsp0(unsigned int cpu, uint64_t rsp)
{
	tss[cpu].rsp[0] = rsp;
}

uint64_t tss_get_rsp0(unsigned int cpu)
{
	return tss[cpu].rsp[0];
}


/*
 * Which stack this library set up holds [p, p+16): 1 the boot stack, 2 the
 * IST stacks, 3 this CPU's user stack (usermode.c); 0 none
 */
static int frame_stack(uintptr_t p, unsigned int cpu)
{
	uintptr_t lo = (uintptr_t)boot_stack, hi = (uintptr_t)boot_stack_top;
	uintptr_t ilo = (uintptr_t)ist_base[cpu];
	uintptr_t ihi = ilo + NR_IST * IST_STACK_SIZE;
	uintptr_t ulo = x86_user_stack_base(cpu);

	if (p & 7)
		return 0;
	if (p >= lo && p + 16 <= hi)
		return 1;
	if (p >= ilo && p + 16 <= ihi)
		return 2;
	if (ulo && p >= ulo && p + 16 <= ulo + X86_STACK_SIZE)
		return 3;
	return 0;
}

static void dump(struct ex_regs *r, uint64_t cr2, unsigned int cpu)
{
	uintptr_t fp = r->rbp;
	int depth;

	console_abandon();
	console_sync();
	printf("UNEXPECTED EXCEPTION vector %lu (%s) on CPU %u\n",
	       r->vector, exception_name(r->vector), cpu);
	printf("error code %#lx  RIP %016lx  CR2 %016lx\n",
	       r->error_code, r->rip, cr2);
	printf("RAX %016lx RBX %016lx RCX %016lx RDX %016lx\n",
	       r->rax, r->rbx, r->rcx, r->rdx);
	printf("RSI %016lx RDI %016lx RBP %016lx RSP %016lx\n",
	       r->rsi, r->rdi, r->rbp, r->rsp);
	printf("R8  %016lx R9  %016lx R10 %016lx R11 %016lx\n",
	       r->r8, r->r9, r->r10, r->r11);
	printf("R12 %016lx R13 %016lx R14 %016lx R15 %016lx\n",
	       r->r12, r->r13, r->r14, r->r15);
	printf("RFLAGS %016lx CS %04lx SS %04lx CR0 %08lx CR3 %08lx CR4 %08lx\n",
	       r->rflags, r->cs, r->ss, read_cr0(), read_cr3(), read_cr4());
	printf("backtrace: %#lx", r->rip);
	/* frame: [fp] = caller's RBP, [fp+8] = return address */
	/* a chain from CPL-3 code goes on into its caller's stack (usermode.c) */
	for (depth = 0; depth < 24 && fp && frame_stack(fp, cpu); depth++) {
		uintptr_t next = ((uintptr_t *)fp)[0];
		uintptr_t ret = ((uintptr_t *)fp)[1];

		printf(" %#lx", ret);
		if (next <= fp && frame_stack(next, cpu) == frame_stack(fp, cpu))
			break;
		fp = next;
	}
	printf("\n");
}

void do_exception(struct ex_regs *r);
void do_exception(struct ex_regs *r)
{
	uint64_t cr2 = r->vector == PF_VECTOR ? read_cr2() : 0;
	unsigned int cpu = smp_id();
	uintptr_t rip = r->rip;

	if (handlers[r->vector] && !in_dump[cpu]) {
		if (r->vector == NMI_VECTOR)
			usermode_nmi_handler(handlers[r->vector], r, cpu);
		else
			handlers[r->vector](r);
		return;
	}
	if (!in_dump[cpu] && fault_fixup(&rip, r->vector, r->error_code, cr2)) {
		r->rip = rip;
		return;
	}
	if (in_dump[cpu]) {
		/* faulted while dumping: say so with the least machinery */
		static const char msg[] = "\nUNEXPECTED EXCEPTION while dumping an exception\n";
		console_write(msg, sizeof(msg) - 1);
		exit(VMC_STATUS_ERROR);
	}
	in_dump[cpu] = 1;
	if (r->vector != PF_VECTOR)
		cr2 = read_cr2();
	dump(r, cr2, cpu);
	exit(VMC_STATUS_ERROR);
}
