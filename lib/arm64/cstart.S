/*
 * arm64 start code: the Image header, the boot CPU's and the secondaries'
 * entry, the drop from EL2 to EL1, and the EL1 and EL2 vector tables.
 *
 * QEMU's -kernel loader (hw/arm/boot.c load_aarch64_image) recognises the
 * arm64 Linux Image header below ("ARM\x64" at 0x38), copies the raw image
 * to the start of RAM + text_offset (0x40080000 on -M virt) and enters it
 * like a Linux kernel: MMU off, x0 = the device tree blob (with -append in
 * /chosen/bootargs), at EL2 when the CPU has it (-M virt,virtualization=on),
 * else EL1; the other CPUs stay off until PSCI CPU_ON.
 *
 * Every CPU runs el_setup first: at EL2 it leaves a small EL2 vector table
 * (HVC services for tests, lib/arm64/arm64.h el2_call), gives EL1 the timer
 * and all PMU counters, and ERETs to EL1h with D/A/I/F masked.  Then
 * CPACR_EL1.FPEN = 0b11 (FP/SIMD usable; C code is built
 * -mgeneral-regs-only anyway) and VBAR_EL1, before any C code runs.
 */
#define FRAME 288
#define PL011_PHYS 0x09000000

	.section .init, "ax"
	.globl	_start
_start:
	b	entry			/* code0 */
	.long	0			/* code1 */
	.quad	0x80000			/* text_offset: RAM start + 512 KiB */
	.quad	__image_size		/* image_size, .bss included */
	.quad	2			/* flags: little endian, 4 KiB pages */
	.quad	0, 0, 0
	.long	0x644d5241		/* "ARM\x64" */
	.long	0

entry:
	mov	x19, x0			/* the DTB */
	bl	el_setup
	msr	tpidr_el1, xzr		/* CPU index 0 */
	bl	el1_setup
	adrp	x0, boot_stack_top
	add	x0, x0, :lo12:boot_stack_top
	mov	sp, x0
	/* clear .bss (the boot stack is in .stack, after it) */
	adrp	x0, __bss_start
	add	x0, x0, :lo12:__bss_start
	adrp	x1, __bss_end
	add	x1, x1, :lo12:__bss_end
1:	cmp	x0, x1
	b.hs	2f
	str	xzr, [x0], #8
	b	1b
2:	adrp	x1, boot_el_raw
	ldr	w2, [x1, :lo12:boot_el_raw]
	adrp	x1, boot_el
	str	w2, [x1, :lo12:boot_el]
	mov	x0, x19
	bl	arm64_start		/* never returns */
	b	halt

/*
 * PSCI CPU_ON entry of a secondary: x0 = context id = its CPU index.
 * The MMU is switched on with the boot CPU's registers (mmu_regs) before C.
 */
	.globl	secondary_entry
