/*
 * mig_families: the harness-side and VM-side state of the channel families
 * that a guest can observe survives its last migration, so it also
 * survives `--save FILE` then `--restore FILE` in a fresh process
 * (docs/migration.md, stream version 2).  Run by tests/harness/check.sh
 * both ways: live with --save (the checks after the migration run in the
 * same process), then --restore of the file written (they run in the new
 * process, which has only what the file carried).
 *
 * Before the migration the guest sets up, in each family:
 *  - exit log / EXPECT: EXIT_MARK, OUT A to the scratch port, EXPECT
 *    [OUT B, IN, OUT C] on it, OUT B (EXPECT now half matched);
 *  - coalesced I/O: a PIO zone at 0xe0 with two writes (1, 2) drained into
 *    the exit log, a second zone at 0xe8 registered then unregistered (still
 *    known: the harness keeps claiming its exits);
 *  - MSR exits (where the MSR filter works): FAKE_MSR denied with a
 *    user-space exit and a store policy, one WRMSR of V (1 exit counted);
 *  - COM1: 0x5a in its scratch register (offset 7);
 *  - memslots: backing 1 filled with the pattern P + i, slot 5 of 64 KiB at
 *    SLOT_GPA on it from offset 0x2000, one 8-byte store of W through it;
 *  - exception injection: KVM_CAP_EXCEPTION_PAYLOAD on; the migration is
 *    the one EXC_INJECT(F_MIGRATE) asks for, with a pending #PF whose
 *    payload is X.
 * After it, every expected value being what the guest did before:
 *  - the #PF arrives once with CR2 = X; GET_VCPU_EVENTS still has the
 *    payload flag (the cap is on in the new VM);
 *  - COM1's scratch register reads 0x5a; IN from the scratch port reads B; after OUT C, EXPECT_RESULT is
 *    MATCHED 3 of 3; EXIT_READ of the scratch port since the mark gives
 *    A, B, the IN, C, in order, none lost;
 *  - one more write (3) to zone 0xe0 is drained: COAL_INFO shows 1 active
 *    zone and 1 more entry; EXIT_READ of COALESCED 0xe0 since the mark
 *    gives 1, 2, 3; an IN from 0xe8 still reads VMC_COALESCED_READ_VALUE;
 *  - RDMSR FAKE_MSR exits to the harness, reads V, and the counter says
 *    2 exits (1 before the migration, 1 now);
 *  - SLOT_INFO counts the slot; through it the guest reads W where it
 *    stored it and the fill pattern next to it (a lost slot reads all-ones:
 *    the harness claims its unbacked window).
 * With the argument "partial": right after the migration the guest leaves
 * a console line without its newline in the library's buffer and triple
 * faults (no console request in the new VM); the harness must still print
 * the line at the end, which after --restore it can only do from the
 * console blocks the file carried (the process loaded no boot header).
 * Without the harness or its migration op: SKIP.
 */
#include "vmc.h"
#include "processor.h"
#include "desc.h"
#include "kvm420.h"
#include "migrate.h"
#include "msrfilter.h"

#define ZPORT		0xe0
#define ZPORT_OLD	0xe8
#define FAKE_MSR	0x474f4f10u
#define SCR		VMC_SCRATCH_PORT
#define COM1_SCR	(VMC_SERIAL_PORT + 7)
#define VAL_A		0x11110000u
#define VAL_B		0x22220000u
#define VAL_C		0x33330000u
#define MSR_V		0x5eed0000cafeull
#define PF_X		0xdead5000ull
#define SLOT_GPA	(VMC_SLOT_WINDOW + 0x100000ull)
#define SLOT_P		0x7a7a000000000000ull
#define SLOT_W		0x5107057e5107057eull

static struct {
	unsigned count, vector;
	uint64_t error_code, cr2;
} seen;

static void on_pf(struct ex_regs *r)
{
	seen.count++;
	seen.vector = r->vector;
	seen.error_code = r->error_code;
	seen.cr2 = read_cr2();
}

static struct vmc_exit_rec recs[8];

