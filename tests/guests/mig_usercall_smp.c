/*
 * mig_usercall_smp: the library's CPL-3 calls (lib/x86/usermode.c) survive
 * migrations of the vCPU that makes them.  Run by tests/harness/check.sh
 * with -smp 2.  vCPU 1 makes short x86_user_calls in a loop (each is an
 * IRETQ to CPL 3 and an INT3 back, so a migration often finds vCPU 1 at
 * CPL 3 or in the middle of the #BP); vCPU 0 migrates MIGRATIONS times
 * meanwhile.  Every call must come back with its function's result at
 * CPL 3, and none may end in an exception (the dump: ERROR).  How many
 * INT3s of the way back the host lost (and user-entry.S ran again) is
 * printed: kvm_pvm loses some (an INT3 that retired but whose #BP was not
 * delivered is in no field KVM_GET_VCPU_EVENTS reports).
 * Without the harness, its migration op or a second vCPU: SKIP.
 */
#include "vmc.h"
#include "processor.h"
#include "smp.h"
#include "migrate.h"
#include "usermode.h"

#define MIGRATIONS	600

static volatile unsigned int rounds, wrong, stop;
static volatile long first_cs;

static long mul3(void *arg)
{
	return *(long *)arg * 3 + 1;
}

static long user_cs(void *arg)
{
	(void)arg;
	return read_cs();
}

static void caller(void *arg)
{
	(void)arg;
	first_cs = x86_user_call(user_cs, NULL);
	for (long i = 0; !stop; i++) {
		if (x86_user_call(mul3, &i) != i * 3 + 1)
			wrong++;
		rounds++;
	}
}

int main(void)
{
	struct vmc_hello h;
	unsigned int lost0 = x86_user_int3_lost;
	int migs = 0;
	uint64_t t0;

	report_prefix_push("mig_usercall_smp");
	if (!harness_present() || harness_hello(&h) || !(h.features & VMC_FEAT_MIGRATE) ||
	    h.nr_vcpus < 2 || smp_init(2) != 2) {
		report_skip("CPL-3 calls across migrations: needs the harness with migration "
			    "(VMC_FEAT_MIGRATE) and -smp 2");
		return report_summary();
	}
	on_cpu_async(1, caller, NULL);
	while (migs < MIGRATIONS) {
		unsigned int r = rounds;

		if (harness_migrate(NULL))
			report_abort("MIGRATE failed");
		migs++;
		t0 = rdtsc();
		while (rounds == r && rdtsc() - t0 < 3000000000ull)
			pause();
	}
	stop = 1;
	cpu_wait(1);
	report(!wrong && rounds >= MIGRATIONS && (first_cs & 3) == 3,
	       "vCPU 1's CPL-3 calls all return their result through %d migrations (%u calls, "
	       "%u wrong, the first at CS %#lx)", migs, rounds, wrong, first_cs);
	report_info("INT3s of the way back the host lost and the library ran again: %u",
		    x86_user_int3_lost - lost0);
	report_prefix_pop();
	return report_summary();
}
