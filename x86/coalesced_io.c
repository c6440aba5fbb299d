/*
 * coalesced_io: KVM_REGISTER_COALESCED_MMIO for port and MMIO zones
 * (specs/kvm-x86.md §D.1, §E.4; F items 31-33).
 *
 * Why: with a zone registered, KVM appends writes inside it to the VM's
 * ring instead of exiting, and a VMM that drains the ring before handling
 * the next exit must see every write, once, in the order the guest made
 * it, with the right address, length, data and pio flag.  Checked here:
 * caps 15 (= ring page offset 2 on x86) and 162 (= 1); 8/16/32-bit OUTs to
 * a PIO zone cause no exit and arrive in order (F31); an access that is
 * only partly inside the zone exits; the ring is one per VM: writes made
 * by vCPU 1 are found through vCPU 0's mapping (F32, -smp 2); after
 * UNREGISTER writes exit again, and INs always exit (F33); a full ring
 * (170 slots, one always kept free by virt/kvm/coalesced_mmio.c, so 169
 * entries) turns the next write into an ordinary exit and loses nothing;
 * the same for an MMIO zone (8/16/32/64-bit stores; loads exit).
 * Expected values are what the guest wrote; the harness's drain and exit
 * log only carry them back (their bookkeeping is checked in tests/harness).
 * Harness only: under QEMU everything SKIPs ("needs the vmconform harness").
 */
#include "vmc.h"
#include "processor.h"
#include "smp.h"
#include "kvm420.h"

#define ZPORT		0xe0		/* PIO zone [0xe0, 0xe4) */
#define ZPORTS		4
#define ZMMIO		0xd0000000ull	/* MMIO zone, above RAM, identity mapped */
#define ZMMIO_SIZE	0x1000
#define RING_ENTRIES	(VMC_COALESCED_RING_SLOTS - 1)
#define FULL_WRITES	200
#define MAXREC		256

static struct vmc_exit_rec recs[MAXREC];

/* exits since the last mark (this vCPU, or all with VMC_READ_F_ALL_VCPUS) */
static int since_mark(uint32_t flags)
{
	uint32_t total = 0, lost = 0;
	int n = harness_exit_read(recs, MAXREC, flags, 0, 0, &total, &lost);

	if (n < 0 || lost || total != (uint32_t)n) {
		report_info("EXIT_READ: %d copied, %u total, lost %u", n, total, lost);
		return -1;
	}
	return n;
}

static bool is_coal(const struct vmc_exit_rec *r, uint32_t addr, uint8_t len, uint64_t data,
		    bool pio)
{
	uint64_t mask = len >= 8 ? ~0ull : (1ull << (len * 8)) - 1;

	return r->reason == VMC_EXIT_COALESCED && r->index == addr && r->size == len &&
	       (r->data & mask) == data &&
	       r->flags == (VMC_EXITF_OUT | (pio ? VMC_EXITF_PIO : 0));
}

static bool is_io(const struct vmc_exit_rec *r, uint16_t port, bool out, uint8_t size)
{
	return r->reason == VMC_KVM_EXIT_IO && r->index == port && r->size == size &&
	       !!(r->flags & VMC_EXITF_OUT) == out;
}

static void show(int n)
{
	for (int i = 0; i < n && i < 8; i++)
		report_info("  exit %d: reason %#x index %#x size %u flags %#x data %#lx", i,
			    recs[i].reason, recs[i].index, recs[i].size, recs[i].flags,
			    recs[i].data);
}

static void caps(void)
{
	int64_t v15 = -1, v162 = -1, s15 = -1, s162 = -1;

	harness_caps(VMC_KVM_CAP_COALESCED_MMIO, VMC_CAPS_VM, &v15);
	harness_caps(VMC_KVM_CAP_COALESCED_PIO, VMC_CAPS_VM, &v162);
	harness_caps(VMC_KVM_CAP_COALESCED_MMIO, VMC_CAPS_SYSTEM, &s15);
	harness_caps(VMC_KVM_CAP_COALESCED_PIO, VMC_CAPS_SYSTEM, &s162);
	report(v15 == 2 && s15 == 2, "CHECK_EXTENSION(15) = ring page offset 2 "
	       "(VM fd %ld, system fd %ld)", v15, s15);
	report(v162 == 1 && s162 == 1, "CHECK_EXTENSION(162) = 1 (VM fd %ld, system fd %ld)",
	       v162, s162);
}

