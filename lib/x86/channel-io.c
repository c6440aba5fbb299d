/*
 * x86 transport of the harness channel (lib/channel.h): port 0xf8.
 * 32-bit IN = probe (VMC_CHAN_MAGIC under the harness, all-ones under
 * QEMU); 32-bit OUT = guest-physical address of a request block.  The x86
 * library maps 0..4 GiB 1:1, so a pointer is its GPA.
 */
#include "vmc.h"
#include "channel.h"
#include "processor.h"

uint32_t chan_arch_probe(void)
{
	return inl(VMC_CHANNEL_PORT);
}

void chan_arch_submit(uint64_t gpa)
{
	/* buffered console text first: output keeps the order of the calls */
	console_sync();
	asm volatile("outl %0, %1" : : "a"((uint32_t)gpa), "Nd"(VMC_CHANNEL_PORT) : "memory");
}

uint64_t chan_arch_gpa(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}
