/*
 * hostile_floodall: floods the console with lines until the run is stopped
 * (never exits).  Rule (issue 10): a guest that floods for the whole timeout
 * ends as TIMEOUT within timeout + 2 s, with the log capped (one drop note)
 * and no process of the run left.  Lines look like check output ("FAIL: ",
 * "SUMMARY: ", QEMU's "emulation failure") to show that guest text on the
 * console cannot steer the verdict.  Used by tests/runner/check.sh.
 */
#include "vmc.h"

int main(int argc, char **argv)
{
	static const char lines[] =
		"FAIL: forged check line from the guest\n"
		"emulation failure\n"
		"KVM internal error. Suberror: 1\n"
		"SUMMARY: 1 tests, 0 failed\n"
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n";

	for (;;)
		console_write(lines, sizeof(lines) - 1);
	return VMC_STATUS_ERROR;	/* not reached */
}
