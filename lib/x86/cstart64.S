/*
 * x86_64 entry: multiboot v1 hand-off -> long mode -> exit(main(argc, argv)).
 *
 * Entered per the multiboot spec and nothing more: 32-bit protected mode,
 * flat CS/DS, paging off, interrupts off, EAX = 0x2BADB002, EBX = physical
 * address of the multiboot info.  No BIOS state, no stack and no GDT from the
 * loader are used; the same code runs under QEMU -kernel and the vmconform
 * harness.
 *
 * The 32-bit part is kept to the few instructions that reach long mode:
 * some hosts run non-64-bit guest code through an instruction emulator
 * (kvm_pvm does; a `rep stosb` over .bss and a page-table loop there cost
 * ~25 ms of boot), so the page tables are assembled into .data and .bss is
 * cleared once in 64-bit mode.
 *
 * Set up here:
 *  - .bss cleared (stacks, C globals);
 *  - our GDT: 0x08 64-bit code, 0x10 flat data, 0x18 32-bit code, TSS slots
 *    from 0x20 (filled by desc.c), then USER_CS (DPL-3 64-bit code) and
 *    USER_DS (DPL-3 data) after the last slot (processor.h);
 *  - DS = ES = SS = 0x10, FS = GS = 0 (null: see LOAD_DATA_SEGS);
 *  - page tables identity-mapping 0..4 GiB with 2 MiB pages, RW, and U set
 *    on every level (as kvm-unit-tests maps; CPL-3 library code runs on
 *    it, lib/x86/usermode.c); nothing above 4 GiB is mapped (a test can
 *    take #PF there);
 *  - CR4 = PAE, EFER.LME, CR0 = PE|ET|NE|WP|PG (explicit values, so the state
 *    does not depend on the loader), RFLAGS = 0x2;
 *  - a 16 KiB stack, RBP = 0 (the end of every backtrace).
 * Then setup_x86(magic, info) (setup.c) and exit(main(__argc, __argv)).
 *
 * Direct 64-bit entry (vmc-harness only; docs/channel.md "Boot"): right
 * after the multiboot header sits the vmconform boot header (VMC_BOOT_*,
 * lib/x86/boot-abi.h).  It names start64_direct, the page tables, our GDT
 * and selectors, and the console block (lib/x86/io.c).  The harness may
 * start the boot CPU at start64_direct with the state the 32-bit path
 * builds (long mode, CR0/CR3/CR4/EFER as above, our GDT loaded, CS 0x08,
 * data 0x10, FS = GS = 0, RFLAGS 0x2) and EAX/EBX as multiboot gives them; the
 * multiboot info, memory map and command line are the same.  The harness
 * zero-fills every segment past its file size, so start64_direct skips the
 * .bss clear (on an emulating host ~7 ms) and the data segment loads (the
 * harness loaded them from our GDT); memory is the same either way.  The only
 * difference a test can see is x86_boot_direct64 (1 when entered there).
 * QEMU ignores the header and boots through start32.
 */
#include "long-mode.h"
#include "efi-boot.h"
#include "boot-abi.h"

#define MB_MAGIC	0x1BADB002
#define MB_FLAGS	0x00000003	/* page-align modules, want memory info */
#define MAX_CPUS	64
#define BOOT_STACK_SIZE	16384

	.section .text.boot, "ax"
	.code32
	.balign 4
multiboot_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
	/* x86_64-efi: the stub (lib/x86/efi/stub.c) finds the 64-bit entry here */
	.long VMC_EFI_HDR_MAGIC
	.long VMC_EFI_VERSION
	.quad start64_efi

	/* the vmconform boot header (boot-abi.h: struct vmc_boot_header) */
	.balign 8
vmc_boot_header:
	.long VMC_BOOT_MAGIC
	.long VMC_BOOT_VERSION
	.quad start64_direct		/* entry64 */
	.quad pt_pml4			/* cr3 */
	.quad gdt			/* gdt_base */
	.word gdt_end - gdt - 1		/* gdt_limit */
	.word 0x08			/* cs */
	.word 0x10			/* ds */
	.word 0				/* pad */
	.quad x86_console_block		/* console */
	.long 0				/* reserved */
	.long -(VMC_BOOT_MAGIC + VMC_BOOT_VERSION)	/* checksum of the two */

	.globl start32
start32:
	cli
	cld
	movl %eax, %esi			/* multiboot magic and info survive */
	movl %ebx, %edi			/* in ESI/EDI into long mode */
	lgdt gdt_desc
	ljmp $0x18, $1f
1:	LOAD_DATA_SEGS $0x10
	movl $boot_stack_top, %esp
	pushl $2
	popfl
	ENTER_LONG_MODE $pt_pml4
	ljmp $0x08, $start64

	.code64
	/* direct 64-bit entry: EAX/EBX as multiboot passes them */
	.globl start64_direct
