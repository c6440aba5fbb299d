/*
 * s390x lowcore (prefix area) layout, PSW bits and control-register bits.
 *
 * Offsets are the architected z/Architecture assignments (Principles of
 * Operation, "Assigned Storage Locations"); 0x200-0x3ff is free for the
 * program and holds the library's per-CPU save areas.  Usable from C and
 * from assembler (only #defines outside the !__ASSEMBLY__ block).
 */
#ifndef VMC_S390X_LOWCORE_H
#define VMC_S390X_LOWCORE_H

/* architected fields */
#define LC_EXT_PARAMS		0x080	/* u32 external-interruption parameter */
#define LC_EXT_CPU_ADDR		0x084	/* u16 */
#define LC_EXT_INT_CODE		0x086	/* u16 */
#define LC_SVC_ILC		0x088	/* u16 */
#define LC_SVC_CODE		0x08a	/* u16 */
#define LC_PGM_ILC		0x08c	/* u16: instruction length in bytes (ILC * 2) */
#define LC_PGM_CODE		0x08e	/* u16 program-interruption code */
#define LC_TRANS_EXC_ID		0x0a8	/* u64 translation-exception identification */
#define LC_RESTART_OLD_PSW	0x120
#define LC_EXT_OLD_PSW		0x130
#define LC_SVC_OLD_PSW		0x140
#define LC_PGM_OLD_PSW		0x150
#define LC_MCCK_OLD_PSW		0x160
#define LC_IO_OLD_PSW		0x170
#define LC_RESTART_NEW_PSW	0x1a0
#define LC_EXT_NEW_PSW		0x1b0
#define LC_SVC_NEW_PSW		0x1c0
#define LC_PGM_NEW_PSW		0x1d0
#define LC_MCCK_NEW_PSW		0x1e0
#define LC_IO_NEW_PSW		0x1f0

/* library-owned per-CPU fields (program area of the lowcore) */
#define LC_PGM_GPRS		0x200	/* 16 * u64: GPRs at program interruption */
#define LC_EXT_GPRS		0x280	/* 16 * u64: GPRs at external interruption */
#define LC_CPU_STACK		0x300	/* u64: initial stack pointer (secondaries) */
#define LC_CPU_FN		0x308	/* u64: function a secondary CPU runs */
#define LC_IN_PGM		0x310	/* u64: program-interruption nesting */
#define LC_SIZE			0x2000	/* a prefix area is 8 KiB, 8 KiB aligned */

/* -append text: QEMU copies it to 0x10480 for an image entered at 0x10000 */
#define IPL_CMDLINE_OFF		0x480	/* from the image start */
#define IPL_CMDLINE_SIZE	0x800
#define IPL_CMDLINE_MAX_OFF	0x430	/* u64: the area size, read by QEMU */

/* PSW mask bits (64-bit mask word) */
#define PSW_MASK_PER		0x4000000000000000UL
#define PSW_MASK_DAT		0x0400000000000000UL
#define PSW_MASK_IO		0x0200000000000000UL
#define PSW_MASK_EXT		0x0100000000000000UL
#define PSW_MASK_MCHECK		0x0004000000000000UL
#define PSW_MASK_WAIT		0x0002000000000000UL
#define PSW_MASK_PSTATE		0x0001000000000000UL
#define PSW_MASK_EA		0x0000000100000000UL
#define PSW_MASK_BA		0x0000000080000000UL
#define PSW_MASK_64		(PSW_MASK_EA | PSW_MASK_BA)

/* CR0 bits (as values of the 64-bit register) */
#define CR0_AFP			0x0000000000040000UL	/* bit 45 */
#define CR0_VECTOR		0x0000000000020000UL	/* bit 46 */
#define CR0_CPU_TIMER		0x0000000000000400UL	/* bit 53 */
#define CR0_SERVICE_SIGNAL	0x0000000000000200UL	/* bit 54 */

/* program-interruption codes */
#define PGM_OPERATION		0x01
#define PGM_PRIVILEGED		0x02
#define PGM_EXECUTE		0x03
#define PGM_PROTECTION		0x04
#define PGM_ADDRESSING		0x05
#define PGM_SPECIFICATION	0x06
#define PGM_DATA		0x07

/* external-interruption codes */
#define EXT_CPU_TIMER		0x1005
#define EXT_SERVICE_SIGNAL	0x2401

#ifndef __ASSEMBLY__
#include <stdint.h>

struct psw {
	uint64_t mask;
	uint64_t addr;
} __attribute__((aligned(8)));

/* the current CPU's lowcore: real address 0 (prefixing maps it per CPU) */

static inline uintptr_t lowcore_base(void)
{
	uintptr_t base;

	/* hide the constant 0 from the compiler: no null-pointer reasoning */
	asm("lghi %0,0" : "=d"(base));
	return base;
}

#define LC_U16(off)	(*(volatile uint16_t *)(lowcore_base() + (off)))
#define LC_U32(off)	(*(volatile uint32_t *)(lowcore_base() + (off)))
#define LC_U64(off)	(*(volatile uint64_t *)(lowcore_base() + (off)))
#define LC_PSW(off)	(*(volatile struct psw *)(lowcore_base() + (off)))
#endif

#endif
