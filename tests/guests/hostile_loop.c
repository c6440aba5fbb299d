/*
 * hostile_loop: a guest that never finishes.  argv[1] picks the kind:
 *   tight  (default) jmp-to-self: RIP never changes, no exits; the
 *          harness's progress watchdog (--stall) must end it as TIMEOUT;
 *   busy   a counting loop (RIP moves, no exits): only the deadline (-t)
 *          can end it, also as TIMEOUT (exit 124) with a register dump.
 * Reaching the end of main() would be a harness bug: report FAIL.
 */
#include "vmc.h"

int main(int argc, char **argv)
{
	volatile uint64_t n = 0;

	printf("INFO: looping forever (%s)\n", argc > 1 ? argv[1] : "tight");
	if (argc > 1 && !strcmp(argv[1], "busy")) {
		for (;;)
			n++;
	}
	asm volatile("cli\n1:\tjmp 1b");
	report(false, "the loop ended (n %llu)", (unsigned long long)n);
	return report_summary();
}
