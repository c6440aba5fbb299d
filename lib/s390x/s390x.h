/*
 * s390x arch helpers: control registers, CPU address, STFLE facility bits,
 * SIGP, PSW / problem-state switching, the SCLP console and CPU list.
 */
#ifndef VMC_S390X_H
#define VMC_S390X_H

#include <stdbool.h>
#include <stdint.h>
#include "lowcore.h"

/* ---- control registers ---- */
static inline uint64_t stctg0(void)
{
	uint64_t v;

	asm volatile("stctg 0,0,%0" : "=Q"(v));
	return v;
}

static inline void lctlg0(uint64_t v)
{
	asm volatile("lctlg 0,0,%0" : : "Q"(v) : "memory");
}

/* STORE CPU ADDRESS */
static inline uint16_t stap(void)
{
	uint16_t a;

	asm volatile("stap %0" : "=Q"(a));
	return a;
}

/* current PSW mask (EXTRACT PSW) */
static inline uint64_t extract_psw_mask(void)
{
	uint32_t hi, lo;

	asm volatile("epsw %0,%1" : "=d"(hi), "=d"(lo));
	return ((uint64_t)hi << 32) | lo;
}

static inline void load_psw(const volatile struct psw *psw)
{
	asm volatile("lpswe %0" : : "Q"(*psw) : "memory", "cc");
}

/*
 * Problem state.  enter_pstate() continues at the next instruction with the
 * PSW problem-state bit set (the rest of the mask unchanged); leave_pstate()
 * issues SVC 0, whose handler (cstart.S) clears the bit and returns.  Code in
 * between must not use privileged instructions except the one under test
 * (no printf: the SCLP console needs SERVICE CALL, which is privileged).
 */
static inline void enter_pstate(void)
{
	struct psw psw;

	asm volatile(
		"	epsw	%%r0,%%r1\n"
		"	sllg	%%r0,%%r0,32\n"
		"	llgfr	%%r1,%%r1\n"
		"	ogr	%%r0,%%r1\n"
		"	oihh	%%r0,1\n"		/* PSW bit 15: problem state */
		"	stg	%%r0,%[psw]\n"
		"	larl	%%r1,0f\n"
		"	stg	%%r1,8+%[psw]\n"
		"	lpswe	%[psw]\n"
		"0:\n"
		: [psw] "=&Q"(psw) : : "r0", "r1", "memory", "cc");
}

static inline void leave_pstate(void)
{
	asm volatile("svc 0" : : : "memory");
}

static inline bool in_pstate(void)
{
	return extract_psw_mask() & PSW_MASK_PSTATE;
}

/* ---- STFLE ---- */
#define STFLE_DWORDS 4
/* fills STFLE_DWORDS doublewords (zeros beyond what the CPU stores) */
void stfle_read(uint64_t list[STFLE_DWORDS]);
/* facility bit nr (0 = MSB of the first doubleword) */
bool test_facility(unsigned int nr);

/* ---- SIGP ---- */
#define SIGP_SENSE			0x01
#define SIGP_EXTERNAL_CALL		0x02
#define SIGP_EMERGENCY_SIGNAL		0x03
#define SIGP_START			0x04
#define SIGP_STOP			0x05
#define SIGP_RESTART			0x06
#define SIGP_STOP_AND_STORE_STATUS	0x09
#define SIGP_INITIAL_CPU_RESET		0x0b
#define SIGP_CPU_RESET			0x0c
#define SIGP_SET_PREFIX			0x0d
#define SIGP_STORE_STATUS_AT_ADDRESS	0x0e
#define SIGP_SET_ARCHITECTURE		0x12
#define SIGP_SENSE_RUNNING_STATUS	0x15

#define SIGP_CC_ACCEPTED	0
#define SIGP_CC_STATUS_STORED	1
#define SIGP_CC_BUSY		2
#define SIGP_CC_NOT_OPERATIONAL	3

#define SIGP_STATUS_EQUIPMENT_CHECK	0x80000000U
#define SIGP_STATUS_NOT_RUNNING		0x00000400U
#define SIGP_STATUS_INCORRECT_STATE	0x00000200U
#define SIGP_STATUS_INVALID_PARAMETER	0x00000100U
#define SIGP_STATUS_EXT_CALL_PENDING	0x00000080U
#define SIGP_STATUS_STOPPED		0x00000040U
#define SIGP_STATUS_OPERATOR_INTERVENING 0x00000020U
#define SIGP_STATUS_CHECK_STOP		0x00000010U
#define SIGP_STATUS_INOPERATIVE		0x00000004U
#define SIGP_STATUS_INVALID_ORDER	0x00000002U
#define SIGP_STATUS_RECEIVER_CHECK	0x00000001U

/*
 * One SIGP: returns the condition code; *status (if not NULL) gets the
 * status word (bits 32-63 of the first register) when cc is 1.
 */
static inline int sigp(uint16_t addr, uint8_t order, uint64_t param,
		       uint32_t *status)
{
	register uint64_t r2 asm("2") = 0;
	register uint64_t r3 asm("3") = param;
	int cc;

	asm volatile(
		"	sigp	%[r2],%[addr],0(%[order])\n"
		"	ipm	%[cc]\n"
		"	srl	%[cc],28\n"
		: [cc] "=&d"(cc), [r2] "+d"(r2)
		: "d"(r3), [addr] "d"((uint64_t)addr), [order] "a"((uint64_t)order)
		: "cc", "memory");
	if (status)
		*status = (uint32_t)r2;
	return cc;
}

/* SIGP, repeated while the condition code says busy (bounded) */
int sigp_retry(uint16_t addr, uint8_t order, uint64_t param, uint32_t *status);

/* ---- SCLP (lib/s390x/sclp.c) ---- */
/* write text through the SCLP ASCII console; returns false on an SCLP error */
bool sclp_console_write(const char *buf, unsigned long len);
/* read SCP info once: memory size and the CPU list */
void sclp_read_info(void);
uint64_t sclp_memory_size(void);
unsigned int sclp_cpu_count(void);
/* CPU address of entry i of the SCLP CPU list (0 <= i < sclp_cpu_count()) */
uint16_t sclp_cpu_addr(unsigned int i);

/* ---- interruptions (lib/s390x/interrupt.c) ---- */
/* print PSW, interruption codes and registers; used by the unexpected paths */
void dump_interrupt_state(const char *what, const volatile struct psw *old,
			  const volatile uint64_t *gprs);
/* set up this CPU's new PSWs (called at boot and for every secondary) */
void lowcore_init_new_psws(void);

/* ---- SMP (lib/s390x/smp.c) ---- */
#define SMP_MAX_CPUS 8
/* set CPU addr's prefix area and stack, then SIGP RESTART it into fn() */
int smp_cpu_run(uint16_t addr, void (*fn)(void));
/* SIGP STOP, then wait (bounded) until SIGP SENSE reports stopped */
bool smp_cpu_stop_wait(uint16_t addr);
/* the same, storing what it saw: STOP's cc, and the last SENSE's cc (-1: no
 * SENSE was sent) and status word */
bool smp_cpu_stop_seen(uint16_t addr, int *stop_cc, int *sense_cc, uint32_t *sense_status);
/* stop every CPU smp_cpu_run() started (used by exit()) */
void smp_stop_others(void);

#endif
