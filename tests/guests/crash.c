/*
 * Fixture guest (runner/harness tests): one passing check, then an
 * unexpected #UD two calls deep.  Rule: an exception outside FAULT_INSN
 * ends the run as ERROR (status 3, QEMU exit 7) with an "UNEXPECTED
 * EXCEPTION" dump and a backtrace, never as PASS or a hang.
 */
#include "vmc.h"

static void __attribute__((noinline)) crash_here(void)
{
	asm volatile("ud2");
}

static volatile int calls;

static void __attribute__((noinline)) crash_caller(void)
{
	crash_here();
	calls++;	/* work after the call: no tail call, a frame in the backtrace */
}

int main(int argc, char **argv)
{
	report(true, "fixture: this check passes before the crash");
	crash_caller();
	report(false, "fixture: not reached (the #UD above ends the run)");
	return report_summary();
}
