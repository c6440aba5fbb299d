/*
 * x86_64 entry: multiboot v1 hand-off -> long mode -> exit(main(argc, argv)).
 *
 * Entered per the multiboot spec and nothing more: 32-bit protected mode,
 * flat CS/DS, paging off, interrupts off, EAX = 0x2BADB002, EBX = physical
 * address of the multiboot info.  No BIOS state, no stack and no GDT from the
 * loader are used; the same code runs under QEMU -kernel and the vmconform
 * harness.
 *
 * Set up here:
 *  - .bss cleared (the page tables and stacks live there);
 *  - our GDT: 0x08 64-bit code, 0x10 flat data, 0x18 32-bit code, TSS slots
 *    from 0x20 (filled by desc.c);
 *  - page tables identity-mapping 0..4 GiB with 2 MiB pages, RW, supervisor;
 *    nothing above 4 GiB is mapped (a test can take #PF there);
 *  - CR4 = PAE, EFER.LME, CR0 = PE|ET|NE|WP|PG (explicit values, so the state
 *    does not depend on the loader), RFLAGS = 0x2;
 *  - a 16 KiB stack, RBP = 0 (the end of every backtrace).
 * Then setup_x86(magic, info) (setup.c) and exit(main(__argc, __argv)).
 */
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

	.globl start32
start32:
	cli
	cld
	movl %eax, mb_magic
	movl %ebx, mb_info

	/* clear .bss (page tables, stacks, C globals) */
	movl $__bss_start, %edi
	movl $__bss_end, %ecx
	subl %edi, %ecx
	xorl %eax, %eax
	rep stosb

	lgdt gdt_desc
	ljmp $0x18, $1f
1:	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %eax, %fs
	movl %eax, %gs
	movl $boot_stack_top, %esp
	pushl $2
	popfl

	/* 4 page directories: 2048 x 2 MiB = 4 GiB, P|RW|PS */
	movl $pt_pd, %edi
	movl $0x83, %eax
	movl $2048, %ecx
2:	movl %eax, (%edi)
	movl $0, 4(%edi)
	addl $0x200000, %eax
	addl $8, %edi
	loop 2b
	/* PDPT[0..3] -> the 4 directories */
	movl $pt_pdpt, %edi
	movl $pt_pd + 3, %eax
	movl $4, %ecx
3:	movl %eax, (%edi)
	addl $4096, %eax
	addl $8, %edi
	loop 3b
	/* PML4[0] -> PDPT */
	movl $pt_pdpt + 3, %eax
	movl %eax, pt_pml4

	movl $pt_pml4, %eax
	movl %eax, %cr3
	movl $0x20, %eax		/* CR4.PAE */
	movl %eax, %cr4
	movl $0xc0000080, %ecx		/* EFER.LME */
	rdmsr
	orl $0x100, %eax
	wrmsr
	movl $0x80010031, %eax		/* PG | WP | NE | ET | PE */
	movl %eax, %cr0
	ljmp $0x08, $start64

	.code64
start64:
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %eax, %fs
	movl %eax, %gs
	movabsq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	movl mb_magic(%rip), %edi
	movl mb_info(%rip), %esi
	call setup_x86
	movl __argc(%rip), %edi
	leaq __argv(%rip), %rsi
	call main
	movl %eax, %edi
	call exit
4:	cli
	hlt
	jmp 4b

	.data
	.balign 8
mb_magic:	.long 0
mb_info:	.long 0

	.globl gdt
	.balign 16
gdt:
	.quad 0				/* 0x00 null */
	.quad 0x00af9b000000ffff	/* 0x08 64-bit code */
	.quad 0x00cf93000000ffff	/* 0x10 flat data */
	.quad 0x00cf9b000000ffff	/* 0x18 32-bit code */
	.fill 2 * MAX_CPUS, 8, 0	/* 0x20 + 16*n: TSS of CPU n */
gdt_end:
	.globl gdt_desc
	.balign 8
gdt_desc:
	.word gdt_end - gdt - 1
	.quad gdt

	.section .bss.pagetables, "aw", @nobits
	.balign 4096
pt_pml4:	.skip 4096
pt_pdpt:	.skip 4096
pt_pd:		.skip 4 * 4096

	.bss
	.balign 16
	.globl boot_stack, boot_stack_top
boot_stack:	.skip BOOT_STACK_SIZE
boot_stack_top:
