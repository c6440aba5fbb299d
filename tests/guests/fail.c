/*
 * Fixture guest (runner/harness tests): one passing and one failing check.
 * Rule: a run with any FAIL line ends as FAIL (status 1, QEMU exit 3) even
 * though other checks passed, so the runner must not be fooled by a PASS.
 */
#include "vmc.h"

int main(int argc, char **argv)
{
	report(true, "fixture: this check passes");
	report(false, "fixture: this check fails on purpose");
	return report_summary();
}
