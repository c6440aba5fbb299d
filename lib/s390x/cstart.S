/*
 * s390x start code and interruption entry points.
 *
 * QEMU's -kernel loader (hw/s390x/ipl.c) loads this ELF and starts the
 * CPU at the ELF entry with a 64-bit PSW, DAT and interrupts off.  When the
 * entry is 0x10000 (the Linux image start) it also copies the -append text
 * to 0x10480 (the Linux parameter area), so the image is linked at 0x10000,
 * starts with a branch over that area, and keeps it as file-backed data
 * (ipl_cmdline) that boot_cmdline() returns.  The start code fits below
 * 0x10480 and the area ends the first PT_LOAD segment (s390x/flat.lds), so a
 * command line longer than the area is dropped by QEMU (it writes only
 * inside a loaded segment) instead of overwriting code.
 */
#include "lowcore.h"

#define STACK_FRAME	160

	.section .init, "ax"
	.globl	start
start:
	j	start_main

start_main:
	/* clear .bss (it also holds the boot stack) */
	larl	%r2, __bss_start
	larl	%r3, __bss_end
0:	clgr	%r2, %r3
	jhe	1f
	mvi	0(%r2), 0
	la	%r2, 1(%r2)
	j	0b
1:	larl	%r15, boot_stack_top
	aghi	%r15, -STACK_FRAME
	xc	0(8,%r15), 0(%r15)
	/* CR0: AFP registers usable, service-signal subclass enabled */
	stctg	%c0, %c0, 0(%r15)
	oi	6(%r15), 0x02		/* bit 54: service signal */
	oi	5(%r15), 0x04		/* bit 45: AFP */
	lctlg	%c0, %c0, 0(%r15)
	xc	0(8,%r15), 0(%r15)
	brasl	%r14, s390x_start	/* never returns */
	j	stop_now

	/*
	 * QEMU reads the maximum command-line size (NUL included) from here,
	 * as from a Linux image header, and refuses a longer -append (else
	 * it assumes the legacy 896 bytes).
	 */
	.org	IPL_CMDLINE_MAX_OFF
	.quad	IPL_CMDLINE_SIZE
	.org	IPL_CMDLINE_OFF
	.globl	ipl_cmdline
ipl_cmdline:
	.fill	IPL_CMDLINE_SIZE, 1, 0

	.section .rodata
	.balign	8
stop_psw:
	.quad	0x0002000180000000, 0xfff

	.text
/* disabled wait: the last resort when everything else failed */
	.globl	stop_now
stop_now:
	larl	%r1, stop_psw
	lpswe	0(%r1)

/*
 * Program interruption: save the GPRs in the lowcore, run the C handler on
 * the interrupted stack (below the interrupted r15, which the ABI leaves
 * free), reload the GPRs and the (possibly changed) program-old PSW.
 */
	.globl	pgm_int_entry
pgm_int_entry:
	stmg	%r0, %r15, LC_PGM_GPRS
	aghi	%r15, -STACK_FRAME
	nill	%r15, 0xfff8
	xc	0(8,%r15), 0(%r15)
	brasl	%r14, handle_pgm_int
	lmg	%r0, %r15, LC_PGM_GPRS
	lpswe	LC_PGM_OLD_PSW

	.globl	ext_int_entry
ext_int_entry:
	stmg	%r0, %r15, LC_EXT_GPRS
	aghi	%r15, -STACK_FRAME
	nill	%r15, 0xfff8
	xc	0(8,%r15), 0(%r15)
	brasl	%r14, handle_ext_int
	lmg	%r0, %r15, LC_EXT_GPRS
	lpswe	LC_EXT_OLD_PSW

/* SVC: only used by leave_pstate(): clear the problem-state bit, return */
	.globl	svc_int_entry
svc_int_entry:
	ni	LC_SVC_OLD_PSW + 1, 0xfe
	lpswe	LC_SVC_OLD_PSW

/* machine check, I/O, restart on CPU 0: never expected */
	.globl	mcck_int_entry
mcck_int_entry:
	stmg	%r0, %r15, LC_PGM_GPRS
	lghi	%r2, 0
	j	2f
	.globl	io_int_entry
io_int_entry:
	stmg	%r0, %r15, LC_PGM_GPRS
	lghi	%r2, 1
	j	2f
	.globl	restart_int_entry
restart_int_entry:
	stmg	%r0, %r15, LC_PGM_GPRS
	lghi	%r2, 2
2:	aghi	%r15, -STACK_FRAME
	nill	%r15, 0xfff8
	xc	0(8,%r15), 0(%r15)
	brasl	%r14, handle_unexpected_int
	j	stop_now

/*
 * Secondary CPU entry (its restart-new PSW): stack and function from its
 * own lowcore, set by smp_cpu_run().
 */
	.globl	secondary_entry
secondary_entry:
	lg	%r15, LC_CPU_STACK
	aghi	%r15, -STACK_FRAME
	xc	0(8,%r15), 0(%r15)
	stctg	%c0, %c0, 0(%r15)
	oi	5(%r15), 0x04		/* AFP, like the boot CPU */
	lctlg	%c0, %c0, 0(%r15)
	xc	0(8,%r15), 0(%r15)
	brasl	%r14, secondary_start	/* never returns */
	j	stop_now

	.section .bss
	.balign	4096
boot_stack:
	.skip	16384
boot_stack_top:
