/*
 * hypercall: KVM_HC_MAP_GPA_RANGE (nr 12) reaches userspace as
 * KVM_EXIT_HYPERCALL exactly when KVM_CAP_EXIT_HYPERCALL enables it, with the
 * guest's arguments, and the guest resumes with the value userspace answered.
 * Confidential-guest VMMs track private/shared pages from these exits
 * (specs/kvm-x86.md §B), so a KVM that drops, truncates or misroutes them
 * breaks them.  Rules checked (§B.2-B.4, §F 16-20 and 22):
 *  F16 KVM_CHECK_EXTENSION(KVM_CAP_EXIT_HYPERCALL = 201) equals 0x1000;
 *      ENABLE_CAP with BIT(0) or BIT(13) is EINVAL, with BIT(12) or 0 is 0;
 *      with the cap off nr 12 returns -KVM_ENOSYS (-1000) without an exit;
 *  F17 enabled: nr 12 exits once with nr 12, args[0..2] = gpa, npages,
 *      attrs, the long-mode flag set, RIP on the instruction; the guest
 *      then sees RAX = the answer (all 64 bits) after the instruction;
 *  F18 unaligned gpa, npages 0 or gfn + npages wrapping -> -KVM_EINVAL
 *      (-22) without an exit; reserved attribute bits and a GPA outside
 *      guest memory still exit with the arguments unchanged;
 *  F19 CPL 3 -> -KVM_EPERM (-1) without an exit (nr 12 and nr 1);
 *      nr 1 (KVM_HC_VAPIC_POLL_IRQ) -> 0; nr 99 -> -1000; no exits;
 *  F20 from 32-bit compatibility mode nr and args arrive truncated to 32
 *      bits (also when their upper register halves are set), the long-mode
 *      flag is clear and RAX is the answer's low 32 bits; in 64-bit mode a
 *      GPA above 4 GiB arrives intact;
 *  F22 CHECK_EXTENSION(KVM_CAP_DISABLE_QUIRKS2 = 213) includes bit 5
 *      (FIX_HYPERCALL_INSN); the other vendor's instruction with the quirk
 *      on works and KVM rewrites the 3 bytes at the call site to the native
 *      opcode; with the quirk disabled it raises #UD.
 * Where the harness answers with its own documented error (a range outside
 * RAM, reserved attributes: lib/hypercall-abi.h) that constant is the
 * expected RAX; the map itself is checked by x86/page_enc.c.
 * Needs KVM on VMX or SVM: on kvm_pvm a VMCALL/VMMCALL never returns
 * (specs/kvm-x86.md §E.3), so there the test SKIPs without executing one;
 * ./run_tests.sh --runner=vmtest runs it in a nested kvm_amd.
 */
#include "vmc.h"
#include "processor.h"
#include "channel.h"
#include "hypercall.h"

#define NR_MAP_GPA_RANGE	VMC_KVM_HC_MAP_GPA_RANGE
#define MASK_MAP_GPA_RANGE	(1ull << NR_MAP_GPA_RANGE)
#define RET_ENOSYS		((uint64_t)-VMC_KVM_ENOSYS)
#define RET_EINVAL		((uint64_t)-VMC_KVM_EINVAL)
#define RET_EPERM		((uint64_t)-VMC_KVM_EPERM)
#define ENC			VMC_MAP_GPA_RANGE_ENCRYPTED

static enum hc_insn native, foreign;
static const uint8_t op_vmcall[3] = { 0x0f, 0x01, 0xc1 }, op_vmmcall[3] = { 0x0f, 0x01, 0xd9 };

static uint32_t exits(void)
{
	uint32_t total = ~0u;
	int r = harness_hc_read(0, NULL, &total);

	if (r < 0 && r != -VMC_EINVAL)
		report_abort("HC_READ failed: %s", harness_strerror(r));
	return total;
}

/* harness plumbing: not a KVM check, so a failure aborts instead of counting */
static void config(uint64_t mask, uint64_t answer)
{
	int r = harness_hc_config(mask, answer, NULL);

	if (r)
		report_abort("HC_CONFIG mask 0x%llx failed: %d", (unsigned long long)mask, r);
}

struct call {
	enum hc_insn insn;
	enum hc_mode mode;
	uint64_t nr, gpa, npages, attrs;
};

/*
 * c must exit once with want_args and the long-mode flag want_lm, and the
 * guest must resume with want_ret; answer is what the harness is told.
 */
