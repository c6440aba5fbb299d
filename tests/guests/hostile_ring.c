/*
 * hostile_ring: a guest that overruns the harness's exit ring (65536
 * exits) between EXIT_MARK and EXIT_READ.  docs/channel.md: "a mark older
 * than that reads lost = 1" - and what EXIT_READ does return must still be
 * real exits of [mark, this request), oldest first, never a ring slot that
 * a newer exit (the EXIT_READ's own OUT) has already overwritten.
 * Checks: lost is set; every entry returned is one of this guest's scratch
 * OUTs (port 0xf9), their seq numbers and data values consecutive, and the
 * newest one is the last OUT before the request.  Without the harness: SKIP.
 */
#include "vmc.h"
#include "channel.h"
#include "processor.h"

#define NR_OUTS		70000u	/* more than the ring holds */
#define RING		65536u

static struct vmc_exit_rec buf[RING];

int main(int argc, char **argv)
{
	uint32_t total = 0, lost = 0, bad = 0, first_bad = 0;
	int n, r;

	(void)argc;
	(void)argv;
	if (!harness_present()) {
		report_skip("exit ring overrun %s", HARNESS_SKIP_REASON);
		return report_summary();
	}
	r = harness_exit_mark();
	if (!report(r >= 0, "EXIT_MARK (%d)", r))
		return report_summary();
	for (uint32_t i = 0; i < NR_OUTS; i++)
		outl(i, VMC_SCRATCH_PORT);
	n = harness_exit_read(buf, RING, 0, 0, 0, &total, &lost);
	if (!report(n > 0, "EXIT_READ after %u exits returns entries (%d)", NR_OUTS, n))
		return report_summary();
	report(lost == 1, "lost = 1 when the mark fell out of the ring (%u)", lost);
	for (int i = 0; i < n; i++) {
		const struct vmc_exit_rec *e = &buf[i];
		uint32_t want = NR_OUTS - (uint32_t)n + (uint32_t)i;

		if (e->reason != 2 /* KVM_EXIT_IO */ || e->index != VMC_SCRATCH_PORT ||
		    e->data != want || (i && e->seq != buf[i - 1].seq + 1)) {
			if (!bad++)
				first_bad = (uint32_t)i;
		}
	}
	report(bad == 0, "all %d entries are the newest scratch OUTs in order (%u wrong, "
	       "first at %u: reason %u port 0x%x data 0x%llx seq %u)", n, bad, first_bad,
	       buf[first_bad].reason, buf[first_bad].index,
	       (unsigned long long)buf[first_bad].data, buf[first_bad].seq);
	return report_summary();
}
