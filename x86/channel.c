/*
 * channel: the harness self-test.  Every check here grades vmconform's own
 * VMM (harness/), not KVM: the guest <-> harness channel v1 works as
 * docs/channel.md says, and the harness's bookkeeping and emulation answer
 * as documented, because every host-side check in the suite (exit log,
 * expectations, capabilities, MSR/hypercall/migration ops) goes through it.
 * Checks whose expected value is the harness's own answer (HELLO fields
 * against other HELLO fields, the MSR family's emulation and counters, bad
 * requests) live here, so that the KVM conformance tests (msr_filter*,
 * hypercall, ...) count KVM checks only.
 * Rules checked:
 *  - probe: a 32-bit IN from port 0xf8 returns the magic "VMC1" under the
 *    harness (under QEMU it reads all-ones and every check below SKIPs);
 *  - HELLO returns protocol version 1, the exit-log/expect/scratch feature
 *    bits, exactly one host-flavor bit that agrees with the flavor field,
 *    the vCPU count, the RAM size that the multiboot map describes, and
 *    the id of the calling vCPU;
 *  - CAPS returns KVM_CHECK_EXTENSION: KVM_CAP_X86_USER_SPACE_MSR (188) and
 *    KVM_CAP_X86_MSR_FILTER (189) are 1 (api.rst §7.21, §4.97; observed on
 *    every host in specs/kvm-x86.md E.1) on the system and the VM fd, the
 *    HELLO cap bits agree with CAPS, an unknown capability is 0, a bad fd
 *    selector is EINVAL;
 *  - EXIT_LOG: after a mark, three OUTs to the scratch port 0xf9 come back
 *    in order with port, size, data, direction and the RIP KVM reports (the
 *    OUT itself on VMX/SVM, just after it on kvm_pvm); IN from 0xf9 returns
 *    the last value written;
 *  - EXPECT: a declared sequence that happens is MATCHED, a partial one is
 *    PENDING, a wrong one is MISMATCH with the expected and the actual exit;
 *  - bad requests each get the documented error and the harness keeps
 *    serving: argsz below the header or the op minimum (EINVAL), above the
 *    op maximum (E2BIG), unknown op (ENOSYS), non-zero flags (EINVAL), a
 *    buffer outside RAM / wrapping / straddling the end of RAM (EFAULT), a
 *    block straddling the end of RAM (EFAULT), a block header outside RAM
 *    (no answer, but recorded in the exit log);
 *  - MSR family (0x02, when KVM has caps 188/189): the built-in
 *    MSR_KVM_MIGRATION_CONTROL emulation (reset value 1, bit 0 writable,
 *    other bits refused: specs/kvm-x86.md B.1, F15) and its counters; the
 *    harness keeps the filter KVM last accepted (FILTER_INFO) across failed
 *    sets; bitmaps outside guest RAM and malformed requests are refused
 *    without an ioctl;
 *  - later families' own validation: HC_MAP_READ of a fresh VM reads every
 *    page decrypted; unaligned gpa (EINVAL), more than 4096 pages (E2BIG),
 *    a range past RAM (EFAULT); MIGRATE with flags set (EINVAL).
 * Runs under the harness only (unittests.cfg runner = harness).
 */
#include "vmc.h"
#include "channel.h"
#include "processor.h"
#include "msrfilter.h"
#include "hypercall.h"
#include "migrate.h"

#define KVM_EXIT_IO		2
#define KVM_CAP_X86_USER_SPACE_MSR 188
#define KVM_CAP_X86_MSR_FILTER	189

static struct vmc_hello hello;

