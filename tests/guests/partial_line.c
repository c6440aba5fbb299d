/*
 * partial_line: a guest that dies in the middle of a console line, for
 * tests/console/check.sh.  It prints "partial-line-<mode>: no newline yet"
 * without a newline, then, by argv[1]:
 *   triple  loads an empty IDT and executes ud2 (shutdown: ERROR)
 *   hang    spins with no exits until the harness's deadline (TIMEOUT)
 *   exit    writes PASS to the exit port (exit() hands buffered text over)
 *   fault   a report() whose %s argument is a non-canonical pointer: #GP
 *           while the line is being formatted (under the harness straight
 *           into the console block, console_reserve()); the exception dump
 *           must still print, after the partial line
 * Under the harness the line sits in the library's console buffer when the
 * guest dies; the harness must still print it (docs/channel.md CONSOLE).
 */
#include "vmc.h"

int main(int argc, char **argv)
{
	static const struct { uint16_t limit; uint64_t base; } __attribute__((packed))
		empty = { 0, 0 };
	const char *mode = argc > 1 ? argv[1] : "exit";

	printf("INFO: partial_line: a line with a newline first\n");
	printf("partial-line-%s: no newline yet", mode);
	if (!strcmp(mode, "triple"))
		asm volatile("lidt %0\n\tud2" : : "m"(empty) : "memory");
	if (!strcmp(mode, "fault"))
		report(true, "never printed: %s", (const char *)0x8000000000000000ull);
	if (!strcmp(mode, "hang"))
		for (;;)
			asm volatile("" : : : "memory");
	exit(VMC_STATUS_PASS);
}
