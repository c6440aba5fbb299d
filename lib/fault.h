/*
 * The one expected-fault API, the same on every arch (DESIGN §4).
 *
 * Run one instruction that may fault and get back what happened:
 *
 *	struct fault f;
 *	fault_arm();
 *	asm volatile(FAULT_INSN("rdmsr") : "=a"(lo), "=d"(hi) : "c"(idx));
 *	f = fault_take();
 *	if (f.raised) ... f.vector, f.error_code
 *
 * FAULT_INSN(insn) is defined per arch in lib/<arch>/fault-asm.h.  It emits
 * the instruction with a label before and after it and records the pair in
 * the linker section ".fault_table".  The arch's exception / program
 * interruption handler looks the faulting address up in that table; on a hit
 * it stores vector (x86) or program interruption code (s390x) or exception
 * class (arm64) plus the error code into the per-CPU record and resumes at the
 * label after the instruction.  A fault at an address not in the table is an
 * unexpected exception: the handler dumps state and exits VMC_STATUS_ERROR.
 *
 * "0 when none": f.raised is 0 when the instruction completed.  (x86 #DE is
 * vector 0, so the vector alone cannot carry "no fault".)
 * Wrappers such as msr_read() return f.raised ? f.vector : 0 only where the
 * vector cannot be 0.
 */
#ifndef VMC_FAULT_H
#define VMC_FAULT_H

#include <stdbool.h>
#include <stdint.h>

/* FAULT_INSN for this arch (lib/<arch>/); host builds of lib/ have none */
#if __has_include("fault-asm.h")
#include "fault-asm.h"
#endif

struct fault {
	bool raised;		/* an exception happened at the instruction */
	unsigned int vector;	/* x86 vector / s390x PIC / arm64 EC        */
	uint64_t error_code;	/* x86 error code (0 if none), s390x: ILC   */
	uint64_t addr;		/* RIP / PSW address / ELR of the fault     */
	uint64_t aux;		/* x86 #PF: CR2; s390x: translation-exception id */
};

/* clear this CPU's record before the instruction */
void fault_arm(void);
/* read and clear this CPU's record after the instruction */
struct fault fault_take(void);

/* one .fault_table entry: the instruction and where to resume after it */
struct fault_entry { uintptr_t insn, resume; };

/*
 * Arch hooks.  fault_fixup() is called from the exception path and returns
 * true if the faulting PC was a FAULT_INSN site (then *pc is the resume
 * address); fault_cpu_index() picks this CPU's record.
 */
bool fault_fixup(uintptr_t *pc, unsigned int vector, uint64_t error_code,
		 uint64_t aux);
unsigned int fault_cpu_index(void);

/* lib/fault.c, for the arch's fault_fixup() */
#define FAULT_MAX_CPUS 64
/* the entry whose insn (by_insn) or resume address is pc, or NULL */
const struct fault_entry *fault_lookup(uintptr_t pc, bool by_insn);
/* fill this CPU's record (raised = true) */
void fault_record(unsigned int vector, uint64_t error_code, uint64_t addr,
		  uint64_t aux);

#endif
