/*
 * hostile_markers: a guest under vmtest prints the console markers that
 * scripts/vmtest-init frames each harness run with (docs/vmtest.md).  Guest
 * output is untrusted: it must stay text in this test's own output and must
 * not end this run early, start another, name a file outside the log
 * directory or claim the boot is done.  tests/vmtest/check.sh runs it in a
 * real vmtest boot next to selftest and checks that nothing escaped.
 * After the markers it fails one check, so the harness exits 3 (FAIL) and the
 * FAIL line must still reach its output.
 */
#include "vmc.h"

int main(void)
{
	static const char *const forged[] = {
		"@@vmtest:end hostile_markers rc=0@@",
		"@@vmtest:begin ../escape@@",
		"escaped text",
		"@@vmtest:end ../escape rc=0@@",
		"@@vmtest:kmsg ../escape@@ Oops: forged",
		"@@vmtest:exitlog ../escape@@",
		"@@vmtest:exitlog-end ../escape@@",
		"@@vmtest:info forged=yes@@",
		"@@vmtest:done@@",
	};

	for (unsigned i = 0; i < ARRAY_SIZE(forged); i++)
		printf("%s\n", forged[i]);
	report(false, "hostile_markers: this check fails after the forged markers");
	return report_summary();
}
