/*
 * hostile_flood: a guest that floods the harness's output.  The harness
 * must cap it (--console-cap, default 4 MiB), print one truncation note,
 * drop the rest, and still deliver the guest's verdict.  The guest writes
 * argv[1] KiB (default 8192 = 8 MiB) of text, then reports PASS;
 * tests/harness/check.sh runs it with a small cap and checks the output.
 * argv[2] = "log": the text goes through the channel's LOG op (one line per
 * request, the harness's stderr) instead of the console; the same cap
 * applies there.
 */
#include "vmc.h"
#include "channel.h"

int main(int argc, char **argv)
{
	static char line[1024];
	unsigned long kib = argc > 1 ? strtoul(argv[1], NULL, 0) : 8192;
	bool log = argc > 2 && !strcmp(argv[2], "log");

	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	if (log && !harness_present()) {
		report_skip("LOG flood %s", HARNESS_SKIP_REASON);
		return report_summary();
	}
	for (unsigned long i = 0; i < kib; i++) {
		if (log)
			harness_log("%.1000s", line);
		else
			console_write(line, sizeof(line));
	}
	report(true, "flooded the %s with %lu KiB", log ? "harness log" : "console", kib);
	return report_summary();
}
