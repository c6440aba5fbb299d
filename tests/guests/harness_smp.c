/*
 * harness_smp: the harness's -smp N wiring works: one thread per vCPU, the
 * secondary vCPU waits for INIT/SIPI and is started by the guest through the
 * in-kernel LAPIC (lib/x86/smp.c), and its exits are recorded with its own
 * vCPU number.  vCPU 1 does an OUT to the scratch port; the exit log, read
 * across vCPUs, must show exactly that OUT from vCPU 1 and none from vCPU 0.
 * Needs the harness with -smp 2 (HELLO says so); otherwise SKIP.
 * (With the local APIC software-disabled, SVR bit 8 clear, the INIT/SIPI of
 * an earlier version of this guest never reached vCPU 1; smp_init() sets it.)
 */
#include "vmc.h"
#include "channel.h"
#include "processor.h"
#include "smp.h"

static void ap_out(void *arg)
{
	outb((uint8_t)(uintptr_t)arg, VMC_SCRATCH_PORT);
}

int main(int argc, char **argv)
{
	static struct vmc_exit_rec recs[8];
	struct vmc_hello h;
	uint32_t total = 0;
	int n;

	if (!harness_present() || harness_hello(&h) || h.nr_vcpus < 2 ||
	    !(h.features & VMC_FEAT_IRQCHIP)) {
		report_skip("AP start-up %s with -smp 2", HARNESS_SKIP_REASON);
		return report_summary();
	}
	n = smp_init(2);
	report(n == 2, "INIT/SIPI through the in-kernel LAPIC brings vCPU 1 online (%d CPUs "
	       "online)", n);
	harness_exit_mark();
	on_cpu_async(1, ap_out, (void *)0x5a);
	cpu_wait(1);
	n = harness_exit_read(recs, ARRAY_SIZE(recs), VMC_READ_F_ALL_VCPUS | VMC_READ_F_INDEX,
			      0, VMC_SCRATCH_PORT, &total, NULL);
	report(n == 1 && total == 1 && recs[0].vcpu == 1 && recs[0].data == 0x5a &&
	       recs[0].size == 1,
	       "the exit log has exactly one OUT 0x5a to port 0x%x, from vCPU 1 (count %d, "
	       "vcpu %u, data 0x%llx)", VMC_SCRATCH_PORT, n, n > 0 ? recs[0].vcpu : 0,
	       n > 0 ? (unsigned long long)recs[0].data : 0ull);
	n = harness_exit_read(recs, ARRAY_SIZE(recs), VMC_READ_F_INDEX, 0, VMC_SCRATCH_PORT,
			      &total, NULL);
	report(n == 0 && total == 0,
	       "read for vCPU 0 only, the log has no scratch OUT (count %d)", n);
	return report_summary();
}
