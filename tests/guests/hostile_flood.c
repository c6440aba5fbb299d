/*
 * hostile_flood: a guest that floods the console.  The harness must cap
 * its console output (--console-cap, default 4 MiB), print one truncation
 * note, drop the rest, and still deliver the guest's verdict.  The guest
 * writes argv[1] KiB (default 8192 = 8 MiB) of text, then reports PASS;
 * tests/harness/check.sh runs it with a small cap and checks stdout.
 */
#include "vmc.h"

int main(int argc, char **argv)
{
	static char line[1024];
	unsigned long kib = argc > 1 ? strtoul(argv[1], NULL, 0) : 8192;

	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	for (unsigned long i = 0; i < kib; i++)
		console_write(line, sizeof(line));
	report(true, "flooded the console with %lu KiB", kib);
	return report_summary();
}