start64_direct:
	movl %eax, %r12d		/* multiboot magic */
	movl %ebx, %r13d		/* multiboot info */
	movb $1, x86_boot_direct64(%rip)
	/* the harness loaded .bss as zeroes (boot-abi.h): no clear needed */
	jmp 2f
start64:
	LOAD_DATA_SEGS $0x10
	movl %esi, %r12d		/* multiboot magic */
	movl %edi, %r13d		/* multiboot info */
	/* clear .bss (stacks, C globals); nothing there is in use yet */
	movabsq $__bss_start, %rdi
	movabsq $__bss_end, %rcx
	subq %rdi, %rcx
	shrq $3, %rcx
	xorl %eax, %eax
	rep stosq
2:	movabsq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	movl %r12d, %edi
	movl %r13d, %esi
	call setup_x86
	movl __argc(%rip), %edi
	leaq __argv(%rip), %rsi
	call main
	movl %eax, %edi
	call exit
4:	cli
	hlt
	jmp 4b

	/*
	 * x86_64-efi entry (efi-boot.h): 64-bit mode on the firmware's GDT,
	 * page tables and stack, interrupts off, boot services gone, RDI =
	 * struct vmc_efi_boot.  The stub loaded the image and zeroed .bss, so
	 * .bss is not cleared again (the hand-off block is not in it).  Our
	 * GDT and stack first; setup_x86_efi() installs the IDT (#VC handler)
	 * and our page tables (C-bit when SEV is active).
	 */
	.globl start64_efi
start64_efi:
	cli
	cld
	movq %rdi, %r12
	lgdt gdt_desc(%rip)
	movabsq $boot_stack_top, %rsp
	pushq $0x08
	movabsq $1f, %rax
	pushq %rax
	lretq
1:	LOAD_DATA_SEGS $0x10
	xorl %ebp, %ebp
	movq %r12, %rdi
	call setup_x86_efi
	movl __argc(%rip), %edi
	leaq __argv(%rip), %rsi
	call main
	movl %eax, %edi
	call exit
5:	cli
	hlt
	jmp 5b

	.data
	.globl x86_boot_direct64
x86_boot_direct64:
	.byte 0				/* 1: started at start64_direct */
	.globl gdt
	.balign 16
gdt:
	.quad 0				/* 0x00 null */
	.quad 0x00af9b000000ffff	/* 0x08 64-bit code */
	.quad 0x00cf93000000ffff	/* 0x10 flat data */
	.quad 0x00cf9b000000ffff	/* 0x18 32-bit code */
	/*
	 * 0x20: the boot CPU's TSS (desc.c x86_tss[0]), assembled: 16-byte
	 * available 64-bit TSS, limit 103, base from x86/flat.lds's pieces
	 * (below 4 GiB), so setup_tss(0) is one LTR
	 */
	.word 103, __tss0_lo16
	.byte __tss0_b16, 0x89, 0, __tss0_b24
	.long 0, 0
	.fill 2 * (MAX_CPUS - 1), 8, 0	/* 0x30 + 16*(n-1): TSS of CPU n */
	.quad 0x00affb000000ffff	/* USER_CS: DPL-3 64-bit code */
	.quad 0x00cff3000000ffff	/* USER_DS: DPL-3 flat data */
	.globl gdt_end
gdt_end:
	.globl gdt_desc
	.balign 8
gdt_desc:
	.word gdt_end - gdt - 1
	.quad gdt

	/*
	 * Identity map of 0..4 GiB, assembled: PML4[0] -> PDPT, PDPT[0..3] ->
	 * 4 page directories of 512 x 2 MiB pages, P|RW|U|PS (U on every
	 * level: usermode.c).  Nothing above 4 GiB is mapped (a test can take
	 * #PF there).
	 */
	.section .data.pagetables, "aw"
	.balign 4096
	.globl pt_pml4
pt_pml4:
	.quad pt_pdpt + 7
	.fill 511, 8, 0
	.globl pt_pdpt, pt_pd
pt_pdpt:
	.quad pt_pd + 0x0007, pt_pd + 0x1007, pt_pd + 0x2007, pt_pd + 0x3007
	.fill 508, 8, 0
pt_pd:
	.set pde, 0
	.rept 2048
	.quad (pde << 21) | 0x87
	.set pde, pde + 1
	.endr

	.section .bss.noclear, "aw", @nobits	/* not cleared by start64 (x86/flat.lds) */
	.balign BOOT_STACK_SIZE		/* = X86_STACK_SIZE: smp_id() finds its tag */
	.globl boot_stack, boot_stack_top
boot_stack:	.skip BOOT_STACK_SIZE
boot_stack_top:
