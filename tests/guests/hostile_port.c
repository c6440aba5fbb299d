/*
 * hostile_port: I/O to a port no device owns (0x80).  The harness must end
 * the run as ERROR (exit 4) naming the unhandled IO exit (port, direction),
 * because an exit nothing accounts for means the test environment broke.
 * If the OUT goes unnoticed the guest reports FAIL.
 */
#include "vmc.h"
#include "processor.h"

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	outb(0x42, 0x80);
	report(false, "OUT to port 0x80 was not stopped by the harness");
	return report_summary();
}