static void check_exit(const char *what, const struct call *c, const uint64_t want_args[3],
		       bool want_lm, uint64_t answer, uint64_t want_ret)
{
	struct vmc_hc_rec rec;
	struct hc_result res;
	uint32_t total;
	int r;

	report_prefix_push(what);
	config(MASK_MAP_GPA_RANGE, answer);
	res = kvm_hypercall(c->insn, c->mode, c->nr, c->gpa, c->npages, c->attrs);
	r = harness_hc_read(0, &rec, &total);
	if (!report(r == 0 && total == 1 && res.vector < 0,
		    "nr 12 exits to userspace exactly once (%u exits, ret %d, vector %d, RAX 0x%llx)",
		    total, r, res.vector, (unsigned long long)res.ret)) {
		report_prefix_pop();
		return;
	}
	report(rec.nr == NR_MAP_GPA_RANGE, "exit nr is 12 (got %llu)", (unsigned long long)rec.nr);
	report(rec.args[0] == want_args[0] && rec.args[1] == want_args[1] &&
	       rec.args[2] == want_args[2],
	       "exit args are 0x%llx 0x%llx 0x%llx (got 0x%llx 0x%llx 0x%llx)",
	       (unsigned long long)want_args[0], (unsigned long long)want_args[1],
	       (unsigned long long)want_args[2], (unsigned long long)rec.args[0],
	       (unsigned long long)rec.args[1], (unsigned long long)rec.args[2]);
	report(!!(rec.flags & VMC_HC_F_LONG_MODE) == want_lm,
	       "exit long-mode flag is %d (flags 0x%x)", want_lm, rec.flags);
	report(rec.rip == res.at, "exit RIP is the hypercall instruction 0x%llx (got 0x%llx)",
	       (unsigned long long)res.at, (unsigned long long)rec.rip);
	report(res.ret == want_ret, "the guest resumes after it with RAX 0x%llx (got 0x%llx)",
	       (unsigned long long)want_ret, (unsigned long long)res.ret);
	report_prefix_pop();
}

static void check_exit64(const char *what, uint64_t gpa, uint64_t npages, uint64_t attrs,
			 uint64_t answer, uint64_t want_ret)
{
	struct call c = { native, HC_LONG, NR_MAP_GPA_RANGE, gpa, npages, attrs };
	uint64_t args[3] = { gpa, npages, attrs };

	check_exit(what, &c, args, true, answer, want_ret);
}

/* a hypercall KVM must answer itself with ret_want, without an exit */
static void check_no_exit(const char *what, enum hc_mode mode, uint64_t nr, uint64_t gpa,
			  uint64_t npages, uint64_t ret_want, const char *want)
{
	uint32_t before = exits(), after;
	struct hc_result res = kvm_hypercall(native, mode, nr, gpa, npages, 0);

	after = exits();
	report(res.ret == ret_want && after == before && res.vector < 0,
	       "%s: nr %llu returns %s (0x%llx) without an exit (got 0x%llx, %u exits, vector %d)",
	       what, (unsigned long long)nr, want, (unsigned long long)ret_want,
	       (unsigned long long)res.ret, after - before, res.vector);
}

/* F22: the other vendor's instruction, quirk on then off */
static void wrong_vendor(void)
{
	uint8_t *site = foreign == HC_VMCALL ? hc_site_vmcall : hc_site_vmmcall;
	const uint8_t *own = foreign == HC_VMCALL ? op_vmcall : op_vmmcall;
	const uint8_t *nat = native == HC_VMCALL ? op_vmcall : op_vmmcall;
	struct call c = { foreign, HC_LONG, NR_MAP_GPA_RANGE, 0x200000, 1, ENC };
	uint64_t args[3] = { 0x200000, 1, ENC };
	struct hc_result res;
	int64_t quirks = -1;
	int kr = 1, r;

	report_prefix_push("wrong vendor");
	r = harness_caps(VMC_KVM_CAP_DISABLE_QUIRKS2, VMC_CAPS_VM, &quirks);
	report(r == 0 && (quirks & VMC_KVM_X86_QUIRK_FIX_HYPERCALL_INSN),
	       "CHECK_EXTENSION(KVM_CAP_DISABLE_QUIRKS2) includes bit 5 (got 0x%llx, ret %d)",
	       (unsigned long long)quirks, r);
	if (memcmp(site, own, 3))
		report_abort("the %s site does not hold its own opcode", foreign == HC_VMCALL ?
			     "VMCALL" : "VMMCALL");
	check_exit("quirk on", &c, args, true, 0x77, 0x77);
	report(!memcmp(site, nat, 3), "quirk on: KVM rewrote the call site to the native "
	       "%02x %02x %02x (now %02x %02x %02x)", nat[0], nat[1], nat[2], site[0], site[1],
	       site[2]);
	/* put the other vendor's opcode back for the quirk-off case */
	memcpy(site, own, 3);
	r = harness_hc_quirks(VMC_KVM_X86_QUIRK_FIX_HYPERCALL_INSN, &kr, NULL);
	if (r)
		report_abort("HC_QUIRKS failed: %d", r);
	report(kr == 0, "KVM_ENABLE_CAP(DISABLE_QUIRKS2, bit 5) succeeds (got %d)", kr);
	config(MASK_MAP_GPA_RANGE, 0x77);
	res = kvm_hypercall(foreign, HC_LONG, NR_MAP_GPA_RANGE, 0x200000, 1, ENC);
	report(res.vector == UD_VECTOR && exits() == 0,
	       "quirk off: the other vendor's instruction raises #UD, no exit (vector %d, %u exits)",
	       res.vector, exits());
	report(!memcmp(site, own, 3), "quirk off: the call site is left alone (%02x %02x %02x, "
	       "now %02x %02x %02x)", own[0], own[1], own[2], site[0], site[1], site[2]);
	check_exit64("quirk off, native", 0x200000, 1, 0, 0x78, 0x78);
	report_prefix_pop();
}

