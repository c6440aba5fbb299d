/*
 * s390x Adjunct Processor (crypto) instructions: PQAP (B2AF), NQAP (B2AD),
 * DQAP (B2AE).  binutils 2.40 has no mnemonics for them, so they are
 * encoded here, and only here, with .insn rre (opcodes and register use:
 * specs/s390x-ap.md §1-§4).
 *
 * Every wrapper runs the instruction under FAULT_INSN: a program
 * interruption is recorded in the fault record (see lib/fault.h; call
 * fault_arm() before and fault_take() after) and execution goes on after
 * the instruction.  The condition code is preset to `precc` with SPM
 * before the instruction, so a path that forgets to set it is visible, and
 * an interruption (which leaves the cc alone) returns precc.
 */
#ifndef VMC_S390X_AP_H
#define VMC_S390X_AP_H

#include <stdint.h>
#include "fault-asm.h"

/* PQAP function codes (GR0 bits 32-39) */
#define AP_FC_TAPQ	0x00	/* test AP queue */
#define AP_FC_RAPQ	0x01	/* reset AP queue */
#define AP_FC_ZAPQ	0x02	/* reset and zeroize AP queue */
#define AP_FC_AQIC	0x03	/* AP-queue interruption control */
#define AP_FC_QCI	0x04	/* query configuration information */
#define AP_FC_QACT	0x05	/* query AP compatibility type */
#define AP_FC_QBAP	0x06	/* query best AP */
#define AP_FC_BAPQ	0x07	/* bind AP queue (Secure Execution) */
#define AP_FC_AAPQ	0x08	/* associate AP queue (Secure Execution) */

#define AP_GR0_FC(fc)	((uint64_t)(fc) << 24)
#define AP_GR0_T	(1UL << 23)	/* bit 40: TAPQ test facilities */
#define AP_GR0_BIT(n)	(1UL << (63 - (n)))	/* GR0 bit n (0 = MSB) */
#define AP_APQN(apid, apqi) ((uint64_t)(((apid) & 0xff) << 8 | ((apqi) & 0xff)))

/* NQAP / DQAP GR0 flags */
#define AP_NQAP_LAST	0x40000000UL	/* bit 33: last (only) message part */
#define AP_DQAP_FIRST	0x80000000UL	/* bit 32 */

/* AP queue status word: GR1 bits 32-63 */
#define APQSW_E		0x80000000U	/* queue empty */
#define APQSW_R		0x40000000U	/* replies waiting */
#define APQSW_F		0x20000000U	/* queue full */
#define APQSW_IR	0x01000000U	/* interruptions enabled */
#define APQSW_RC(s)	(((s) >> 16) & 0xff)

/* response codes */
#define AP_RC_NORMAL		0x00
#define AP_RC_Q_NOT_AVAIL	0x01
#define AP_RC_RESET_IN_PROGRESS	0x02
#define AP_RC_DECONFIGURED	0x03
#define AP_RC_CHECKSTOPPED	0x04
#define AP_RC_BUSY		0x05
#define AP_RC_INVALID_ADDRESS	0x06
#define AP_RC_OTHERWISE_CHANGED	0x07

/* AQIC GR1 control word (union ap_qirq_ctrl): IR bit 16, ISC bits 61-63 */
#define AP_AQIC_IR	(1UL << 47)
#define AP_AQIC_ISC(isc) ((uint64_t)(isc) & 7)

/* TAPQ with T = 1: GR2 fields */
#define AP_TAPQ_CCA	(1UL << 60)	/* bit 3: CCA coprocessor mode */
#define AP_TAPQ_ACCEL	(1UL << 59)	/* bit 4: accelerator mode */
#define AP_TAPQ_EP11	(1UL << 58)	/* bit 5: EP11 coprocessor mode */
#define AP_TAPQ_APXA	(1UL << 57)	/* bit 6 */
#define AP_TAPQ_TYPE(g)	(((g) >> 24) & 0xff)	/* bits 32-39 */
#define AP_TAPQ_ND(g)	(((g) >> 16) & 0xff)	/* bits 40-47 */
#define AP_TAPQ_ML(g)	(((g) >> 8) & 0xf)	/* bits 52-55, 4 KiB pages */