static void check_hello(void)
{
	uint64_t flav = hello.features & (VMC_FEAT_HOST_KVM_INTEL | VMC_FEAT_HOST_KVM_AMD |
					  VMC_FEAT_HOST_KVM_PVM | VMC_FEAT_HOST_OTHER);
	static const uint64_t flav_bit[] = {
		[VMC_FLAVOR_KVM_INTEL] = VMC_FEAT_HOST_KVM_INTEL,
		[VMC_FLAVOR_KVM_AMD] = VMC_FEAT_HOST_KVM_AMD,
		[VMC_FLAVOR_KVM_PVM] = VMC_FEAT_HOST_KVM_PVM,
		[VMC_FLAVOR_OTHER] = VMC_FEAT_HOST_OTHER,
	};
	bool vmx_svm = hello.flavor == VMC_FLAVOR_KVM_INTEL || hello.flavor == VMC_FLAVOR_KVM_AMD;
	uint64_t ram = hello.ram_size, usable = mem_size();

	report_prefix_push("hello");
	report(hello.version == VMC_CHAN_VERSION, "protocol version is %d (got %u)",
	       VMC_CHAN_VERSION, hello.version);
	report((hello.features & (VMC_FEAT_EXITLOG | VMC_FEAT_EXPECT | VMC_FEAT_SCRATCH)) ==
	       (VMC_FEAT_EXITLOG | VMC_FEAT_EXPECT | VMC_FEAT_SCRATCH),
	       "EXITLOG, EXPECT and SCRATCH feature bits are set (features 0x%llx)",
	       (unsigned long long)hello.features);
	report(hello.flavor >= VMC_FLAVOR_KVM_INTEL && hello.flavor <= VMC_FLAVOR_OTHER &&
	       flav == flav_bit[hello.flavor],
	       "exactly one host-flavor bit is set and it matches flavor %u (bits 0x%llx)",
	       hello.flavor, (unsigned long long)flav);
	report(!!(hello.features & VMC_FEAT_HOST_VMX_SVM) == vmx_svm,
	       "the VMX/SVM bit is set exactly for kvm_intel/kvm_amd (flavor %u)", hello.flavor);
	report(hello.nr_vcpus >= 1 && hello.vcpu_id < hello.nr_vcpus,
	       "caller vCPU %u is one of %u vCPUs", hello.vcpu_id, hello.nr_vcpus);
	report(hello.vcpu_id == smp_id(), "HELLO names the calling vCPU (%u, smp_id %u)",
	       hello.vcpu_id, smp_id());
	report(ram >= usable && ram - usable <= (1 << 20),
	       "RAM size %llu is the multiboot map's usable RAM %llu plus at most 1 MiB of holes",
	       (unsigned long long)ram, (unsigned long long)usable);
	report(hello.max_argsz == VMC_CHAN_MAX_ARGSZ, "max_argsz is %u (got %u)",
	       VMC_CHAN_MAX_ARGSZ, hello.max_argsz);
	report_prefix_pop();
}

static void check_cap(uint32_t cap, const char *name, uint64_t feat)
{
	int64_t sys = -1, vm = -1;
	int r1 = harness_caps(cap, VMC_CAPS_SYSTEM, &sys);
	int r2 = harness_caps(cap, VMC_CAPS_VM, &vm);

	report(r1 == 0 && sys == 1, "%s (%u) is 1 on the system fd (ret %d, value %lld)",
	       name, cap, r1, (long long)sys);
	report(r2 == 0 && vm == 1, "%s (%u) is 1 on the VM fd (ret %d, value %lld)",
	       name, cap, r2, (long long)vm);
	report(!!(hello.features & feat) == (sys > 0),
	       "HELLO's %s bit agrees with CAPS (bit %d, value %lld)", name,
	       !!(hello.features & feat), (long long)sys);
}

static void check_caps(void)
{
	int64_t v = -1;
	int r;

	report_prefix_push("caps");
	check_cap(KVM_CAP_X86_USER_SPACE_MSR, "KVM_CAP_X86_USER_SPACE_MSR",
		  VMC_FEAT_CAP_USER_SPACE_MSR);
	check_cap(KVM_CAP_X86_MSR_FILTER, "KVM_CAP_X86_MSR_FILTER", VMC_FEAT_CAP_MSR_FILTER);
	r = harness_caps(0x7fff0000u, VMC_CAPS_SYSTEM, &v);
	report(r == 0 && v == 0, "an unknown capability reads 0 (ret %d, value %lld)", r,
	       (long long)v);
	r = harness_caps(KVM_CAP_X86_USER_SPACE_MSR, 2, &v);
	report(r == -VMC_EINVAL, "fd selector 2 is EINVAL (ret %d: %s)", r, harness_strerror(r));
	report_prefix_pop();
}

/*
 * OUT to the scratch port; returns the RIP just after the OUT and stores the
 * OUT's own address in *at.  Which of the two KVM reports with the exit
 * differs by host: upstream KVM on VMX/SVM leaves RIP on the OUT until
 * userspace completes the access (arch/x86/kvm/x86.c kvm_fast_pio_out(); the
 * old "RIP already incremented" behaviour survives only for port 0x7e as
 * KVM_X86_QUIRK_OUT_7E_INC_RIP), while kvm_pvm reports it already advanced.
 */
#define SCRATCH_OUT(name, type, insn)					\
static uint64_t name(type v, uint64_t *at)					\
{										\
	uint64_t after, here;							\
										\
	asm volatile("lea 1f(%%rip), %1\n1:\t" insn "\n2:\n\tlea 2b(%%rip), %0"	\
		     : "=r"(after), "=&r"(here)					\
		     : "a"(v), "d"(VMC_SCRATCH_PORT) : "memory");		\
	if (at)									\
		*at = here;							\
	return after;								\
}
SCRATCH_OUT(scratch_outl, uint32_t, "outl %%eax, %%dx")
SCRATCH_OUT(scratch_outw, uint16_t, "outw %%ax, %%dx")
SCRATCH_OUT(scratch_outb, uint8_t, "outb %%al, %%dx")

static struct vmc_exit_rec recs[16];

static void check_exit_log(void)
{
	static const uint32_t data[3] = { 0x11223344, 0x5566, 0x77 };
	static const uint8_t size[3] = { 4, 2, 1 };
	uint64_t rip[3], at[3];
	bool vmx_svm = hello.flavor == VMC_FLAVOR_KVM_INTEL || hello.flavor == VMC_FLAVOR_KVM_AMD;
	bool pvm = hello.flavor == VMC_FLAVOR_KVM_PVM;
	uint32_t total = 0, lost = 1, in;
	int r, n;

	report_prefix_push("exit log");
	r = harness_exit_mark();
	report(r == 0, "EXIT_MARK succeeds (ret %d)", r);
	rip[0] = scratch_outl(data[0], &at[0]);
	rip[1] = scratch_outw((uint16_t)data[1], &at[1]);
	rip[2] = scratch_outb((uint8_t)data[2], &at[2]);
	n = harness_exit_read(recs, ARRAY_SIZE(recs), VMC_READ_F_REASON | VMC_READ_F_INDEX,
			      KVM_EXIT_IO, VMC_SCRATCH_PORT, &total, &lost);
	report(n == 3 && total == 3 && !lost,
	       "EXIT_READ returns exactly the 3 scratch-port OUTs since the mark (count %d, "
	       "total %u, lost %u)", n, total, lost);
	for (int i = 0; i < 3 && i < n; i++) {
		const struct vmc_exit_rec *e = &recs[i];

		report(e->reason == KVM_EXIT_IO && e->index == VMC_SCRATCH_PORT &&
		       e->size == size[i] && e->data == data[i] && e->flags == VMC_EXITF_OUT &&
		       e->vcpu == hello.vcpu_id,
		       "exit %d is OUT port 0x%x size %u data 0x%x (got reason %u port 0x%x size %u "
		       "data 0x%llx flags 0x%x vcpu %u)", i, VMC_SCRATCH_PORT, size[i], data[i],
		       e->reason, e->index, e->size, (unsigned long long)e->data, e->flags, e->vcpu);
		if (vmx_svm)
			report(e->rip == at[i], "exit %d RIP is the OUT itself on VMX/SVM "
			       "(0x%llx, got 0x%llx)", i, (unsigned long long)at[i],
			       (unsigned long long)e->rip);
		else if (pvm)
			report(e->rip == rip[i], "exit %d RIP is just after the OUT on kvm_pvm "
			       "(0x%llx, got 0x%llx)", i, (unsigned long long)rip[i],
			       (unsigned long long)e->rip);
		else
			report(e->rip == at[i] || e->rip == rip[i], "exit %d RIP is the OUT or just "
			       "after it (0x%llx / 0x%llx, got 0x%llx)", i,
			       (unsigned long long)at[i], (unsigned long long)rip[i],
			       (unsigned long long)e->rip);
	}
	report(n == 3 && recs[0].seq < recs[1].seq && recs[1].seq < recs[2].seq,
	       "sequence numbers increase (%u %u %u)", recs[0].seq, recs[1].seq, recs[2].seq);
	/* unfiltered: the scratch exits are there among whatever else happened */
	n = harness_exit_read(recs, ARRAY_SIZE(recs), 0, 0, 0, &total, &lost);
	report(n >= 3 && total >= 3, "an unfiltered read sees at least those 3 exits (count %d)", n);
	in = inl(VMC_SCRATCH_PORT);
	report(in == data[2], "IN from the scratch port returns the last OUT value (0x%x, got 0x%x)",
	       data[2], in);
	n = harness_exit_read(recs, 0, 0, 0, 0, &total, &lost);
	report(n == 0 && total >= 4, "a zero-entry read copies nothing but still counts (count %d, "
	       "total %u)", n, total);
	report_prefix_pop();
}

