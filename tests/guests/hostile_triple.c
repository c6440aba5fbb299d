/*
 * hostile_triple: a guest that triple-faults.  With an IDT of limit 0 every
 * exception is a #GP on delivery, then a double fault, then a shutdown;
 * the harness must end the run as ERROR (exit 4) naming SHUTDOWN, with a
 * register dump, not hang or crash.  If the guest survives, it says so and
 * exits FAIL.
 */
#include "vmc.h"

int main(int argc, char **argv)
{
	static const struct { uint16_t limit; uint64_t base; } __attribute__((packed))
		empty = { 0, 0 };

	(void)argc;
	(void)argv;
	printf("INFO: loading an empty IDT and executing ud2\n");
	asm volatile("lidt %0\n\tud2" : : "m"(empty) : "memory");
	report(false, "the guest survived an exception with an empty IDT");
	return report_summary();
}
