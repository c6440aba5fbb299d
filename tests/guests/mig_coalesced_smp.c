/*
 * mig_coalesced_smp: no coalesced write is lost when the VM migrates while
 * another vCPU is writing (docs/migration.md: the leader drains the ring
 * into the exit log before it saves).  Run by tests/harness/check.sh with
 * -smp 2.  vCPU 1 writes its counter to a coalesced PIO zone, N times, in a
 * loop with no other exit; vCPU 0 migrates several times meanwhile.  A
 * write is either a ring entry (a COALESCED exit-log record once drained)
 * or, when the ring was full, an ordinary exit the harness claims (an IO
 * record): so the exit log must hold exactly N records for the port, and
 * their values must be 0 .. N-1 in order.  Entries a kicked vCPU 1 left in
 * the old VM's ring would otherwise die with it.
 * Without the harness, its migration op or a second vCPU: SKIP.
 */
#include "vmc.h"
#include "processor.h"
#include "smp.h"
#include "kvm420.h"
#include "migrate.h"

#define ZPORT		0xe4
#define N_WRITES	4000u
#define MIGRATIONS	6

static volatile uint32_t written, started;
static struct vmc_exit_rec recs[N_WRITES + 16];

static void writer(void *arg)
{
	(void)arg;
	started = 1;
	for (uint32_t i = 0; i < N_WRITES; i++) {
		outw((uint16_t)i, ZPORT);
		written = i + 1;
	}
}

int main(void)
{
	struct vmc_hello h;
	const char *why = NULL;
	uint32_t total = 0, lost = 1, bad = ~0u;
	int kr = 1, n, migs = 0;
	uint64_t t0;

	report_prefix_push("mig_coalesced_smp");
	if (!k420_available(0, &why) || harness_hello(&h) || !(h.features & VMC_FEAT_MIGRATE) ||
	    h.nr_vcpus < 2 || smp_init(2) != 2) {
		report_skip("coalesced writes across migrations: needs the harness with migration "
			    "and -smp 2 (%s)", why ? why : "one vCPU");
		return report_summary();
	}
	if (coal_zone(VMC_COAL_REGISTER, true, ZPORT, 2, &kr) || kr)
		report_abort("COAL_ZONE failed (kvm %d)", kr);
	harness_exit_mark();
	on_cpu_async(1, writer, NULL);
	t0 = rdtsc();
	while (!started && rdtsc() - t0 < 3000000000ull)
		pause();
	/* migrate while vCPU 1 writes (bounded: 3e9 TSC cycles per wait) */
	while (migs < MIGRATIONS && written < N_WRITES) {
		uint32_t w = written;

		if (harness_migrate(NULL))
			report_abort("MIGRATE failed");
		migs++;
		t0 = rdtsc();
		while (written < w + 200 && written < N_WRITES && rdtsc() - t0 < 3000000000ull)
			pause();
	}
	cpu_wait(1);
	n = harness_exit_read(recs, N_WRITES + 16, VMC_READ_F_INDEX | VMC_READ_F_ALL_VCPUS, 0,
			      ZPORT, &total, &lost);
	for (int i = 0; i < n && bad == ~0u; i++)
		if ((uint16_t)recs[i].data != (uint16_t)i)
			bad = (uint32_t)i;
	report(n == (int)N_WRITES && total == N_WRITES && !lost && bad == ~0u,
	       "all %u writes of vCPU 1 are in the exit log, in order, through %d migrations "
	       "(%d records, %u total, lost %u, first out of order %d)", N_WRITES, migs, n, total,
	       lost, (int)bad);
	coal_zone(VMC_COAL_UNREGISTER, true, ZPORT, 2, &kr);
	report_prefix_pop();
	return report_summary();
}