static void expect_io(struct vmc_expect_ent *e, uint32_t data)
{
	memset(e, 0, sizeof(*e));
	e->reason = KVM_EXIT_IO;
	e->index = VMC_SCRATCH_PORT;
	e->flags = VMC_EXPECT_F_DATA | VMC_EXPECT_F_DIR;
	e->dir_out = 1;
	e->data = data;
}

static void check_expect(void)
{
	struct vmc_expect_ent ent[2];
	struct vmc_expect_result res;
	int r;

	report_prefix_push("expect");
	r = harness_expect(NULL, 0);
	r |= harness_expect_result(&res);
	report(r == 0 && res.state == VMC_EXPECT_NONE, "nothing declared reads NONE (state %u)",
	       res.state);

	expect_io(&ent[0], 1);
	expect_io(&ent[1], 2);
	r = harness_expect(ent, 2);
	report(r == 0, "EXPECT of 2 exits succeeds (ret %d)", r);
	scratch_outl(1, NULL);
	r = harness_expect_result(&res);
	report(r == 0 && res.state == VMC_EXPECT_PENDING && res.matched == 1 && res.count == 2,
	       "after 1 of 2 the state is PENDING with 1 matched (state %u matched %u)",
	       res.state, res.matched);
	scratch_outl(2, NULL);
	r = harness_expect_result(&res);
	report(r == 0 && res.state == VMC_EXPECT_MATCHED && res.matched == 2,
	       "after both the state is MATCHED (state %u matched %u)", res.state, res.matched);

	expect_io(&ent[0], 5);
	harness_expect(ent, 1);
	scratch_outl(6, NULL);
	r = harness_expect_result(&res);
	report(r == 0 && res.state == VMC_EXPECT_MISMATCH && res.mismatch_at == 0 &&
	       res.expected.data == 5 && res.got.data == 6 && res.got.index == VMC_SCRATCH_PORT,
	       "OUT 6 where 5 was expected is a MISMATCH at 0 that names both (state %u at %u, "
	       "expected 0x%llx, got 0x%llx)", res.state, res.mismatch_at,
	       (unsigned long long)res.expected.data, (unsigned long long)res.got.data);
	scratch_outl(5, NULL);
	r = harness_expect_result(&res);
	report(r == 0 && res.state == VMC_EXPECT_MISMATCH && res.got.data == 6,
	       "the first mismatch stays recorded (state %u, got 0x%llx)", res.state,
	       (unsigned long long)res.got.data);
	harness_expect(NULL, 0);
	report_prefix_pop();
}