static bool zone(uint32_t action, bool pio, uint64_t addr, uint32_t size, const char *what)
{
	int kr = 1, r = coal_zone(action, pio, addr, size, &kr);

	report(r == 0 && kr == 0, "%s is accepted (ret %d, ioctl %d)", what, r, kr);
	return r == 0 && kr == 0;
}

/* F31: 8/16/32-bit OUTs, no exit, in order, port/len/data/pio */
static void pio_writes(void)
{
	int n;

	report_prefix_push("pio");
	if (!zone(VMC_COAL_REGISTER, true, ZPORT, ZPORTS, "zone {0xe0, 4, pio 1}"))
		goto out;
	harness_exit_mark();
	outb(0x41, ZPORT);
	outw(0x4243, ZPORT + 2);
	outl(0x44454647, ZPORT);
	outb(0x48, ZPORT + 3);
	n = since_mark(0);
	report(n == 4 && is_coal(&recs[0], ZPORT, 1, 0x41, true) &&
	       is_coal(&recs[1], ZPORT + 2, 2, 0x4243, true) &&
	       is_coal(&recs[2], ZPORT, 4, 0x44454647, true) &&
	       is_coal(&recs[3], ZPORT + 3, 1, 0x48, true),
	       "4 OUTs (8/16/32-bit) cause no exit; the ring holds them in order with "
	       "phys_addr = port, len, data, pio 1 (%d records)", n);
	if (n != 4)
		show(n);

	/* an access only partly inside the zone is not coalesced */
	harness_exit_mark();
	outw(0x4a4b, ZPORT + 3);
	n = since_mark(0);
	report(n == 1 && is_io(&recs[0], ZPORT + 3, true, 2) && recs[0].data == 0x4a4b,
	       "a 16-bit OUT at 0xe3 (half outside the zone) exits as KVM_EXIT_IO (%d records)",
	       n);

	/* F33: reads always exit, even inside a zone */
	harness_exit_mark();
	(void)inb(ZPORT);
	(void)inl(ZPORT);
	n = since_mark(0);
	report(n == 2 && is_io(&recs[0], ZPORT, false, 1) && is_io(&recs[1], ZPORT, false, 4),
	       "IN from a zone port exits (8 and 32 bit), nothing is coalesced (%d records)", n);

	/* F33: after UNREGISTER the writes exit again */
	zone(VMC_COAL_UNREGISTER, true, ZPORT, ZPORTS, "unregistering the zone");
	harness_exit_mark();
	outb(0x55, ZPORT);
	n = since_mark(0);
	report(n == 1 && is_io(&recs[0], ZPORT, true, 1) && recs[0].data == 0x55,
	       "after UNREGISTER an OUT to 0xe0 exits as KVM_EXIT_IO (%d records)", n);
out:
	report_prefix_pop();
}

/* 170-slot ring: 169 entries, then the next write exits; nothing is lost */
static void ring_full(void)
{
	int n, coal = 0, io_at = -1, io = 0;
	bool order = true;

	report_prefix_push("ring-full");
	if (!zone(VMC_COAL_REGISTER, true, ZPORT, ZPORTS, "zone {0xe0, 4, pio 1}"))
		goto out;
	harness_exit_mark();
	for (int i = 0; i < FULL_WRITES; i++)
		outb((uint8_t)i, ZPORT);
	n = since_mark(0);
	for (int i = 0; i < n; i++) {
		bool c = is_coal(&recs[i], ZPORT, 1, (uint8_t)i, true);

		if (c) {
			coal++;
		} else if (is_io(&recs[i], ZPORT, true, 1) && recs[i].data == (uint8_t)i) {
			io++;
			if (io_at < 0)
				io_at = i;
		} else {
			order = false;
		}
	}
	report(n == FULL_WRITES && order, "all %d OUTs reach the harness once, in order "
	       "(%d records: %d from the ring, %d exits)", FULL_WRITES, n, coal, io);
	report(io == 1 && io_at == RING_ENTRIES, "the ring takes %d entries; write %d finds "
	       "it full and exits (first exit at write %d, %d exits)", RING_ENTRIES,
	       RING_ENTRIES, io_at, io);
	zone(VMC_COAL_UNREGISTER, true, ZPORT, ZPORTS, "unregistering the zone");
out:
	report_prefix_pop();
}