int main(int argc, char **argv)
{
	static const struct { uint16_t limit; uint64_t base; } __attribute__((packed))
		empty = { 0, 0 };
	bool partial = argc > 1 && !strcmp(argv[1], "partial");
	struct vmc_expect_ent ent[3] = {
		{ VMC_KVM_EXIT_IO, SCR, VMC_EXPECT_F_DATA | VMC_EXPECT_F_DIR, 1, VAL_B },
		{ VMC_KVM_EXIT_IO, SCR, VMC_EXPECT_F_DIR, 0, 0 },
		{ VMC_KVM_EXIT_IO, SCR, VMC_EXPECT_F_DATA | VMC_EXPECT_F_DIR, 1, VAL_C },
	};
	struct vmc_coal_info before, after;
	struct vmc_expect_result res;
	struct vmc_exc_state s, got;
	struct vmc_exc_inject req;
	struct vmc_hello h;
	const char *why = NULL;
	uint32_t total = 0, lost = 1, in;
	uint64_t v = 0;
	bool msr;
	int kr = 1, n, r, gr = 1;

	report_prefix_push("mig_families");
	if (!k420_available(0, &why) || harness_hello(&h) || !(h.features & VMC_FEAT_MIGRATE)) {
		report_skip("families across migration: %s with migration (VMC_FEAT_MIGRATE)",
			    why ? why : HARNESS_SKIP_REASON);
		return report_summary();
	}
	/* ---- before ---- */
	harness_exit_mark();
	outl(VAL_A, SCR);
	if (coal_zone(VMC_COAL_REGISTER, true, ZPORT, 4, &kr) || kr ||
	    coal_zone(VMC_COAL_REGISTER, true, ZPORT_OLD, 1, &kr) || kr ||
	    coal_zone(VMC_COAL_UNREGISTER, true, ZPORT_OLD, 1, &kr) || kr)
		report_abort("COAL_ZONE setup failed (kvm %d)", kr);
	outb(1, ZPORT);
	outb(2, ZPORT);
	coal_info(&before);
	msr = msrf_available(&why);
	if (msr) {
		if (msrf_install_one(VMC_MSR_FILTER_DEFAULT_ALLOW,
				     VMC_MSR_FILTER_READ | VMC_MSR_FILTER_WRITE, FAKE_MSR, 1,
				     false) ||
		    msrf_exit_mask(VMC_MSR_REASON_FILTER) ||
		    msrf_policy(FAKE_MSR, VMC_MSR_RD_STORED, VMC_MSR_WR_STORE_MASK, 0, ~0ull))
			report_abort("MSR filter setup failed");
		msrf_reset();
		wrmsr(FAKE_MSR, MSR_V);
	}
	if (slot_fill(1, SLOT_P) || slot_set(5, 0, SLOT_GPA, 0x10000, 1, 0x2000, &kr) || kr)
		report_abort("SLOT_FILL / SLOT_SET failed (kvm %d)", kr);
	*(volatile uint64_t *)SLOT_GPA = SLOT_W;
	if (exc_cap(true, &kr) || kr)
		report_abort("EXC_CAP on failed (kvm %d)", kr);
	handle_exception(PF_VECTOR, on_pf);
	outb(0x5a, COM1_SCR);
	if (harness_expect(ent, 3))
		report_abort("EXPECT failed");
	outl(VAL_B, SCR);
	/* the migration: EXC_INJECT's, with a #PF pending in the vCPU */
	memset(&s, 0, sizeof(s));
	s.flags = VMC_VCPUEVENT_VALID_PAYLOAD;
	s.nr = PF_VECTOR;
	s.pending = 1;
	s.has_error_code = 1;
	s.error_code = 2;
	s.has_payload = 1;
	s.payload = PF_X;
	write_cr2(0);
	r = exc_inject(&s, VMC_EXC_F_MIGRATE, &req);
	if (partial) {
		printf("mig-families-partial: no newline yet");
		asm volatile("lidt %0\n\tud2" : : "m"(empty) : "memory");
	}
	/* ---- after ---- */
	report(r == 0 && req.set_ret == 0 && seen.count == 1 && seen.vector == PF_VECTOR &&
	       seen.error_code == 2 && seen.cr2 == PF_X,
	       "the pending #PF arrives once after the migration with CR2 = payload %#llx (ret "
	       "%d, set %d, %u exceptions, vector %u, error %#lx, CR2 %#lx)", PF_X, r,
	       req.set_ret, seen.count, seen.vector, seen.error_code, seen.cr2);
	handle_exception(PF_VECTOR, NULL);
	exc_get(&got, &gr);
	report(gr == 0 && (got.flags & VMC_VCPUEVENT_VALID_PAYLOAD),
	       "KVM_CAP_EXCEPTION_PAYLOAD is still on: GET_VCPU_EVENTS flags %#x have 0x10 "
	       "(get %d)", got.flags, gr);
	in = inb(COM1_SCR);
	report(in == 0x5a, "the COM1 scratch register reads back 0x5a (%#x)", in);
	in = inl(SCR);
	report(in == VAL_B, "the scratch port reads back %#x, the last value written (%#x)",
	       VAL_B, in);
	outl(VAL_C, SCR);
	memset(&res, 0, sizeof(res));
	r = harness_expect_result(&res);
	report(r == 0 && res.state == VMC_EXPECT_MATCHED && res.count == 3 && res.matched == 3,
	       "EXPECT declared before the migration completes after it: MATCHED 3 of 3 "
	       "(state %u, %u of %u)", res.state, res.matched, res.count);
	n = harness_exit_read(recs, 8, VMC_READ_F_INDEX, 0, SCR, &total, &lost);
	report(n == 4 && total == 4 && !lost && recs[0].data == VAL_A && recs[1].data == VAL_B &&
	       recs[3].data == VAL_C && !(recs[2].flags & VMC_EXITF_OUT) &&
	       recs[0].seq < recs[1].seq && recs[1].seq < recs[2].seq && recs[2].seq < recs[3].seq,
	       "EXIT_READ since the mark: OUT A, OUT B, IN, OUT C on the scratch port, in order "
	       "(%d read, %u total, lost %u, data %#lx %#lx .. %#lx)", n, total, lost,
	       n > 0 ? recs[0].data : 0, n > 1 ? recs[1].data : 0, n > 3 ? recs[3].data : 0);
	outb(3, ZPORT);
	coal_info(&after);
	report(after.zones == 1 && after.drained == before.drained + 1,
	       "COAL_INFO: zone 0xe0 is registered in the new VM and the drained count goes on "
	       "(%u zones, drained %lu -> %lu)", after.zones, before.drained, after.drained);
	n = harness_exit_read(recs, 8, VMC_READ_F_REASON | VMC_READ_F_INDEX, VMC_EXIT_COALESCED,
			      ZPORT, &total, &lost);
	report(n == 3 && !lost && recs[0].data == 1 && recs[1].data == 2 && recs[2].data == 3,
	       "the exit log has the zone's writes 1, 2 (before) and 3 (after), in order (%d: "
	       "%#lx %#lx %#lx)", n, n > 0 ? recs[0].data : 0, n > 1 ? recs[1].data : 0,
	       n > 2 ? recs[2].data : 0);
	in = inb(ZPORT_OLD);
	report(in == (uint8_t)VMC_COALESCED_READ_VALUE, "an IN from the unregistered zone 0xe8 "
	       "is still claimed: %#x (%#x)", (uint8_t)VMC_COALESCED_READ_VALUE, in);
	if (msr) {
		r = msr_read(FAKE_MSR, &v, false, NULL);
		report(!r && v == MSR_V && msrf_exits(FAKE_MSR) == 2,
		       "RDMSR %#x still exits, reads the %#llx written before, and its counter "
		       "has both exits (vector %d, %#lx, %u exits)", FAKE_MSR, MSR_V, r, v,
		       msrf_exits(FAKE_MSR));
		msrf_clear();
		msrf_exit_mask(0);
	} else {
		report_skip("MSR exit policy and counters across migration: %s", why);
	}
	{
		struct vmc_slot_info si;
		uint64_t w = *(volatile uint64_t *)SLOT_GPA;
		uint64_t p = *(volatile uint64_t *)(SLOT_GPA + 8);
		uint64_t want_p = SLOT_P + (0x2000 + 8) / 8;

		memset(&si, 0, sizeof(si));
		slot_info(&si);
		report(si.slots == 1 && w == SLOT_W && p == want_p,
		       "memslot 5 is in the new VM with its memory: %u slot, %#lx stored, "
		       "%#lx next to it (want %#llx, %#lx)", si.slots, w, p, SLOT_W, want_p);
		slot_set(5, 0, SLOT_GPA, 0, 1, 0x2000, &kr);
	}
	exc_cap(false, &kr);
	coal_zone(VMC_COAL_UNREGISTER, true, ZPORT, 4, &kr);
	report_prefix_pop();
	return report_summary();
}