static void check_bad_requests(void)
{
	static struct {
		struct vmc_hello h;
		uint8_t pad[4096];
	} big;
	struct vmc_hello h;
	struct vmc_exit_read rd;
	struct vmc_expect ex;
	struct vmc_log lg;
	uint64_t end = hello.ram_size;
	volatile uint8_t *top;
	uint8_t saved[64];
	uint32_t total, lost;
	int r;

	report_prefix_push("bad requests");
	memset(&h, 0, sizeof(h));
	h.hdr.argsz = 8;
	h.hdr.op = VMC_OP_HELLO;
	r = harness_call(&h);
	report(r == -VMC_EINVAL, "argsz 8 (below the header) is EINVAL (%d: %s)", r,
	       harness_strerror(r));
	h.hdr.argsz = 20;
	r = harness_call(&h);
	report(r == -VMC_EINVAL, "HELLO with argsz 20 < %zu is EINVAL (%d: %s)", sizeof(h), r,
	       harness_strerror(r));
	memset(&big, 0, sizeof(big));
	big.h.hdr.argsz = sizeof(big);
	big.h.hdr.op = VMC_OP_HELLO;
	r = harness_call(&big);
	report(r == -VMC_E2BIG, "HELLO with argsz %zu > %zu is E2BIG (%d: %s)", sizeof(big),
	       sizeof(h), r, harness_strerror(r));
	h.hdr.argsz = sizeof(h);
	h.hdr.op = 0x7777;
	r = harness_call(&h);
	report(r == -VMC_ENOSYS, "unknown op 0x7777 is ENOSYS (%d: %s)", r, harness_strerror(r));
	h.hdr.op = VMC_OP_HELLO;
	h.hdr.flags = 1;
	r = harness_call(&h);
	report(r == -VMC_EINVAL, "flags 1 is EINVAL (%d: %s)", r, harness_strerror(r));

	memset(&rd, 0, sizeof(rd));
	rd.hdr.argsz = sizeof(rd);
	rd.hdr.op = VMC_OP_EXIT_READ;
	rd.max_entries = 4;
	rd.buf = end + 0x1000;
	r = harness_call(&rd);
	report(r == -VMC_EFAULT, "EXIT_READ into a buffer above RAM is EFAULT (%d: %s)", r,
	       harness_strerror(r));
	rd.buf = 0xfffffffffffffff0ull;
	r = harness_call(&rd);
	report(r == -VMC_EFAULT, "EXIT_READ into a buffer that wraps past 2^64 is EFAULT (%d: %s)",
	       r, harness_strerror(r));
	rd.buf = end - 2 * sizeof(struct vmc_exit_rec);
	r = harness_call(&rd);
	report(r == -VMC_EFAULT, "EXIT_READ of 4 entries into the last 2 entries of RAM is EFAULT "
	       "(%d: %s)", r, harness_strerror(r));
	rd.buf = harness_gpa(recs);
	rd.read_flags = 1u << 31;
	r = harness_call(&rd);
	report(r == -VMC_EINVAL, "EXIT_READ with unknown read_flags is EINVAL (%d: %s)", r,
	       harness_strerror(r));

	memset(&ex, 0, sizeof(ex));
	ex.hdr.argsz = sizeof(ex);
	ex.hdr.op = VMC_OP_EXPECT;
	ex.count = 3;
	r = harness_call(&ex);
	report(r == -VMC_EINVAL, "EXPECT of 3 entries with room for none is EINVAL (%d: %s)", r,
	       harness_strerror(r));
	memset(&lg, 0, sizeof(lg));
	lg.hdr.argsz = sizeof(lg);
	lg.hdr.op = VMC_OP_LOG;
	lg.len = 100;
	r = harness_call(&lg);
	report(r == -VMC_EINVAL, "LOG with len past argsz is EINVAL (%d: %s)", r,
	       harness_strerror(r));

	/* blocks at the very end of RAM (mapped 1:1 by the x86 library) */
	top = (volatile uint8_t *)(uintptr_t)(end - sizeof(saved));
	for (unsigned i = 0; i < sizeof(saved); i++)
		saved[i] = top[i];
	{
		volatile struct vmc_req_hdr *hd =
			(volatile struct vmc_req_hdr *)(uintptr_t)(end - sizeof(*hd));

		hd->argsz = sizeof(struct vmc_hello);
		hd->op = VMC_OP_HELLO;
		hd->flags = 0;
		r = harness_call((void *)hd);
		report(r == -VMC_EFAULT, "a HELLO block straddling the end of RAM is EFAULT "
		       "(%d: %s)", r, harness_strerror(r));
	}
	{
		volatile uint32_t *w = (volatile uint32_t *)(uintptr_t)(end - 8);

		w[0] = sizeof(struct vmc_hello);
		w[1] = VMC_OP_HELLO;
		harness_exit_mark();
		harness_submit_raw(end - 8);
		harness_submit_raw(end + 0x10000);
		report(w[0] == sizeof(struct vmc_hello) && w[1] == VMC_OP_HELLO,
		       "a header cut by the end of RAM is left alone (argsz %u, op %#x)", w[0], w[1]);
		r = harness_exit_read(recs, ARRAY_SIZE(recs), VMC_READ_F_INDEX, 0,
				      VMC_CHANNEL_PORT, &total, &lost);
		report(r == 2 && recs[0].data == end - 8 && recs[1].data == end + 0x10000,
		       "unanswerable blocks are still in the exit log (count %d, GPAs 0x%llx 0x%llx)",
		       r, (unsigned long long)recs[0].data, (unsigned long long)recs[1].data);
	}
	for (unsigned i = 0; i < sizeof(saved); i++)
		top[i] = saved[i];

	r = harness_hello(&h);
	report(r == 0 && h.version == VMC_CHAN_VERSION,
	       "the harness still answers HELLO after the bad requests (%d)", r);
	r = harness_log("x86/channel: bad-request checks done");
	report(r == 0, "LOG of a line succeeds (%d)", r);
	report_prefix_pop();
}

