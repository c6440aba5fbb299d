/*
 * s390x secondary CPUs: each gets its own 8 KiB prefix area (a copy of the
 * boot CPU's new PSWs plus a restart-new PSW pointing at secondary_entry)
 * and a stack; SIGP SET PREFIX then SIGP RESTART starts it in fn().
 */
#include "vmc.h"
#include "s390x.h"

extern char secondary_entry[];

#define SEC_STACK_SIZE 16384

static uint8_t prefix_areas[SMP_MAX_CPUS][LC_SIZE] __attribute__((aligned(LC_SIZE)));
static uint8_t stacks[SMP_MAX_CPUS][SEC_STACK_SIZE] __attribute__((aligned(4096)));
static uint16_t started[SMP_MAX_CPUS];
static unsigned int nstarted;

static int slot_of(uint16_t addr)
{
	unsigned int i;

	for (i = 0; i < sclp_cpu_count(); i++)
		if (sclp_cpu_addr(i) == addr)
			return i;
	return -1;
}

int smp_cpu_run(uint16_t addr, void (*fn)(void))
{
	int slot = slot_of(addr);
	uint8_t *lc;
	struct psw *restart;
	uint32_t status;
	unsigned int i;
	int cc;

	if (slot < 0 || addr == stap())
		return -1;
	lc = prefix_areas[slot];
	/* the new PSWs (0x1a0-0x1ff) as the boot CPU has them */
	memset(lc, 0, LC_SIZE);
	memcpy(lc + LC_RESTART_NEW_PSW,
	       (void *)(lowcore_base() + LC_RESTART_NEW_PSW), 0x60);
	restart = (struct psw *)(lc + LC_RESTART_NEW_PSW);
	restart->mask = PSW_MASK_64;
	restart->addr = (uintptr_t)secondary_entry;
	*(uint64_t *)(lc + LC_CPU_STACK) = (uintptr_t)(stacks[slot] + SEC_STACK_SIZE);
	*(uint64_t *)(lc + LC_CPU_FN) = (uintptr_t)fn;
	asm volatile("" : : : "memory");

	/* SET PREFIX needs a stopped CPU */
	if (!smp_cpu_stop_wait(addr))
		return -2;
	cc = sigp_retry(addr, SIGP_SET_PREFIX, (uintptr_t)lc, &status);
	if (cc)
		return -3;
	cc = sigp_retry(addr, SIGP_RESTART, 0, &status);
	if (cc)
		return -4;
	for (i = 0; i < nstarted; i++)
		if (started[i] == addr)
			return 0;
	if (nstarted < SMP_MAX_CPUS)
		started[nstarted++] = addr;
	return 0;
}

bool smp_cpu_stop_seen(uint16_t addr, int *stop_cc, int *sense_cc, uint32_t *sense_status)
{
	uint32_t status = 0;
	long i;
	int cc;

	*sense_cc = -1;
	*sense_status = 0;
	cc = sigp_retry(addr, SIGP_STOP, 0, &status);
	*stop_cc = cc;
	if (cc != SIGP_CC_ACCEPTED)
		return false;
	for (i = 0; i < 10000000; i++) {
		status = 0;
		cc = sigp_retry(addr, SIGP_SENSE, 0, &status);
		*sense_cc = cc;
		*sense_status = status;
		if (cc == SIGP_CC_STATUS_STORED && (status & SIGP_STATUS_STOPPED))
			return true;
	}
	return false;
}

bool smp_cpu_stop_wait(uint16_t addr)
{
	uint32_t status;
	int stop_cc, sense_cc;

	return smp_cpu_stop_seen(addr, &stop_cc, &sense_cc, &status);
}

void smp_stop_others(void)
{
	unsigned int i;

	for (i = 0; i < nstarted; i++)
		if (started[i] != stap())
			smp_cpu_stop_wait(started[i]);
}
