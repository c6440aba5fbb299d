/*
 * x86 transport of the harness channel (lib/channel.h): port 0xf8.
 * 32-bit IN = probe (VMC_CHAN_MAGIC under the harness, all-ones under
 * QEMU); 32-bit OUT = guest-physical address of a request block.  The x86
 * library maps 0..4 GiB 1:1, so a pointer is its GPA.
 *
 * Under SEV (vmc-harness --vm-type=snp) the host cannot read private
 * memory: the block is copied to the shared bounce page (sev.c), its GPA
 * sent, and the whole block copied back (the harness wrote back only the
 * op's output fields and ret into the copy).  At most 4 KiB per block.
 */
#include "vmc.h"
#include "channel.h"
#include "processor.h"
#include "sev.h"

uint32_t chan_arch_probe(void)
{
	return inl(VMC_CHANNEL_PORT);
}

/* under SEV: the block through the shared bounce page */
static void __attribute__((noinline)) submit_bounced(uint8_t *b, uint64_t gpa)
{
	uint8_t *blk = (uint8_t *)(uintptr_t)gpa;
	uint32_t n = ((const struct vmc_req_hdr *)blk)->argsz;

	if (n > 4096)
		n = 4096;
	memcpy(b, blk, n);
	asm volatile("outl %0, %1" : : "a"((uint32_t)(uintptr_t)b), "Nd"(VMC_CHANNEL_PORT)
		     : "memory");
	memcpy(blk, b, n);
}

/*
 * Every request of every test comes through here: the common path (no
 * SEV) is a few instructions, the bounce is out of line, and the bounce
 * page is a variable rather than a call (guest code may run in the host's
 * instruction emulator, where every instruction counts).
 */
void chan_arch_submit(uint64_t gpa)
{
	uint8_t *b;

	/* buffered console text first: output keeps the order of the calls */
	console_sync();
	b = sev_chan_bounce_page;
	if (b) {
		submit_bounced(b, gpa);
		return;
	}
	asm volatile("outl %0, %1" : : "a"((uint32_t)gpa), "Nd"(VMC_CHANNEL_PORT) : "memory");
}