/* ---- MSR family (0x02): the harness's emulation and bookkeeping ---- */

#define MSRF_MADE_UP	0x474f4f00u	/* an MSR nobody implements */

static bool gp0(int vec)
{
	return vec == GP_VECTOR && msr_last_error_code() == 0;
}

static void check_msr_migration_control(void)
{
	const uint32_t mc = VMC_MSR_KVM_MIGRATION_CONTROL;
	struct vmc_msr_counters c;
	uint64_t v = ~0ull;
	int vec, rv;
	bool gp;

	report_prefix_push("migration_control emulation");
	msrf_fresh(VMC_MSR_REASON_FILTER);
	msrf_install_one(VMC_MSR_FILTER_DEFAULT_ALLOW, VMC_MSR_FILTER_READ | VMC_MSR_FILTER_WRITE,
			 mc, 1, false);
	vec = msr_read(mc, &v, false, NULL);
	report(!vec && v == 1, "RDMSR 0x%x reads the reset value 1 (spec B.1) (vector %d, got %#lx)",
	       mc, vec, v);
	vec = msr_write(mc, 0, false, NULL);
	rv = msr_read(mc, &v, false, NULL);
	report(!vec && !rv && v == 0, "WRMSR 0 is accepted and reads back 0 (vector %d/%d, got "
	       "%#lx)", vec, rv, v);
	vec = msr_write(mc, 1, false, NULL);
	rv = msr_read(mc, &v, false, NULL);
	report(!vec && !rv && v == 1, "WRMSR 1 (KVM_MIGRATION_READY) is accepted and reads back 1 "
	       "(vector %d/%d, got %#lx)", vec, rv, v);
	vec = msr_write(mc, 2, false, NULL);
	gp = gp0(vec);
	rv = msr_read(mc, &v, false, NULL);
	report(gp && !rv && v == 1, "WRMSR 2 (reserved bit) is refused: #GP(0), the value stays 1 "
	       "(vector %d/%d, got %#lx)", vec, rv, v);
	msrf_counters(mc, 0, &c);
	report(c.rd[0] == 4 && c.rd[3] == 4 && c.wr[0] == 3 && c.wr[3] == 3 &&
	       c.wr_refused == 1 && c.rd_refused == 0,
	       "counters: 4 RDMSR and 3 WRMSR exits, all FILTER, 1 write refused "
	       "(got rd %u wr %u refused %u/%u)", c.rd[0], c.wr[0], c.rd_refused, c.wr_refused);
	msrf_fresh(0);
	report_prefix_pop();
}

