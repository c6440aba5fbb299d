/*
 * k420_bookkeeping: the harness's own side of the coalesced (0x05),
 * exception (0x06) and memslot (0x07) families (docs/channel.md), as
 * opposed to KVM's behaviour, which x86/coalesced_io, x86/exception_payload
 * and x86/memslots check.  Run by tests/harness/check.sh, also under
 * ASan/UBSan, with --exit-log (the script checks the COALESCED lines).
 * Checks: COAL_ZONE refuses the harness's own ports (EPERM) and unknown
 * actions (EINVAL), keeps at most 16 zones (ENOSPC); COAL_INFO counts what
 * was drained and reports the mapping; an IN from a zone port reads
 * VMC_COALESCED_READ_VALUE, an MMIO load from a zone likewise; EXC_INJECT
 * refuses unknown inject flags and pad (EINVAL), F_MIGRATE migrates once
 * (nothing pending: ret 0, the MIGRATE count grows by exactly that one),
 * not at all after a SET KVM refused, and without a migration op (HELLO
 * bit 24 clear) is EOPNOTSUPP; SLOT_SET refuses slot 0 (EPERM), a bad
 * backing / unaligned offset / size past the backing (EINVAL); SLOT_MANY
 * refuses first 0 and a count past slot 0xffff; SLOT_INFO counts the kept
 * slots; a load from an unbacked GPA in VMC_SLOT_WINDOW reads all-ones;
 * the scratch VM: SLOT_SET refuses vm selectors 2 and 0x80000000 (EINVAL)
 * and takes slot 0 in the scratch VM (vm 1); SLOT_MANY SCRATCH_CREATE from
 * slot 0 works there; scratch slots are not counted by SLOT_INFO; the
 * scratch VM survives a MIGRATE (its slot can still be deleted); SLOT_MANY
 * action 5 and SCRATCH_DESTROY with first / count / gpa set are EINVAL;
 * SCRATCH_DESTROY answers the slots it held (done) and a fresh scratch VM
 * made after it has no slot 0 (KVM: deleting it is EINVAL).
 * Without the harness: SKIP.
 */
#include "vmc.h"
#include "processor.h"
#include "kvm420.h"
#include "migrate.h"

#define ZPORT 0xe0

static void coalesced(void)
{
	struct vmc_coal_info before, after;
	int kr = 1, r, i;
	uint32_t v;

	report(coal_zone(VMC_COAL_REGISTER, true, 0xf8, 1, &kr) == -VMC_EPERM,
	       "COAL_ZONE over the channel port is EPERM");
	report(coal_zone(VMC_COAL_REGISTER, true, 0x3f0, 0x10, &kr) == -VMC_EPERM,
	       "COAL_ZONE over COM1 is EPERM");
	report(coal_zone(3, true, ZPORT, 1, &kr) == -VMC_EINVAL, "COAL_ZONE action 3 is EINVAL");
	r = coal_zone(VMC_COAL_REGISTER, true, ZPORT, 4, &kr);
	report(r == 0 && kr == 0, "a zone at 0xe0 is registered (%d, %d)", r, kr);
	coal_info(&before);
	outb(1, ZPORT);
	outb(2, ZPORT);
	outb(3, ZPORT);
	coal_info(&after);
	report(after.drained == before.drained + 3 && after.mapped == 1 && after.zones == 1 &&
	       after.page_offset == 2, "COAL_INFO: 3 more entries drained, ring mapped, 1 zone, "
	       "page offset 2 (%lu -> %lu, mapped %u, zones %u, offset %d)", before.drained,
	       after.drained, after.mapped, after.zones, after.page_offset);
	v = inl(ZPORT);
	report(v == (uint32_t)VMC_COALESCED_READ_VALUE, "IN from a zone port reads %#x (%#x)",
	       (uint32_t)VMC_COALESCED_READ_VALUE, v);
	for (i = 0, r = 0; i < 16 && r == 0; i++)
		r = coal_zone(VMC_COAL_REGISTER, false, 0xd0000000ull + i * 0x1000, 0x1000, &kr);
	report(r == -VMC_ENOSPC && i == 16, "the 17th zone is ENOSPC (%d after %d)", r, i);
	v = *(volatile uint32_t *)0xd0000000ul;
	report(v == (uint32_t)VMC_COALESCED_READ_VALUE, "a load from an MMIO zone reads %#x",
	       v);
	coal_zone(VMC_COAL_UNREGISTER, true, ZPORT, 4, &kr);
	for (i = 0; i < 15; i++)
		coal_zone(VMC_COAL_UNREGISTER, false, 0xd0000000ull + i * 0x1000, 0x1000, &kr);
	coal_info(&after);
	report(after.zones == 0, "after unregistering, COAL_INFO counts 0 zones (%u)", after.zones);
}

