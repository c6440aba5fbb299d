/*
 * Benchmark guest (make bench, scripts/bench.sh): the smallest complete
 * test run, to time boot -> verdict under each runner.  Rule: a run is one
 * boot, at least one check line and one SUMMARY line, and the status on the
 * exit port; the check is real (the multiboot command line reached main as
 * argv[0]) so a broken boot path cannot pass.
 */
#include "vmc.h"

int main(int argc, char **argv)
{
	report(argc >= 1 && argv[0] && argv[0][0],
	       "boot: argv[0] is the payload name from the multiboot command line");
	return report_summary();
}
