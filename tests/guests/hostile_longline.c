/*
 * hostile_longline: one console line of argv[1] MiB (default 16) without a
 * newline, then a newline and a passing check.  Rule (issue 10): the runner
 * handles guest output in linear time and caps the log: the run ends by its
 * verdict or its timeout + 2 s, never by a runner spinning over one huge
 * line, and the log holds at most the cap plus one note.  Used by
 * tests/runner/check.sh (under QEMU and the harness, each byte is a PIO exit:
 * with a short timeout the run usually ends as TIMEOUT mid-line).
 */
#include "vmc.h"

int main(int argc, char **argv)
{
	static char chunk[4096];
	unsigned long mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 16;

	memset(chunk, 'y', sizeof(chunk));
	for (unsigned long i = 0; i < mib * 256; i++)
		console_write(chunk, sizeof(chunk));
	console_write("\n", 1);
	report(true, "printed one line of %lu MiB", mib);
	return report_summary();
}