static void exception(void)
{
	struct vmc_exc_inject req;
	struct vmc_exc_state s;
	struct vmc_hello h;
	uint64_t n0 = 0, n1 = 0;
	int r;

	memset(&s, 0, sizeof(s));
	report(exc_inject(&s, 1u << 5, &req) == -VMC_EINVAL, "EXC_INJECT flag bit 5 is EINVAL");
	HARNESS_REQ_INIT(req, VMC_OP_EXC_INJECT);
	req.pad = 1;
	report(harness_call(&req) == -VMC_EINVAL, "EXC_INJECT with pad set is EINVAL");
	if (harness_hello(&h) < 0)
		report_abort("HELLO failed");
	if (!(h.features & VMC_FEAT_MIGRATE)) {
		report(exc_inject(&s, VMC_EXC_F_MIGRATE, &req) == -VMC_EOPNOTSUPP,
		       "EXC_INJECT F_MIGRATE without the migration op is EOPNOTSUPP");
		return;
	}
	/* n0 + 1: the first MIGRATE; + 1: the one F_MIGRATE asks for */
	harness_migrate(&n0);
	r = exc_inject(&s, VMC_EXC_F_MIGRATE, &req);
	harness_migrate(&n1);
	report(r == 0 && req.set_ret == 0 && n1 == n0 + 2,
	       "EXC_INJECT F_MIGRATE with nothing pending succeeds and migrates once (ret %d, "
	       "set %d, migrations %lu -> %lu, want +2)", r, req.set_ret, n0, n1);
	/* VALID_PAYLOAD with the payload cap off: KVM refuses the SET */
	harness_migrate(&n0);
	s.flags = 0x10;
	r = exc_inject(&s, VMC_EXC_F_MIGRATE, &req);
	harness_migrate(&n1);
	report(r == 0 && req.set_ret == -22 && n1 == n0 + 1,
	       "EXC_INJECT F_MIGRATE after a SET KVM refused (EINVAL) does not migrate "
	       "(set %d, migrations %lu -> %lu, want +1: the MIGRATE itself)",
	       req.set_ret, n0, n1);
}

static void memslot(void)
{
	struct vmc_slot_info si;
	uint32_t done = 7;
	int kr = 1;
	uint64_t v;

	report(slot_set(0, 0, 0x80000000ull, 4096, 0, 0, &kr) == -VMC_EPERM,
	       "SLOT_SET of slot 0 (the RAM) is EPERM");
	report(slot_set(5, 0, 0x80000000ull, 4096, VMC_SLOT_BACKINGS, 0, &kr) == -VMC_EINVAL,
	       "SLOT_SET with backing %u is EINVAL", VMC_SLOT_BACKINGS);
	report(slot_set(5, 0, 0x80000000ull, 4096, 0, 100, &kr) == -VMC_EINVAL,
	       "SLOT_SET with an unaligned offset is EINVAL");
	report(slot_set(5, 0, 0x80000000ull, VMC_SLOT_BACKING_SIZE, 0, 4096, &kr) == -VMC_EINVAL,
	       "SLOT_SET past the end of the backing is EINVAL");
	report(slot_many(VMC_SLOT_MANY_CREATE, 0, 1, 0x100000000ull, &done, &kr) == -VMC_EINVAL,
	       "SLOT_MANY from slot 0 is EINVAL");
	report(slot_many(VMC_SLOT_MANY_CREATE, 0xff00, 0x101, 0x100000000ull, &done, &kr) ==
	       -VMC_EINVAL, "SLOT_MANY past slot 0xffff is EINVAL");
	slot_set(5, 0, 0x80000000ull, 4096, 0, 0, &kr);
	slot_set(6, 0, 0x80001000ull, 4096, 0, 0, &kr);
	slot_info(&si);
	report(si.slots == 2, "SLOT_INFO counts the 2 slots made (%u)", si.slots);
	slot_set(5, 0, 0x80000000ull, 0, 0, 0, &kr);
	slot_set(6, 0, 0x80001000ull, 0, 0, 0, &kr);
	slot_info(&si);
	report(si.slots == 0, "... and 0 after deleting them (%u)", si.slots);
	v = *(volatile uint64_t *)0x80003000ul;
	report(v == ~0ull, "a load from an unbacked GPA in the slot window reads all-ones (%#lx)",
	       v);
}

