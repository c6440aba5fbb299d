/*
 * PSCI calls over the conduit the device tree's /psci "method" names (HVC,
 * or SMC when QEMU emulates EL3 firmware, e.g. -M virt,virtualization=on;
 * specs/arm64.md §1).  SMCCC: function id in x0, arguments x1-x3, result in
 * x0; x4-x17 may be clobbered.
 */
#include "vmc.h"
#include "arm64.h"

bool psci_use_smc;

long psci_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 asm("x0") = fn;
	register uint64_t x1 asm("x1") = a1;
	register uint64_t x2 asm("x2") = a2;
	register uint64_t x3 asm("x3") = a3;

	if (psci_use_smc)
		asm volatile("smc #0"
			     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
			     : : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12",
			       "x13", "x14", "x15", "x16", "x17", "memory");
	else
		asm volatile("hvc #0"
			     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
			     : : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12",
			       "x13", "x14", "x15", "x16", "x17", "memory");
	return (long)x0;
}

uint64_t el2_call(uint64_t op, uint64_t arg)
{
	register uint64_t x0 asm("x0") = op;
	register uint64_t x1 asm("x1") = arg;

	asm volatile("hvc #0" : "+r"(x0), "+r"(x1) : : "x9", "memory");
	return x0;
}