/* QCI block (128 bytes, doubleword aligned) */
struct ap_qci {
	uint8_t flags;		/* 0x80 S, 0x40 N (APXA), 0x20 C (QACT), 0x10 R */
	uint8_t flags2[3];
	uint8_t na;		/* highest APID */
	uint8_t nd;		/* highest domain index */
	uint8_t reserved0[10];
	uint8_t apm[32];	/* adapters, bit 0 = MSB of apm[0] */
	uint8_t aqm[32];	/* usage domains */
	uint8_t adm[32];	/* control domains */
	uint8_t reserved1[16];
} __attribute__((aligned(8)));
#define AP_QCI_APXA	0x40

static inline int ap_mask_test(const uint8_t *mask, unsigned int n)
{
	return (mask[n / 8] >> (7 - n % 8)) & 1;
}

/* registers in and out; where: the instruction and the next one */
struct ap_regs {
	uint64_t gr0, gr1, gr2;
	uint64_t r4, r5, r6, r7;	/* NQAP/DQAP R1 and R2 pairs */
	uintptr_t insn, next;
};

/* PQAP: GR0-GR2 in and out; returns the condition code */
static inline int ap_pqap(struct ap_regs *r, int precc)
{
	register uint64_t g0 asm("0") = r->gr0;
	register uint64_t g1 asm("1") = r->gr1;
	register uint64_t g2 asm("2") = r->gr2;
	int cc;

	asm volatile(
		"	spm	%[pre]\n"
		FAULT_INSN(".insn rre,0xb2af0000,0,0")
		"	ipm	%[cc]\n"
		"	srl	%[cc],28\n"
		"	larl	%[i],661b\n"
		"	larl	%[n],662b\n"
		: [cc] "=&d"(cc), "+d"(g0), "+d"(g1), "+d"(g2),
		  [i] "=&a"(r->insn), [n] "=&a"(r->next)
		: [pre] "d"((uint64_t)precc << 28)
		: "cc", "memory");
	r->gr0 = g0;
	r->gr1 = g1;
	r->gr2 = g2;
	return cc;
}

/*
 * NQAP / DQAP with R1 and R2 given as register numbers (4..7): R1 = 4 and
 * R2 = 6 are the valid even pairs (r4/r5, r6/r7); 5 or 7 make them odd.
 */
#define AP_DEFINE_NQDQ(name, opcode, R1, R2)				\
static inline int name(struct ap_regs *r, int precc)			\
{									\
	register uint64_t g0 asm("0") = r->gr0;				\
	register uint64_t g1 asm("1") = r->gr1;				\
	register uint64_t g2 asm("2") = r->gr2;				\
	register uint64_t g4 asm("4") = r->r4;				\
	register uint64_t g5 asm("5") = r->r5;				\
	register uint64_t g6 asm("6") = r->r6;				\
	register uint64_t g7 asm("7") = r->r7;				\
	int cc;								\
									\
	asm volatile(							\
		"	spm	%[pre]\n"				\
		FAULT_INSN(".insn rre," #opcode "," #R1 "," #R2)	\
		"	ipm	%[cc]\n"				\
		"	srl	%[cc],28\n"				\
		"	larl	%[i],661b\n"				\
		"	larl	%[n],662b\n"				\
		: [cc] "=&d"(cc), "+d"(g0), "+d"(g1), "+d"(g2),		\
		  "+d"(g4), "+d"(g5), "+d"(g6), "+d"(g7),		\
		  [i] "=&a"(r->insn), [n] "=&a"(r->next)		\
		: [pre] "d"((uint64_t)precc << 28)			\
		: "cc", "memory");					\
	r->gr0 = g0; r->gr1 = g1; r->gr2 = g2;				\
	r->r4 = g4; r->r5 = g5; r->r6 = g6; r->r7 = g7;			\
	return cc;							\
}

AP_DEFINE_NQDQ(ap_nqap, 0xb2ad0000, 4, 6)
AP_DEFINE_NQDQ(ap_nqap_odd_r1, 0xb2ad0000, 5, 6)
AP_DEFINE_NQDQ(ap_nqap_odd_r2, 0xb2ad0000, 4, 7)
AP_DEFINE_NQDQ(ap_dqap, 0xb2ae0000, 4, 6)
AP_DEFINE_NQDQ(ap_dqap_odd_r1, 0xb2ae0000, 5, 6)
AP_DEFINE_NQDQ(ap_dqap_odd_r2, 0xb2ae0000, 4, 7)

#endif