static void mmio_zone(void)
{
	volatile uint8_t *b = (volatile uint8_t *)(uintptr_t)ZMMIO;
	int n;

	report_prefix_push("mmio");
	if (!zone(VMC_COAL_REGISTER, false, ZMMIO, ZMMIO_SIZE, "zone {0xd0000000, 4K, pio 0}"))
		goto out;
	harness_exit_mark();
	*b = 0x11;
	*(volatile uint16_t *)(b + 0x10) = 0x2233;
	*(volatile uint32_t *)(b + 0x20) = 0x44556677;
	*(volatile uint64_t *)(b + 0x40) = 0x8899aabbccddeeffull;
	n = since_mark(0);
	report(n == 4 && is_coal(&recs[0], ZMMIO, 1, 0x11, false) &&
	       is_coal(&recs[1], ZMMIO + 0x10, 2, 0x2233, false) &&
	       is_coal(&recs[2], ZMMIO + 0x20, 4, 0x44556677, false) &&
	       is_coal(&recs[3], ZMMIO + 0x40, 8, 0x8899aabbccddeeffull, false),
	       "4 stores (8/16/32/64-bit) cause no exit; the ring holds them in order with "
	       "phys_addr, len, data, pio 0 (%d records)", n);
	if (n != 4)
		show(n);
	harness_exit_mark();
	(void)*(volatile uint32_t *)(b + 0x20);
	n = since_mark(0);
	report(n == 1 && recs[0].reason == VMC_KVM_EXIT_MMIO && recs[0].index == ZMMIO + 0x20 &&
	       !(recs[0].flags & VMC_EXITF_OUT) && recs[0].size == 4,
	       "a load from the zone exits as KVM_EXIT_MMIO (%d records)", n);
	zone(VMC_COAL_UNREGISTER, false, ZMMIO, ZMMIO_SIZE, "unregistering the MMIO zone");
	harness_exit_mark();
	*(volatile uint32_t *)(b + 0x20) = 0x12345678;
	n = since_mark(0);
	report(n == 1 && recs[0].reason == VMC_KVM_EXIT_MMIO && recs[0].index == ZMMIO + 0x20 &&
	       (recs[0].flags & VMC_EXITF_OUT) && recs[0].data == 0x12345678,
	       "after UNREGISTER a store exits as KVM_EXIT_MMIO (%d records)", n);
out:
	report_prefix_pop();
}

static void ap_writes(void *arg)
{
	(void)arg;
	outb(0x61, ZPORT);
	outw(0x6263, ZPORT);
	outl(0x64656667, ZPORT);
}

/* F32: vCPU 1 writes, vCPU 0 drains them through its own ring mapping */
static void shared_ring(void)
{
	int n;

	report_prefix_push("smp");
	if (smp_init(2) < 2) {
		report_skip("F32 needs a second vCPU (run with -smp 2)");
		goto out;
	}
	if (!zone(VMC_COAL_REGISTER, true, ZPORT, ZPORTS, "zone {0xe0, 4, pio 1}"))
		goto out;
	harness_exit_mark();
	/* vCPU 1 spins on PAUSE before and after: it makes no exit of its own */
	on_cpu_async(1, ap_writes, NULL);
	cpu_wait(1);
	n = since_mark(VMC_READ_F_ALL_VCPUS);
	report(n == 3 && is_coal(&recs[0], ZPORT, 1, 0x61, true) &&
	       is_coal(&recs[1], ZPORT, 2, 0x6263, true) &&
	       is_coal(&recs[2], ZPORT, 4, 0x64656667, true) &&
	       recs[0].vcpu == 0 && recs[1].vcpu == 0 && recs[2].vcpu == 0,
	       "vCPU 1's 3 OUTs are in the ring read through vCPU 0's mapping, in order "
	       "(%d records, drained by vCPU %d)", n, n > 0 ? recs[0].vcpu : -1);
	if (n != 3)
		show(n);
	zone(VMC_COAL_UNREGISTER, true, ZPORT, ZPORTS, "unregistering the zone");
out:
	report_prefix_pop();
}

int main(void)
{
	const char *why;

	report_prefix_push("coalesced_io");
	if (!k420_available(VMC_FEAT_COALESCED, &why)) {
		report_skip("coalesced I/O: %s", why);
		return report_summary();
	}
	caps();
	pio_writes();
	ring_full();
	mmio_zone();
	shared_ring();
	report_prefix_pop();
	return report_summary();
}