static void check_msr_filter_info(void)
{
	struct vmc_msr_filter_info before, mid, after;
	msrf_filter_t f;
	int kr, r;

	report_prefix_push("filter bookkeeping");
	msrf_fresh(VMC_MSR_REASON_FILTER);
	kr = msrf_install_one(VMC_MSR_FILTER_DEFAULT_ALLOW, VMC_MSR_FILTER_READ, MSRF_MADE_UP, 1,
			      false);
	msrf_info(&before);
	/* two sets KVM refuses: reserved range flag (EINVAL), NULL bitmap (EFAULT) */
	msrf_init(&f, VMC_MSR_FILTER_DEFAULT_DENY);
	msrf_add(&f, 0x4, MSRF_MADE_UP, 1, true);
	msrf_install(&f, NULL);
	f.req.ranges[0].flags = VMC_MSR_FILTER_READ;
	f.req.ranges[0].bitmap = 0;
	f.req.null_bitmap_mask = 1;
	msrf_install(&f, NULL);
	msrf_free(&f);
	msrf_info(&mid);
	report(kr == 0 && mid.installed && mid.nranges == 1 && mid.filter_flags == 0 &&
	       mid.sets_ok == before.sets_ok && mid.sets_failed == before.sets_failed + 2,
	       "FILTER_INFO keeps the filter KVM accepted (installed %u, %u ranges, flags %#x; "
	       "failed sets %u -> %u, want +2; ok %u -> %u)", mid.installed, mid.nranges,
	       mid.filter_flags, before.sets_failed, mid.sets_failed, before.sets_ok, mid.sets_ok);
	msrf_init(&f, VMC_MSR_FILTER_DEFAULT_ALLOW);
	f.req.ranges[0].flags = VMC_MSR_FILTER_READ;
	f.req.ranges[0].nmsrs = 64;
	f.req.ranges[0].bitmap = 0xfffffffffffff000ull;
	r = msrf_install(&f, NULL);
	msrf_info(&after);
	report(r == -VMC_EFAULT && after.sets_failed == mid.sets_failed &&
	       after.sets_ok == mid.sets_ok,
	       "a bitmap outside guest RAM is EFAULT without an ioctl (got %d; sets %u/%u -> %u/%u)",
	       r, mid.sets_ok, mid.sets_failed, after.sets_ok, after.sets_failed);
	msrf_fresh(0);
	report_prefix_pop();
}

static void check_msr_bad_requests(void)
{
	struct vmc_msr_policy p;
	struct vmc_msr_last l;
	struct vmc_msr_counters c;
	struct vmc_msr_filter_info before, after;
	msrf_filter_t f;
	int kr, r;

	report_prefix_push("msr bad requests");
	memset(&p, 0, sizeof(p));
	p.hdr.argsz = sizeof(p);
	p.hdr.op = VMC_OP_MSR_POLICY;
	p.rd = VMC_MSR_RD_MAX;
	r = harness_call(&p);
	report(r == -VMC_EINVAL, "MSR_POLICY with an unknown read policy: EINVAL (%d)", r);
	p.rd = 0;
	p.flags = 1u << 7;
	r = harness_call(&p);
	report(r == -VMC_EINVAL, "MSR_POLICY with unknown flags: EINVAL (%d)", r);
	p.flags = 0;
	p.hdr.argsz = sizeof(p) - 8;
	r = harness_call(&p);
	report(r == -VMC_EINVAL, "MSR_POLICY with a short block: EINVAL (%d)", r);
	memset(&l, 0, sizeof(l));
	l.hdr.argsz = sizeof(l);
	l.hdr.op = VMC_OP_MSR_LAST;
	l.buf = 0xfffffffffff00000ull;
	l.max_entries = 4;
	r = harness_call(&l);
	report(r == -VMC_EFAULT, "MSR_LAST into a buffer outside RAM: EFAULT (%d)", r);
	r = msrf_counters(0, 1u << 5, &c);
	report(r == -VMC_EINVAL, "MSR_COUNTERS with unknown flags: EINVAL (%d)", r);
	r = msrf_enable_cap(32 /* KVM_CAP_SYNC_MMU */, 0, 1, &kr);
	report(r == -VMC_EPERM, "MSR_ENABLE_CAP of a cap outside the family: EPERM, no ioctl (%d)",
	       r);
	msrf_info(&before);
	msrf_init(&f, 0);
	f.req.harness_flags = 1u << 9;
	r = msrf_install(&f, &kr);
	msrf_info(&after);
	report(r == -VMC_EINVAL && after.sets_ok + after.sets_failed ==
	       before.sets_ok + before.sets_failed,
	       "MSR_SET_FILTER with unknown harness_flags: EINVAL, no ioctl (%d)", r);
	report_prefix_pop();
}