secondary_entry:
	mov	x19, x0
	bl	el_setup
	msr	tpidr_el1, x19
	bl	el1_setup
	adrp	x0, sec_stacks
	add	x0, x0, :lo12:sec_stacks
	add	x1, x19, #1
	lsl	x1, x1, #14		/* 16 KiB each */
	add	x0, x0, x1
	mov	sp, x0
	adrp	x0, mmu_regs
	add	x0, x0, :lo12:mmu_regs
	ldp	x1, x2, [x0]		/* mair, tcr */
	ldp	x3, x4, [x0, #16]	/* ttbr0, sctlr */
	cbz	x4, 1f
	msr	mair_el1, x1
	msr	tcr_el1, x2
	msr	ttbr0_el1, x3
	isb
	tlbi	vmalle1
	dsb	nsh
	msr	sctlr_el1, x4
	isb
1:	mov	x0, x19
	bl	secondary_start		/* never returns */
	b	halt

/* EL1: FP/SIMD on, vectors in place.  Clobbers x0. */
el1_setup:
	mov	x0, #(3 << 20)
	msr	cpacr_el1, x0
	adrp	x0, vectors
	add	x0, x0, :lo12:vectors
	msr	vbar_el1, x0
	isb
	ret

/*
 * At EL2: set EL2 up for an EL1 guest and ERET to the caller at EL1h.
 * At EL1: return.  Records the EL in boot_el_raw.  Clobbers x0-x3.
 */
el_setup:
	mrs	x0, CurrentEL
	ubfx	x0, x0, #2, #2
	adrp	x1, boot_el_raw
	str	w0, [x1, :lo12:boot_el_raw]
	cmp	x0, #2
	b.eq	1f
	ret
1:	adrp	x1, el2_vectors
	add	x1, x1, :lo12:el2_vectors
	msr	vbar_el2, x1
	mov	x1, #(1 << 31)		/* HCR_EL2.RW: EL1 is AArch64; no traps */
	msr	hcr_el2, x1
	mrs	x1, cnthctl_el2
	orr	x1, x1, #3		/* EL1PCTEN, EL1PCEN */
	msr	cnthctl_el2, x1
	msr	cntvoff_el2, xzr
	mrs	x1, midr_el1
	msr	vpidr_el2, x1
	mrs	x1, mpidr_el1
	msr	vmpidr_el2, x1
	mov	x1, #0x33ff		/* CPTR_EL2: RES1 bits, TFP = 0 */
	msr	cptr_el2, x1
	/* MDCR_EL2.HPMN = PMCR_EL0.N when there is a PMUv3: EL1 sees all counters */
	mov	x2, xzr
	mrs	x1, id_aa64dfr0_el1
	ubfx	x1, x1, #8, #4
	cbz	x1, 2f
	cmp	x1, #0xf
	b.eq	2f
	mrs	x1, pmcr_el0
	ubfx	x2, x1, #11, #5
2:	msr	mdcr_el2, x2
	msr	vttbr_el2, xzr
	ldr	x1, =0x30d00800		/* SCTLR_EL1: RES1 bits, MMU and caches off */
	msr	sctlr_el1, x1
	mov	x1, #0x3c5		/* EL1h, DAIF masked */
	msr	spsr_el2, x1
	msr	elr_el2, x30
	isb
	eret

	.globl	halt
halt:
	wfi
	b	halt

/* ---------------------------------------------------------------- EL1 vectors */
.macro VENTRY slot
	.balign	0x80
	sub	sp, sp, #FRAME
	stp	x0, x1, [sp]
	mov	x0, #\slot
	b	ex_common
.endm

	.text
	.balign	2048
	.globl	vectors
vectors:
	VENTRY	0
	VENTRY	1
	VENTRY	2
	VENTRY	3
	VENTRY	4
	VENTRY	5
	VENTRY	6
	VENTRY	7
	VENTRY	8
	VENTRY	9
	VENTRY	10
	VENTRY	11
	VENTRY	12
	VENTRY	13
	VENTRY	14
	VENTRY	15

/* struct ex_regs on the stack; handle_exception(regs, slot) */
ex_common:
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x19, [sp, #144]
	stp	x20, x21, [sp, #160]
	stp	x22, x23, [sp, #176]
	stp	x24, x25, [sp, #192]
	stp	x26, x27, [sp, #208]
	stp	x28, x29, [sp, #224]
	add	x1, sp, #FRAME
	stp	x30, x1, [sp, #240]
	mrs	x1, elr_el1
	mrs	x2, spsr_el1
	stp	x1, x2, [sp, #256]
	mrs	x1, esr_el1
	mrs	x2, far_el1
	stp	x1, x2, [sp, #272]
	mov	x1, x0
	mov	x0, sp
	bl	handle_exception
	ldp	x1, x2, [sp, #256]
	msr	elr_el1, x1
	msr	spsr_el1, x2
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldp	x18, x19, [sp, #144]
	ldp	x20, x21, [sp, #160]
	ldp	x22, x23, [sp, #176]
	ldp	x24, x25, [sp, #192]
	ldp	x26, x27, [sp, #208]
	ldp	x28, x29, [sp, #224]
	ldr	x30, [sp, #240]
	ldp	x0, x1, [sp]
	add	sp, sp, #FRAME
	eret

/* ---------------------------------------------------------------- EL2 vectors */
/*
 * Only HVC #0 from EL1 (lower EL, AArch64, slot 8) is served: x0 = op,
 * x1 = argument, result in x0; x9 is clobbered.  Anything else prints a
 * line and ends the run as ERROR (status table, lib/status.h).
 */
.macro EL2BAD
	.balign	0x80
	b	el2_bad
.endm

	.balign	2048
el2_vectors:
	EL2BAD
	EL2BAD
	EL2BAD
	EL2BAD
	EL2BAD
	EL2BAD
	EL2BAD
	EL2BAD
	.balign	0x80
	b	el2_sync_lower
	EL2BAD
	EL2BAD
	EL2BAD
	EL2BAD
	EL2BAD
	EL2BAD
	EL2BAD

el2_sync_lower:
	mrs	x9, esr_el2
	ubfx	x9, x9, #26, #6
	cmp	x9, #0x16		/* HVC64 */
	b.ne	el2_bad
	mrs	x9, esr_el2
	and	x9, x9, #0xffff
	cbnz	x9, el2_bad		/* only HVC #0 */
	cmp	x0, #1
	b.eq	1f
	cmp	x0, #2
	b.eq	2f
	cmp	x0, #3
	b.eq	3f
	cmp	x0, #4
	b.eq	4f
	cmp	x0, #5
	b.eq	5f
	mov	x0, #-1
	eret
1:	mrs	x0, hcr_el2
	eret
2:	msr	hcr_el2, x1
	isb
	mov	x0, xzr
	eret
3:	msr	s3_4_c5_c2_3, x1	/* VSESR_EL2 */
	isb
	mov	x0, xzr
	eret
4:	mrs	x0, s3_4_c5_c2_3
	eret
5:	mrs	x0, CurrentEL
	eret

el2_bad:
	adrp	x1, el2_msg
	add	x1, x1, :lo12:el2_msg
	mov	x2, #PL011_PHYS
1:	ldrb	w3, [x1], #1
	cbz	w3, 3f
2:	ldr	w4, [x2, #0x18]
	tbnz	w4, #5, 2b
	str	w3, [x2]
	b	1b
3:	ldr	x0, =0x84000008		/* PSCI SYSTEM_OFF over SMC from EL2 */
	smc	#0
	b	halt

	.section .rodata
el2_msg:
	.asciz	"UNEXPECTED EXCEPTION at EL2 (not an HVC #0 service call)\nEXIT: STATUS=3\n"

	.section .data
	.balign	8
boot_el_raw:
	.long	0

	.section .stack, "aw", %nobits
	.balign	4096
boot_stack:
	.skip	16384
boot_stack_top:
