/*
 * memslots: KVM_SET_USER_MEMORY_REGION limits and slot changes seen from the
 * guest (kvm-4.20 memslot-limit work; rules from virt/kvm/kvm_main.c
 * __kvm_set_memory_region() and arch/x86/kvm/x86.c
 * kvm_arch_prepare_memory_region(), Debian linux-source 6.1 and 6.12).
 *
 * Why: a VMM sizes its memory map by KVM_CAP_NR_MEMSLOTS and
 * KVM_CAP_MULTI_ADDRESS_SPACE and must be able to use every slot they
 * promise, and KVM must stop at exactly those limits; when a slot moves,
 * is re-created with other memory or is deleted, the guest must see the
 * change at once (KVM has to drop its old mappings), and an address no
 * slot backs must become an MMIO exit.  Checked: cap 10 = 32764
 * (KVM_CAP_NR_MEMSLOTS returns KVM_USER_MEM_SLOTS = KVM_MEM_SLOTS_NUM
 * (SHRT_MAX) - KVM_INTERNAL_MEM_SLOTS (3 on x86)); in one VM ids
 * 0..NR_MEMSLOTS-1 can all be created (that is NR_MEMSLOTS slots), and the
 * next id, NR_MEMSLOTS, and 0xffff are EINVAL (kvm_vm_ioctl_set_memory_region:
 * (u16)slot >= KVM_USER_MEM_SLOTS); moving a slot onto another one's GPA is
 * EEXIST (kvm_check_memslot_overlap for CREATE and MOVE); deleting a slot is
 * 0, deleting it again is EINVAL (size 0 with "!old || !old->npages"), and
 * creating it again is 0.  These run in the harness's scratch VM (SLOT_MANY
 * SCRATCH_CREATE, SLOT_SET vm 1; docs/channel.md "Memslots"), a vCPU-less VM
 * of the guest VM's type whose slot 0 is free, which is destroyed at the end
 * instead of deleting 32k slots one by one; address space ids
 * below max(cap 118, 1) work, that one is EINVAL; a guest read through a
 * slot sees its backing, after a move the new GPA does and the old one
 * exits as MMIO, a move that changes the host address is EINVAL, a slot
 * deleted and re-created over other memory shows the new memory, a
 * deleted slot's GPA exits as MMIO, a READONLY slot reads but its writes
 * exit; the highest page below 2^MAXPHYADDR (CPUID 0x80000008) is a valid
 * slot, and KVM's top is 2^MAXPHYADDR with TDP (EPT/NPT) and 2^52 without
 * (kvm_mmu_max_gfn()): the page below it works, the page at it is EINVAL;
 * a GPA range that wraps is EINVAL.  Expected values are the kernel's
 * rules and the patterns the guest asked the harness to write.
 * Harness only: under QEMU everything SKIPs ("needs the vmconform harness").
 */
#include "vmc.h"
#include "processor.h"
#include "kvm420.h"

#define USER_MEM_SLOTS	32764		/* SHRT_MAX - KVM_INTERNAL_MEM_SLOTS (3) */
#define MANY_GPA	0x100000000ull	/* the 1-page slots: 4 GiB + 4K * i */
#define W1		0x80000000ull	/* inside VMC_SLOT_WINDOW, identity mapped */
#define W2		0x80200000ull
#define SLOT_SIZE	0x10000ull
#define P1		0x1111000000000000ull
#define P2		0x2222000000000000ull
#define EINVAL_K	(-VMC_EINVAL)
#define EEXIST_K	(-17)		/* Linux EEXIST */
#define KVM_CAP_READONLY_MEM	81

static int set(uint32_t slot, uint32_t flags, uint64_t gpa, uint64_t size, uint32_t b)
{
	int kr = 1, r = slot_set(slot, flags, gpa, size, b, 0, &kr);

	return r < 0 ? r - 1000 : kr;
}

static uint64_t rd(uint64_t gpa)
{
	return *(volatile uint64_t *)(uintptr_t)gpa;
}

/* the one exit since the mark is an MMIO access of gpa (write: out) */
static bool one_mmio(uint64_t gpa, bool out)
{
	struct vmc_exit_rec r[4];
	uint32_t total = 0, lost = 0;
	int n = harness_exit_read(r, 4, 0, 0, 0, &total, &lost);

	if (n != 1 || total != 1 || lost) {
		report_info("%d exits since the mark (total %u, lost %u)", n, total, lost);
		return false;
	}
	return r[0].reason == VMC_KVM_EXIT_MMIO && r[0].index == (uint32_t)gpa &&
	       !!(r[0].flags & VMC_EXITF_OUT) == out && r[0].size == 8;
}

/* one slot in the scratch VM, backed by the first page of backing 0 */
static int sset(uint32_t slot, uint64_t gpa, uint64_t size)
{
	int kr = 1, r = slot_set_in(VMC_SLOT_VM_SCRATCH, slot, 0, gpa, size, 0, 0, &kr);

	return r < 0 ? r - 1000 : kr;
}

static void limit(const struct vmc_slot_info *si)
{
	uint32_t done = 0, n = (uint32_t)si->nr_memslots;
	uint64_t last;
	int kr = 1, r;

	report_prefix_push("limit");
	report(si->nr_memslots == USER_MEM_SLOTS, "CHECK_EXTENSION(NR_MEMSLOTS) = %d "
	       "(got %d)", USER_MEM_SLOTS, si->nr_memslots);
	if (si->nr_memslots < 2 || si->nr_memslots > 0x10000) {
		report_skip("slot creation up to the limit: CHECK_EXTENSION(NR_MEMSLOTS) gave %d, "
			    "outside 2..65536 (needs a KVM that reports KVM_USER_MEM_SLOTS, "
			    "as every Linux since 2.6.25 does)", si->nr_memslots);
		goto out;
	}
	last = MANY_GPA + (uint64_t)(n - 1) * 4096;
	r = slot_many(VMC_SLOT_MANY_SCRATCH_CREATE, 0, n, MANY_GPA, &done, &kr);
	report(r == 0 && done == n && kr == 0, "in one VM, slots 0..%u (NR_MEMSLOTS = %u slots) "
	       "are all accepted (ret %d, %u created, first error %d)", n - 1, n, r, done, kr);
	kr = sset(n, MANY_GPA + (uint64_t)n * 4096, 4096);
	report(kr == EINVAL_K, "one more, slot id %u (= NR_MEMSLOTS), is EINVAL (got %d)", n, kr);
	kr = sset(0xffff, MANY_GPA + 0x10000000ull, 4096);
	report(kr == EINVAL_K, "slot id 0xffff is EINVAL (got %d)", kr);
	kr = sset(n - 1, MANY_GPA, 4096);
	report(kr == EEXIST_K, "moving slot %u onto slot 0's GPA is EEXIST (overlap; got %d)",
	       n - 1, kr);
	kr = sset(n - 1, last, 0);
	report(kr == 0, "deleting slot %u is accepted (got %d)", n - 1, kr);
	kr = sset(n - 1, last, 0);
	report(kr == EINVAL_K, "deleting slot %u again (no such slot) is EINVAL (got %d)",
	       n - 1, kr);
	kr = sset(n - 1, last, 4096);
	report(kr == 0, "re-creating slot %u is accepted (got %d)", n - 1, kr);
	r = slot_many(VMC_SLOT_MANY_SCRATCH_DESTROY, 0, 0, 0, &done, &kr);
	if (r < 0)
		report_info("SLOT_MANY SCRATCH_DESTROY: %d", r);
out:
	report_prefix_pop();
}

static void address_spaces(const struct vmc_slot_info *si)
{
	uint32_t nas = si->multi_as > 1 ? (uint32_t)si->multi_as : 1;
	int kr;

	report_prefix_push("address spaces");
	report_info("CHECK_EXTENSION(MULTI_ADDRESS_SPACE) = %d", si->multi_as);
	if (nas > 1) {
		kr = set((nas - 1) << 16 | 20, 0, W1, SLOT_SIZE, 1);
		report(kr == 0, "a slot in address space %u is accepted (got %d)", nas - 1, kr);
		set((nas - 1) << 16 | 20, 0, W1, 0, 1);
	}
	kr = set(nas << 16 | 20, 0, W1, SLOT_SIZE, 1);
	report(kr == EINVAL_K, "a slot in address space %u (= max(cap, 1)) is EINVAL (got %d)",
	       nas, kr);
	report_prefix_pop();
}

static void guest_view(void)
{
	int64_t ro = 0;
	uint64_t v;
	int kr, r;

	report_prefix_push("guest view");
	r = slot_fill(1, P1);
	if (!r)
		r = slot_fill(2, P2);
	if (r)	/* the harness's own op: a broken harness is an ERROR, not a SKIP */
		report_abort("SLOT_FILL of backings 1 and 2 failed: %s", harness_strerror(r));
	kr = set(10, 0, W1, SLOT_SIZE, 1);
	report(kr == 0 && rd(W1) == P1 && rd(W1 + 8) == P1 + 1 && rd(W1 + 0xfff8) == P1 + 0x1fff,
	       "a 64K slot at %#llx reads its backing (ioctl %d, %#lx)", W1, kr, rd(W1));
	kr = set(10, 0, W2, SLOT_SIZE, 1);
	v = rd(W2 + 16);
	report(kr == 0 && v == P1 + 2, "moved to %#llx, the new GPA reads the same backing "
	       "(ioctl %d, %#lx)", W2, kr, v);
	harness_exit_mark();
	v = rd(W1 + 16);
	report(one_mmio(W1 + 16, false), "the old GPA %#llx is no memory: the read exits as "
	       "MMIO (read %#lx)", W1 + 16, v);
	kr = set(10, 0, W2, SLOT_SIZE, 2);
	report(kr == EINVAL_K, "changing a slot's host memory without deleting it is EINVAL "
	       "(got %d)", kr);
	kr = set(10, 0, W2, 0, 1);
	harness_exit_mark();
	v = rd(W2 + 16);
	report(kr == 0 && one_mmio(W2 + 16, false), "after deleting the slot its GPA exits as "
	       "MMIO (ioctl %d, read %#lx)", kr, v);
	kr = set(10, 0, W2, SLOT_SIZE, 2);
	v = rd(W2 + 16);
	report(kr == 0 && v == P2 + 2, "re-created over other memory, the guest reads the new "
	       "backing, not the old (ioctl %d, %#lx, want %#llx)", kr, v, P2 + 2);
	set(10, 0, W2, 0, 2);

	harness_caps(KVM_CAP_READONLY_MEM, VMC_CAPS_VM, &ro);
	if (ro <= 0) {
		report_skip("READONLY slot: needs KVM_CAP_READONLY_MEM (cap %ld)", ro);
		goto out;
	}
	kr = set(11, VMC_KVM_MEM_READONLY, W1, SLOT_SIZE, 1);
	v = rd(W1 + 24);
	report(kr == 0 && v == P1 + 3, "a READONLY slot reads its backing (ioctl %d, %#lx)", kr, v);
	harness_exit_mark();
	*(volatile uint64_t *)(uintptr_t)(W1 + 24) = 0x77;
	report(one_mmio(W1 + 24, true) && rd(W1 + 24) == P1 + 3,
	       "a write to it exits as MMIO and leaves the memory as it was (%#lx)", rd(W1 + 24));
	set(11, 0, W1, 0, 1);
out:
	report_prefix_pop();
}

static void top(const struct vmc_slot_info *si)
{
	unsigned m = cpuid_max_ext() >= 0x80000008 ? cpuid(0x80000008).a & 0xff : 36;
	unsigned lim = si->tdp ? m : 52;
	uint64_t top_m = 1ull << m, top_k = 1ull << lim;
	int kr;

	report_prefix_push("top");
	report_info("guest MAXPHYADDR %u, TDP %s: KVM's top is 2^%u", m, si->tdp ? "on" : "off",
		    lim);
	kr = set(30, 0, top_m - 4096, 4096, 0);
	report(kr == 0, "a slot on the last page below 2^MAXPHYADDR (%#lx) is accepted (got %d)",
	       top_m - 4096, kr);
	set(30, 0, top_m - 4096, 0, 0);
	if (lim != m) {
		kr = set(31, 0, top_k - 4096, 4096, 0);
		report(kr == 0, "without TDP a slot on the last page below 2^52 (%#lx) is "
		       "accepted (got %d)", top_k - 4096, kr);
		set(31, 0, top_k - 4096, 0, 0);
	}
	kr = set(32, 0, top_k, 4096, 0);
	report(kr == EINVAL_K, "a slot at 2^%u (%#lx) is EINVAL (got %d)", lim, top_k, kr);
	kr = set(33, 0, top_k - 4096, 8192, 0);
	report(kr == EINVAL_K, "a slot that crosses 2^%u is EINVAL (got %d)", lim, kr);
	kr = set(34, 0, 0ull - 4096, 8192, 0);
	report(kr == EINVAL_K, "a slot whose GPA range wraps is EINVAL (got %d)", kr);
	for (uint32_t s = 32; s <= 34; s++)	/* in case KVM took one */
		set(s, 0, 0, 0, 0);
	report_prefix_pop();
}

int main(void)
{
	struct vmc_slot_info si;
	const char *why;

	report_prefix_push("memslots");
	if (!k420_available(VMC_FEAT_MEMSLOT, &why)) {
		report_skip("%s", why);
		return report_summary();
	}
	if (slot_info(&si) < 0)
		report_abort("SLOT_INFO failed");
	guest_view();
	address_spaces(&si);
	top(&si);
	limit(&si);
	report_prefix_pop();
	return report_summary();
}
