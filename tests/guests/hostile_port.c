/*
 * hostile_port: I/O the harness must not take at face value.
 *  - (default) OUT to a port no device owns (0x80): the run ends as ERROR
 *    (exit 4) naming the unhandled IO exit (port, direction), because an
 *    exit nothing accounts for means the test environment broke;
 *  - "exitval N": the value N written to the exit port 0xf4; only the
 *    statuses of lib/status.h (0..3) may leave as (N << 1) | 1, anything
 *    else is an ERROR (38 would otherwise wrap to 77, "no /dev/kvm").
 * If the write goes unnoticed the guest reports FAIL.
 */
#include "vmc.h"
#include "processor.h"

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "exitval")) {
		outl((uint32_t)strtoul(argv[2], NULL, 0), VMC_EXIT_PORT);
		report(false, "OUT %s to the exit port was not stopped by the harness", argv[2]);
		return report_summary();
	}
	outb(0x42, 0x80);
	report(false, "OUT to port 0x80 was not stopped by the harness");
	return report_summary();
}