static int scratch(uint32_t slot, uint64_t gpa, uint64_t size, int *kr)
{
	return slot_set_in(VMC_SLOT_VM_SCRATCH, slot, 0, gpa, size, 0, 0, kr);
}

static void scratch_vm(void)
{
	struct vmc_slot_info si;
	uint64_t n0 = 0, n1 = 0;
	uint32_t done = 7;
	int kr = 1, r;

	report(slot_set_in(2, 5, 0, 0x80000000ull, 4096, 0, 0, &kr) == -VMC_EINVAL,
	       "SLOT_SET with vm 2 is EINVAL");
	report(slot_set_in(0x80000000u, 5, 0, 0x80000000ull, 4096, 0, 0, &kr) == -VMC_EINVAL,
	       "SLOT_SET with vm 0x80000000 is EINVAL");
	r = scratch(0, 0x100000000ull, 4096, &kr);
	report(r == 0 && kr == 0, "SLOT_SET of slot 0 in the scratch VM is made (%d, %d)", r, kr);
	r = slot_many(VMC_SLOT_MANY_SCRATCH_CREATE, 1, 3, 0x100001000ull, &done, &kr);
	report(r == 0 && done == 3 && kr == 0, "SLOT_MANY SCRATCH_CREATE of slots 1..3 (%d, %u, "
	       "%d)", r, done, kr);
	slot_info(&si);
	report(si.slots == 0, "SLOT_INFO does not count the scratch VM's slots (%u)", si.slots);
	r = slot_many(VMC_SLOT_MANY_SCRATCH_CREATE, 0xff00, 0x101, 0x100000000ull, &done, &kr);
	report(r == -VMC_EINVAL, "SLOT_MANY SCRATCH_CREATE past slot 0xffff is EINVAL (%d)", r);
	report(slot_many(5, 1, 1, 0x100000000ull, &done, &kr) == -VMC_EINVAL,
	       "SLOT_MANY action 5 is EINVAL");
	report(slot_many(VMC_SLOT_MANY_SCRATCH_DESTROY, 1, 0, 0, &done, &kr) == -VMC_EINVAL &&
	       slot_many(VMC_SLOT_MANY_SCRATCH_DESTROY, 0, 1, 0, &done, &kr) == -VMC_EINVAL &&
	       slot_many(VMC_SLOT_MANY_SCRATCH_DESTROY, 0, 0, 4096, &done, &kr) == -VMC_EINVAL,
	       "SLOT_MANY SCRATCH_DESTROY with first, count or gpa set is EINVAL");
	if (harness_migrate(&n0) < 0) {
		report_skip("scratch VM across a MIGRATE: needs the harness's migration op "
			    "(HELLO bit 24)");
		scratch(3, 0x100003000ull, 0, &kr);
	} else {
		r = scratch(3, 0x100003000ull, 0, &kr);
		harness_migrate(&n1);
		report(n1 == n0 + 1 && r == 0 && kr == 0, "after a MIGRATE the scratch VM still "
		       "has slot 3: deleting it is accepted (%d, %d; migrations %lu -> %lu)", r, kr,
		       n0, n1);
	}
	r = slot_many(VMC_SLOT_MANY_SCRATCH_DESTROY, 0, 0, 0, &done, &kr);
	report(r == 0 && done == 3 && kr == 0, "SCRATCH_DESTROY: the scratch VM held 3 slots "
	       "(%d, done %u, %d)", r, done, kr);
	r = scratch(0, 0x100000000ull, 0, &kr);
	report(r == 0 && kr == -22, "a new scratch VM has no slot 0: deleting it is EINVAL "
	       "(%d, %d)", r, kr);
	r = slot_many(VMC_SLOT_MANY_SCRATCH_DESTROY, 0, 0, 0, &done, &kr);
	report(r == 0 && done == 0, "SCRATCH_DESTROY of it: 0 slots (%d, done %u)", r, done);
}

int main(void)
{
	const char *why;

	if (!k420_available(VMC_FEAT_COALESCED | VMC_FEAT_EXC_INJECT | VMC_FEAT_MEMSLOT, &why)) {
		report_skip("%s", why);
		return report_summary();
	}
	coalesced();
	exception();
	memslot();
	scratch_vm();
	return report_summary();
}