static void check_msr_family(void)
{
	const char *why;

	report_prefix_push("msr family");
	if (!msrf_available(&why)) {
		report_skip("MIGRATION_CONTROL emulation, FILTER_INFO, bad requests (%s)", why);
	} else {
		check_msr_migration_control();
		check_msr_filter_info();
		check_msr_bad_requests();
	}
	report_prefix_pop();
}

static void check_family_requests(void)
{
	struct vmc_hc_map_read m;
	struct vmc_migrate mg;
	uint8_t st[16];
	uint32_t enc = ~0u;
	int r;

	r = harness_hc_map_read(0x100000, 16, st, &enc);
	report(r == 0 && enc == 0, "HC_MAP_READ: a VM that reported nothing has every page "
	       "decrypted (ret %d, %u encrypted)", r, enc);
	r = harness_hc_map_read(0x100800, 1, st, NULL);
	report(r == -VMC_EINVAL, "HC_MAP_READ of an unaligned gpa: EINVAL (%d)", r);
	r = harness_hc_map_read(hello.ram_size - 0x1000, 2, st, NULL);
	report(r == -VMC_EFAULT, "HC_MAP_READ past the end of RAM: EFAULT (%d)", r);
	memset(&m, 0, sizeof(m));
	m.hdr.argsz = sizeof(m);
	m.hdr.op = VMC_OP_HC_MAP_READ;
	m.npages = VMC_HC_MAP_READ_MAX + 1;
	r = harness_call(&m);
	report(r == -VMC_E2BIG, "HC_MAP_READ of more than 4096 pages: E2BIG (%d)", r);
	m.npages = 8;
	r = harness_call(&m);
	report(r == -VMC_EINVAL, "HC_MAP_READ with argsz too small for npages: EINVAL (%d)", r);
	memset(&mg, 0, sizeof(mg));
	mg.hdr.argsz = sizeof(mg);
	mg.hdr.op = VMC_OP_MIGRATE;
	mg.flags = 1;
	r = harness_call(&mg);
	report(r == -VMC_EINVAL, "MIGRATE with flags set: EINVAL, no migration (%d)", r);
}

int main(int argc, char **argv)
{
	uint32_t probe;
	int r;

	(void)argc;
	(void)argv;
	report_prefix_push("channel");
	if (!harness_present()) {
		report_skip("channel: every check %s (a 32-bit IN from port 0x%x read 0x%x, not "
			    "0x%x)", HARNESS_SKIP_REASON, VMC_CHANNEL_PORT,
			    chan_arch_probe(), VMC_CHAN_MAGIC);
		return report_summary();
	}
	/* harness_present() cached the first probe; a second IN must agree */
	probe = chan_arch_probe();
	report(probe == VMC_CHAN_MAGIC, "probe: every IN from port 0x%x returns the magic 0x%x "
	       "(second IN got 0x%x)", VMC_CHANNEL_PORT, VMC_CHAN_MAGIC, probe);
	r = harness_hello(&hello);
	if (!report(r == 0, "HELLO succeeds (ret %d: %s)", r, harness_strerror(r)))
		return report_summary();
	check_hello();
	check_caps();
	check_exit_log();
	check_expect();
	check_bad_requests();
	check_msr_family();
	check_family_requests();
	return report_summary();
}
