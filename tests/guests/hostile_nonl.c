/*
 * hostile_nonl: the guest's last console output has no newline when the
 * run ends badly.  The harness's reason line (docs/results.md: "ERROR: ..."
 * or "TIMEOUT: ..." at the start of a line) must still start on its own
 * line and be complete, so the runner's result line names the cause
 * instead of "(no message)" or "(harness deadline: )".  argv[1] picks how
 * the run ends after the partial line:
 *   triple  empty IDT + ud2: SHUTDOWN (ERROR, exit 4)
 *   port    OUT to port 0x80, which no device owns (ERROR, exit 4)
 *   tight   jmp-to-self: the progress watchdog (TIMEOUT, exit 124)
 *   busy    a counting loop: the deadline -t (TIMEOUT, exit 124)
 * Surviving any of them is a harness bug: report FAIL.
 */
#include "vmc.h"
#include "processor.h"

int main(int argc, char **argv)
{
	static const struct { uint16_t limit; uint64_t base; } __attribute__((packed))
		empty = { 0, 0 };
	const char *how = argc > 1 ? argv[1] : "triple";
	volatile uint64_t n = 0;

	printf("INFO: a partial line without a newline (%s)", how);
	if (!strcmp(how, "port")) {
		outb(0x42, 0x80);
	} else if (!strcmp(how, "tight")) {
		asm volatile("cli\n1:\tjmp 1b");
	} else if (!strcmp(how, "busy")) {
		for (;;)
			n++;
	} else {
		asm volatile("lidt %0\n\tud2" : : "m"(empty) : "memory");
	}
	printf("\n");
	report(false, "the guest survived '%s' (n %llu)", how, (unsigned long long)n);
	return report_summary();
}