int main(int argc, char **argv)
{
	struct vmc_hello hello;
	int64_t cap = -1;
	int r;

	(void)argc;
	(void)argv;
	report_prefix_push("hypercall");
	if (!harness_present()) {
		report_skip("KVM_HC_MAP_GPA_RANGE exits: %s (runner = harness or vmtest)",
			    HARNESS_SKIP_REASON);
		return report_summary();
	}
	r = harness_hello(&hello);
	if (r < 0)
		report_abort("HELLO failed: %s", harness_strerror(r));
	if (!(hello.features & VMC_FEAT_HOST_VMX_SVM)) {
		report_skip("KVM_HC_MAP_GPA_RANGE exits: VMCALL is not a VM exit on %s; needs a "
			    "VMX/SVM host (./run_tests.sh --runner=vmtest runs it in a nested kvm_amd)",
			    hello.flavor == VMC_FLAVOR_KVM_PVM ? "kvm_pvm" : "this host");
		return report_summary();
	}
	native = hc_native(hello.flavor);
	foreign = native == HC_VMCALL ? HC_VMMCALL : HC_VMCALL;
	report_info("host flavor %u, native %s", hello.flavor,
		    native == HC_VMCALL ? "VMCALL" : "VMMCALL");

	r = harness_caps(VMC_KVM_CAP_EXIT_HYPERCALL, VMC_CAPS_VM, &cap);
	if (r < 0 || cap <= 0) {
		report_skip("KVM_HC_MAP_GPA_RANGE exits: needs KVM_CAP_EXIT_HYPERCALL (Linux 5.14+; "
			    "CHECK_EXTENSION gave %lld, ret %d)", (long long)cap, r);
		return report_summary();
	}
	/* F16 */
	report(cap == MASK_MAP_GPA_RANGE,
	       "KVM_CHECK_EXTENSION(KVM_CAP_EXIT_HYPERCALL) on the VM is 0x1000 (got 0x%llx)",
	       (unsigned long long)cap);
	r = harness_caps(VMC_KVM_CAP_EXIT_HYPERCALL, VMC_CAPS_SYSTEM, &cap);
	report(r == 0 && cap == MASK_MAP_GPA_RANGE,
	       "KVM_CHECK_EXTENSION(KVM_CAP_EXIT_HYPERCALL) on /dev/kvm is 0x1000 (got 0x%llx)",
	       (unsigned long long)cap);
	r = harness_hc_config(0, 0x5a5a, NULL);
	report(r == 0, "KVM_ENABLE_CAP(EXIT_HYPERCALL, 0) succeeds (got %d)", r);
	check_no_exit("cap off", HC_LONG, NR_MAP_GPA_RANGE, 0x200000, 1, RET_ENOSYS,
		      "-KVM_ENOSYS");
	r = harness_hc_config(1, 0, NULL);
	report(r == -VMC_EINVAL, "KVM_ENABLE_CAP(EXIT_HYPERCALL, BIT(0)) fails with EINVAL (%d)", r);
	r = harness_hc_config(MASK_MAP_GPA_RANGE << 1, 0, NULL);
	report(r == -VMC_EINVAL, "KVM_ENABLE_CAP(EXIT_HYPERCALL, BIT(13)) fails with EINVAL (%d)",
	       r);
	r = harness_hc_config(MASK_MAP_GPA_RANGE, 0, NULL);
	report(r == 0, "KVM_ENABLE_CAP(EXIT_HYPERCALL, BIT(12)) succeeds (got %d)", r);

	/* F17, F18 (exits), F20 (64-bit GPA above 4 GiB) */
	check_exit64("4K encrypted", 0x200000, 4, ENC, 0x0123456789abcdefull,
		     0x0123456789abcdefull);
	check_exit64("above 4 GiB", 0x100200000ull, 8, 0, 0, VMC_HC_RET_OUTSIDE_RAM);
	check_exit64("2M decrypted", 0x600000, 512, VMC_MAP_GPA_RANGE_PAGE_SZ_2M, 0, 0);
	check_exit64("1G encrypted, outside RAM", 0x40000000, 262144,
		     VMC_MAP_GPA_RANGE_PAGE_SZ_1G | ENC, 0, VMC_HC_RET_OUTSIDE_RAM);
	check_exit64("reserved attrs", 0x200000, 1, ENC | (1ull << 5) | (1ull << 63), 0,
		     VMC_HC_RET_BAD_ATTRS);

	/* F18, F19: KVM answers these itself */
	config(MASK_MAP_GPA_RANGE, 0x5a5a);
	check_no_exit("unaligned gpa", HC_LONG, NR_MAP_GPA_RANGE, 0x200010, 1, RET_EINVAL,
		      "-KVM_EINVAL");
	check_no_exit("npages 0", HC_LONG, NR_MAP_GPA_RANGE, 0x200000, 0, RET_EINVAL,
		      "-KVM_EINVAL");
	check_no_exit("gfn + npages wraps", HC_LONG, NR_MAP_GPA_RANGE, 0x1000, ~0ull, RET_EINVAL,
		      "-KVM_EINVAL");
	check_no_exit("unknown nr", HC_LONG, 99, 0x200000, 1, RET_ENOSYS, "-KVM_ENOSYS");
	check_no_exit("VAPIC_POLL_IRQ", HC_LONG, 1, 0, 0, 0, "0");
	check_no_exit("CPL 3", HC_USER, NR_MAP_GPA_RANGE, 0x200000, 1, RET_EPERM, "-KVM_EPERM");
	check_no_exit("CPL 3", HC_USER, 1, 0, 0, RET_EPERM, "-KVM_EPERM");

	/*
	 * F20: compatibility mode, first with clean upper register halves, then
	 * with set ones KVM must drop (Debian 6.12.117 kvm_emulate_hypercall()
	 * compares the untruncated RAX with 12 and swallows the exit: RAX 0).
	 */
	{
		struct call c0 = { native, HC_COMPAT32, NR_MAP_GPA_RANGE, 0x300000, 2, ENC };
		uint64_t args0[3] = { 0x300000, 2, ENC };

		check_exit("32-bit caller, clean upper halves", &c0, args0, false, 0x1234567890abcdefull,
			   0x90abcdefull);
	}
	{
		struct call c = { native, HC_COMPAT32, 0xffffffff00000000ull | NR_MAP_GPA_RANGE,
				  0xdead000000300000ull, 0xbeef000000000002ull,
				  0xffffffff00000010ull };
		uint64_t args[3] = { 0x300000, 2, ENC };

		check_exit("32-bit caller", &c, args, false, 0x1234567890abcdefull, 0x90abcdefull);
		config(MASK_MAP_GPA_RANGE, 0x5a5a);
		check_no_exit("32-bit caller, unaligned", HC_COMPAT32, NR_MAP_GPA_RANGE, 0x300010, 1,
			      (uint32_t)RET_EINVAL, "(u32)-KVM_EINVAL");
		check_no_exit("32-bit caller, nr 99", HC_COMPAT32, 99, 0x300000, 1,
			      (uint32_t)RET_ENOSYS, "(u32)-KVM_ENOSYS");
	}

	wrong_vendor();

	r = harness_hc_config(0, 0, NULL);
	report(r == 0, "KVM_ENABLE_CAP(EXIT_HYPERCALL, 0) disables the exits again (got %d)", r);
	check_no_exit("cap disabled", HC_LONG, NR_MAP_GPA_RANGE, 0x200000, 1, RET_ENOSYS,
		      "-KVM_ENOSYS");
	report_prefix_pop();
	return report_summary();
}
